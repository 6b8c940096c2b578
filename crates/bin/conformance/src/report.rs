//! Case results and how values are compared: integers and strings exactly, floats to a relative
//! tolerance (never looser than [`MAX_REL_TOL`]).

use std::fmt::{self, Debug, Display};

/// The loosest relative tolerance any float comparison may use (the bound).
pub const MAX_REL_TOL: f64 = 1e-6;

/// One field that did not match.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub field: String,
    pub expected: String,
    pub got: String,
}

/// The result of checking one case of one file.
#[derive(Debug, Clone)]
pub struct Case {
    pub file: String,
    pub name: String,
    pub mismatches: Vec<Mismatch>,
    /// Set when the peer itself raised an error on some step of this case; the note says what
    /// ballotproof did instead (a clear error, or a documented value).
    pub peer_error: Option<String>,
    /// Set when the case could not be recomputed at all (its input is not available here); such a
    /// case is neither passed nor failed, and is listed with the reason.
    pub skipped: Option<String>,
    pub fields_checked: usize,
}

impl Case {
    pub fn new(file: &str, name: impl Into<String>) -> Case {
        Case {
            file: file.to_string(),
            name: name.into(),
            mismatches: Vec::new(),
            peer_error: None,
            skipped: None,
            fields_checked: 0,
        }
    }

    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.skipped.is_none()
    }

    pub fn failed(&self) -> bool {
        !self.mismatches.is_empty()
    }

    /// Marks the case as not recomputable here, with the reason.
    pub fn skip(&mut self, reason: impl Into<String>) {
        self.skipped = Some(reason.into());
    }

    /// Integers, strings, booleans: must be equal.
    pub fn exact<T: PartialEq + Debug>(&mut self, field: impl Display, expected: T, got: T) {
        self.fields_checked += 1;
        if expected != got {
            self.mismatch(field, format!("{expected:?}"), format!("{got:?}"));
        }
    }

    /// Floats at the default tolerance, [`MAX_REL_TOL`].
    pub fn float(&mut self, field: impl Display, expected: f64, got: f64) {
        self.float_tol(field, expected, got, MAX_REL_TOL);
    }

    /// Floats at a relative tolerance `rel` (clamped to at most [`MAX_REL_TOL`]). Infinities and zeros
    /// must match exactly; NaN never matches.
    pub fn float_tol(&mut self, field: impl Display, expected: f64, got: f64, rel: f64) {
        self.fields_checked += 1;
        if !floats_agree(expected, got, rel.min(MAX_REL_TOL)) {
            self.mismatch(field, format!("{expected:?}"), format!("{got:?}"));
        }
    }

    /// Records a mismatch that is not a simple value comparison (e.g. an unexpected error).
    pub fn mismatch(&mut self, field: impl Display, expected: impl Display, got: impl Display) {
        self.mismatches.push(Mismatch {
            field: field.to_string(),
            expected: expected.to_string(),
            got: got.to_string(),
        });
    }

    /// Marks that the peer errored on a step of this case, with what ballotproof did instead.
    pub fn peer_errored(&mut self, note: impl Into<String>) {
        self.peer_error = Some(note.into());
    }
}

/// True when `got` equals `expected` to relative tolerance `rel`.
pub fn floats_agree(expected: f64, got: f64, rel: f64) -> bool {
    if expected.is_nan() || got.is_nan() {
        return false;
    }
    if expected.is_infinite() || got.is_infinite() || expected == 0.0 || got == 0.0 {
        return expected == got;
    }
    (expected - got).abs() <= rel * expected.abs().max(got.abs())
}

/// All cases checked so far, across files.
#[derive(Debug, Default)]
pub struct Report {
    pub cases: Vec<Case>,
    /// Files or parts of files the runner had nothing to recompute for, and why.
    pub notes: Vec<String>,
}

impl Report {
    pub fn push(&mut self, case: Case) {
        self.cases.push(case);
    }

    pub fn passed(&self) -> usize {
        self.cases.iter().filter(|c| c.passed()).count()
    }

    pub fn failed(&self) -> usize {
        self.cases.iter().filter(|c| c.failed()).count()
    }

    pub fn skipped(&self) -> usize {
        self.cases
            .iter()
            .filter(|c| c.skipped.is_some() && !c.failed())
            .count()
    }

    pub fn peer_error_cases(&self) -> impl Iterator<Item = &Case> {
        self.cases.iter().filter(|c| c.peer_error.is_some())
    }
}

impl Display for Report {
    /// Every mismatch on its own line, the cases where the peer errored, then `N passed, M failed`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for case in &self.cases {
            for m in &case.mismatches {
                writeln!(
                    f,
                    "MISMATCH {} case {}: {}: expected {}, got {}",
                    case.file, case.name, m.field, m.expected, m.got
                )?;
            }
        }
        for case in &self.cases {
            if let (Some(reason), false) = (&case.skipped, case.failed()) {
                writeln!(f, "skipped {} case {}: {}", case.file, case.name, reason)?;
            }
        }
        for note in &self.notes {
            writeln!(f, "note: {note}")?;
        }
        for case in self.peer_error_cases() {
            if let Some(note) = &case.peer_error {
                writeln!(f, "peer error {} case {}: {}", case.file, case.name, note)?;
            }
        }
        write!(f, "{} passed, {} failed", self.passed(), self.failed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_comparison_is_relative_and_strict_on_special_values() {
        assert!(floats_agree(1.0, 1.0 + 1e-9, 1e-6));
        assert!(!floats_agree(1.0, 1.0 + 1e-5, 1e-6));
        assert!(floats_agree(1e-300, 1.0000001e-300, 1e-6));
        assert!(!floats_agree(0.0, 1e-300, 1e-6));
        assert!(floats_agree(f64::INFINITY, f64::INFINITY, 1e-6));
        assert!(!floats_agree(f64::NAN, f64::NAN, 1e-6));
    }

    #[test]
    fn skipped_cases_are_neither_passed_nor_failed() {
        let mut report = Report::default();
        let mut skipped = Case::new("f.json", "big");
        skipped.skip("input not available");
        report.push(skipped);
        assert_eq!(
            (report.passed(), report.failed(), report.skipped()),
            (0, 0, 1)
        );
        let text = report.to_string();
        assert!(text.contains("skipped f.json case big: input not available"));
        assert!(text.ends_with("0 passed, 0 failed"));
    }

    #[test]
    fn report_counts_cases_and_prints_mismatches() {
        let mut report = Report::default();
        let mut ok = Case::new("f.json", "a");
        ok.exact("n", 3, 3);
        let mut bad = Case::new("f.json", "b");
        bad.float("p", 0.5, 0.6);
        report.push(ok);
        report.push(bad);
        let text = report.to_string();
        assert!(text.contains("MISMATCH f.json case b: p: expected 0.5, got 0.6"));
        assert!(text.ends_with("1 passed, 1 failed"));
    }
}
