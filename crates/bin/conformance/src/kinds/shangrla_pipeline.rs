//! Checks `shangrla_pipeline` vector files: SHANGRLA's end-to-end card-level comparison and ONEAudit
//! workflow (assertions, margins, pool means, initial sample size, cryptorandom sample numbers,
//! consistent sampling, overstatement values, p-values), every expected field of every case.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, anyhow, bail};
use rla_math::RiskLimit;
use rla_math::shangrla::{
    Assertion, AuditType, ChoiceFunction, ContestSpec, Cvr, ErrorRates, Estimator, Eta,
    ShrinkTrunc, audit_sample_size, make_assertions, oneaudit,
};
use sampler::cryptorandom::{Seed, assign_sample_nums, consistent_sampling};
use serde_json::Value;

use super::alpha::check_float;
use crate::json::{
    array_field, as_f64, bool_field, case_name, f64_field, field, object_field, str_field,
    u64_field,
};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = Case::new(file, case_name(c, i));
        if let Err(e) = check_case(c, &mut case) {
            case.mismatch("*", "a computed result", format!("error: {e:#}"));
        }
        report.push(case);
    }
    Ok(())
}

/// A vote value as SHANGRLA's `CVR.as_vote` (`int(v)`) reads it.
fn vote_value(v: &Value) -> anyhow::Result<i64> {
    match v {
        Value::Bool(b) => Ok(i64::from(*b)),
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().map(|f| f.trunc() as i64))
            .ok_or_else(|| anyhow!("vote {v} is not a number")),
        Value::String(s) => s
            .trim()
            .parse()
            .with_context(|| format!("vote {s:?} is not an integer")),
        Value::Null => Ok(0),
        _ => bail!("vote {v} is not a number"),
    }
}

/// A card label as Python's `str()` would print a JSON scalar.
fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_cvr(v: &Value) -> anyhow::Result<Cvr> {
    let mut cvr = Cvr {
        id: label(field(v, "id")?),
        ..Cvr::default()
    };
    if let Some(votes) = v.get("votes") {
        let votes = votes
            .as_object()
            .ok_or_else(|| anyhow!("votes of card {} is not an object", cvr.id))?;
        for (contest, marks) in votes {
            let marks = marks
                .as_object()
                .ok_or_else(|| anyhow!("votes of card {} in {contest} is not an object", cvr.id))?;
            let mut parsed = BTreeMap::new();
            for (candidate, value) in marks {
                parsed.insert(candidate.clone(), vote_value(value)?);
            }
            cvr.votes.insert(contest.clone(), parsed);
        }
    }
    cvr.phantom = v.get("phantom").and_then(Value::as_bool).unwrap_or(false);
    cvr.pool = v.get("pool").and_then(Value::as_bool).unwrap_or(false);
    cvr.tally_pool = v.get("tally_pool").filter(|p| !p.is_null()).map(label);
    Ok(cvr)
}

/// The seed as cryptorandom hashes it: `str(seed)`.
fn seed(v: &Value) -> anyhow::Result<Seed> {
    match v {
        Value::String(s) => Ok(Seed::text(s.clone())),
        Value::Number(n) => Ok(Seed::integer(&n.to_string())?),
        other => bail!("seed {other} is neither an integer nor text"),
    }
}

/// The estimator from the case's description, e.g. `"shrink_trunc d=100 f=0 (eta0 = u*(1-eps))"`.
fn estimator(text: &str) -> anyhow::Result<Estimator> {
    let value = |key: &str| -> Option<f64> {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(&format!("{key}=")))
            .and_then(|v| v.trim_end_matches([',', ')']).parse().ok())
    };
    if text.starts_with("shrink_trunc") {
        let d = ShrinkTrunc::default();
        Ok(Estimator::ShrinkTrunc(ShrinkTrunc {
            eta: value("eta").map_or(Eta::NearUpperBound, Eta::Value),
            c: value("c"),
            d: value("d").unwrap_or(d.d),
            f: value("f").unwrap_or(d.f),
            minsd: value("minsd").unwrap_or(d.minsd),
        }))
    } else if text.starts_with("fixed") {
        Ok(match value("eta") {
            Some(eta) => Estimator::fixed(eta),
            None => Estimator::default_fixed(0.5, 1.0),
        })
    } else {
        bail!("unknown estimator {text:?}")
    }
}

