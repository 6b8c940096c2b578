//! `ballotproof log`: appends, checkpoints, exports, proofs, offline verification with its exit
//! codes and messages, witnesses, and a crash test that kills an appending process with SIGKILL.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::{ballotproof, stderr, stdout, temp_dir};

fn log(data: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["--data-dir", data.to_str().unwrap(), "log"];
    all.extend_from_slice(args);
    ballotproof(&all)
}

fn ok(output: std::process::Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(&output),
        stderr(&output)
    );
    stdout(&output)
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn append_checkpoint_export_prove_and_verify() {
    let dir = temp_dir("log-happy");
    let data = dir.join("data");
    let first = ok(log(
        &data,
        &[
            "append",
            "--kind",
            "note",
            "--body",
            r#"{"text":"seed ceremony at 10:00"}"#,
            "--origin",
            "example-county.gov/ballotproof/2026",
        ],
    ));
    assert_eq!(first, "0\n");
    let manifest = dir.join("manifest.csv");
    std::fs::write(&manifest, "Batch Name,Number of Ballots\nA,10\n").unwrap();
    let second = ok(log(
        &data,
        &[
            "append",
            "--kind",
            "artifact",
            "--body",
            r#"{"name":"manifest.csv"}"#,
            "--artifact",
            path(&manifest),
        ],
    ));
    assert_eq!(second, "1\n");
    let checkpoint = ok(log(&data, &["checkpoint"]));
    assert!(
        checkpoint.starts_with("example-county.gov/ballotproof/2026\n2\n"),
        "{checkpoint}"
    );
    let saved = dir.join("checkpoint-2");
    std::fs::write(&saved, &checkpoint).unwrap();
    ok(log(
        &data,
        &[
            "append",
            "--kind",
            "audit.seed",
            "--body",
            r#"{"seed":"123"}"#,
        ],
    ));

    let out = dir.join("out");
    ok(log(&data, &["export", path(&out)]));
    let key = ok(log(&data, &["key"]));
    assert_eq!(std::fs::read_to_string(out.join("key.vkey")).unwrap(), key);
    let report = ok(ballotproof(&[
        "log",
        "verify",
        path(&out),
        "--key",
        key.trim(),
        "--previous-checkpoint",
        path(&saved),
        "--artifact",
        path(&manifest),
    ]));
    assert!(
        report.starts_with("OK: 3 entries of log example-county.gov/ballotproof/2026"),
        "{report}"
    );
    assert!(
        report.contains("extends the previous checkpoint (size 2)"),
        "{report}"
    );
    assert!(report.contains("is entry 1 (artifact"), "{report}");

    // The tlog-proof of entry 2 verifies with the library, against the log's key.
    let proof = ok(log(&data, &["prove", "--index", "2"]));
    let bundle = tlog::proof_bundle::ProofBundle::parse(&proof).unwrap();
    let policy = tlog::CheckpointPolicy::log_only(tlog::VerifierKey::parse(key.trim()).unwrap());
    bundle.verify(&policy, None).unwrap();
    assert!(
        String::from_utf8_lossy(bundle.extra.as_deref().unwrap())
            .contains(r#""kind":"audit.seed""#)
    );
    let missing = log(&data, &["prove", "--index", "3"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("entry 3 does not exist"));
}

#[test]
fn exit_codes_and_messages_for_bad_input_and_failed_checks() {
    let dir = temp_dir("log-codes");
    let data = dir.join("data");
    let bad_body = log(&data, &["append", "--kind", "note", "--body", "{not json"]);
    assert_eq!(bad_body.status.code(), Some(2));
    assert!(
        stderr(&bad_body).contains("--body is not valid JSON"),
        "{}",
        stderr(&bad_body)
    );
    let bad_kind = log(&data, &["append", "--kind", "Note", "--body", "{}"]);
    assert_eq!(bad_kind.status.code(), Some(2));
    assert!(stderr(&bad_kind).contains("invalid kind"));

    let nowhere = ballotproof(&["log", "verify", path(&dir.join("nowhere"))]);
    assert_eq!(nowhere.status.code(), Some(2));

    ok(log(&data, &["append", "--kind", "note", "--body", "{}"]));
    let out = dir.join("out");
    ok(log(&data, &["export", path(&out)]));
    let stranger = dir.join("stranger.csv");
    std::fs::write(&stranger, "not logged").unwrap();
    let absent = ballotproof(&["log", "verify", path(&out), "--artifact", path(&stranger)]);
    assert_eq!(absent.status.code(), Some(1));
    assert!(
        stderr(&absent).contains("stranger.csv") && stderr(&absent).contains("is not in the log")
    );
    let unreadable = ballotproof(&[
        "log",
        "verify",
        path(&out),
        "--artifact",
        path(&dir.join("gone.csv")),
    ]);
    assert_eq!(unreadable.status.code(), Some(2));

    // Another log's key: the checkpoint has no trusted signature.
    let other = dir.join("other");
    let other_key = ok(log(&other, &["key"]));
    let wrong_key = ballotproof(&["log", "verify", path(&out), "--key", other_key.trim()]);
    assert_eq!(wrong_key.status.code(), Some(1));
    assert!(
        stderr(&wrong_key).contains("checkpoint: "),
        "{}",
        stderr(&wrong_key)
    );
}

/// Tampering with the first, a middle and the last byte of every exported file makes `log verify`
/// exit 1 with a message naming the file (every byte of small exports is flipped in-process by the
/// ledger crate's tests; this checks the command end to end).
#[test]
fn tampered_exports_fail_verification_and_name_the_file() {
    let dir = temp_dir("log-tamper");
    let data = dir.join("data");
    let lines: String = (0..300).map(|i| format!("{{\"i\":{i}}}\n")).collect();
    let input = dir.join("bodies.jsonl");
    std::fs::write(&input, lines).unwrap();
    ok(log(
        &data,
        &["append", "--kind", "note", "--jsonl", path(&input)],
    ));
    let out = dir.join("out");
    ok(log(&data, &["export", path(&out)]));
    let files = [
        "checkpoint",
        "key.vkey",
        "tile/0/000",
        "tile/0/001.p/44",
        "tile/1/000.p/1",
        "tile/entries/000",
        "tile/entries/001.p/44",
    ];
    for file in files {
        let original = std::fs::read(out.join(file)).unwrap();
        for at in [0, original.len() / 2, original.len() - 1] {
            let mut tampered = original.clone();
            tampered[at] ^= 0x04;
            std::fs::write(out.join(file), &tampered).unwrap();
            let result = ballotproof(&["log", "verify", path(&out)]);
            assert_eq!(
                result.status.code(),
                Some(1),
                "{file} byte {at}: {}",
                stderr(&result)
            );
            assert!(
                stderr(&result).contains(file),
                "{file} byte {at}: {}",
                stderr(&result)
            );
        }
        std::fs::write(out.join(file), &original).unwrap();
    }
    ok(ballotproof(&["log", "verify", path(&out)]));
}

#[test]
fn a_rewritten_history_is_caught_by_an_older_checkpoint() {
    let dir = temp_dir("log-fork");
    let data = dir.join("data");
    for i in 0..5 {
        ok(log(
            &data,
            &[
                "append",
                "--kind",
                "note",
                "--body",
                &format!("{{\"i\":{i}}}"),
            ],
        ));
    }
    let old = dir.join("old-checkpoint");
    std::fs::write(&old, ok(log(&data, &["checkpoint"]))).unwrap();
    // Someone with the key rewrites entry 2 and re-signs.
    let forged = dir.join("forged");
    std::fs::create_dir_all(forged.join("ledger")).unwrap();
    std::fs::copy(data.join("ledger/log.key"), forged.join("ledger/log.key")).unwrap();
    for i in 0..7 {
        let body = if i == 2 {
            r#"{"i":"rewritten"}"#.to_owned()
        } else {
            format!("{{\"i\":{i}}}")
        };
        ok(log(&forged, &["append", "--kind", "note", "--body", &body]));
    }
    let out = dir.join("out");
    ok(log(&forged, &["export", path(&out)]));
    ok(ballotproof(&["log", "verify", path(&out)]));
    let caught = ballotproof(&[
        "log",
        "verify",
        path(&out),
        "--previous-checkpoint",
        path(&old),
    ]);
    assert_eq!(caught.status.code(), Some(1));
    assert!(
        stderr(&caught).contains("not an extension of previous checkpoint"),
        "{}",
        stderr(&caught)
    );
}

#[cfg(unix)]
#[test]
fn a_key_file_readable_by_others_is_refused_with_the_fix() {
    use std::os::unix::fs::PermissionsExt;
    let dir = temp_dir("log-perms");
    let data = dir.join("data");
    ok(log(&data, &["append", "--kind", "note", "--body", "{}"]));
    let key = data.join("ledger/log.key");
    assert_eq!(
        std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o640)).unwrap();
    let refused = log(&data, &["checkpoint"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains(&format!("chmod 600 {}", key.display())),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn witnesses_cosign_and_verifiers_require_a_quorum() {
    let dir = temp_dir("log-witness");
    let data = dir.join("data");
    let witness = dir.join("witness");
    ok(log(&data, &["append", "--kind", "note", "--body", "{}"]));
    let out = dir.join("out");
    ok(log(&data, &["export", path(&out)]));
    let witness_key = ok(log(
        &witness,
        &["witness", "key", "--name", "witness.example.org"],
    ));
    assert!(witness_key.starts_with("witness.example.org+"));
    let log_key = out.join("key.vkey");
    let cosigned = ok(log(
        &witness,
        &["witness", "cosign", path(&out), "--log-key", path(&log_key)],
    ));
    assert!(
        cosigned.contains("at size 1 (previously cosigned size 0)"),
        "{cosigned}"
    );
    let verified = ok(ballotproof(&[
        "log",
        "verify",
        path(&out),
        "--key",
        path(&log_key),
        "--witness",
        witness_key.trim(),
    ]));
    assert!(
        verified.contains("cosigned by witness witness.example.org"),
        "{verified}"
    );
    let impossible = ballotproof(&[
        "log",
        "verify",
        path(&out),
        "--witness",
        witness_key.trim(),
        "--quorum",
        "2",
    ]);
    assert_eq!(impossible.status.code(), Some(2));

    // The log grows: the new export needs a new cosignature, which the witness gives after
    // checking consistency with size 1.
    ok(log(&data, &["append", "--kind", "note", "--body", "{}"]));
    ok(log(&data, &["export", path(&out)]));
    let stale = ballotproof(&["log", "verify", path(&out), "--witness", witness_key.trim()]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(
        stderr(&stale).contains("0 of the trusted witnesses"),
        "{}",
        stderr(&stale)
    );
    let again = ok(log(
        &witness,
        &["witness", "cosign", path(&out), "--log-key", path(&log_key)],
    ));
    assert!(
        again.contains("at size 2 (previously cosigned size 1)"),
        "{again}"
    );
    ok(ballotproof(&[
        "log",
        "verify",
        path(&out),
        "--witness",
        witness_key.trim(),
        "--quorum",
        "1",
    ]));
}

/// A child process appends batches in a loop and is killed with SIGKILL at a random moment, four
/// times over. After each kill the log reopens, verifies, and holds every entry whose index the
/// child had printed (printed = on disk), in order.
#[test]
fn killing_an_appending_process_loses_nothing_acknowledged() {
    let dir = temp_dir("log-crash");
    let data = dir.join("data");
    // xorshift seeded from the clock; the seed is printed so a failure can be replayed.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}");
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut acknowledged: Vec<(u64, u64, u64)> = Vec::new(); // (index, round, n)
    for round in 0..4u64 {
        let batch = 1 + next() % 40;
        let mut child = Command::new(env!("CARGO_BIN_EXE_ballotproof"))
            .args([
                "--data-dir",
                path(&data),
                "log",
                "append",
                "--kind",
                "crash.test",
            ])
            .args(["--jsonl", "-", "--batch-size", &batch.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            for n in 0..2_000_000u64 {
                if writeln!(stdin, "{{\"round\":{round},\"n\":{n}}}").is_err() {
                    break;
                }
            }
        });
        let acked = Arc::new(Mutex::new(Vec::new()));
        let reader = {
            let acked = Arc::clone(&acked);
            let out = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    acked
                        .lock()
                        .unwrap()
                        .push(line.trim().parse::<u64>().unwrap());
                }
            })
        };
        std::thread::sleep(Duration::from_millis(100 + next() % 400));
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        reader.join().unwrap();
        writer.join().unwrap();
        let acked = acked.lock().unwrap().clone();
        eprintln!(
            "round {round}: batches of {batch}, {} appends acknowledged before SIGKILL",
            acked.len()
        );
        // Within a round the child prints indexes in input order, so the k-th printed index holds
        // line k; the child may have been killed before acknowledging anything.
        for (n, index) in acked.iter().enumerate() {
            acknowledged.push((*index, round, n as u64));
        }

        // Reopen (recovering any torn tail), export and verify with the real commands.
        let out = dir.join(format!("out-{round}"));
        ok(log(&data, &["export", path(&out)]));
        ok(ballotproof(&["log", "verify", path(&out)]));
    }
    assert!(
        !acknowledged.is_empty(),
        "the child never acknowledged an append"
    );
    let ledger = ledger::Ledger::open(&data.join("ledger"), None).unwrap();
    for (index, round, n) in &acknowledged {
        let entry = ledger::Entry::parse(ledger.entry(*index).unwrap()).unwrap();
        assert_eq!(entry.kind, "crash.test");
        assert_eq!(
            (entry.body["round"].as_u64(), entry.body["n"].as_u64()),
            (Some(*round), Some(*n)),
            "entry {index}"
        );
    }
    // Acknowledged indexes are consecutive across rounds: unacknowledged tails may survive (they
    // were written), but nothing before an acknowledged entry is ever lost.
    let indexes: Vec<u64> = acknowledged.iter().map(|a| a.0).collect();
    assert!(indexes.windows(2).all(|w| w[0] < w[1]));
}
