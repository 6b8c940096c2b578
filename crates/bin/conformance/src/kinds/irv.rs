//! Checks `irv` vector files: raire-rs's RAIRE solutions (`RaireProblem::solve`) for real IRV
//! contests, recomputed with the `irv` crate.
//!
//! What is compared, per case (the file's `check` field: raire-rs's own regression test compares only
//! the overall difficulty, and other assertion sets with equal difficulty are acceptable):
//! - the winner and number of candidates, exactly;
//! - the overall difficulty, to the default relative tolerance (it is one assertion's difficulty,
//!   computed by the same formula, so it agrees to the last bit; raire-rs allows an absolute 0.001);
//! - every assertion raire-rs reported, re-scored from the ballots: margin exactly, difficulty to the
//!   default tolerance; and raire-rs's `margin` as the smallest of those margins;
//! - that raire-rs's assertions rule out every other winner (by the `irv` crate's own verifier);
//! - that ballotproof's assertions rule out every other winner and their largest difficulty equals
//!   raire-rs's overall difficulty.
//!
//! Inputs too large to inline are named by their path in the raire-rs repository; the runner looks
//! for the file by name under `../shared/data/` and in the folders named by the environment variable
//! `CONFORMANCE_INPUT_DIRS` (colon-separated, e.g. a raire-rs checkout's
//! `Australian Examples/NSW Local Government/2021`). When it is in neither, the case is reported as
//! *skipped*, with the reason: a case that was not recomputed is not counted as a pass.
//!
//! One known peer defect: raire-rs's BRAVO difficulty computes `0 · ln 0 = NaN` when the loser has
//! no votes (`raire/src/audit_type.rs` L58, `l*(2.0-twos).ln()`), and its comparisons then ignore that assertion as if
//! it were infinitely hard. ballotproof uses the limit (see `irv::difficulty`). For BRAVO cases the
//! peer's values are therefore checked against a second run that reproduces the NaN
//! ([`RaireRsBravo`]); when ballotproof's own result differs, the case records that as a peer error
//! and ballotproof's own assertions must still rule out every other winner with a difficulty no
//! higher than the peer's.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use irv::{
    Assertion, AuditAssertions, Candidate, CandidateSet, Difficulty, DifficultyMeasure, IrvError,
    Profile, RankedBallots, SearchLimits, find_assertions, unrefuted_elimination_order,
};
use serde_json::Value;

use crate::json::{array_field, as_u64, case_name, f64_field, field, str_field, u64_field};
use crate::{Case, Report};

