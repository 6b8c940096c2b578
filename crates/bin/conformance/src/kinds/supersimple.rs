//! Checks `supersimple` vector files (Arlo `audit_math/supersimple.py`): discrepancies per sampled
//! ballot, p-value, stop decision and next-round size per case, plus the `sample_size_grid` of
//! `get_sample_sizes` and `nMin` calls.

use std::collections::BTreeMap;

use anyhow::{Context, anyhow};
use rla_math::supersimple::{self, AuditedCard, DiscrepancyCounts, ReportedCard, SampledCard};
use rla_math::{Contest, RiskLimit};
use serde_json::Value;

use super::bravo::contest_from;
use crate::json::{
    array_field, as_f64, as_u64, bool_field, case_name, f64_field, field, object_field, u64_field,
};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    if let Some(grid) = doc.get("sample_size_grid").and_then(Value::as_array) {
        for (i, g) in grid.iter().enumerate() {
            let mut case = Case::new(file, format!("sample_size_grid[{i}]"));
            check_grid(g, &mut case).with_context(|| format!("sample_size_grid[{i}]"))?;
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

fn opt_u64(v: &Value, key: &str, default: u64) -> anyhow::Result<u64> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(x) => as_u64(x).with_context(|| format!("field {key:?}")),
    }
}

/// Arlo's `sample_results` dict (`sample_size`, `1-over`, …) as our counts.
fn counts_from(v: &Value) -> anyhow::Result<DiscrepancyCounts> {
    Ok(DiscrepancyCounts {
        draws: opt_u64(v, "sample_size", 0)?,
        one_vote_over: opt_u64(v, "1-over", 0)?,
        two_vote_over: opt_u64(v, "2-over", 0)?,
        one_vote_under: opt_u64(v, "1-under", 0)?,
        two_vote_under: opt_u64(v, "2-under", 0)?,
    })
}

fn check_grid(g: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(g, "input")?;
    match g.get("fn").and_then(Value::as_str) {
        Some("nMin") => {
            let expected = DiscrepancyCounts {
                draws: 0,
                one_vote_over: u64_field(input, "o1")?,
                two_vote_over: u64_field(input, "o2")?,
                one_vote_under: u64_field(input, "u1")?,
                two_vote_under: u64_field(input, "u2")?,
            };
            let got = supersimple::n_min(
                RiskLimit::new(f64_field(input, "alpha")?)?,
                f64_field(input, "diluted_margin")?,
                &expected,
            );
            match got {
                Ok(n) => case.exact("nMin", u64_field(g, "output")?, n),
                Err(e) => case.mismatch("nMin", u64_field(g, "output")?, e),
            }
        }
        None | Some("get_sample_sizes") => {
            let contest = contest_from(
                "grid",
                object_field(input, "votes")?,
                u64_field(input, "ballots")?,
                opt_u64(input, "num_winners", 1)?,
                opt_u64(input, "votes_allowed", 1)?,
            )?;
            let risk_limit = RiskLimit::from_percent(f64_field(input, "risk_limit_percent")?)?;
            let counts = match input.get("counts") {
                None | Some(Value::Null) => None,
                Some(c) => Some(counts_from(c)?),
            };
            case.exact(
                "get_sample_sizes",
                u64_field(g, "output")?,
                supersimple::additional_sample_size(&contest, risk_limit, counts.as_ref()),
            );
        }
        Some(other) => case.mismatch("fn", "nMin or get_sample_sizes", other),
    }
    Ok(())
}

