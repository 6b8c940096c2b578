//! Appends, reopening, crash recovery at every byte, refusal of damaged acknowledged data, key
//! files and artifacts.

use ledger::frame;
use ledger::{Entry, Ledger, LedgerError, NewEntry, VerifyOptions, verify_export};
use tlog::note::KeyType;

use crate::{ledger_with, note, temp_dir};

#[test]
fn appends_survive_reopening_and_batches_keep_their_order() {
    let dir = temp_dir("reopen");
    let root = {
        let mut ledger = ledger_with(&dir, 10, 3);
        assert_eq!(ledger.append(note(10)).unwrap(), 10);
        assert_eq!(ledger.append_batch(&[note(11), note(12)]).unwrap(), 11..13);
        ledger.root()
    };
    let ledger = Ledger::open(&dir, None).unwrap();
    assert_eq!(ledger.size(), 13);
    assert_eq!(ledger.root(), root);
    assert_eq!(ledger.origin(), "example.org/test-log");
    for i in 0..13 {
        let entry = Entry::parse(ledger.entry(i).unwrap()).unwrap();
        assert_eq!(entry.body["n"], i, "entry {i}");
    }
    drop(ledger);
    assert!(matches!(
        Ledger::open(&dir, Some("other.example/log")),
        Err(LedgerError::OriginMismatch { .. })
    ));
}

/// A crash leaves some prefix of the entries file on disk. For prefixes of a file written by three
/// batches, reopening succeeds, keeps exactly the batches wholly written (every acknowledged one),
/// keeps the cut-off bytes in `torn/`, and the result takes appends, exports and verifies.
///
/// Every recovery costs a few `fsync`s, so this takes every cut within 3 bytes of a frame boundary
/// and every 11th byte elsewhere; `frame::tests::every_prefix_recovers_to_the_complete_frames`
/// checks the recovery rule itself at every byte.
#[test]
fn a_crash_at_any_byte_loses_nothing_acknowledged_and_verifies() {
    let dir = temp_dir("every-byte");
    let original = dir.join("original");
    let mut boundaries = vec![0];
    {
        let mut ledger = Ledger::open(&original, Some("example.org/test-log")).unwrap();
        for batch in [
            vec![note(0), note(1)],
            vec![note(2)],
            vec![note(3), note(4), note(5)],
        ] {
            ledger.append_batch(&batch).unwrap();
            boundaries.push(
                std::fs::metadata(original.join("entries.bpl"))
                    .unwrap()
                    .len(),
            );
        }
    }
    let bytes = std::fs::read(original.join("entries.bpl")).unwrap();
    let key = std::fs::read(original.join("log.key")).unwrap();
    let counts = [0u64, 2, 3, 6];
    let copy = dir.join("copy");
    let near_boundary = |cut: usize| boundaries.iter().any(|&b| (cut as u64).abs_diff(b) <= 3);
    for cut in (0..=bytes.len()).filter(|&c| near_boundary(c) || c % 11 == 0) {
        let _ = std::fs::remove_dir_all(&copy);
        std::fs::create_dir_all(&copy).unwrap();
        std::fs::write(copy.join("entries.bpl"), &bytes[..cut]).unwrap();
        write_private(&copy.join("log.key"), &key);
        let mut ledger = Ledger::open(&copy, None).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
        let complete = boundaries.iter().filter(|&&b| b <= cut as u64).count() - 1;
        assert_eq!(ledger.size(), counts[complete], "cut {cut}");
        let torn = cut as u64 - boundaries[complete];
        assert_eq!(ledger.recovery().torn_bytes as u64, torn, "cut {cut}");
        assert_eq!(
            std::fs::metadata(copy.join("entries.bpl")).unwrap().len(),
            boundaries[complete]
        );
        // The recovered log takes new appends and verifies (checked in depth on a few cuts).
        if cut % 7 == 0 || torn == 0 {
            ledger.append(note(99)).unwrap();
            let out = copy.join("export");
            ledger.export(&out).unwrap();
            verify_export(&ledger::DirSource(out), &VerifyOptions::default()).unwrap();
        }
    }
}