/// Work budget for re-checking an assertion set (the peer's or ours).
const VERIFY_WORK: u64 = 10_000_000;

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let name = case_name(c, i);
        let mut case = Case::new(file, name.clone());
        if let Err(err) = check_case(c, &mut case) {
            case.mismatch("*", "a readable case", format!("{err:#}"));
        }
        report.push(case);
    }
    if let Some(guides) = doc.get("guide_examples_inputs").and_then(Value::as_array) {
        report.notes.push(format!(
            "{file}: {} guide_examples_inputs carry no expected values here; the irv crate's tests check them against raire-rs",
            guides.len()
        ));
    }
    Ok(())
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = match load_input(c)? {
        Ok(input) => input,
        Err(why) => {
            case.skip(why);
            return Ok(());
        }
    };
    let expected = field(field(c, "expected")?, "solution")?;
    let problem = match parse_problem(&input)? {
        Ok(problem) => problem,
        Err(err) => {
            match expected.get("Err") {
                Some(peer_error) => check_peer_error(peer_error, Err(err), "ballotproof", case)?,
                None => case.mismatch("solution", "Ok", format!("error: {err}")),
            }
            return Ok(());
        }
    };
    let solve = |measure: &dyn Difficulty| {
        find_assertions(
            &problem.profile,
            measure,
            problem.winner,
            SearchLimits::default(),
        )
    };
    let ours = solve(&problem.measure);
    let compat = RaireRsBravo(problem.measure);
    // What raire-rs computes: the same as ours except for BRAVO's NaN (module docs).
    let as_peer = if compat.differs() {
        let peer_view = solve(&compat);
        if !same_outcome(&ours, &peer_view) {
            check_own_result_where_peer_erred(&problem, &ours, &peer_view, case);
        }
        peer_view
    } else {
        ours
    };
    if let Some(peer_error) = expected.get("Err") {
        let who = if case.peer_error.is_some() {
            "reproducing raire-rs's NaN, ballotproof"
        } else {
            "ballotproof"
        };
        return check_peer_error(peer_error, as_peer, who, case);
    }
    let ok = field(expected, "Ok").context("solution is neither Ok nor Err")?;
    let ours = match as_peer {
        Ok(ours) => ours,
        Err(err) => {
            case.mismatch("solution", "Ok", format!("error: {err}"));
            return Ok(());
        }
    };
    let measure: &dyn Difficulty = &compat;
    let n = problem.profile.num_candidates();
    let expected_winner = u64_field(ok, "winner")?;
    case.exact("winner", expected_winner, u64::from(ours.winner.number()));
    case.exact("num_candidates", u64_field(ok, "num_candidates")?, n as u64);
    let expected_difficulty = f64_field(ok, "difficulty")?;
    case.float("difficulty", expected_difficulty, ours.difficulty);

    // raire-rs's assertions, re-scored from the ballots.
    let mut peer_assertions = Vec::new();
    let mut smallest_margin: Option<u64> = None;
    for (i, a) in array_field(ok, "assertions")?.iter().enumerate() {
        let assertion =
            parse_assertion(field(a, "assertion")?).with_context(|| format!("assertions[{i}]"))?;
        match assertion.score(&problem.profile, measure) {
            Ok(scored) => {
                case.exact(
                    format!("assertions[{i}].margin ({assertion})"),
                    u64_field(a, "margin")?,
                    scored.margin,
                );
                case.float(
                    format!("assertions[{i}].difficulty ({assertion})"),
                    f64_field(a, "difficulty")?,
                    scored.difficulty,
                );
                smallest_margin =
                    Some(smallest_margin.map_or(scored.margin, |m| m.min(scored.margin)));
            }
            Err(err) => case.mismatch(format!("assertions[{i}]"), "a valid assertion", err),
        }
        peer_assertions.push(assertion);
    }
    if let Some(margin) = ok.get("margin") {
        case.exact(
            "margin (smallest assertion margin)",
            Some(as_u64(margin)?),
            smallest_margin,
        );
    }
    let expected_winner = Candidate::new(u32::try_from(expected_winner)?);
    case.exact(
        "raire-rs assertions rule out every other winner",
        Ok(None),
        unrefuted_elimination_order(n, expected_winner, &peer_assertions, VERIFY_WORK),
    );

    // Ours.
    let ours_plain: Vec<Assertion> = ours.assertions.iter().map(|a| a.assertion).collect();
    case.exact(
        "ballotproof assertions rule out every other winner",
        Ok(None),
        unrefuted_elimination_order(n, ours.winner, &ours_plain, VERIFY_WORK),
    );
    let hardest = ours
        .assertions
        .iter()
        .map(|a| a.difficulty)
        .fold(0.0, f64::max);
    case.float(
        "largest ballotproof assertion difficulty",
        expected_difficulty,
        hardest,
    );
    Ok(())
}

/// raire-rs's BRAVO as it behaves (`raire/src/audit_type.rs` L50-61): a loser with no votes makes
/// the difficulty NaN, which raire-rs's strict comparisons treat like an infinite difficulty. Other
/// measures are passed through unchanged.
struct RaireRsBravo(DifficultyMeasure);

impl RaireRsBravo {
    fn differs(&self) -> bool {
        matches!(self.0, DifficultyMeasure::Bravo { .. })
    }
}

impl Difficulty for RaireRsBravo {
    fn difficulty(&self, winner_tally: u64, loser_tally: u64) -> f64 {
        if self.differs() && loser_tally == 0 {
            f64::INFINITY
        } else {
            self.0.difficulty(winner_tally, loser_tally)
        }
    }

    fn validate(&self) -> Result<(), IrvError> {
        self.0.validate()
    }
}

fn same_outcome(
    a: &Result<AuditAssertions, IrvError>,
    b: &Result<AuditAssertions, IrvError>,
) -> bool {
    match (a, b) {
        (Ok(a), Ok(b)) => a.difficulty == b.difficulty && a.winner == b.winner,
        (Err(a), Err(b)) => a == b,
        _ => false,
    }
}