/// The vectors write a ballot's vote as the choice's name (or a list of names), `""` for no vote,
/// `"NOT_FOUND"` (or null) for a ballot the audit board could not find or that has no CVR.
fn marks(contest: &Contest, v: &Value) -> anyhow::Result<Option<Vec<usize>>> {
    let index = |name: &str| {
        contest
            .index_of(name)
            .ok_or_else(|| anyhow!("unknown choice {name:?}"))
    };
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s == "NOT_FOUND" => Ok(None),
        Value::String(s) if s.is_empty() => Ok(Some(Vec::new())),
        Value::String(s) => Ok(Some(vec![index(s)?])),
        Value::Array(names) => names
            .iter()
            .map(|n| {
                n.as_str()
                    .ok_or_else(|| anyhow!("mark {n} is not a string"))
                    .and_then(index)
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(Some),
        other => Err(anyhow!("cannot read a vote from {other}")),
    }
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let expected = field(c, "expected")?;
    let contest = contest_from(
        case.name.as_str(),
        object_field(input, "votes")?,
        u64_field(input, "ballots")?,
        opt_u64(input, "num_winners", 1)?,
        opt_u64(input, "votes_allowed", 1)?,
    )?;
    let risk_limit = RiskLimit::from_percent(f64_field(input, "risk_limit_percent")?)?;

    let mut ids = Vec::new();
    let mut cards = Vec::new();
    for b in array_field(input, "sampled_ballots")? {
        ids.push(crate::json::str_field(b, "id")?.to_string());
        let reported = match marks(&contest, field(b, "reported")?)? {
            Some(m) => ReportedCard::Marked(m),
            None => ReportedCard::NoCvr,
        };
        let audited = match marks(&contest, field(b, "audited")?)? {
            Some(m) => AuditedCard::Marked(m),
            None => AuditedCard::NotFound,
        };
        cards.push(SampledCard {
            reported,
            audited,
            times_sampled: opt_u64(b, "times_sampled", 1)?,
        });
    }

    if let Some(dm) = expected.get("diluted_margin").filter(|v| !v.is_null()) {
        case.float("diluted_margin", as_f64(dm)?, contest.diluted_margin());
    }
    if let Some(n) = expected.get("initial_sample_size").filter(|v| !v.is_null()) {
        case.exact(
            "initial_sample_size",
            as_u64(n)?,
            supersimple::initial_sample_size(&contest, risk_limit),
        );
    }

    let risk = supersimple::risk(&contest, risk_limit, &cards)?;

    let mut by_kind: BTreeMap<String, u64> = BTreeMap::new();
    let mut discrepant: BTreeMap<&str, (i8, f64)> = BTreeMap::new();
    for (id, d) in ids.iter().zip(&risk.discrepancies) {
        if let Some(d) = d {
            *by_kind.entry(d.counted_as.to_string()).or_default() += 1;
            discrepant.insert(id, (d.counted_as, d.weighted_error));
        }
    }
    if let Some(want) = expected
        .get("discrepancies_by_counted_as")
        .and_then(Value::as_object)
    {
        let want = want
            .iter()
            .map(|(k, v)| Ok((k.clone(), as_u64(v)?)))
            .collect::<anyhow::Result<BTreeMap<_, _>>>()?;
        case.exact("discrepancies_by_counted_as", want, by_kind);
    }
    if let Some(want) = expected
        .get("discrepant_ballots")
        .and_then(Value::as_object)
    {
        case.exact(
            "discrepant ballot ids",
            want.keys().map(String::as_str).collect::<Vec<_>>(),
            discrepant.keys().copied().collect::<Vec<_>>(),
        );
        for (id, w) in want {
            let Some(&(counted_as, weighted)) = discrepant.get(id.as_str()) else {
                continue;
            };
            let want_counted = field(w, "counted_as")?
                .as_i64()
                .ok_or_else(|| anyhow!("counted_as of {id} is not an integer"))?;
            case.exact(
                format!("discrepant_ballots[{id}].counted_as"),
                want_counted,
                i64::from(counted_as),
            );
            case.float(
                format!("discrepant_ballots[{id}].weighted_error"),
                f64_field(w, "weighted_error")?,
                weighted,
            );
        }
    }
    case.float("p_value", f64_field(expected, "p_value")?, risk.p_value);
    case.exact(
        "risk_limit_met",
        bool_field(expected, "risk_limit_met")?,
        risk.risk_limit_met,
    );

    let counts = DiscrepancyCounts::from_sample(&cards, &risk);
    if let Some(want) = expected
        .get("next_round_input_counts")
        .filter(|v| !v.is_null())
    {
        case.exact("next_round_input_counts", counts_from(want)?, counts);
    }
    case.exact(
        "next_round_additional_sample_size",
        u64_field(expected, "next_round_additional_sample_size")?,
        supersimple::additional_sample_size(&contest, risk_limit, Some(&counts)),
    );
    Ok(())
}
