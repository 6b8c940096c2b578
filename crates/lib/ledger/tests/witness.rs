//! Witnesses cosign exports that extend what they cosigned before, refuse forks, and verifiers
//! count their cosignatures against a quorum.

use ledger::{DirSource, Ledger, VerifyError, VerifyOptions, WitnessHome, verify_export};

use crate::{ledger_with, note, temp_dir};

#[test]
fn witnesses_cosign_growing_logs_and_refuse_forks() {
    let dir = temp_dir("witness");
    let mut ledger = ledger_with(&dir.join("log"), 8, 3);
    let out = dir.join("out");
    ledger.export(&out).unwrap();
    let w1 = WitnessHome::open(&dir.join("w1"), Some("w1.example")).unwrap();
    let w2 = WitnessHome::open(&dir.join("w2"), Some("w2.example")).unwrap();
    let log_key = ledger.verifier();
    let first = w1.cosign_export(&out, &log_key, 1_000).unwrap();
    assert_eq!((first.size, first.previous_size), (8, 0));
    w2.cosign_export(&out, &log_key, 1_001).unwrap();

    let policy = |quorum| VerifyOptions {
        log_key: Some(log_key.clone()),
        witnesses: vec![w1.verifier(), w2.verifier()],
        quorum,
        ..VerifyOptions::default()
    };
    let source = DirSource(out.clone());
    let report = verify_export(&source, &policy(2)).unwrap();
    assert_eq!(report.cosigners.len(), 2);

    // The log grows; re-exporting at a new size drops the old cosignatures, w1 cosigns again after
    // checking consistency with size 8, and a quorum of 2 is no longer met.
    for i in 8..30 {
        ledger.append(note(i)).unwrap();
    }
    ledger.export(&out).unwrap();
    let second = w1.cosign_export(&out, &log_key, 2_000).unwrap();
    assert_eq!((second.size, second.previous_size), (30, 8));
    assert!(verify_export(&source, &policy(1)).is_ok());
    match verify_export(&source, &policy(2)) {
        Err(VerifyError::Failed(problems)) => {
            assert!(
                problems[0].contains("1 of the trusted witnesses"),
                "{problems:?}"
            )
        }
        other => panic!("{other:?}"),
    }
    // Re-exporting at the same size keeps the cosignature.
    ledger.export(&out).unwrap();
    assert!(verify_export(&source, &policy(1)).is_ok());

    // A fork of the log under the same key: w1 (which saw size 30) refuses it.
    let fork_dir = dir.join("fork");
    std::fs::create_dir_all(&fork_dir).unwrap();
    let key_path = fork_dir.join("log.key");
    std::fs::copy(dir.join("log/log.key"), &key_path).unwrap();
    let mut fork = Ledger::open(&fork_dir, None).unwrap();
    for i in 0..31 {
        fork.append(note(i + 1)).unwrap();
    }
    let fork_out = dir.join("fork-out");
    fork.export(&fork_out).unwrap();
    let err = w1.cosign_export(&fork_out, &log_key, 3_000).unwrap_err();
    assert!(err.to_string().contains("not consistent"), "{err}");
    // A witness that never saw the log accepts it (trust on first use)...
    let w3 = WitnessHome::open(&dir.join("w3"), None).unwrap();
    assert!(w3.cosign_export(&fork_out, &log_key, 3_000).is_ok());
    // ...and an export signed by another key is refused.
    let other = Ledger::open(&dir.join("other"), Some("example.org/test-log")).unwrap();
    let err = w1
        .cosign_export(&out, &other.verifier(), 4_000)
        .unwrap_err();
    assert!(err.to_string().contains("does not verify"), "{err}");
}