/// ballotproof's BRAVO result differs from raire-rs's because of raire-rs's NaN: ballotproof's
/// assertions must still confirm the winner, and be no harder than raire-rs's.
fn check_own_result_where_peer_erred(
    problem: &Problem,
    ours: &Result<AuditAssertions, IrvError>,
    peer_view: &Result<AuditAssertions, IrvError>,
    case: &mut Case,
) {
    let n = problem.profile.num_candidates();
    match ours {
        Ok(ours) => {
            let plain: Vec<Assertion> = ours.assertions.iter().map(|a| a.assertion).collect();
            case.exact(
                "ballotproof BRAVO assertions rule out every other winner",
                Ok(None),
                unrefuted_elimination_order(n, ours.winner, &plain, VERIFY_WORK),
            );
            let peer_difficulty = peer_view.as_ref().map_or(f64::INFINITY, |p| p.difficulty);
            case.exact(
                "ballotproof BRAVO difficulty no higher than raire-rs's",
                true,
                ours.difficulty <= peer_difficulty,
            );
            case.peer_errored(format!(
                "raire-rs's BRAVO difficulty is NaN (0·ln 0) when a loser has no votes, so it ignores such assertions; reproducing that matches raire-rs, while ballotproof uses the limit and finds difficulty {} (raire-rs: {})",
                ours.difficulty,
                match peer_view {
                    Ok(p) => p.difficulty.to_string(),
                    Err(e) => format!("error: {e}"),
                }
            ));
        }
        Err(err) => case.mismatch("ballotproof BRAVO solution", "Ok", format!("error: {err}")),
    }
}

/// raire-rs reported an error (`RaireError`, serialised by serde): ours must be the same kind.
fn check_peer_error(
    peer: &Value,
    ours: Result<AuditAssertions, IrvError>,
    who: &str,
    case: &mut Case,
) -> anyhow::Result<()> {
    let (kind, detail) = match peer {
        Value::String(s) => (s.as_str(), None),
        Value::Object(map) if map.len() == 1 => match map.iter().next() {
            Some((k, v)) => (k.as_str(), Some(v)),
            None => bail!("empty Err"),
        },
        _ => bail!("unrecognised Err {peer}"),
    };
    let candidates = |v: Option<&Value>| -> anyhow::Result<Vec<u64>> {
        let mut list: Vec<u64> = v
            .and_then(Value::as_array)
            .ok_or_else(|| anyhow!("{kind} without a candidate list"))?
            .iter()
            .map(as_u64)
            .collect::<anyhow::Result<_>>()?;
        list.sort_unstable();
        Ok(list)
    };
    let numbers = |cs: &[Candidate]| -> Vec<u64> {
        let mut v: Vec<u64> = cs.iter().map(|c| u64::from(c.number())).collect();
        v.sort_unstable();
        v
    };
    let note = |what: &str| format!("raire-rs returned {kind}; {who} {what}");
    match (kind, &ours) {
        ("TiedWinners", Err(IrvError::TiedWinners(w))) => {
            case.exact("tied winners", candidates(detail)?, numbers(w));
            add_note(
                case,
                note("refuses the contest as tied, naming the same candidates"),
            );
        }
        ("WrongWinner", Err(IrvError::WrongWinner { possible, .. })) => {
            case.exact("actual winners", candidates(detail)?, numbers(possible));
            add_note(
                case,
                note("refuses the announced winner, naming the same winners"),
            );
        }
        ("InvalidNumberOfCandidates", Err(IrvError::NoCandidates))
        | ("InvalidCandidateNumber", Err(IrvError::CandidateOutOfRange { .. }))
        | ("CouldNotRuleOut", Err(IrvError::CannotRuleOut { .. })) => {
            add_note(case, note("returns the same error"));
        }
        (
            "TimeoutCheckingWinner" | "TimeoutFindingAssertions" | "InvalidTimeout",
            Ok(_) | Err(IrvError::WorkLimitExceeded { .. }),
        ) => {
            add_note(
                case,
                note("has no clock; it finishes or stops at its work budget with a clear error"),
            );
        }
        _ => case.mismatch(
            "solution",
            format!("error {kind}"),
            match ours {
                Ok(r) => format!("Ok with difficulty {}", r.difficulty),
                Err(e) => format!("error: {e}"),
            },
        ),
    }
    Ok(())
}

