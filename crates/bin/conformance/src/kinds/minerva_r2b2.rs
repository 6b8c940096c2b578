//! Checks `minerva_r2b2` vector files: r2b2 `Minerva` round sizes (size, kmin, achieved stopping
//! probability per goal), per-pair minimum sample sizes, and, round by round, the stop decision, the
//! audit and pairwise p-value schedules, pairwise kmins, the risk level and next-round sizes.
//! A file whose `source.file` names `minerva2.py` holds the same fields for r2b2 `Minerva2`
//! (Providence) and is checked with that rule.

use anyhow::{Context, anyhow};
use rla_math::minerva::{MinervaError, R2b2Audit, R2b2Method, RoundSizeEstimate};
use rla_math::{Contest, RiskLimit};
use serde_json::Value;

use crate::json::{
    array_field, as_f64, as_u64, case_name, f64_field, field, object_field, u64_field,
};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    let source_file = doc
        .get("source")
        .and_then(|s| s.get("file"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let method = if source_file.contains("minerva2") {
        R2b2Method::Providence
    } else {
        R2b2Method::Minerva
    };
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = Case::new(file, case_name(c, i));
        if let Err(e) = check_case(c, method, &mut case) {
            case.mismatch("*", "a computable case", format!("{e:#}"));
        }
        report.push(case);
    }
    Ok(())
}

fn check_case(c: &Value, method: R2b2Method, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let expected = field(c, "expected")?;
    let tally = object_field(input, "tally")?;
    let choices: Vec<(String, u64)> = tally
        .iter()
        .map(|(k, v)| Ok((k.clone(), as_u64(v)?)))
        .collect::<anyhow::Result<_>>()?;
    let winners: Vec<String> = array_field(input, "reported_winners")?
        .iter()
        .map(|w| {
            w.as_str()
                .map(str::to_string)
                .ok_or_else(|| anyhow!("winner is not a string"))
        })
        .collect::<anyhow::Result<_>>()?;
    let winner_refs: Vec<&str> = winners.iter().map(String::as_str).collect();
    let contest = Contest::with_winners(
        "contest",
        choices.iter().map(|(n, v)| (n.as_str(), *v)),
        u64_field(input, "contest_ballots")?,
        &winner_refs,
        1,
    )?;
    let risk_limit = RiskLimit::new(f64_field(input, "alpha")?)?;
    let mut audit = R2b2Audit::new(&contest, risk_limit, method)?;

    if let Some(sizes) = expected.get("first_round_sizes_by_stopping_prob") {
        let sizes = sizes
            .as_object()
            .ok_or_else(|| anyhow!("first_round_sizes_by_stopping_prob is not an object"))?;
        for (goal, want) in sizes {
            let got = audit.next_round_size(goal.parse()?);
            check_estimate(case, &format!("first_round[{goal}]"), want, got)?;
        }
    }
    if let Some(minimums) = expected.get("min_sample_size_by_pair") {
        let minimums = minimums
            .as_object()
            .ok_or_else(|| anyhow!("min_sample_size_by_pair is not an object"))?;
        for (key, want) in minimums {
            let got = pair_by_key(&audit, key).map(|p| p.min_sample_size());
            case.exact(format!("min_sample_size[{key}]"), Some(as_u64(want)?), got);
        }
    }
    for (r, round) in array_field(expected, "rounds")?.iter().enumerate() {
        check_round(case, &contest, &mut audit, r + 1, round)
            .with_context(|| format!("round {}", r + 1))?;
    }
    Ok(())
}

