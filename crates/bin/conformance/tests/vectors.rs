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
fn alpha_shangrla_nonnegmean() {
    check("alpha_shangrla_nonnegmean.json");
}

#[test]
fn shangrla_comparison_oneaudit_pipeline() {
    check("shangrla_comparison_oneaudit_pipeline.json");
}