fn audit_type(text: &str) -> anyhow::Result<AuditType> {
    match text {
        "CARD_COMPARISON" => Ok(AuditType::CardComparison),
        "ONEAUDIT" => Ok(AuditType::OneAudit),
        "POLLING" => Ok(AuditType::Polling),
        other => bail!("unknown audit type {other:?}"),
    }
}

fn strings(v: &Value) -> anyhow::Result<Vec<String>> {
    match v {
        Value::Array(items) => Ok(items.iter().map(label).collect()),
        other => Ok(vec![label(other)]),
    }
}

/// What ballotproof computes for one case.
struct Computed {
    assertions: Vec<Assertion>,
    sizes: Vec<u64>,
    min_margin: f64,
    initial: u64,
    first5: Vec<String>,
    sampled_ids: Vec<String>,
    data: Vec<Vec<f64>>,
    p_values: Vec<f64>,
    test_u: Vec<f64>,
}

fn compute(input: &Value) -> anyhow::Result<(ContestSpec, Computed)> {
    let mut cvrs: Vec<Cvr> = array_field(input, "cvrs")?
        .iter()
        .map(parse_cvr)
        .collect::<anyhow::Result<_>>()?;
    let contest_id = match input.get("contest").or_else(|| input.get("contest_id")) {
        Some(v) => label(v),
        None => {
            let ids: BTreeSet<&String> = cvrs.iter().flat_map(|c| c.votes.keys()).collect();
            let [only] = ids.into_iter().collect::<Vec<_>>()[..] else {
                bail!("the CVRs hold several contests and the case does not say which is audited");
            };
            only.clone()
        }
    };
    let use_style = bool_field(input, "use_style")?;
    let choice = match input.get("share_to_win").and_then(Value::as_f64) {
        Some(share_to_win) => ChoiceFunction::Supermajority { share_to_win },
        None => ChoiceFunction::Plurality,
    };
    let contest = ContestSpec {
        id: contest_id.clone(),
        candidates: strings(field(input, "candidates")?)?,
        winners: strings(field(input, "reported_winner")?)?,
        choice,
        risk_limit: RiskLimit::new(f64_field(input, "risk_limit")?)?,
        cards: cvrs.len() as u64,
        audit_type: audit_type(str_field(input, "audit_type")?)?,
        use_style,
        estimator: estimator(str_field(input, "estimator")?)?,
    };
    let rates = ErrorRates {
        one_vote: f64_field(input, "error_rate_1")?,
        two_vote: f64_field(input, "error_rate_2")?,
    };

    let mut assertions = make_assertions(&contest)?;
    if contest.audit_type == AuditType::OneAudit {
        let pools = oneaudit::pool_contests(&cvrs)?;
        oneaudit::add_pool_contests(&mut cvrs, &pools);
        let labels: BTreeSet<String> = pools.keys().cloned().collect();
        for a in &mut assertions {
            a.set_pool_means(&cvrs, Some(&labels), use_style)?;
        }
    }
    let mut min_margin = f64::INFINITY;
    for a in &mut assertions {
        min_margin = min_margin.min(a.set_margin_from_cvrs(&cvrs, use_style)?);
    }
    let mut sizes = Vec::new();
    for a in &assertions {
        sizes.push(a.initial_sample_size(&contest, rates, &cvrs)?);
    }
    let contest_size = sizes.iter().copied().max().unwrap_or(0);
    let initial = audit_sample_size(
        &[(&contest, contest_size)],
        &cvrs,
        &vec![false; cvrs.len()],
        use_style,
    )?;

    let nums = assign_sample_nums(&seed(field(input, "seed")?)?, cvrs.len());
    let styles: Vec<Vec<usize>> = cvrs
        .iter()
        .map(|c| {
            if c.has_contest(&contest_id) {
                vec![0]
            } else {
                vec![]
            }
        })
        .collect();
    let sample = consistent_sampling(&styles, &nums, &[contest_size], &[])?;
    let threshold = sample.thresholds.first().copied().flatten();

    let mvrs_by_id: BTreeMap<String, Cvr> = array_field(input, "mvrs")?
        .iter()
        .map(|m| parse_cvr(m).map(|m| (m.id.clone(), m)))
        .collect::<anyhow::Result<_>>()?;
    let mut mvr_sample = Vec::new();
    let mut cvr_sample = Vec::new();
    for &i in &sample.indices {
        let cvr = &cvrs[i];
        if threshold.is_some_and(|t| nums[i] > t) {
            continue; // drawn for another contest after this one was complete
        }
        let mut mvr = mvrs_by_id
            .get(&cvr.id)
            .cloned()
            .ok_or_else(|| anyhow!("no MVR for sampled card {}", cvr.id))?;
        mvr.pool = cvr.pool;
        mvr.tally_pool = cvr.tally_pool.clone();
        mvr_sample.push(mvr);
        cvr_sample.push(cvr.clone());
    }
    let mut data = Vec::new();
    let mut p_values = Vec::new();
    let mut test_u = Vec::new();
    for a in &assertions {
        let d = a.sample_data(&contest, &mvr_sample, &cvr_sample)?;
        p_values.push(a.risk(&contest, &d)?.p_value);
        test_u.push(a.test_upper_bound(contest.audit_type)?);
        data.push(d);
    }
    Ok((
        contest,
        Computed {
            assertions,
            sizes,
            min_margin,
            initial,
            first5: nums.iter().take(5).map(ToString::to_string).collect(),
            sampled_ids: sample.indices.iter().map(|&i| cvrs[i].id.clone()).collect(),
            data,
            p_values,
            test_u,
        },
    ))
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let expected = field(c, "expected")?;
    let (contest, got) = compute(field(c, "input")?)?;

    check_float(
        case,
        "min_margin".into(),
        f64_field(expected, "min_margin")?,
        got.min_margin,
    );
    case.exact(
        "initial_sample_size",
        u64_field(expected, "initial_sample_size")?,
        got.initial,
    );
    let first5 = strings(field(expected, "sample_nums_first5")?)?;
    case.exact(
        "sample_nums_first5",
        first5.clone(),
        got.first5[..first5.len().min(got.first5.len())].to_vec(),
    );
    case.exact(
        "sampled_card_ids_in_order",
        strings(field(expected, "sampled_card_ids_in_order")?)?,
        got.sampled_ids.clone(),
    );

    let want = object_field(expected, "assertions")?;
    let names: BTreeSet<String> = got.assertions.iter().map(Assertion::name).collect();
    case.exact(
        "assertions",
        want.keys().cloned().collect::<BTreeSet<_>>(),
        names,
    );
    let mut max_p: f64 = 0.0;
    for (k, a) in got.assertions.iter().enumerate() {
        let p = got.p_values[k];
        max_p = max_p.max(p);
        let name = a.name();
        let Some(w) = want.get(&name) else {
            continue;
        };
        let f = |key: &str| format!("assertions[{name}].{key}");
        case.exact(f("winner"), str_field(w, "winner")?, a.winner());
        case.exact(f("loser"), str_field(w, "loser")?, a.loser());
        check_float(
            case,
            f("assorter_margin"),
            f64_field(w, "assorter_margin")?,
            a.margin().unwrap_or(f64::NAN),
        );
        check_float(case, f("test_u"), f64_field(w, "test_u")?, got.test_u[k]);
        match (field(w, "tally_pool_means")?, a.pool_means()) {
            (Value::Null, None) => case.exact(f("tally_pool_means"), "null", "null"),
            (Value::Object(means), Some(mine)) => {
                case.exact(
                    f("tally_pool_means.keys"),
                    means.keys().cloned().collect::<BTreeSet<_>>(),
                    mine.keys().cloned().collect::<BTreeSet<_>>(),
                );
                for (pool, m) in means {
                    check_float(
                        case,
                        f(&format!("tally_pool_means[{pool}]")),
                        as_f64(m)?,
                        mine.get(pool).copied().unwrap_or(f64::NAN),
                    );
                }
            }
            (e, g) => case.mismatch(f("tally_pool_means"), e, format!("{g:?}")),
        }
        case.exact(
            f("sample_size_estimate"),
            u64_field(w, "sample_size_estimate")?,
            got.sizes[k],
        );
        let values = array_field(w, "overstatement_assorter_values")?;
        case.exact(
            f("overstatement_assorter_values.len"),
            values.len(),
            got.data[k].len(),
        );
        for (j, (e, g)) in values.iter().zip(&got.data[k]).enumerate() {
            check_float(
                case,
                f(&format!("overstatement_assorter_values[{j}]")),
                as_f64(e)?,
                *g,
            );
        }
        check_float(case, f("p_value"), f64_field(w, "p_value")?, p);
        case.exact(
            f("proved"),
            bool_field(w, "proved")?,
            p <= contest.risk_limit.alpha(),
        );
    }
    check_float(
        case,
        "max_p_value".into(),
        f64_field(expected, "max_p_value")?,
        max_p,
    );
    Ok(())
}
