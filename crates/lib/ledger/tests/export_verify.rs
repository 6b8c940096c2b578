//! Exports and their offline verification: the layout, tamper tests over every byte of a small
//! export and a sample of a larger one, previous checkpoints, artifacts, and random append
//! sequences.

use std::collections::BTreeMap;

use ledger::{Ledger, VerifyError, VerifyOptions, verify_export};
use proptest::prelude::*;
use tlog::Hash;

use crate::{ledger_with, note, read_tree, temp_dir};

fn failure(files: &BTreeMap<String, Vec<u8>>, options: &VerifyOptions) -> String {
    match verify_export(files, options) {
        Ok(_) => String::new(),
        Err(VerifyError::Failed(problems)) => problems.join("\n"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn an_export_has_the_c2sp_layout_and_verifies() {
    let dir = temp_dir("layout");
    let mut ledger = ledger_with(&dir.join("log"), 300, 64);
    let summary = ledger.export(&dir.join("out")).unwrap();
    assert_eq!(summary.size, 300);
    let files = read_tree(&dir.join("out"));
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "checkpoint",
            "key.vkey",
            "tile/0/000",
            "tile/0/001.p/44",
            "tile/1/000.p/1",
            "tile/entries/000",
            "tile/entries/001.p/44",
        ]
    );
    assert_eq!(files["tile/0/000"].len(), 8192);
    let report = verify_export(&files, &VerifyOptions::default()).unwrap();
    assert_eq!(report.checkpoint.size, 300);
    assert!(report.key_from_export);
    assert_eq!(report.foreign_entries, 0);
}

/// Flips one bit of every byte of every file of a small export: each must fail verification with a
/// message naming the file.
#[test]
fn flipping_any_byte_of_a_small_export_fails_and_names_the_file() {
    let dir = temp_dir("tamper-small");
    let mut ledger = ledger_with(&dir.join("log"), 5, 2);
    ledger.export(&dir.join("out")).unwrap();
    let files = read_tree(&dir.join("out"));
    assert!(verify_export(&files, &VerifyOptions::default()).is_ok());
    let mut flips = 0;
    for (name, bytes) in &files {
        for at in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut tampered = files.clone();
                tampered.get_mut(name).unwrap()[at] ^= bit;
                let message = failure(&tampered, &VerifyOptions::default());
                assert!(
                    message.contains(name.as_str()),
                    "{name} byte {at} ^ {bit:#x}: {message:?}"
                );
                flips += 1;
            }
        }
    }
    assert!(flips > 1000, "{flips}");
}

/// A larger export (full tiles, a level-1 tile) is tampered at random bytes; every flip fails and
/// names the file it hit (a tampered tile may also be reported through its parent).
#[test]
fn flipping_sampled_bytes_of_a_larger_export_fails_and_names_the_file() {
    let dir = temp_dir("tamper-large");
    let mut ledger = ledger_with(&dir.join("log"), 600, 100);
    ledger.export(&dir.join("out")).unwrap();
    let files = read_tree(&dir.join("out"));
    let names: Vec<&String> = files.keys().collect();
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..300 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let name = names[(state % names.len() as u64) as usize];
        let at = ((state >> 20) % files[name].len() as u64) as usize;
        let mut tampered = files.clone();
        tampered.get_mut(name).unwrap()[at] ^= 1 << (state % 8);
        let message = failure(&tampered, &VerifyOptions::default());
        assert!(
            message.contains(name.as_str()),
            "{name} byte {at}: {message:?}"
        );
    }
    // The documented message for a level-0 tile that no longer matches its parent.
    let mut tampered = files.clone();
    tampered.get_mut("tile/0/001").unwrap()[100] ^= 1;
    let message = failure(&tampered, &VerifyOptions::default());
    assert!(
        message.contains("tile 0/1 hash does not match level-1 tile 1/0 at index 1"),
        "{message}"
    );
    // A missing tile is named too.
    let mut missing = files.clone();
    missing.remove("tile/entries/001");
    assert!(failure(&missing, &VerifyOptions::default()).contains("tile/entries/001"));
}

