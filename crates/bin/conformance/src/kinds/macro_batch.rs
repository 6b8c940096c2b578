//! Checks `macro_batch` vector files: Arlo's MACRO batch-comparison math and PPEB batch draws.
//!
//! Each case gives a contest, its batches' reported tallies, a seed and the hand counts of the
//! drawn batches (one entry per ticket). The runner recomputes every expected value: `U`, each
//! listed batch's maximum error `u_p`, the round-1 sample size, the PPEB draws (batch keys, order
//! and ticket numbers), the p-value and stop decision after the audited draws, and the round-2
//! sample size (recorded as null when the risk limit was met, where Arlo's size would be 0).

use std::collections::HashMap;

use anyhow::{Context, anyhow, bail};
use rla_math::macro_batch::{AuditedBatch, MacroContest, MacroOptions, Observed, ReportedBatch};
use rla_math::{Contest, RiskLimit};
use sampler::ppeb::{PpebBatch, draw_ppeb_sample};
use sampler::python_repr::BatchKey;
use serde_json::Value;

use crate::json::{
    array_field, as_f64, as_u64, case_name, f64_field, field, object_field, str_field, u64_field,
};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = Case::new(file, case_name(c, i));
        if let Err(err) = check_case(c, &mut case) {
            case.mismatch("*", "a computable case", format!("{err:#}"));
        }
        report.push(case);
    }
    Ok(())
}

/// The inputs of one case, in the forms ballotproof's crates take.
struct Inputs {
    macro_contest: MacroContest,
    keys: Vec<(String, String)>,
    risk_limit: RiskLimit,
    seed: String,
    previously_sampled: Vec<BatchKey>,
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let expected = field(c, "expected")?;
    let inputs = read_inputs(input)?;
    let m = &inputs.macro_contest;
    let index_of: HashMap<(String, String), usize> = inputs
        .keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.clone(), i))
        .collect();

    if let Some(u) = expected.get("U") {
        case.float("U", as_f64(u)?, m.total_max_error());
    }
    if let Some(by_batch) = expected.get("max_error_by_batch") {
        let by_batch = by_batch
            .as_object()
            .ok_or_else(|| anyhow!("max_error_by_batch is not an object"))?;
        for (label, value) in by_batch {
            let (j, b) = label
                .split_once('|')
                .ok_or_else(|| anyhow!("batch label {label:?} is not jurisdiction|batch"))?;
            let index = index_of
                .get(&(j.to_string(), b.to_string()))
                .ok_or_else(|| anyhow!("max_error_by_batch names unknown batch {label:?}"))?;
            let got = m.max_error(*index).unwrap_or(f64::NAN);
            case.float(format!("max_error_by_batch[{label}]"), as_f64(value)?, got);
        }
    }

    let round1 = m.sample_size(inputs.risk_limit, &Observed::default());
    if let Some(want) = expected.get("round1_sample_size") {
        check_size(
            case,
            "round1_sample_size",
            want,
            round1.as_ref().ok().copied(),
        );
    }

    if let Some(want) = expected.get("ppeb_draws") {
        let previous = inputs.previously_sampled.clone();
        let size = round1.as_ref().ok().copied();
        check_draws(case, "ppeb_draws", &inputs, want, size, &previous)?;
    }
    if expected.get("ppeb_error").is_some_and(|e| !e.is_null()) {
        // Arlo raises computing u_p / U when U is infinite; ballotproof must refuse the weights.
        if let Ok(w) = m.ppeb_weights() {
            case.mismatch(
                "ppeb_error",
                "an error (U is infinite)",
                format!("weights {w:?}"),
            );
        }
    }

    let mut observed = observed(input, "audited", &index_of, Observed::default())?;
    check_round(
        case,
        m,
        &inputs,
        &observed,
        expected,
        ["p_value", "risk_limit_met", "round2_sample_size"],
    )?;

    if let Some(want) = expected.get("round2_ppeb_draws") {
        let previous = draw_keys(expected.get("ppeb_draws"))?;
        let size = expected
            .get("round2_sample_size")
            .map(as_u64)
            .transpose()?
            .map(|n| n as usize);
        check_draws(case, "round2_ppeb_draws", &inputs, want, size, &previous)?;
    }
    if input.get("audited_round2").is_some() {
        observed = self::observed(input, "audited_round2", &index_of, observed)?;
        check_round(
            case,
            m,
            &inputs,
            &observed,
            expected,
            [
                "p_value_after_round2",
                "risk_limit_met_after_round2",
                "round3_sample_size",
            ],
        )?;
    }
    for (step, expected_error) in [
        ("round1_error", round1.is_err()),
        ("risk_error", m.risk(&observed, inputs.risk_limit).is_err()),
    ] {
        if expected.get(step).is_some_and(|e| !e.is_null()) && !expected_error {
            case.mismatch(step, "an error, as the peer raised", "a value");
        }
    }
    for (key, value) in expected.as_object().into_iter().flatten() {
        if key.ends_with("error") && !value.is_null() {
            case.peer_errored(format!("{key}: {value}"));
        }
    }
    Ok(())
}

