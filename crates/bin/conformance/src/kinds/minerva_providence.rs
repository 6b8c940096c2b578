//! Checks `minerva_providence` vector files: Arlo's MINERVA (athena) and PROVIDENCE (r2b2 Minerva2)
//! round-1 options, p-value and decision after round 1, and round-2 options — or, where r2b2 itself
//! failed on round 2, that ballotproof returns a clear error for that step.

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
    let round1_size = u64_field(input, "round1_sample_size")?;
    let mut tally = vec![0u64; choices.len()];
    for (name, v) in object_field(input, "round1_tally")? {
        let i = contest
            .index_of(name)
            .ok_or_else(|| anyhow!("round1_tally names unknown choice {name:?}"))?;
        tally[i] = as_u64(v)?;
    }
    let rounds = [ArloRound {
        size: round1_size,
        tally,
    }];

    if let Some(m) = expected.get("minerva_athena") {
        if let Some(want) = m.get("round1_options") {
            let got = minerva_first_round(&contest, risk_limit).map(|r| r.arlo_sizes());
            check_options(
                case,
                "minerva round1",
                want,
                got.map(|v| v.into_iter().map(Some).collect()),
            )?;
        }
        check_p_value(
            case,
            "minerva",
            m,
            minerva_p_value(&contest, risk_limit, &rounds),
        )?;
        if let Some(want) = m.get("round2_options") {
            let size = minerva_later_round_size(round1_size, rounds.len(), ARLO_MINERVA_MULTIPLE);
            for (goal, w) in object_field(m, "round2_options")? {
                let got = (goal == "0.9").then_some(size as i64);
                case.exact(format!("minerva round2[{goal}]"), Some(as_i64(w)?), got);
            }
            case.exact(
                "minerva round2 options",
                1,
                want.as_object().map_or(0, |o| o.len()),
            );
        }
    }

    if let Some(p) = expected.get("providence_r2b2") {
        if let Some(want) = p.get("round1_options") {
            let got = providence_sample_sizes(&contest, risk_limit, &[])
                .map(|v| v.into_iter().map(|e| Some(e.size as i64)).collect());
            check_options(case, "providence round1", want, got)?;
        }
        check_p_value(
            case,
            "providence",
            p,
            providence_p_value(&contest, risk_limit, &rounds),
        )?;
        let peer_error = p.get("round2_error").and_then(Value::as_str);
        let got = providence_sample_sizes(&contest, risk_limit, &rounds);
        match (peer_error, got) {
            (Some(peer), Err(ours @ MinervaError::NoRoundSizeFound { .. })) => {
                case.fields_checked += 1;
                case.peer_errored(format!(
                    "round 2 sizes: r2b2 raised {peer:?}; ballotproof returns MinervaError::NoRoundSizeFound: {ours}"
                ));
            }
            (Some(peer), Err(ours)) => case.mismatch("providence round2", peer, ours),
            (Some(peer), Ok(sizes)) => case.mismatch(
                "providence round2",
                format!("an error (r2b2: {peer})"),
                format!("{:?}", sizes.iter().map(|e| e.size).collect::<Vec<_>>()),
            ),
            (None, got) => {
                if let Some(want) = p.get("round2_options") {
                    let got = got.map(|v| v.into_iter().map(|e| Some(e.size as i64)).collect());
                    check_options(case, "providence round2", want, got)?;
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

fn check_p_value(
    case: &mut Case,
    what: &str,
    expected: &Value,
    got: Result<(f64, bool), MinervaError>,
) -> anyhow::Result<()> {
    let Some(want) = expected.get("p_value_after_round1") else {
        return Ok(());
    };
    match got {
        Ok((p, met)) => {
            case.float(format!("{what} p_value"), as_f64(want)?, p);
            if expected.get("risk_limit_met").is_some() {
                case.exact(
                    format!("{what} risk_limit_met"),
                    bool_field(expected, "risk_limit_met")?,
                    met,
                );
            }
        }
        Err(e) => case.mismatch(format!("{what} p_value"), want, e),
    }
    Ok(())
}

fn as_i64(v: &Value) -> anyhow::Result<i64> {
    v.as_i64().ok_or_else(|| anyhow!("{v} is not an integer"))
}