#[test]
fn the_log_must_extend_a_previous_checkpoint_signed_by_the_same_key() {
    let dir = temp_dir("previous");
    let mut ledger = ledger_with(&dir.join("log"), 20, 7);
    let (_, old_note) = ledger.checkpoint().unwrap();
    for i in 20..45 {
        ledger.append(note(i)).unwrap();
    }
    ledger.export(&dir.join("out")).unwrap();
    let files = read_tree(&dir.join("out"));
    let with_previous = |bytes: &str| VerifyOptions {
        previous_checkpoint: Some(("old-checkpoint".into(), bytes.as_bytes().to_vec())),
        ..VerifyOptions::default()
    };
    let report = verify_export(&files, &with_previous(&old_note)).unwrap();
    assert_eq!(report.previous_size, Some(20));

    // A different history signed by the same key (a rewritten log) is not an extension.
    let key = std::fs::read(dir.join("log/log.key")).unwrap();
    let forked = dir.join("fork");
    std::fs::create_dir_all(&forked).unwrap();
    std::fs::write(forked.join("log.key"), &key).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            forked.join("log.key"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
    }
    let mut fork = Ledger::open(&forked, None).unwrap();
    for i in 0..20 {
        fork.append(if i == 3 { crate::note(1000) } else { note(i) })
            .unwrap();
    }
    let (_, forked_note) = fork.checkpoint().unwrap();
    let message = failure(&files, &with_previous(&forked_note));
    assert!(
        message.contains("not an extension of previous checkpoint old-checkpoint"),
        "{message}"
    );
    // A previous checkpoint bigger than the log: it shrank.
    for i in 20..50 {
        fork.append(note(i)).unwrap();
    }
    let (_, bigger) = fork.checkpoint().unwrap();
    assert!(failure(&files, &with_previous(&bigger)).contains("shrank"));
    // A previous checkpoint by another key is refused.
    let stranger = Ledger::open(&dir.join("stranger"), Some("example.org/test-log")).unwrap();
    drop(stranger);
    let mut stranger = Ledger::open(&dir.join("stranger"), None).unwrap();
    stranger.append(note(0)).unwrap();
    let (_, foreign) = stranger.checkpoint().unwrap();
    assert!(failure(&files, &with_previous(&foreign)).contains("previous checkpoint"));
}

#[test]
fn artifacts_are_found_and_proven_by_hash() {
    let dir = temp_dir("artifact-verify");
    let mut ledger = ledger_with(&dir.join("log"), 10, 10);
    ledger
        .add_artifact("clerk", "cvr.csv", "text/csv", b"cvr bytes")
        .unwrap();
    ledger.export(&dir.join("out")).unwrap();
    let files = read_tree(&dir.join("out"));
    let options = VerifyOptions {
        artifacts: vec![("cvr.csv".into(), Hash::sha256(b"cvr bytes"))],
        ..VerifyOptions::default()
    };
    let report = verify_export(&files, &options).unwrap();
    assert_eq!(report.artifacts[0].index, 10);
    assert_eq!(report.artifacts[0].kind, "artifact");
    let missing = VerifyOptions {
        artifacts: vec![("other.csv".into(), Hash::sha256(b"other"))],
        ..VerifyOptions::default()
    };
    assert!(failure(&files, &missing).contains("other.csv"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// Random sequences of batch sizes: the export verifies, consistency with every earlier
    /// checkpoint holds, and every entry's proof verifies.
    #[test]
    fn random_append_sequences_export_and_verify(batches in proptest::collection::vec(1u64..40, 1..8)) {
        let dir = temp_dir(&format!("random-{}", batches.iter().map(|b| b.to_string()).collect::<Vec<_>>().join("-")));
        let mut ledger = Ledger::open(&dir.join("log"), Some("example.org/test-log")).unwrap();
        let mut checkpoints = Vec::new();
        let mut n = 0;
        for batch in &batches {
            let entries: Vec<_> = (n..n + batch).map(note).collect();
            ledger.append_batch(&entries).unwrap();
            n += batch;
            checkpoints.push(ledger.checkpoint().unwrap().1);
        }
        ledger.export(&dir.join("out")).unwrap();
        let files = read_tree(&dir.join("out"));
        for old in &checkpoints {
            let options = VerifyOptions {
                previous_checkpoint: Some(("old".into(), old.as_bytes().to_vec())),
                ..VerifyOptions::default()
            };
            prop_assert!(verify_export(&files, &options).is_ok());
        }
        let policy = tlog::CheckpointPolicy::log_only(ledger.verifier());
        for index in 0..n {
            prop_assert!(ledger.prove(index).unwrap().verify(&policy, None).is_ok());
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
