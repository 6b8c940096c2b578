//! `ballotproof demo`, the README's first command: a whole audit with no files and no setup, in a
//! fresh temporary data directory; its export verifies with `verify-audit`, and an edited export
//! does not.

use crate::{ballotproof, stderr, stdout, temp_dir};

/// The demo's output with the output folder and the run time replaced, so the snapshot is stable.
fn normalized(text: &str, out: &str) -> String {
    text.replace(out, "<out>")
        .lines()
        .map(|l| match l.find("(in ") {
            Some(i) if l.starts_with("Done:") => format!("{}(in <time>).", &l[..i]),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn demo_runs_a_whole_audit_and_its_export_verifies() {
    let dir = temp_dir("demo");
    let out_dir = dir.join("out");
    let out = out_dir.display().to_string();
    let run = ballotproof(&["demo", "--out", &out]);
    assert!(run.status.success(), "{}", stderr(&run));
    let text = stdout(&run);
    for needed in [
        "Round 1",
        "escalat",
        "audit is complete",
        "Verified offline",
    ] {
        assert!(text.contains(needed), "demo output lacks {needed:?}");
    }
    insta::assert_snapshot!(normalized(&text, &out));
    for file in [
        "audit-report.csv",
        "discrepancy-report.csv",
        "export/audit.json",
        "inputs/Adams - CVR export.csv",
    ] {
        assert!(out_dir.join(file).exists(), "{file} missing");
    }

    let export = out_dir.join("export").display().to_string();
    let verified = ballotproof(&["verify-audit", &export]);
    assert!(verified.status.success(), "{}", stderr(&verified));
    assert!(stdout(&verified).contains("match the published and logged"));

    // Any edited number makes verification fail, saying what differs.
    let path = out_dir.join("export/audit.json");
    let json = std::fs::read_to_string(&path).unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    v["rounds"][0]["contests"][0]["sample_size"] = serde_json::json!(31);
    std::fs::write(&path, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let tampered = ballotproof(&["verify-audit", &export]);
    assert!(!tampered.status.success());
    let why = stderr(&tampered);
    assert!(why.contains("round 1") && why.contains("sample"), "{why}");

    // A second run replaces the previous output.
    let again = ballotproof(&["demo", "--out", &out]);
    assert!(again.status.success(), "{}", stderr(&again));
    let _ = std::fs::remove_dir_all(&dir);
}
