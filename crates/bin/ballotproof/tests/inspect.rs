//! `ballotproof inspect`: the report for people (snapshot), the JSON shape, and the exit codes.

use std::path::PathBuf;

use crate::{ballotproof, stderr, stdout, temp_dir};

fn shared(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/data")
        .join(file);
    assert!(
        path.exists(),
        "{} is missing: the shared/ folder must sit beside the project root",
        path.display()
    );
    path.display().to_string()
}

/// Arlo's test manifest for its CVR fixtures (TABULATOR2/BATCH2 holds 6 ballots, 5 with CVRs).
fn arlo_manifest(dir: &std::path::Path) -> String {
    let path = dir.join("manifest.csv");
    std::fs::write(&path, "Container,Tabulator,Batch Name,Number of Ballots\nC1,TABULATOR1,BATCH1,3\nC1,TABULATOR1,BATCH2,3\nC1,TABULATOR2,BATCH1,3\nC1,TABULATOR2,BATCH2,6\n").unwrap();
    path.display().to_string()
}

#[test]
fn report_for_arlo_test_cvrs_and_manifest() {
    // Run in a directory holding both files, with relative names, so the table is the same on
    // every machine.
    let dir = temp_dir("inspect-report");
    std::fs::copy(
        shared("arlo-inline-test-fixtures/TEST_CVRS.csv"),
        dir.join("TEST_CVRS.csv"),
    )
    .unwrap();
    arlo_manifest(&dir);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ballotproof"))
        .args(["inspect", "TEST_CVRS.csv", "manifest.csv"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn json_has_exactly_the_issue_shape() {
    let dir = temp_dir("inspect-json");
    let manifest = arlo_manifest(&dir);
    let out = ballotproof(&[
        "inspect",
        "--json",
        &shared("arlo-inline-test-fixtures/TEST_CVRS.csv"),
        &manifest,
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "ballots_in_manifests",
            "batches",
            "cards",
            "contests",
            "files",
            "problems"
        ]
    );
    assert_eq!(
        (
            v["cards"].as_u64(),
            v["batches"].as_u64(),
            v["ballots_in_manifests"].as_u64()
        ),
        (Some(14), Some(4), Some(15))
    );
    assert_eq!(v["files"][0]["format"], "dominion-csv");
    let c = &v["contests"][1];
    assert_eq!(c["name"], "Contest 2");
    assert_eq!(c["votes_allowed"], 2);
    assert_eq!(
        c["winners"],
        serde_json::json!(["Choice 2-1", "Choice 2-3"])
    );
    assert_eq!(
        c["votes"],
        serde_json::json!({"Choice 2-1": 12, "Choice 2-3": 7, "Choice 2-2": 5})
    );
    assert_eq!(
        (c["ballots"].as_u64(), c["margin"].as_u64()),
        (Some(14), Some(2))
    );
    assert!((c["diluted_margin"].as_f64().unwrap() - 2.0 / 14.0).abs() < 1e-12);
    let p = &v["problems"][0];
    let mut pk: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    pk.sort_unstable();
    assert_eq!(pk, ["column", "line", "message", "path", "severity"]);
    assert_eq!(p["severity"], "warning");
    assert_eq!(p["line"], 5);
}

#[test]
fn exit_code_1_for_errors_2_for_unreadable_files() {
    let dir = temp_dir("inspect-exit");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "Batch Name,Number of Ballots\nB1,3\nTotal,3\n").unwrap();
    let out = ballotproof(&["inspect", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stdout(&out).contains("bad.csv, line 3: error: this row looks like a total row"));
    let missing = dir.join("missing.csv");
    let out = ballotproof(&["inspect", bad.to_str().unwrap(), missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let noise = dir.join("noise.bin");
    std::fs::write(&noise, [0u8, 159, 146, 150]).unwrap();
    let out = ballotproof(&["inspect", noise.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stdout(&out).contains("cannot tell what kind of file this is"));
}

#[test]
fn format_override_reads_a_file_as_told() {
    let out = ballotproof(&[
        "inspect",
        "--format",
        "hart-xml",
        &shared("arlo-inline-test-fixtures/TEST_CVRS.csv"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("no <Cvr> element") || stdout(&out).contains("could not be read"),
        "{}",
        stdout(&out)
    );
    let out = ballotproof(&[
        "inspect",
        "--format",
        "nope",
        &shared("arlo-inline-test-fixtures/TEST_CVRS.csv"),
    ]);
    assert!(!out.status.success());
}

#[test]
fn generate_then_inspect_reconciles() {
    let dir = temp_dir("inspect-generate");
    let out = ballotproof(&[
        "generate",
        "--format",
        "dominion-csv",
        "--cards",
        "600",
        "--contests",
        "4",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let out = ballotproof(&[
        "inspect",
        "--json",
        dir.join("cvrs.csv").to_str().unwrap(),
        dir.join("manifest.csv").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(
        (v["cards"].as_u64(), v["ballots_in_manifests"].as_u64()),
        (Some(600), Some(600))
    );
}

/// `--format F:PATH` reads that one file as F, a plain `--format F` the others; a per-file format
/// for a file that is not being inspected is refused.
#[test]
fn per_file_format_overrides() {
    let dir = temp_dir("inspect-per-file-format");
    let manifest = arlo_manifest(&dir);
    let cvrs = shared("arlo-inline-test-fixtures/TEST_CVRS.csv");
    let formats = |out: &std::process::Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(&stdout(out)).unwrap();
        v["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["format"].as_str().unwrap().to_string())
            .collect()
    };
    // Only the CVR file is forced (wrongly) to Hart XML; the manifest is still recognised.
    let out = ballotproof(&[
        "inspect",
        "--json",
        "--format",
        &format!("hart-xml:{cvrs}"),
        &cvrs,
        &manifest,
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert_eq!(formats(&out), ["hart-xml", "manifest"]);
    // A plain --format applies to every file without its own.
    let out = ballotproof(&[
        "inspect",
        "--json",
        "--format",
        "manifest",
        "--format",
        &format!("dominion-csv:{cvrs}"),
        &cvrs,
        &manifest,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(formats(&out), ["dominion-csv", "manifest"]);
    // With a jurisdiction, the format still names the file by its path.
    let out = ballotproof(&[
        "inspect",
        "--json",
        "--format",
        &format!("manifest:{manifest}"),
        &format!("Adams={cvrs}"),
        &format!("Adams={manifest}"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(formats(&out), ["dominion-csv", "manifest"]);
    let out = ballotproof(&["inspect", "--format", "manifest:elsewhere.csv", &cvrs]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("names a file that is not among the files given"),
        "{}",
        stderr(&out)
    );
}

/// Two counties' exports, numbered alike, given as JURISDICTION=PATH: each reconciles with its
/// own manifest, the report has a line per jurisdiction, and the JSON a `jurisdictions` list.
#[test]
fn jurisdictions_are_reconciled_and_reported_separately() {
    let dir = temp_dir("inspect-jurisdictions");
    let mut args: Vec<String> = vec!["inspect".into()];
    for (name, seed, cards) in [("Adams", "1", "500"), ("Boone County", "2", "300")] {
        let out_dir = dir.join(seed);
        let out = ballotproof(&[
            "generate",
            "--format",
            "dominion-csv",
            "--cards",
            cards,
            "--contests",
            "3",
            "--seed",
            seed,
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert!(out.status.success());
        for file in ["cvrs.csv", "manifest.csv"] {
            args.push(format!("{name}={}", out_dir.join(file).display()));
        }
    }
    let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = ballotproof(&arg_refs);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("Adams: 500 CVR cards; 2 batches; 500 ballots in manifests\n  Reconciliation: 2 of 2 CVR batches found"), "{text}");
    assert!(text.contains("Boone County: 300 CVR cards;"), "{text}");
    let mut json_args = arg_refs.clone();
    json_args.insert(1, "--json");
    let out = ballotproof(&json_args);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["cards"], 800);
    assert_eq!(v["files"][2]["jurisdiction"], "Boone County");
    let j = &v["jurisdictions"][1];
    assert_eq!(
        (
            j["name"].as_str(),
            j["cards"].as_u64(),
            j["reconciliation"]["count_mismatches"].as_u64()
        ),
        (Some("Boone County"), Some(300), Some(0))
    );
}

/// Bellingen's ranked mayoral contest (8,374 cards, 3 candidates): RAIRE confirms ALLAN with two
/// assertions — ALLAN beats KING once WOODWARD is out (5,134 to 2,622: margin 2,512) and ALLAN is
/// not eliminated before WOODWARD (4,954 first preferences against the 1,787 cards preferring
/// WOODWARD: margin 3,167) — so the smallest margin is 2,512 and the difficulty 8,374 / 2,512.
/// (Tallies counted from the file with Python's csv module, independently of ballotproof.)
#[test]
fn ranked_contest_shows_raire_assertions() {
    let out = ballotproof(&[
        "inspect",
        "--json",
        &shared("colorado-rla-DemocracyDevelopers/Bellingen_Mayoral.csv"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let irv = &v["contests"][0]["irv"];
    assert_eq!(
        (
            irv["winner"].as_str(),
            irv["assertions"].as_u64(),
            irv["min_margin"].as_u64()
        ),
        (Some("ALLAN Steve"), Some(2), Some(2512))
    );
    assert!((irv["difficulty"].as_f64().unwrap() - 8374.0 / 2512.0).abs() < 1e-9);
    let text = stdout(&ballotproof(&[
        "inspect",
        &shared("colorado-rla-DemocracyDevelopers/Bellingen_Mayoral.csv"),
    ]));
    assert!(
        text.contains("IRV (RAIRE): winner ALLAN Steve; 2 assertions; overall difficulty 3.33"),
        "{text}"
    );
}
