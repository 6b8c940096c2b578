//! Checks the peers' own test data files that have a case structure (Arlo's BRAVO fixtures, r2b2's ASN,
//! Minerva and BRLA test data).

use serde_json::Value;

use crate::{Case, Report};

/// Arlo's BRAVO test fixtures (test_bravo.py), joined per contest: round-1 and round-2 options must
/// match exactly; an empty options object is a call the test expects to raise, so ours must return
/// an error or "sample sufficient"; p-values are checked against the code's exact values at 1e-6 and
/// against the test's literals at its own absolute tolerance, 0.01.
pub fn arlo_bravo_curated(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    use rla_math::RiskLimit;
    use rla_math::bravo::{self, PollingRound};

    use super::bravo::{check_options, check_p_values, contest_from, tally};
    use crate::json::{
        array_field, bool_field, case_name, f64_field, field, object_field, u64_field,
    };

    /// The expected value whose key starts with `prefix` (the keys carry explanations).
    fn keyed<'a>(expected: &'a Value, prefix: &str) -> anyhow::Result<&'a Value> {
        expected
            .as_object()
            .and_then(|m| m.iter().find(|(k, _)| k.starts_with(prefix)))
            .map(|(_, v)| v)
            .ok_or_else(|| anyhow::anyhow!("no expected field starting with {prefix:?}"))
    }

    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let name = case_name(c, i);
        let mut case = Case::new(file, &name);
        let input = field(c, "input")?;
        let expected = field(c, "expected")?;
        let spec = field(input, "contest")?;
        let mut votes = object_field(input, "contest")?.clone();
        for k in ["ballots", "numWinners", "votesAllowed"] {
            votes.remove(k);
        }
        let contest = contest_from(
            &name,
            &votes,
            u64_field(spec, "ballots")?,
            u64_field(spec, "numWinners")?,
            u64_field(spec, "votesAllowed")?,
        )?;
        let risk_limit = RiskLimit::from_percent(f64_field(input, "risk_limit_percent")?)?;

        let mut rounds = Vec::new();
        for (round_id, tallies) in object_field(input, "round1_sample_results")? {
            let tallies = tallies
                .as_object()
                .ok_or_else(|| anyhow::anyhow!("round {round_id} is not an object"))?;
            rounds.push(PollingRound {
                draws: u64_field(input, "round1_size")?,
                votes: tally(&contest, tallies)?,
                not_found: 0,
            });
        }

        let mut errored = Vec::new();
        for (prefix, rounds) in [
            ("round1_sample_size_options", &[][..]),
            ("round2_sample_size_options", &rounds[..]),
        ] {
            let want = keyed(expected, prefix)?;
            let got = bravo::sample_size_options(&contest, risk_limit, rounds);
            if want.as_object().is_some_and(|m| m.is_empty()) {
                let refused = !matches!(
                    got,
                    Ok(bravo::SampleSizeOptions::Estimates { .. }
                        | bravo::SampleSizeOptions::AllBallots { .. })
                );
                case.exact(
                    format!("{prefix}: Arlo's test expects a ValueError"),
                    true,
                    refused,
                );
                errored.push(format!(
                    "{prefix}: Arlo's test expects a ValueError; ballotproof returns {got:?}"
                ));
            } else {
                check_options(&mut case, prefix, want, got)?;
            }
        }
        if !errored.is_empty() {
            case.peer_errored(errored.join("; "));
        }

        let risk = bravo::risk(&contest, risk_limit, &rounds)?;
        let exact = keyed(expected, "p_values_after_round1_exact_from_code")?
            .as_object()
            .ok_or_else(|| anyhow::anyhow!("exact p-values are not an object"))?;
        check_p_values(
            &mut case,
            "p_values (exact from code)",
            exact,
            &contest,
            &risk,
            None,
        )?;
        let literal = keyed(expected, "p_values_after_round1 (")?
            .as_object()
            .ok_or_else(|| anyhow::anyhow!("test p-values are not an object"))?;
        check_p_values(
            &mut case,
            "p_values (test literal)",
            literal,
            &contest,
            &risk,
            Some(0.01),
        )?;
        case.exact(
            "risk_limit_met_after_round1",
            bool_field(expected, "risk_limit_met_after_round1")?,
            risk.risk_limit_met,
        );
        report.push(case);
    }
    Ok(())
}