fn check_round(
    case: &mut Case,
    contest: &Contest,
    audit: &mut R2b2Audit,
    r: usize,
    round: &Value,
) -> anyhow::Result<()> {
    let size = u64_field(round, "cumulative_sample_size")?;
    let tally_in = object_field(round, "cumulative_tally")?;
    let mut tally = vec![0u64; contest.choices().len()];
    for (name, v) in tally_in {
        let i = contest
            .index_of(name)
            .ok_or_else(|| anyhow!("tally names unknown choice {name:?}"))?;
        tally[i] = as_u64(v)?;
    }
    let stopped = match audit.record_round(size, &tally) {
        Ok(stopped) => stopped,
        Err(e) => {
            case.mismatch(format!("round {r}"), "recorded", e);
            return Ok(());
        }
    };
    if let Some(want) = round.get("stopped") {
        case.exact(format!("round {r} stopped"), want.as_bool(), Some(stopped));
    }
    if let Some(want) = round.get("p_value_schedule") {
        check_floats(
            case,
            &format!("round {r} p_value_schedule"),
            want,
            audit.p_value_schedule(),
        )?;
    }
    if let Some(want) = round.get("pairwise_p_values") {
        let want = want
            .as_object()
            .ok_or_else(|| anyhow!("pairwise_p_values is not an object"))?;
        for (key, values) in want {
            match pair_by_key(audit, key) {
                Some(pair) => check_floats(
                    case,
                    &format!("round {r} p_values[{key}]"),
                    values,
                    pair.p_values(),
                )?,
                None => case.mismatch(format!("round {r} p_values[{key}]"), "a pair", "none"),
            }
        }
    }
    if let Some(want) = round.get("pairwise_kmin") {
        let want = want
            .as_object()
            .ok_or_else(|| anyhow!("pairwise_kmin is not an object"))?;
        for (key, values) in want {
            let want: Vec<Option<u64>> = values
                .as_array()
                .ok_or_else(|| anyhow!("kmins for {key} are not a list"))?
                .iter()
                .map(|v| {
                    if v.is_null() {
                        Ok(None)
                    } else {
                        as_u64(v).map(Some)
                    }
                })
                .collect::<anyhow::Result<_>>()?;
            let got = pair_by_key(audit, key).map(|p| p.kmins().to_vec());
            case.exact(format!("round {r} kmins[{key}]"), Some(want), got);
        }
    }
    if let Some(want) = round.get("risk_level") {
        case.float(
            format!("round {r} risk_level"),
            as_f64(want)?,
            audit.risk_level().unwrap_or(f64::NAN),
        );
    }
    if let Some(obj) = round.as_object() {
        for (key, want) in obj {
            let Some(goal) = key.strip_prefix("next_sample_size_") else {
                continue;
            };
            if let Some(goal) = goal.strip_suffix("_error") {
                // r2b2 raised on this step (its size search returned 0 and the caller indexed it).
                let peer = want.as_str().unwrap_or("an error");
                match audit.next_round_size(goal.parse()?) {
                    Err(ours @ MinervaError::NoRoundSizeFound { .. }) => {
                        case.fields_checked += 1;
                        case.peer_errored(format!(
                            "round {r} next size: r2b2 raised {peer:?}; ballotproof returns {ours}"
                        ));
                    }
                    Err(ours) => case.mismatch(format!("round {r} {key}"), peer, ours),
                    Ok(got) => case.mismatch(
                        format!("round {r} {key}"),
                        format!("an error (r2b2: {peer})"),
                        got.size,
                    ),
                }
            } else {
                let got = audit.next_round_size(goal.parse()?);
                check_estimate(case, &format!("round {r} {key}"), want, got)?;
            }
        }
    }
    Ok(())
}

/// Compares an r2b2 `(size, kmin, stopping probability)` estimate, given as an object or a triple.
fn check_estimate(
    case: &mut Case,
    what: &str,
    want: &Value,
    got: Result<RoundSizeEstimate, MinervaError>,
) -> anyhow::Result<()> {
    if let Some(peer) = want.get("error").and_then(Value::as_str) {
        // r2b2 raised on this step (its size search returned 0 and the caller indexed it).
        match got {
            Err(ours @ MinervaError::NoRoundSizeFound { .. }) => {
                case.fields_checked += 1;
                case.peer_errored(format!(
                    "{what}: r2b2 raised {peer:?}; ballotproof returns {ours}"
                ));
            }
            Err(ours) => case.mismatch(what, peer, ours),
            Ok(got) => case.mismatch(what, format!("an error (r2b2: {peer})"), got.size),
        }
        return Ok(());
    }
    let (size, kmin, sprob) = match want {
        Value::Array(v) if v.len() == 3 => (as_u64(&v[0])?, as_u64(&v[1])?, as_f64(&v[2])?),
        Value::Object(_) => (
            u64_field(want, "size")?,
            u64_field(want, "kmin")?,
            f64_field(want, "stopping_prob")?,
        ),
        _ => return Err(anyhow!("{what}: unexpected estimate {want}")),
    };
    match got {
        Ok(got) => {
            case.exact(format!("{what} size"), size, got.size);
            case.exact(format!("{what} kmin"), kmin, got.kmin);
            case.float(
                format!("{what} stopping_prob"),
                sprob,
                got.stopping_probability,
            );
        }
        Err(e) => case.mismatch(what, format!("size {size}"), e),
    }
    Ok(())
}

fn check_floats(case: &mut Case, what: &str, want: &Value, got: &[f64]) -> anyhow::Result<()> {
    let want = want
        .as_array()
        .ok_or_else(|| anyhow!("{what} is not a list"))?;
    case.exact(format!("{what} length"), want.len(), got.len());
    for (i, (w, &g)) in want.iter().zip(got).enumerate() {
        case.float(format!("{what}[{i}]"), as_f64(w)?, g);
    }
    Ok(())
}

/// The pair whose r2b2 key is `winner-loser`.
fn pair_by_key<'a>(audit: &'a R2b2Audit, key: &str) -> Option<&'a rla_math::minerva::PairAudit> {
    audit
        .pairs()
        .iter()
        .find(|p| format!("{}-{}", p.winner_name(), p.loser_name()) == key)
}
