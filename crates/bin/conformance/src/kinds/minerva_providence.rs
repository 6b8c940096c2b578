//! Checks `minerva_providence` vector files: Arlo's MINERVA (athena) and PROVIDENCE (r2b2 Minerva2)
//! round-1 options, p-value and decision after round 1, and round-2 options — or, where r2b2 itself
//! failed on round 2, that ballotproof returns a clear error for that step. Files may carry more
//! rounds in the same naming (`round2_sample_size`, `p_value_after_round2`, `round3_options`, …).

use anyhow::anyhow;
use rla_math::minerva::MinervaError;
use rla_math::minerva::arlo::{
    ARLO_MINERVA_MULTIPLE, ARLO_STOPPING_PROBABILITIES, ArloRound, minerva_first_round,
    minerva_later_round_size, minerva_p_value, providence_p_value, providence_sample_sizes,
};
use rla_math::{Contest, RiskLimit};
use serde_json::Value;

use crate::json::{
    array_field, as_f64, as_u64, bool_field, case_name, f64_field, field, object_field, u64_field,
};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = Case::new(file, case_name(c, i));
        if let Err(e) = check_case(c, &mut case) {
            case.mismatch("*", "a computable case", format!("{e:#}"));
        }
        report.push(case);
    }
    Ok(())
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let expected = field(c, "expected")?;
    let choices: Vec<(String, u64)> = object_field(input, "tally")?
        .iter()
        .map(|(k, v)| Ok((k.clone(), as_u64(v)?)))
        .collect::<anyhow::Result<_>>()?;
    let contest = Contest::new(
        "c1",
        choices.iter().map(|(n, v)| (n.as_str(), *v)),
        u64_field(input, "ballots")?,
        u64_field(input, "num_winners")? as usize,
        1,
    )?;
    let risk_limit = RiskLimit::from_percent(f64_field(input, "risk_limit_percent")?)?;
    // Rounds as the file names them: round1_sample_size / round1_tally, round2_…, each for that round only.
    let mut rounds = Vec::new();
    while let Some(size) = input.get(format!("round{}_sample_size", rounds.len() + 1)) {
        let n = rounds.len() + 1;
        let mut tally = vec![0u64; choices.len()];
        for (name, v) in object_field(input, &format!("round{n}_tally"))? {
            let i = contest
                .index_of(name)
                .ok_or_else(|| anyhow!("round{n}_tally names unknown choice {name:?}"))?;
            tally[i] = as_u64(v)?;
        }
        rounds.push(ArloRound {
            size: as_u64(size)?,
            tally,
        });
    }

    if let Some(m) = expected.get("minerva_athena") {
        if let Some(want) = m.get("round1_options") {
            let got = minerva_first_round(&contest, risk_limit)
                .map(|r| r.arlo_sizes().into_iter().map(Some).collect());
            check_options(case, "minerva round1", want, got)?;
        }
        for n in 1..=rounds.len() {
            let got = minerva_p_value(&contest, risk_limit, &rounds[..n]);
            check_p_value(case, "minerva", m, n, n == rounds.len(), got)?;
            let key = format!("round{}_options", n + 1);
            if let Some(want) = m.get(&key) {
                let first = rounds.first().map_or(0, |r| r.size);
                let size = minerva_later_round_size(first, n, ARLO_MINERVA_MULTIPLE);
                let want = want
                    .as_object()
                    .ok_or_else(|| anyhow!("{key} is not an object"))?;
                for (goal, w) in want {
                    let got = (goal == "0.9").then_some(size as i64);
                    case.exact(format!("minerva {key}[{goal}]"), Some(as_i64(w)?), got);
                }
                case.exact(format!("minerva {key} count"), 1, want.len());
            }
        }
    }

    if let Some(p) = expected.get("providence_r2b2") {
        if let Some(want) = p.get("round1_options") {
            let got = providence_sample_sizes(&contest, risk_limit, &[])
                .map(|v| v.into_iter().map(|e| Some(e.size as i64)).collect());
            check_options(case, "providence round1", want, got)?;
        }
        for n in 1..=rounds.len() {
            let got = providence_p_value(&contest, risk_limit, &rounds[..n]);
            check_p_value(case, "providence", p, n, n == rounds.len(), got)?;
            let key = format!("round{}", n + 1);
            let peer_error = p.get(format!("{key}_error")).and_then(Value::as_str);
            let got = providence_sample_sizes(&contest, risk_limit, &rounds[..n]);
            match (peer_error, got) {
                (Some(peer), Err(ours @ MinervaError::NoRoundSizeFound { .. })) => {
                    case.fields_checked += 1;
                    case.peer_errored(format!(
                        "{key} sizes: r2b2 raised {peer:?}; ballotproof returns MinervaError::NoRoundSizeFound: {ours}"
                    ));
                }
                (Some(peer), Err(ours)) => case.mismatch(format!("providence {key}"), peer, ours),
                (Some(peer), Ok(sizes)) => case.mismatch(
                    format!("providence {key}"),
                    format!("an error (r2b2: {peer})"),
                    format!("{:?}", sizes.iter().map(|e| e.size).collect::<Vec<_>>()),
                ),
                (None, got) => {
                    if let Some(want) = p.get(format!("{key}_options")) {
                        let got = got.map(|v| v.into_iter().map(|e| Some(e.size as i64)).collect());
                        check_options(case, &format!("providence {key}"), want, got)?;
                    }
                }
            }
        }
    }
    Ok(())
}

