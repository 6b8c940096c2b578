//! `ballotproof sample-size` and `ballotproof risk`: the calculator for auditors.

use crate::{ballotproof, stderr, stdout};

const CONTEST: [&str; 8] = [
    "--vote",
    "Alice=600",
    "--vote",
    "Bob=400",
    "--ballots",
    "1000",
    "--risk-limit",
    "10%",
];

fn run(command: &str, extra: &[&str]) -> std::process::Output {
    let mut args = vec![command];
    args.extend(CONTEST);
    args.extend(extra);
    ballotproof(&args)
}

/// Every method's round-one options for Arlo's test contest 600/400 of 1,000 at 10 %
/// (peer_tests_arlo_bravo_curated.json `test1`: ASN 119, 184/244/351;
/// minerva_providence_arlo.json `arlo_minerva_00`: MINERVA 111/138/179, Providence 106/136/173).
#[test]
fn sample_size_table() {
    let out = run("sample-size", &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn sample_size_json_has_one_option_per_line_of_the_table() {
    let out = run("sample-size", &["--json", "--method", "bravo"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["risk_limit"], 0.1);
    assert_eq!(doc["contest"]["winners"][0], "Alice");
    let sizes: Vec<u64> = doc["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, vec![119, 184, 244, 351]);
}

/// Arlo test_bravo.py test1 round 1: 72 and 47 of 119 draws → p = 0.0714 (peer_tests_arlo_bravo_curated
/// `p_values_after_round1_exact_from_code`), which meets 10 %.
#[test]
fn risk_bravo_after_one_round() {
    let out = run(
        "risk",
        &[
            "--method",
            "bravo",
            "--round",
            "119: Alice=72; Bob=47",
            "--json",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let p = doc["p_value"].as_f64().unwrap();
    assert!((p - 0.07140372947931496).abs() < 1e-12, "{p}");
    assert_eq!(doc["risk_limit_met"], true);
}

#[test]
fn risk_comparison_continues_with_a_next_round() {
    let out = run(
        "risk",
        &["--method", "super-simple", "--draws", "20", "--o1", "1"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn alpha_needs_the_draws_in_order() {
    let out = run("risk", &["--method", "alpha-comparison", "--draws", "20"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("order"), "{}", stderr(&out));
    let out = run(
        "risk",
        &[
            "--method",
            "alpha-comparison",
            "--discrepancies",
            "0,0,1,0,-1",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn bad_input_gets_one_clear_line_and_no_panic() {
    for (args, expected) in [
        (
            vec![
                "sample-size",
                "--vote",
                "A=10",
                "--vote",
                "B=5",
                "--ballots",
                "12",
                "--risk-limit",
                "0.1",
            ],
            "15 votes but only 12 ballots",
        ),
        (
            vec![
                "sample-size",
                "--vote",
                "A=10",
                "--vote",
                "B=5",
                "--ballots",
                "100",
                "--risk-limit",
                "1.2",
            ],
            "not between 0 and 1",
        ),
        (
            vec![
                "sample-size",
                "--vote",
                "A=-3",
                "--ballots",
                "100",
                "--risk-limit",
                "0.1",
            ],
            "whole number",
        ),
        (
            vec![
                "sample-size",
                "--vote",
                "A=3",
                "--vote",
                "A=4",
                "--ballots",
                "100",
                "--risk-limit",
                "0.1",
            ],
            "given twice",
        ),
        (
            vec![
                "risk",
                "--method",
                "bravo",
                "--vote",
                "A=60",
                "--vote",
                "B=40",
                "--ballots",
                "100",
                "--risk-limit",
                "0.1",
                "--round",
                "10: C=4",
            ],
            "not one of the contest's choices",
        ),
        (
            vec![
                "risk",
                "--method",
                "bravo",
                "--vote",
                "A=60",
                "--vote",
                "B=40",
                "--ballots",
                "100",
                "--risk-limit",
                "0.1",
                "--draws",
                "10",
            ],
            "ballot-polling method",
        ),
        (
            vec![
                "risk",
                "--method",
                "super-simple",
                "--vote",
                "A=60",
                "--vote",
                "B=40",
                "--ballots",
                "100",
                "--risk-limit",
                "0.1",
                "--draws",
                "3",
                "--o1",
                "5",
            ],
            "more than the 3 --draws",
        ),
    ] {
        let out = ballotproof(&args);
        let err = stderr(&out);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

fn macro_args(command: &str, extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec![
        command.into(),
        "--contest".into(),
        "Governor".into(),
        "--risk-limit".into(),
        "5%".into(),
    ];
    for county in ["Adams", "Baker", "Clark"] {
        args.push("--batch-tallies".into());
        args.push(format!(
            "{county} County={}",
            crate::example(&format!(
                "{county} - Governor - candidate totals by batch.csv"
            ))
        ));
        args.push("--manifest".into());
        args.push(format!(
            "{county} County={}",
            crate::example(&format!("{county} - ballot manifest.csv"))
        ));
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ballotproof(&refs)
}

/// MACRO from Arlo-layout batch tallies: the same 41 batch draws the demo reports, and the votes are
/// the tallies' sums (election.json's Governor totals).
#[test]
fn macro_sample_size_from_batch_tallies() {
    let out = macro_args("sample-size", &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(doc["contest"]["votes"]["Ana Alvarez"], 9098);
    assert_eq!(doc["contest"]["ballots"], 17757);
    let macro_option = doc["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["unit"] == "batches")
        .unwrap();
    assert_eq!(macro_option["size"], 41);
}

/// Batches that match their reports each multiply the MACRO p-value by the same (1 − 1/U): drawing
/// every audited batch twice squares it (Arlo macro.py `compute_risk` L498-503).
#[test]
fn macro_risk_from_hand_counts() {
    let dir = crate::temp_dir("macro-risk");
    let audited = dir.join("audited.csv");
    let adams = std::fs::read_to_string(crate::example(
        "Adams - Governor - candidate totals by batch.csv",
    ))
    .unwrap();
    std::fs::write(
        &audited,
        adams.lines().take(4).collect::<Vec<_>>().join("\n"),
    )
    .unwrap();
    let audited_arg = format!("Adams County={}", audited.display());
    let p_of = |extra: &[&str]| -> f64 {
        let mut args = vec![
            "--method",
            "macro",
            "--json",
            "--audited-tallies",
            audited_arg.as_str(),
        ];
        args.extend(extra);
        let out = macro_args("risk", &args);
        assert!(out.status.success(), "{}", stderr(&out));
        let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
        doc["p_value"].as_f64().unwrap()
    };
    let once = p_of(&[]);
    let twice = p_of(&[
        "--times-drawn",
        "Adams County/Batch 001=2",
        "--times-drawn",
        "Adams County/Batch 002=2",
        "--times-drawn",
        "Adams County/Batch 003=2",
    ]);
    assert!(once < 1.0 && once > 0.0, "{once}");
    assert!((twice - once * once).abs() < 1e-12, "{twice} vs {once}²");
}

const STRATA: [&str; 14] = [
    "--cvr-vote",
    "A=5000",
    "--cvr-vote",
    "B=4000",
    "--cvr-ballots",
    "10000",
    "--no-cvr-vote",
    "A=1200",
    "--no-cvr-vote",
    "B=900",
    "--no-cvr-ballots",
    "2500",
    "--risk-limit",
    "10%",
];

/// SUITE on two strata. Expected values from Arlo's `server/audit_math/suite.py` (8d86156) run on the
/// same inputs: `get_sample_size` → HybridPair(non_cvr=29, cvr=120); after 40 CVR draws without
/// discrepancies and 10 non-CVR draws (6 A, 3 B), `compute_risk` → 0.39548991684137125 (not met) and
/// the next round HybridPair(non_cvr=20, cvr=80).
#[test]
fn suite_sizes_and_risk_match_arlo() {
    let mut args = vec!["sample-size", "--method", "suite", "--json"];
    args.extend(STRATA);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&ballotproof(&args))).unwrap();
    let sizes: Vec<u64> = doc["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, vec![120, 29]);

    let mut args = vec![
        "risk",
        "--method",
        "suite",
        "--json",
        "--draws",
        "40",
        "--round",
        "10: A=6; B=3",
    ];
    args.extend(STRATA);
    let out = ballotproof(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let p = doc["p_value"].as_f64().unwrap();
    assert!((p - 0.39548991684137125).abs() < 1e-9, "{p}");
    assert_eq!(doc["risk_limit_met"], false);
    let next: Vec<u64> = doc["next_round"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["size"].as_u64().unwrap())
        .collect();
    assert_eq!(next, vec![80, 20]);
}