/// r2b2's ASN test data (asn_tests.json): two-candidate contests, exact ASN.
pub fn r2b2_asn(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    use rla_math::RiskLimit;
    use rla_math::bravo;

    use crate::json::{array_field, case_name, f64_field, u64_field};

    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = Case::new(file, case_name(c, i));
        let ballots = u64_field(c, "ballots")?;
        let winner = u64_field(c, "winner_ballots")?;
        let loser = ballots
            .checked_sub(winner)
            .ok_or_else(|| anyhow::anyhow!("winner_ballots {winner} exceeds ballots {ballots}"))?;
        let risk_limit = RiskLimit::new(f64_field(c, "alpha")?)?;
        match bravo::pairwise_asn(winner, loser, risk_limit) {
            Ok(asn) => case.exact("asn", u64_field(c, "asn")?, asn),
            Err(e) => case.mismatch("asn", u64_field(c, "asn")?, e),
        }
        report.push(case);
    }
    Ok(())
}

/// r2b2 `tests/test_minerva_arlo.py`: `Minerva(alpha, 1.0, contest)`, `execute_round` per round, then
/// `stopped` must match and `|get_risk_level() − pvalue| < 1e-6` — the test's own tolerance, since the
/// file's p-values are rounded to six decimals (exact values are pinned in rla-math's tests).
pub fn r2b2_minerva_arlo(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    for (i, c) in crate::json::array_field(doc, "cases")?.iter().enumerate() {
        let mut case = crate::Case::new(file, crate::json::case_name(c, i));
        if let Err(e) = check_r2b2_minerva_arlo(c, &mut case) {
            case.mismatch("*", "a computable case", format!("{e:#}"));
        }
        report.push(case);
    }
    Ok(())
}

/// The absolute p-value tolerance of r2b2's `test_minerva_arlo.py` (`tol = 0.000001`).
const R2B2_ARLO_TEST_TOLERANCE: f64 = 1e-6;

fn check_r2b2_minerva_arlo(c: &Value, case: &mut crate::Case) -> anyhow::Result<()> {
    use crate::json::{as_u64, f64_field, field, object_field, str_field, u64_field};
    use rla_math::minerva::R2b2Audit;

    let kind = str_field(c, "audit_type")?;
    if kind != "minerva" {
        anyhow::bail!("audit type {kind:?} is not r2b2 Minerva");
    }
    let contest_in = field(c, "contest")?;
    let choices: Vec<(String, u64)> = object_field(contest_in, "tally")?
        .iter()
        .map(|(k, v)| Ok((k.clone(), as_u64(v)?)))
        .collect::<anyhow::Result<_>>()?;
    let winners: Vec<&str> = crate::json::array_field(contest_in, "reported_winners")?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let contest = rla_math::Contest::with_winners(
        "contest",
        choices.iter().map(|(n, v)| (n.as_str(), *v)),
        u64_field(contest_in, "contest_ballots")?,
        &winners,
        1,
    )?;
    let risk_limit = rla_math::RiskLimit::new(f64_field(c, "alpha")?)?;
    let mut audit = R2b2Audit::minerva(&contest, risk_limit)?;
    let mut rounds: Vec<(u64, &Value)> = object_field(c, "rounds")?
        .iter()
        .map(|(k, v)| Ok((k.parse::<u64>()?, v)))
        .collect::<anyhow::Result<_>>()?;
    rounds.sort_by_key(|(k, _)| *k);
    for (r, round) in rounds {
        let mut tally = vec![0u64; contest.choices().len()];
        for (name, v) in object_field(round, "sample")? {
            let i = contest
                .index_of(name)
                .ok_or_else(|| anyhow::anyhow!("sample names unknown choice {name:?}"))?;
            tally[i] = as_u64(v)?;
        }
        if let Err(e) = audit.record_round(u64_field(round, "sample_size")?, &tally) {
            case.mismatch(format!("round {r}"), "recorded", e);
            return Ok(());
        }
    }
    let expected = field(c, "expected")?;
    case.exact(
        "stopped",
        as_u64(field(expected, "stopped")?)? != 0,
        audit.stopped(),
    );
    let want = f64_field(expected, "pvalue")?;
    let got = audit.risk_level().unwrap_or(f64::NAN);
    case.fields_checked += 1;
    // A NaN p-value fails too.
    let within = (got - want).abs() < R2B2_ARLO_TEST_TOLERANCE;
    if !within {
        case.mismatch("pvalue (abs tol 1e-6)", want, got);
    }
    Ok(())
}

