//! Checks `bravo` vector files (Arlo `audit_math/bravo.py`): round-1 options, p-values after round 1,
//! the stop decision, round-2 options or Arlo's error, and the `bravo_sample_sizes` primitives.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, anyhow};
use rla_math::bravo::{
    self, AllBallotsReason, BravoError, PairShares, PollingRound, SampleSizeOptions,
};
use rla_math::{Contest, RiskLimit};
use serde_json::Value;

use crate::json::{
    array_field, as_f64, as_u64, bool_field, case_name, f64_field, field, object_field, u64_field,
};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    if let Some(primitives) = doc.get("primitives").and_then(Value::as_array) {
        for (i, p) in primitives.iter().enumerate() {
            let mut case = Case::new(file, format!("primitives[{i}]"));
            check_primitive(p, &mut case).with_context(|| format!("primitives[{i}]"))?;
            report.push(case);
        }
    }
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let name = case_name(c, i);
        let mut case = Case::new(file, &name);
        check_case(c, &mut case).with_context(|| format!("case {name}"))?;
        report.push(case);
    }
    Ok(())
}

fn check_primitive(p: &Value, case: &mut Case) -> anyhow::Result<()> {
    let function = crate::json::str_field(p, "fn")?;
    if function != "bravo_sample_sizes" {
        case.mismatch("fn", "bravo_sample_sizes", function);
        return Ok(());
    }
    let input = field(p, "input")?;
    let risk_limit = RiskLimit::new(f64_field(input, "alpha")?)?;
    let pair = PairShares {
        winner_share: f64_field(input, "p_w")?,
        loser_share: f64_field(input, "p_r")?,
        winner_sampled: u64_field(input, "sample_w")?,
        loser_sampled: u64_field(input, "sample_r")?,
    };
    let got = bravo::quantile_sample_size(
        risk_limit,
        pair,
        f64_field(input, "p_completion")?,
        u64_field(input, "total_ballots")?,
    );
    match got {
        Ok(size) => case.exact("output", u64_field(p, "output")?, size),
        Err(e) => case.mismatch("output", u64_field(p, "output")?, e),
    }
    Ok(())
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let expected = field(c, "expected")?;
    let contest = contest_from(
        case.name.as_str(),
        object_field(input, "votes")?,
        u64_field(input, "ballots")?,
        u64_field(input, "num_winners")?,
        u64_field(input, "votes_allowed")?,
    )?;
    let risk_limit = RiskLimit::from_percent(f64_field(input, "risk_limit_percent")?)?;

    if let Some(dm) = expected.get("diluted_margin").filter(|v| !v.is_null()) {
        case.float("diluted_margin", as_f64(dm)?, contest.diluted_margin());
    }
    check_options(
        case,
        "round1_sample_size_options",
        field(expected, "round1_sample_size_options")?,
        bravo::sample_size_options(&contest, risk_limit, &[]),
    )?;

    let round = PollingRound {
        draws: u64_field(input, "round1_sample_size")?,
        votes: tally(&contest, object_field(input, "round1_sample_tally")?)?,
        not_found: input
            .get("round1_not_found")
            .map(as_u64)
            .transpose()?
            .unwrap_or(0),
    };
    let rounds = [round];
    let risk = bravo::risk(&contest, risk_limit, &rounds)?;
    check_p_values(
        case,
        "p_values_after_round1",
        object_field(expected, "p_values_after_round1")?,
        &contest,
        &risk,
        None,
    )?;
    case.float(
        "max_p_value_after_round1",
        f64_field(expected, "max_p_value_after_round1")?,
        risk.max_p_value(),
    );
    case.exact(
        "risk_limit_met_after_round1",
        bool_field(expected, "risk_limit_met_after_round1")?,
        risk.risk_limit_met,
    );

    let round2 = bravo::sample_size_options(&contest, risk_limit, &rounds);
    match expected.get("round2_error").and_then(Value::as_str) {
        Some(message) => check_peer_error(case, "round2", message, &round2),
        None => check_options(
            case,
            "round2_sample_size_options",
            field(expected, "round2_sample_size_options")?,
            round2,
        )?,
    }
    Ok(())
}

/// Builds a contest from a `{choice: votes}` object (choices in the object's key order).
pub(super) fn contest_from(
    name: &str,
    votes: &serde_json::Map<String, Value>,
    ballots: u64,
    num_winners: u64,
    votes_allowed: u64,
) -> anyhow::Result<Contest> {
    let choices = votes
        .iter()
        .map(|(k, v)| Ok((k.clone(), as_u64(v)?)))
        .collect::<anyhow::Result<Vec<(String, u64)>>>()?;
    Ok(Contest::new(
        name,
        choices,
        ballots,
        usize::try_from(num_winners)?,
        u32::try_from(votes_allowed)?,
    )?)
}

/// Sampled votes per choice, in the contest's order; choices missing from the tally count 0.
pub(super) fn tally(
    contest: &Contest,
    votes: &serde_json::Map<String, Value>,
) -> anyhow::Result<Vec<u64>> {
    let mut out = vec![0; contest.choices().len()];
    for (name, v) in votes {
        let i = contest
            .index_of(name)
            .ok_or_else(|| anyhow!("sample tally names unknown choice {name:?}"))?;
        out[i] = as_u64(v)?;
    }
    Ok(out)
}

/// The pair key Arlo prints: `"winner|loser"`, with an empty loser for contests without losers.
fn pair_key(contest: &Contest, winner: usize, loser: Option<usize>) -> String {
    let name = |i: usize| contest.choices()[i].name.as_str();
    format!("{}|{}", name(winner), loser.map(name).unwrap_or(""))
}

