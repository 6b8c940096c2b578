//! Runs the conformance runner over the reference vectors in `../shared/vectors/rla/`, one test per
//! file, so a regression names the file it broke.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use conformance::{Report, run_file};

fn vectors_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/vectors/rla");
    assert!(
        dir.is_dir(),
        "reference vectors not found at {}; the shared/ folder must sit beside the project root",
        dir.display()
    );
    dir
}

/// Checks one file and fails with the runner's full output if any case fails.
fn check(file: &str) {
    let mut report = Report::default();
    run_file(&vectors_dir().join(file), &mut report).unwrap();
    assert!(
        !report.cases.is_empty() || !report.notes.is_empty(),
        "{file}: no cases checked"
    );
    assert_eq!(report.failed(), 0, "{file}:\n{report}");
}

#[test]
fn peer_literals_are_left_to_crate_tests() {
    check("peer_tests_arlo_audit_math_literals.json");
    check("peer_tests_shangrla_literals.json");
}

#[test]
fn sampler_arlo_draw_sample() {
    check("sampler_arlo_draw_sample.json");
}

#[test]
fn sampler_coloradorla() {
    check("sampler_coloradorla.json");
}

#[test]
fn bravo_arlo() {
    check("bravo_arlo.json");
}

#[test]
fn peer_tests_arlo_bravo_curated() {
    check("peer_tests_arlo_bravo_curated.json");
}

#[test]
fn peer_tests_r2b2_asn_tests() {
    check("peer_tests_r2b2_asn_tests.json");
}

#[test]
fn supersimple_arlo() {
    check("supersimple_arlo.json");
}

#[test]
fn macro_batch_comparison_arlo() {
    check("macro_batch_comparison_arlo.json");
}

#[test]
fn irv_raire_rs_nsw2021() {
    check("irv_raire_rs_nsw2021.json");
}

#[test]
fn minerva_r2b2() {
    check("minerva_r2b2.json");
}

#[test]
fn minerva_providence_arlo() {
    check("minerva_providence_arlo.json");
}

#[test]
fn peer_tests_r2b2_minerva_arlo_tests() {
    check("peer_tests_r2b2_minerva_arlo_tests.json");
}

#[test]
fn peer_tests_r2b2_brla_kmins() {
    check("peer_tests_r2b2_brla_kmins.json");
}

#[test]
fn alpha_shangrla_nonnegmean() {
    check("alpha_shangrla_nonnegmean.json");
}

#[test]
fn shangrla_comparison_oneaudit_pipeline() {
    check("shangrla_comparison_oneaudit_pipeline.json");
}

/// Every vector file in the directory, including any added later, must be recognised and pass:
/// a new file of a known kind is checked without anyone adding a test for it.
#[test]
fn every_vector_file_passes() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 15, "only {} vector files found", files.len());
    let mut report = Report::default();
    for file in &files {
        run_file(file, &mut report).unwrap_or_else(|e| panic!("{}: {e:#}", file.display()));
    }
    assert_eq!(report.failed(), 0, "{report}");
    // Only cases whose input is not shipped beside the vectors may be skipped (RAIRE's large NSW
    // contests, named by path in the raire-rs repository).
    for case in report.cases.iter().filter(|c| c.skipped.is_some()) {
        assert!(
            case.file.starts_with("irv_"),
            "{} {} skipped",
            case.file,
            case.name
        );
    }
    assert!(report.passed() >= 300, "{report}");
}
