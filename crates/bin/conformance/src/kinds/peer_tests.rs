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

pub fn r2b2_minerva_arlo(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    super::not_implemented(file, doc, report, "r2b2 minerva arlo tests")
}

pub fn r2b2_brla(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    super::not_implemented(file, doc, report, "r2b2 brla")
}