/// Compares `{"0.7": size, "0.8": size, "0.9": size}` with sizes listed per
/// [`ARLO_STOPPING_PROBABILITIES`].
fn check_options(
    case: &mut Case,
    what: &str,
    want: &Value,
    got: Result<Vec<Option<i64>>, MinervaError>,
) -> anyhow::Result<()> {
    let want = want
        .as_object()
        .ok_or_else(|| anyhow!("{what} options are not an object"))?;
    match got {
        Ok(got) => {
            for (goal, w) in want {
                let g: f64 = goal.parse()?;
                let index = ARLO_STOPPING_PROBABILITIES.iter().position(|&p| p == g);
                let got = index.and_then(|i| got.get(i).copied().flatten());
                case.exact(format!("{what}[{goal}]"), Some(as_i64(w)?), got);
            }
        }
        Err(e) => case.mismatch(what, format!("{want:?}"), e),
    }
    Ok(())
}

/// Checks `p_value_after_round{n}` (or the peer's `…_error`) and the decision: `risk_limit_met` after
/// the last round, `risk_limit_met_after_round{n}` for any round.
fn check_p_value(
    case: &mut Case,
    what: &str,
    expected: &Value,
    n: usize,
    last: bool,
    got: Result<(f64, bool), MinervaError>,
) -> anyhow::Result<()> {
    let key = format!("p_value_after_round{n}");
    if let Some(peer) = expected.get(format!("{key}_error")).and_then(Value::as_str) {
        match got {
            Err(ours) => {
                case.fields_checked += 1;
                case.peer_errored(format!(
                    "{what} {key}: peer raised {peer:?}; ballotproof: {ours}"
                ));
            }
            Ok((p, _)) => case.mismatch(format!("{what} {key}"), format!("an error ({peer})"), p),
        }
        return Ok(());
    }
    let Some(want) = expected.get(&key) else {
        return Ok(());
    };
    match got {
        Ok((p, met)) => {
            case.float(format!("{what} {key}"), as_f64(want)?, p);
            let met_key = format!("risk_limit_met_after_round{n}");
            if let Some(w) = expected.get(&met_key) {
                case.exact(format!("{what} {met_key}"), w.as_bool(), Some(met));
            }
            if last && expected.get("risk_limit_met").is_some() {
                case.exact(
                    format!("{what} risk_limit_met"),
                    bool_field(expected, "risk_limit_met")?,
                    met,
                );
            }
        }
        Err(e) => case.mismatch(format!("{what} {key}"), want, e),
    }
    Ok(())
}

fn as_i64(v: &Value) -> anyhow::Result<i64> {
    v.as_i64().ok_or_else(|| anyhow!("{v} is not an integer"))
}