fn check_size(case: &mut Case, field: &str, want: &Value, got: Option<usize>) {
    match as_u64(want) {
        Ok(want) => case.exact(field, Some(want), got.map(|g| g as u64)),
        Err(_) => case.mismatch(field, want, format!("{got:?}")),
    }
}

/// PPEB draws with this case's seed and MACRO weights: `size` draws after `previous` ones.
fn check_draws(
    case: &mut Case,
    label: &str,
    inputs: &Inputs,
    want: &Value,
    size: Option<usize>,
    previous: &[BatchKey],
) -> anyhow::Result<()> {
    let want = want
        .as_array()
        .ok_or_else(|| anyhow!("{label} is not an array"))?;
    let Some(size) = size else {
        case.mismatch(label, "draws", "no sample size to draw");
        return Ok(());
    };
    let weights = match inputs.macro_contest.ppeb_weights() {
        Ok(w) => w,
        // A tie: Arlo cannot weigh the batches, and the size is every batch (a full hand tally,
        // which ignores the weights).
        Err(_) => vec![1.0 / inputs.keys.len() as f64; inputs.keys.len()],
    };
    let batches: Vec<PpebBatch> = inputs
        .keys
        .iter()
        .zip(weights)
        .map(|((j, b), weight)| PpebBatch {
            key: BatchKey::arlo_batch(j, b),
            weight,
        })
        .collect();
    let draws = match draw_ppeb_sample(&inputs.seed, &batches, size, previous) {
        Ok(d) => d,
        Err(e) => {
            case.mismatch(label, format!("{} draws", want.len()), e);
            return Ok(());
        }
    };
    case.exact(format!("{label}.len"), want.len(), draws.len());
    for (i, (w, d)) in want.iter().zip(&draws).enumerate() {
        let (j, b) = inputs
            .keys
            .get(d.batch)
            .cloned()
            .ok_or_else(|| anyhow!("draw of unknown batch {}", d.batch))?;
        case.exact(
            format!("{label}[{i}].ticket_number"),
            str_field(w, "ticket_number")?,
            d.ticket_number.as_str(),
        );
        case.exact(
            format!("{label}[{i}].batch"),
            (str_field(w, "jurisdiction")?, str_field(w, "batch")?),
            (j.as_str(), b.as_str()),
        );
    }
    Ok(())
}

fn read_inputs(input: &Value) -> anyhow::Result<Inputs> {
    let votes = object_field(input, "contest_votes")?;
    let choices: Vec<(String, u64)> = votes
        .iter()
        .map(|(name, v)| Ok((name.clone(), as_u64(v)?)))
        .collect::<anyhow::Result<_>>()?;
    let num_winners = usize::try_from(u64_field(input, "num_winners")?)?;
    let votes_allowed = u32::try_from(u64_field(input, "votes_allowed")?)?;
    let contest = Contest::new(
        "contest",
        choices.iter().cloned(),
        u64_field(input, "ballots")?,
        num_winners,
        votes_allowed,
    )?;
    let options = MacroOptions {
        pending_ballots: optional_u64(input, &["pending_ballots", "pendingBallots"])?,
        subject_to_runoff: optional_bool(input, &["is_subject_to_runoff", "isSubjectToRunoff"])?,
    };

    let mut keys = Vec::new();
    let mut batches = Vec::new();
    for b in array_field(input, "batches")? {
        let key = (
            str_field(b, "jurisdiction")?.to_string(),
            str_field(b, "batch")?.to_string(),
        );
        let name = format!("{} / {}", key.0, key.1);
        batches.push(match b.get("reported") {
            Some(Value::Object(reported)) => {
                let votes = choices
                    .iter()
                    .map(|(c, _)| reported.get(c).map_or(Ok(0), as_u64))
                    .collect::<anyhow::Result<Vec<u64>>>()?;
                let ballots = reported
                    .get("ballots")
                    .map(as_u64)
                    .transpose()?
                    .ok_or_else(|| anyhow!("batch {name} has no ballots count"))?;
                ReportedBatch::new(name, votes, ballots)
            }
            _ => ReportedBatch::without_contest(name),
        });
        keys.push(key);
    }
    let percent = f64_field(input, "risk_limit_percent")?;
    let previously_sampled = match input.get("previously_sampled") {
        Some(list) => list
            .as_array()
            .ok_or_else(|| anyhow!("previously_sampled is not an array"))?
            .iter()
            .map(|k| {
                Ok(BatchKey::arlo_batch(
                    str_field(k, "jurisdiction")?,
                    str_field(k, "batch")?,
                ))
            })
            .collect::<anyhow::Result<_>>()?,
        None => Vec::new(),
    };
    Ok(Inputs {
        macro_contest: MacroContest::new(&contest, options, batches)
            .context("cannot prepare the contest for MACRO")?,
        keys,
        risk_limit: RiskLimit::from_percent(percent)?,
        seed: str_field(input, "seed")?.to_string(),
        previously_sampled,
    })
}