/// r2b2 `tests/test_brla.py::test_paper_data`: `BayesianRLA(risk, 1.0, contest)
/// .compute_min_winner_ballots(sub_audits['A-B'], rounds) == kmins` for the contest the test builds,
/// `Contest(100000, {'A': 60000, 'B': 40000}, 1, ['A'])` (named in the file's `source.function`; the
/// cases carry only the risk and the schedule). A case may instead carry its own `contest`
/// (`contest_ballots`, `tally`, `reported_winners`) and `pair` ("winner-loser"). r2b2's -1
/// ("no kmin") is `None`.
pub fn r2b2_brla(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    use crate::json::{array_field, case_name};

    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = crate::Case::new(file, case_name(c, i));
        if let Err(e) = check_r2b2_brla(c, &mut case) {
            case.mismatch("*", "a computable case", format!("{e:#}"));
        }
        report.push(case);
    }
    Ok(())
}

fn check_r2b2_brla(c: &Value, case: &mut crate::Case) -> anyhow::Result<()> {
    use crate::json::{array_field, as_f64, as_u64, f64_field, object_field, u64_field};
    use rla_math::minerva::brla::BayesianRla;

    let contest = match c.get("contest") {
        None => rla_math::Contest::with_winners(
            "contest",
            [("A", 60_000u64), ("B", 40_000)],
            100_000,
            &["A"],
            1,
        )?,
        Some(contest) => {
            let choices: Vec<(String, u64)> = object_field(contest, "tally")?
                .iter()
                .map(|(k, v)| Ok((k.clone(), as_u64(v)?)))
                .collect::<anyhow::Result<_>>()?;
            let winners: Vec<&str> = array_field(contest, "reported_winners")?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            rla_math::Contest::with_winners(
                "contest",
                choices.iter().map(|(n, v)| (n.as_str(), *v)),
                u64_field(contest, "contest_ballots")?,
                &winners,
                1,
            )?
        }
    };
    let pair_key = c.get("pair").and_then(Value::as_str).unwrap_or("A-B");
    let risk = rla_math::RiskLimit::new(f64_field(c, "risk")?)?;
    let audit = BayesianRla::new(&contest, risk)?;
    let pair = audit
        .pairs()
        .iter()
        .find(|p| format!("{}-{}", p.winner_name, p.loser_name) == pair_key)
        .ok_or_else(|| anyhow::anyhow!("no pair {pair_key}"))?;
    let rounds: Vec<u64> = array_field(c, "rounds")?
        .iter()
        .map(as_u64)
        .collect::<anyhow::Result<_>>()?;
    let want: Vec<Option<u64>> = array_field(c, "kmins")?
        .iter()
        .map(|v| {
            let k = as_f64(v)?;
            Ok((k >= 0.0).then_some(k as u64))
        })
        .collect::<anyhow::Result<_>>()?;
    match audit.kmins(pair, &rounds) {
        Ok(got) => {
            case.exact("kmins length", want.len(), got.len());
            for (j, (w, g)) in want.iter().zip(&got).enumerate() {
                case.exact(format!("kmin[{j}] (n = {})", rounds[j]), w, g);
            }
        }
        Err(e) => case.mismatch("kmins", format!("{want:?}"), e),
    }
    Ok(())
}