fn write_private(path: &std::path::Path, bytes: &[u8]) {
    std::fs::write(path, bytes).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

#[test]
fn damage_to_acknowledged_entries_is_refused_not_repaired() {
    let dir = temp_dir("damaged");
    drop(ledger_with(&dir, 6, 2));
    let path = dir.join("entries.bpl");
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[30] ^= 1; // inside the first frame, which two later frames follow
    std::fs::write(&path, &bytes).unwrap();
    let err = Ledger::open(&dir, None).unwrap_err();
    assert!(matches!(err, LedgerError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("acknowledged"), "{err}");
    // Nothing was cut.
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn losing_signed_entries_is_noticed_on_open() {
    let dir = temp_dir("lost-signed");
    {
        let mut ledger = ledger_with(&dir, 6, 2);
        ledger.checkpoint().unwrap();
    }
    // Cut the last frame off, as a disk that lied about fsync might.
    let path = dir.join("entries.bpl");
    let bytes = std::fs::read(&path).unwrap();
    let scan_len = frame::scan(&bytes[..bytes.len() - 1]).unwrap().valid_len;
    std::fs::write(&path, &bytes[..scan_len]).unwrap();
    let err = Ledger::open(&dir, None).unwrap_err();
    assert!(
        matches!(err, LedgerError::CheckpointMismatch { size: 6, .. }),
        "{err}"
    );
}

#[test]
fn checkpoints_are_signed_once_per_size_and_extend_each_other() {
    let dir = temp_dir("checkpoints");
    let mut ledger = ledger_with(&dir, 3, 3);
    let (first, note_text) = ledger.checkpoint().unwrap();
    assert_eq!(first.size, 3);
    assert_eq!(ledger.checkpoint().unwrap().1, note_text);
    ledger.append(note(3)).unwrap();
    let (second, _) = ledger.checkpoint().unwrap();
    assert_eq!(second.size, 4);
    drop(ledger);
    assert_eq!(
        Ledger::open(&dir, None).unwrap().checkpoint().unwrap().0,
        second
    );
}

#[test]
fn proofs_of_every_entry_verify_offline() {
    let dir = temp_dir("proofs");
    let mut ledger = ledger_with(&dir, 37, 5);
    let policy = tlog::CheckpointPolicy::log_only(ledger.verifier());
    for index in 0..37 {
        let bundle = ledger.prove(index).unwrap();
        let text = bundle.to_text();
        let parsed = tlog::proof_bundle::ProofBundle::parse(&text).unwrap();
        parsed.verify(&policy, None).unwrap();
        assert_eq!(parsed.extra.as_deref(), Some(ledger.entry(index).unwrap()));
    }
    assert!(matches!(
        ledger.prove(37),
        Err(LedgerError::NoSuchEntry { .. })
    ));
}

#[cfg(unix)]
#[test]
fn the_key_file_is_private_and_a_readable_one_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("key-perms");
    drop(ledger_with(&dir, 1, 1));
    let key = dir.join("log.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = Ledger::open(&dir, None).unwrap_err().to_string();
    assert!(err.contains("chmod 600") && err.contains("644"), "{err}");
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    assert!(Ledger::open(&dir, None).is_ok());
    // A witness key is not a log key.
    let other = temp_dir("key-type");
    ledger::keys::load_or_create(&other.join("log.key"), "w.example", KeyType::CosignatureV1)
        .unwrap();
    assert!(Ledger::open(&other, None).is_err());
}

#[test]
fn artifacts_are_stored_by_hash_and_logged() {
    let dir = temp_dir("artifacts");
    let mut ledger = Ledger::open(&dir, None).unwrap();
    let bytes = b"Batch Name,Number of Ballots\nA,10\n";
    let index = ledger
        .add_artifact("clerk", "manifest.csv", "text/csv", bytes)
        .unwrap();
    let entry = Entry::parse(ledger.entry(index).unwrap()).unwrap();
    assert_eq!(entry.kind, "artifact");
    let hash = entry.content_hash().unwrap();
    assert_eq!(ledger.artifact(&hash).unwrap(), bytes);
    assert!(ledger.artifact(&tlog::Hash::sha256(b"other")).is_err());
    // Typed helpers for the components that will log through the ledger.
    let helpers = [
        NewEntry::login("ana", "success", "password+totp").unwrap(),
        NewEntry::permission_change("admin", "ana", "audit-board", true).unwrap(),
        NewEntry::roll_snapshot("clerk", "Adams", 1200, tlog::Hash::sha256(b"roll")).unwrap(),
        NewEntry::software_manifest("ci", "ballotproof", "0.1.0", tlog::Hash::sha256(b"m"))
            .unwrap(),
    ];
    let range = ledger.append_batch(&helpers).unwrap();
    let kinds: Vec<String> = range
        .map(|i| Entry::parse(ledger.entry(i).unwrap()).unwrap().kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "auth.login",
            "auth.permission",
            "roll.snapshot",
            "software.manifest"
        ]
    );
}

#[test]
fn group_commit_gives_every_thread_its_own_durable_index() {
    let dir = temp_dir("group");
    let shared = ledger::SharedLedger::new(Ledger::open(&dir, None).unwrap());
    let indexes: Vec<(u64, u64, u64)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6u64)
            .map(|t| {
                let shared = &shared;
                scope.spawn(move || {
                    (0..25u64)
                        .map(|i| {
                            let entry =
                                NewEntry::new("note", "t", serde_json::json!({"t": t, "i": i}))
                                    .unwrap();
                            (shared.append(entry).unwrap(), t, i)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut seen: Vec<u64> = indexes.iter().map(|x| x.0).collect();
    seen.sort_unstable();
    assert_eq!(seen, (0..150).collect::<Vec<_>>());
    // A refused entry fails alone.
    let too_big = NewEntry::new("note", "t", serde_json::json!({"x": "y".repeat(70_000)})).unwrap();
    assert!(shared.append(too_big).is_err());
    let ledger = shared.with_ledger(|l| l.size()).unwrap();
    assert_eq!(ledger, 150);
    drop(shared);
    let reopened = Ledger::open(&dir, None).unwrap();
    for (index, t, i) in indexes {
        let entry = Entry::parse(reopened.entry(index).unwrap()).unwrap();
        assert_eq!(
            (entry.body["t"].as_u64(), entry.body["i"].as_u64()),
            (Some(t), Some(i))
        );
    }
}