/// Compares every expected pair p-value (and that no pair is missing or extra). `abs_tolerance`
/// replaces the relative 1e-6 comparison with an absolute one (Arlo's own tests use 0.01).
pub(super) fn check_p_values(
    case: &mut Case,
    label: &str,
    expected: &serde_json::Map<String, Value>,
    contest: &Contest,
    risk: &bravo::BravoRisk,
    abs_tolerance: Option<f64>,
) -> anyhow::Result<()> {
    let got: BTreeMap<String, f64> = risk
        .pairs
        .iter()
        .map(|p| (pair_key(contest, p.winner, p.loser), p.p_value))
        .collect();
    // Compared as sets: the file keeps Arlo's dict order, ours is sorted.
    case.exact(
        format!("{label} pairs"),
        expected.keys().cloned().collect::<BTreeSet<_>>(),
        got.keys().cloned().collect::<BTreeSet<_>>(),
    );
    for (pair, want) in expected {
        let want = as_f64(want)?;
        let Some(&have) = got.get(pair) else { continue };
        match abs_tolerance {
            None => case.float(format!("{label}[{pair}]"), want, have),
            Some(tol) => case.exact(
                format!("{label}[{pair}] within {tol} of {want} (got {have})"),
                true,
                (want - have).abs() < tol,
            ),
        }
    }
    Ok(())
}

/// Compares Arlo's options object (`{"asn": {type, size, prob}, "0.7": …}` or `{"all-ballots": …}`)
/// with ours.
pub(super) fn check_options(
    case: &mut Case,
    label: &str,
    expected: &Value,
    got: Result<SampleSizeOptions, BravoError>,
) -> anyhow::Result<()> {
    let expected = expected
        .as_object()
        .ok_or_else(|| anyhow!("{label} is not an object"))?;
    let got = match got {
        Ok(SampleSizeOptions::SampleSufficient) => {
            case.mismatch(label, "options", "sample sufficient (audit over)");
            return Ok(());
        }
        Ok(options) => options_map(&options),
        Err(e) => {
            case.mismatch(label, "options", e);
            return Ok(());
        }
    };
    // Compared as sets: the file keeps Arlo's dict order, ours is sorted.
    case.exact(
        format!("{label} keys"),
        expected.keys().cloned().collect::<BTreeSet<_>>(),
        got.keys().cloned().collect::<BTreeSet<_>>(),
    );
    for (key, want) in expected {
        let Some((kind, size, prob)) = got.get(key) else {
            continue;
        };
        let want_kind = field(want, "type")?.as_str().map(str::to_string);
        case.exact(format!("{label}[{key}].type"), want_kind, kind.clone());
        case.exact(
            format!("{label}[{key}].size"),
            u64_field(want, "size")?,
            *size,
        );
        match (field(want, "prob")?, prob) {
            (Value::Null, None) => case.exact(format!("{label}[{key}].prob"), true, true),
            (w, Some(p)) if !w.is_null() => {
                case.float(format!("{label}[{key}].prob"), as_f64(w)?, *p)
            }
            (w, p) => case.mismatch(format!("{label}[{key}].prob"), w, format!("{p:?}")),
        }
    }
    Ok(())
}

/// Our options in Arlo's shape: key → (type, size, prob).
fn options_map(
    options: &SampleSizeOptions,
) -> BTreeMap<String, (Option<String>, u64, Option<f64>)> {
    let mut map = BTreeMap::new();
    match options {
        SampleSizeOptions::AllBallots { ballots, .. } => {
            map.insert(
                "all-ballots".to_string(),
                (Some("all-ballots".to_string()), *ballots, None),
            );
        }
        SampleSizeOptions::Estimates {
            asn,
            by_probability,
        } => {
            map.insert(
                "asn".to_string(),
                (
                    Some("ASN".to_string()),
                    asn.size,
                    asn.completion_probability,
                ),
            );
            for q in by_probability {
                map.insert(
                    format!("{}", q.completion_probability),
                    (None, q.size, Some(q.completion_probability)),
                );
            }
        }
        SampleSizeOptions::SampleSufficient => {}
    }
    map
}

/// Where Arlo raised an error, ours must give the matching typed outcome.
pub(super) fn check_peer_error(
    case: &mut Case,
    label: &str,
    message: &str,
    got: &Result<SampleSizeOptions, BravoError>,
) {
    // Arlo divides by a zero test statistic when a choice reported with no votes appears in the
    // sample (or gets a not-found ballot); ours answers with a full hand count.
    let zero_statistic = message.starts_with("DivisionByZero")
        && matches!(
            got,
            Ok(SampleSizeOptions::AllBallots {
                reason: AllBallotsReason::SampledChoiceReportedWithoutVotes,
                ..
            })
        );
    let matches = zero_statistic
        || matches!(
            (message, got),
            (
                "Sample indicates the audit is over",
                Ok(SampleSizeOptions::SampleSufficient)
            ) | (
                "All ballots have already been audited!",
                Err(BravoError::AllBallotsAudited { .. })
            ) | (
                "Contest must have candidates who did not win!",
                Err(BravoError::NoLosers { .. })
            )
        );
    let ours = match got {
        Ok(o) => format!("{o:?}"),
        Err(e) => format!("error: {e}"),
    };
    case.exact(
        format!("{label} outcome for Arlo's {message:?}"),
        true,
        matches,
    );
    case.peer_errored(format!(
        "{label}: Arlo raised ValueError({message:?}); ballotproof returns {ours}"
    ));
}