struct Problem {
    profile: Profile,
    measure: DifficultyMeasure,
    winner: Option<Candidate>,
}

/// A RAIRE problem as raire-rs reads it (`raire/src/lib.rs` `RaireProblem`). The inner error is
/// ballotproof refusing the ballots (e.g. no candidates), to compare with the peer's error.
fn parse_problem(input: &Value) -> anyhow::Result<Result<Problem, IrvError>> {
    let num_candidates = usize::try_from(u64_field(input, "num_candidates")?)?;
    let groups = array_field(input, "votes")?
        .iter()
        .enumerate()
        .map(|(i, v)| -> anyhow::Result<RankedBallots> {
            let ranking = array_field(v, "prefs")?
                .iter()
                .map(candidate)
                .collect::<anyhow::Result<Vec<_>>>()
                .with_context(|| format!("votes[{i}].prefs"))?;
            Ok(RankedBallots {
                count: u64_field(v, "n").with_context(|| format!("votes[{i}]"))?,
                ranking,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let profile = match Profile::new(num_candidates, groups) {
        Ok(profile) => profile,
        Err(err) => return Ok(Err(err)),
    };
    let winner = match input.get("winner") {
        None | Some(Value::Null) => None,
        Some(w) => Some(candidate(w).context("winner")?),
    };
    let audit = field(input, "audit")?;
    let n = || u64_field(audit, "total_auditable_ballots");
    let measure = match str_field(audit, "type")? {
        "OneOnMargin" | "Margin" => DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: n()?,
        },
        "OneOnMarginSq" | "MarginSq" => DifficultyMeasure::OneOnMarginSquared {
            total_auditable_ballots: n()?,
        },
        "MACRO" => DifficultyMeasure::Macro {
            risk_limit: f64_field(audit, "confidence")?,
            error_inflation: f64_field(audit, "error_inflation_factor")?,
            total_auditable_ballots: n()?,
        },
        "BRAVO" => DifficultyMeasure::Bravo {
            risk_limit: f64_field(audit, "confidence")?,
            total_auditable_ballots: n()?,
        },
        other => bail!("unknown audit type {other:?}"),
    };
    Ok(Ok(Problem {
        profile,
        measure,
        winner,
    }))
}

fn candidate(v: &Value) -> anyhow::Result<Candidate> {
    Ok(Candidate::new(u32::try_from(as_u64(v)?)?))
}

/// A raire-rs assertion (`{"type": "NEB"|"NEN", "winner", "loser", "continuing"?}`).
fn parse_assertion(a: &Value) -> anyhow::Result<Assertion> {
    let winner = candidate(field(a, "winner")?)?;
    let loser = candidate(field(a, "loser")?)?;
    match str_field(a, "type")? {
        "NEB" => Ok(Assertion::NotEliminatedBefore { winner, loser }),
        "NEN" => {
            let continuing = array_field(a, "continuing")?
                .iter()
                .map(candidate)
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(Assertion::NotEliminatedNext {
                winner,
                loser,
                continuing: CandidateSet::of(continuing),
            })
        }
        other => bail!("unknown assertion type {other:?}"),
    }
}

/// The case's RAIRE problem: inline, or the file named by `input_file` found under
/// `../shared/data/`. The inner `Err` explains why it is unavailable.
fn load_input(c: &Value) -> anyhow::Result<Result<Value, String>> {
    if let Some(input) = c.get("input").filter(|v| !v.is_null()) {
        return Ok(Ok(input.clone()));
    }
    let repo_path = str_field(c, "input_file")?;
    let file_name = Path::new(repo_path)
        .file_name()
        .ok_or_else(|| anyhow!("input_file {repo_path:?} has no file name"))?;
    let omitted = c
        .get("input_omitted")
        .and_then(Value::as_str)
        .unwrap_or("not inlined");
    let roots = shared_data_roots();
    for root in &roots {
        for dir in search_dirs(root) {
            let path = dir.join(file_name);
            if path.is_file() {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let input = serde_json::from_str(&text)
                    .with_context(|| format!("{} is not valid JSON", path.display()))?;
                return Ok(Ok(input));
            }
        }
    }
    Ok(Err(format!(
        "not available: the vector file does not inline it ({omitted}) and {:?} is not under shared/data/ (looked in {}); copy it there from raire-rs {repo_path:?} to check this case",
        file_name,
        roots
            .iter()
            .map(|r| r.display().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Where `shared/data` may be: beside the project root this runner was built from, and
/// `../shared/data` from the working directory (the documented way to run it).
fn shared_data_roots() -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = Vec::new();
    let extra = std::env::var_os("CONFORMANCE_INPUT_DIRS")
        .map(|dirs| std::env::split_paths(&dirs).collect::<Vec<_>>())
        .unwrap_or_default();
    for candidate in [
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/data"),
        PathBuf::from("../shared/data"),
    ]
    .into_iter()
    .chain(extra)
    {
        if let Ok(dir) = candidate.canonicalize()
            && dir.is_dir()
            && !roots.contains(&dir)
        {
            roots.push(dir);
        }
    }
    roots
}

/// `raire-rs-NSW2021/` first, then `root` itself, then every other folder directly under `root`.
fn search_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = vec![root.join("raire-rs-NSW2021"), root.to_path_buf()];
    if let Ok(entries) = std::fs::read_dir(root) {
        let mut others: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir() && !dirs.contains(p))
            .collect();
        others.sort();
        dirs.extend(others);
    }
    dirs
}

/// Adds to the case's peer-error note (a case may carry two: BRAVO's NaN, then the peer's error).
fn add_note(case: &mut Case, text: String) {
    let joined = match case.peer_error.take() {
        Some(earlier) => format!("{earlier}; {text}"),
        None => text,
    };
    case.peer_errored(joined);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_raire_problem_json() {
        let input: Value = serde_json::from_str(
            r#"{"num_candidates": 3, "votes": [{"n": 5, "prefs": [0, 2]}, {"n": 3, "prefs": [1]}],
                "winner": 0, "audit": {"type": "MACRO", "confidence": 0.05,
                "error_inflation_factor": 1.1, "total_auditable_ballots": 9}}"#,
        )
        .unwrap();
        let p = parse_problem(&input).unwrap().unwrap();
        assert_eq!(p.profile.total_ballots(), 8);
        assert_eq!(p.winner, Some(Candidate::new(0)));
        assert!(matches!(
            p.measure,
            DifficultyMeasure::Macro {
                total_auditable_ballots: 9,
                ..
            }
        ));
        let a: Value = serde_json::from_str(
            r#"{"type": "NEN", "winner": 0, "loser": 1, "continuing": [1, 0]}"#,
        )
        .unwrap();
        assert_eq!(
            parse_assertion(&a).unwrap(),
            Assertion::NotEliminatedNext {
                winner: Candidate::new(0),
                loser: Candidate::new(1),
                continuing: CandidateSet::first_n(2)
            }
        );
    }

    /// raire-rs `raire/tests/edge_cases.rs` `test_zero_candidates`: no candidates is an error in
    /// both.
    #[test]
    fn zero_candidates_is_the_same_error_as_raire_rs() {
        let c: Value = serde_json::from_str(
            r#"{"name": "z", "input": {"num_candidates": 0, "votes": [],
                "audit": {"type": "OneOnMargin", "total_auditable_ballots": 0}},
                "expected": {"solution": {"Err": "InvalidNumberOfCandidates"}}}"#,
        )
        .unwrap();
        let mut case = Case::new("f.json", "z");
        check_case(&c, &mut case).unwrap();
        assert!(case.passed(), "{:?}", case.mismatches);
        assert!(case.peer_error.is_some());
    }

    #[test]
    fn a_missing_input_is_reported_not_passed() {
        let c: Value = serde_json::from_str(
            r#"{"name": "x", "input": null, "input_file": "nowhere/No Such Contest.json",
                "input_omitted": "too large", "expected": {"solution": {"Ok": {}}}}"#,
        )
        .unwrap();
        let mut case = Case::new("f.json", "x");
        check_case(&c, &mut case).unwrap();
        assert!(!case.passed());
        assert!(
            case.skipped
                .as_deref()
                .unwrap_or("")
                .contains("No Such Contest.json")
        );
    }
}