/// The audited draws grouped per batch: one entry per ticket in the file, each with the batch's
/// hand count (which must be the same for every ticket of a batch).
fn observed(
    input: &Value,
    list_name: &str,
    index_of: &HashMap<(String, String), usize>,
    so_far: Observed,
) -> anyhow::Result<Observed> {
    let choices: Vec<&String> = object_field(input, "contest_votes")?.keys().collect();
    let mut audited = so_far.audited;
    let Some(list) = input.get(list_name) else {
        return Ok(Observed {
            audited,
            combined_batches: so_far.combined_batches,
        });
    };
    for draw in list
        .as_array()
        .ok_or_else(|| anyhow!("{list_name} is not an array"))?
    {
        let key = (
            str_field(draw, "jurisdiction")?.to_string(),
            str_field(draw, "batch")?.to_string(),
        );
        let batch = *index_of
            .get(&key)
            .ok_or_else(|| anyhow!("audited draw of unknown batch {key:?}"))?;
        let counts = object_field(draw, "audited")?;
        let votes = choices
            .iter()
            .map(|c| counts.get(*c).map_or(Ok(0), as_u64))
            .collect::<anyhow::Result<Vec<u64>>>()?;
        match audited.iter_mut().find(|a| a.batch == batch) {
            Some(a) if a.votes == votes => a.times_drawn += 1,
            Some(_) => bail!("batch {key:?} has different hand counts on different tickets"),
            None => audited.push(AuditedBatch {
                batch,
                times_drawn: 1,
                votes,
            }),
        }
    }
    Ok(Observed {
        audited,
        combined_batches: so_far.combined_batches,
    })
}

/// The p-value, stop decision and next sample size after the observations so far, under the
/// given expected-field names.
fn check_round(
    case: &mut Case,
    m: &MacroContest,
    inputs: &Inputs,
    observed: &Observed,
    expected: &Value,
    [p_field, met_field, next_field]: [&str; 3],
) -> anyhow::Result<()> {
    let risk = m.risk(observed, inputs.risk_limit);
    match (&risk, expected.get(p_field)) {
        (Ok(r), Some(want)) => case.float(p_field, as_f64(want)?, r.p_value),
        (Err(e), Some(want)) => case.mismatch(p_field, want, format!("error: {e}")),
        _ => {}
    }
    if let Some(want) = expected.get(met_field) {
        let want = want
            .as_bool()
            .ok_or_else(|| anyhow!("{met_field} is not a boolean"))?;
        match &risk {
            Ok(r) => case.exact(met_field, want, r.risk_limit_met),
            Err(e) => case.mismatch(met_field, want, format!("error: {e}")),
        }
    }
    if let Some(want) = expected.get(next_field) {
        let got = m.sample_size(inputs.risk_limit, observed).ok();
        if want.is_null() {
            // The generator only asks for another round when the limit was not met; Arlo's size
            // for a met limit is 0, which is what ballotproof must return.
            case.exact(format!("{next_field} (risk limit met: 0)"), Some(0), got);
        } else {
            check_size(case, next_field, want, got);
        }
    }
    Ok(())
}

/// The batch keys of a list of expected draws, one per draw (a later round's `previously_sampled`).
fn draw_keys(draws: Option<&Value>) -> anyhow::Result<Vec<BatchKey>> {
    let Some(draws) = draws else {
        return Ok(Vec::new());
    };
    draws
        .as_array()
        .ok_or_else(|| anyhow!("ppeb_draws is not an array"))?
        .iter()
        .map(|d| {
            Ok(BatchKey::arlo_batch(
                str_field(d, "jurisdiction")?,
                str_field(d, "batch")?,
            ))
        })
        .collect()
}

fn optional_u64(v: &Value, names: &[&str]) -> anyhow::Result<u64> {
    match names.iter().find_map(|n| v.get(*n)) {
        None | Some(Value::Null) => Ok(0),
        Some(x) => as_u64(x),
    }
}

fn optional_bool(v: &Value, names: &[&str]) -> anyhow::Result<bool> {
    match names.iter().find_map(|n| v.get(*n)) {
        None | Some(Value::Null) => Ok(false),
        Some(x) => x.as_bool().ok_or_else(|| anyhow!("{x} is not a boolean")),
    }
}
