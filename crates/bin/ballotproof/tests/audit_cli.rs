//! `ballotproof audit …` from a script: every step with `--json`, on a fresh data directory, and
//! the crash test — the process killed while it uploads or draws leaves a consistent database and
//! an election log that verifies.

use std::path::Path;
use std::process::Command;

use crate::{ballotproof, stderr, stdout, temp_dir};

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "--data-dir",
        dir.to_str().unwrap(),
        "--actor",
        "test:script",
    ];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_ballotproof"))
        .args(&all)
        .env("BALLOTPROOF_AUDIT", "A")
        .output()
        .unwrap()
}

fn ok(dir: &Path, args: &[&str]) -> serde_json::Value {
    let mut all = args.to_vec();
    all.push("--json");
    let out = run(dir, &all);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    serde_json::from_str(&stdout(&out)).unwrap_or(serde_json::Value::Null)
}

fn shared(file: &str) -> String {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/data")
        .join(file)
        .display()
        .to_string()
}

#[test]
fn a_scripted_comparison_audit_from_create_to_export() {
    let dir = temp_dir("audit-cli");
    ok(
        &dir,
        &[
            "audit",
            "create",
            "--name",
            "A",
            "--type",
            "ballot-comparison",
            "--risk-limit",
            "10%",
            "--seed",
            "20161108",
        ],
    );
    ok(&dir, &["audit", "jurisdiction", "add", "Arapahoe"]);
    let report = ok(
        &dir,
        &[
            "audit",
            "upload",
            "manifest",
            "--jurisdiction",
            "Arapahoe",
            &shared("ColoradoRLA/arapahoe-manifest.csv"),
        ],
    );
    assert_eq!(report["accepted"], true);
    ok(
        &dir,
        &[
            "audit",
            "upload",
            "cvrs",
            "--jurisdiction",
            "Arapahoe",
            &shared("ColoradoRLA/dominion-2017-CVR_Export_20170310104116.csv"),
        ],
    );
    ok(&dir, &["audit", "contest", "add", "Presidential Electors"]);
    // Drawing before the ceremony is refused with the step to take.
    let early = run(&dir, &["audit", "round", "start"]);
    assert!(!early.status.success());
    assert!(stderr(&early).contains("reveal-seed"), "{}", stderr(&early));
    ok(&dir, &["audit", "reveal-seed"]);
    let started = ok(&dir, &["audit", "round", "start"]);
    assert_eq!(started["round"], 1);
    ok(
        &dir,
        &["audit", "boards", "--jurisdiction", "Arapahoe", "Board 1"],
    );
    let status = ok(&dir, &["audit", "status"]);
    for b in status["ballots"].as_array().unwrap() {
        let position = b["position"].to_string();
        let batch = b["batch"].as_str().unwrap();
        let tabulator = b["tabulator"].as_str().unwrap();
        let reading = match b["cvr"]["votes"]["Presidential Electors"].as_array() {
            None => "Presidential Electors=not-on-ballot".to_string(),
            Some(v) if v.is_empty() => "Presidential Electors=blank".to_string(),
            Some(v) => format!(
                "Presidential Electors={}",
                v.iter()
                    .map(|c| c.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join(";")
            ),
        };
        ok(
            &dir,
            &[
                "audit",
                "interpret",
                "--jurisdiction",
                "Arapahoe",
                "--tabulator",
                tabulator,
                "--batch",
                batch,
                "--position",
                &position,
                "--reading",
                &reading,
            ],
        );
    }
    // One member cannot sign for both.
    let alone = run(
        &dir,
        &[
            "audit",
            "sign-off",
            "--jurisdiction",
            "Arapahoe",
            "--board",
            "Board 1",
            "--member",
            "Ana",
            "--member",
            "Ana",
        ],
    );
    assert!(!alone.status.success());
    ok(
        &dir,
        &[
            "audit",
            "sign-off",
            "--jurisdiction",
            "Arapahoe",
            "--board",
            "Board 1",
            "--member",
            "Ana",
            "--member",
            "Ben",
        ],
    );
    let ended = ok(&dir, &["audit", "round", "end"]);
    assert_eq!(ended["complete"], true, "{ended}");
    // The activity log names who did each step.
    let activity = ok(&dir, &["audit", "activity"]);
    let kinds: Vec<&str> = activity
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.first(), Some(&"audit.created"));
    assert!(kinds.contains(&"audit.board_signed_off") && kinds.contains(&"audit.round_ended"));
    assert!(
        activity
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["actor"] == "test:script")
    );
    let reports = dir.join("reports");
    ok(
        &dir,
        &["audit", "report", "--out", reports.to_str().unwrap()],
    );
    assert!(reports.join("audit-report.csv").exists());
    let export = dir.join("export");
    ok(&dir, &["audit", "export", export.to_str().unwrap()]);
    let verified = ballotproof(&["verify-audit", export.to_str().unwrap(), "--json"]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    // The whole log, written by several processes, verifies and names the actor.
    let log = dir.join("log-export");
    let exported = ballotproof(&[
        "--data-dir",
        dir.to_str().unwrap(),
        "log",
        "export",
        log.to_str().unwrap(),
    ]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let entries = std::fs::read_to_string(export.join("audit.json")).unwrap();
    assert!(entries.contains("Presidential Electors"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Kills `ballotproof ARGS` with SIGKILL after `delay`, then checks that reopening recovers: the
/// store has the upload completely or not at all, and the log verifies.
#[cfg(unix)]
fn kill_during(dir: &Path, args: &[&str], delay: std::time::Duration) {
    let mut all = vec!["--data-dir", dir.to_str().unwrap(), "--actor", "test:crash"];
    all.extend_from_slice(args);
    let mut child = Command::new(env!("CARGO_BIN_EXE_ballotproof"))
        .args(&all)
        .env("BALLOTPROOF_AUDIT", "A")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(delay);
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
}

#[cfg(unix)]
#[test]
fn killed_uploads_and_rounds_leave_a_consistent_database_and_a_verifying_log() {
    let dir = temp_dir("crash");
    let big = dir.join("gen/cvrs.csv");
    let manifest = dir.join("gen/manifest.csv");
    let generated = ballotproof(&[
        "generate",
        "--format",
        "dominion-csv",
        "--cards",
        "20000",
        "--contests",
        "6",
        "--out",
        dir.join("gen").to_str().unwrap(),
    ]);
    assert!(generated.status.success(), "{}", stderr(&generated));
    ok(
        &dir,
        &[
            "audit",
            "create",
            "--name",
            "A",
            "--type",
            "ballot-comparison",
            "--seed",
            "12345678901234567890",
        ],
    );
    ok(&dir, &["audit", "jurisdiction", "add", "J"]);
    ok(
        &dir,
        &[
            "audit",
            "upload",
            "manifest",
            "--jurisdiction",
            "J",
            manifest.to_str().unwrap(),
        ],
    );
    // A complete upload, timed, so the kills below land in every phase of a re-upload: reading
    // the file, the database transaction that replaces the old upload, the log append after it.
    let started = std::time::Instant::now();
    ok(
        &dir,
        &[
            "audit",
            "upload",
            "cvrs",
            "--jurisdiction",
            "J",
            big.to_str().unwrap(),
        ],
    );
    let full = started.elapsed();
    ok(&dir, &["audit", "contest", "add", "Contest 1"]);
    let check = |label: &str| {
        // Reopening recovers (the outbox is flushed), one CVR upload is current and complete.
        let status = ok(&dir, &["audit", "status"]);
        assert!(
            !status["jurisdictions"][0]["cvrs"].is_null(),
            "{label}: no current CVR upload"
        );
        let log = dir.join(format!("log-{label}"));
        let exported = ballotproof(&[
            "--data-dir",
            dir.to_str().unwrap(),
            "log",
            "export",
            log.to_str().unwrap(),
        ]);
        assert!(exported.status.success(), "{label}: {}", stderr(&exported));
        let verified = ballotproof(&["log", "verify", log.to_str().unwrap()]);
        assert!(verified.status.success(), "{label}: {}", stderr(&verified));
    };
    for fraction in [0.3, 0.6, 0.85, 0.95] {
        kill_during(
            &dir,
            &[
                "audit",
                "upload",
                "cvrs",
                "--jurisdiction",
                "J",
                big.to_str().unwrap(),
            ],
            full.mul_f64(fraction),
        );
        check(&format!("upload-{fraction}"));
    }
    // The contest's totals still come from one whole upload.
    let record = ok(&dir, &["audit", "contest", "list"]);
    let votes: u64 = record[0]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["votes"].as_u64().unwrap())
        .sum();
    assert!(votes > 18_000, "the contest lost votes: {votes}");

    ok(&dir, &["audit", "reveal-seed"]);
    kill_during(
        &dir,
        &["audit", "round", "start"],
        std::time::Duration::from_millis(250),
    );
    check("round");
    let status = ok(&dir, &["audit", "status"]);
    let rounds = status["rounds"].as_array().unwrap().len();
    let ballots = status["ballots"].as_array().unwrap().len();
    assert!(
        (rounds == 0 && ballots == 0) || (rounds == 1 && ballots > 0),
        "rounds {rounds}, ballots {ballots}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `audit upload cvrs FILE...`: an ES&S export's CVR file and ballots files are one upload; a
/// `--format F:FILE` override reads a file as told (here wrongly, so the upload is refused).
#[test]
fn a_cvr_export_of_several_files_is_one_upload() {
    let dir = temp_dir("audit-cli-multi");
    ok(
        &dir,
        &[
            "audit",
            "create",
            "--name",
            "A",
            "--type",
            "ballot-comparison",
            "--risk-limit",
            "10%",
            "--seed",
            "1",
        ],
    );
    ok(&dir, &["audit", "jurisdiction", "add", "Adams"]);
    let files = [
        shared("arlo-inline-test-fixtures/ESS_CVR.csv"),
        shared("arlo-inline-test-fixtures/ESS_BALLOTS_1.csv"),
        shared("arlo-inline-test-fixtures/ESS_BALLOTS_2.csv"),
    ];
    let mut args = vec!["audit", "upload", "cvrs", "--jurisdiction", "Adams"];
    args.extend(files.iter().map(String::as_str));
    let report = ok(&dir, &args);
    assert_eq!(report["accepted"], true, "{report}");
    assert_eq!(report["files"].as_array().unwrap().len(), 3);
    assert_eq!(report["files"][1]["format"], "ess-ballots");
    let wrong = format!("dominion-csv:{}", files[1]);
    let mut args = vec![
        "audit",
        "upload",
        "cvrs",
        "--jurisdiction",
        "Adams",
        "--format",
        &wrong,
    ];
    args.extend(files.iter().map(String::as_str));
    let out = run(&dir, &args);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("REJECTED"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("was not accepted"),
        "{}",
        stderr(&out)
    );
}
