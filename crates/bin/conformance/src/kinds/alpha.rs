//! Checks `alpha` vector files (SHANGRLA `NonnegMean.alpha_mart` and `NonnegMean.sample_size`):
//! every case's p-value, full p-history and `η_j` sequence, and every `sample_size_checks` entry.

use anyhow::{Context, anyhow};
use rla_math::RiskLimit;
use rla_math::shangrla::{AlphaTest, Estimator, Eta, Population, ShrinkTrunc};
use serde_json::Value;

use crate::json::{array_field, as_f64, case_name, f64_field, field};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = Case::new(file, case_name(c, i));
        match check_case(c, &mut case) {
            Ok(()) => {}
            Err(e) => case.mismatch("*", "a computed result", format!("error: {e:#}")),
        }
        report.push(case);
    }
    if let Some(checks) = doc.get("sample_size_checks").and_then(Value::as_array) {
        for (i, c) in checks.iter().enumerate() {
            let source = c
                .get("source_test")
                .and_then(Value::as_str)
                .unwrap_or("sample_size_checks");
            let mut case = Case::new(file, format!("{source}#{i}"));
            if let Err(e) = check_sample_size(c, &mut case) {
                case.mismatch("*", "a computed result", format!("error: {e:#}"));
            }
            report.push(case);
        }
    }
    Ok(())
}

/// `N` as the vectors write it: an integer, or `"inf"` for sampling with replacement.
fn population(v: &Value) -> anyhow::Result<Population> {
    let n = as_f64(v)?;
    if n.is_infinite() && n > 0.0 {
        Ok(Population::Infinite)
    } else if n >= 0.0 && n.fract() == 0.0 {
        Ok(Population::Finite(n as u64))
    } else {
        Err(anyhow!("N = {v} is neither a whole number nor \"inf\""))
    }
}

/// The estimator named in the case, with its `params`.
///
/// Any name mentioning `shrink` is SHANGRLA's shrink–truncate; every other name (the vectors write
/// `fixed_alternative_mean`) is the fixed alternative. A fixed alternative without a numeric `eta` is
/// `NonnegMean()`'s default `η = t + (u − t)/2` (RLA-MATH.md §6), unless the case says the estimator
/// was called with no `eta` at all (`u*(1-eps)`, NonnegMean.py L312).
fn estimator(
    name: &str,
    params: Option<&Value>,
    note: &str,
    t: f64,
    u: f64,
) -> anyhow::Result<Estimator> {
    let param = |key: &str| -> anyhow::Result<Option<f64>> {
        match params.and_then(|p| p.get(key)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.parse::<f64>().is_err() && s != "inf" => Ok(None),
            Some(v) => as_f64(v).map(Some).with_context(|| format!("params.{key}")),
        }
    };
    if name.contains("shrink") {
        let defaults = ShrinkTrunc::default();
        return Ok(Estimator::ShrinkTrunc(ShrinkTrunc {
            eta: param("eta")?.map_or(Eta::NearUpperBound, Eta::Value),
            c: param("c")?,
            d: param("d")?.unwrap_or(defaults.d),
            f: param("f")?.unwrap_or(defaults.f),
            minsd: param("minsd")?.unwrap_or(defaults.minsd),
        }));
    }
    let near_upper = |s: &str| s.replace(' ', "").contains("u*(1-eps)");
    Ok(match param("eta")? {
        Some(eta) => Estimator::fixed(eta),
        None if near_upper(name) || near_upper(note) => Estimator::FixedAlternative {
            eta: Eta::NearUpperBound,
        },
        None => Estimator::default_fixed(t, u),
    })
}

/// Compares floats at the runner's tolerance, with NaN matching NaN (SHANGRLA's history can hold NaN
/// where its running product is undefined).
pub(crate) fn check_float(case: &mut Case, field: String, expected: f64, got: f64) {
    if expected.is_nan() || got.is_nan() {
        case.exact(field, expected.is_nan(), got.is_nan());
    } else {
        case.float(field, expected, got);
    }
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let expected = field(c, "expected")?;
    let x: Vec<f64> = array_field(input, "x")?
        .iter()
        .map(as_f64)
        .collect::<anyhow::Result<_>>()?;
    let t = f64_field(input, "t")?;
    let u = f64_field(input, "u")?;
    let n = population(field(input, "N")?)?;
    let note = c.get("note").and_then(Value::as_str).unwrap_or("");
    let est = estimator(
        input
            .get("estimator")
            .and_then(Value::as_str)
            .unwrap_or("fixed_alternative_mean"),
        input.get("params"),
        note,
        t,
        u,
    )?;
    let out = AlphaTest::new(t, u, n, est)?.run(&x)?;

    check_float(
        case,
        "p_value".into(),
        f64_field(expected, "p_value")?,
        out.p_value,
    );
    if let Some(history) = expected.get("p_history").and_then(Value::as_array) {
        case.exact("p_history.len", history.len(), out.p_history.len());
        for (j, (e, g)) in history.iter().zip(&out.p_history).enumerate() {
            check_float(case, format!("p_history[{j}]"), as_f64(e)?, *g);
        }
    }
    if let Some(etas) = expected.get("eta_j").and_then(Value::as_array) {
        case.exact("eta_j.len", etas.len(), out.eta.len());
        for (j, (e, g)) in etas.iter().zip(&out.eta).enumerate() {
            check_float(case, format!("eta_j[{j}]"), as_f64(e)?, *g);
        }
    }
    Ok(())
}

fn check_sample_size(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let t = f64_field(input, "t")?;
    let u = f64_field(input, "u")?;
    let n = population(field(input, "N")?)?;
    let alpha = RiskLimit::new(f64_field(input, "alpha")?)?;
    let est = match input.get("eta") {
        Some(eta) => Estimator::fixed(as_f64(eta)?),
        None => estimator(
            input
                .get("estimator")
                .and_then(Value::as_str)
                .unwrap_or("fixed_alternative_mean"),
            input.get("params"),
            "",
            t,
            u,
        )?,
    };
    let x: Vec<f64> = match input.get("x") {
        Some(x) => x
            .as_array()
            .ok_or_else(|| anyhow!("input.x is not an array"))?
            .iter()
            .map(as_f64)
            .collect::<anyhow::Result<_>>()?,
        None => {
            // SHANGRLA's test_sample_size uses np.ones(floor(N/200)) * constant; with identical values
            // the length does not change the tiled population.
            let len = match n {
                Population::Finite(n) => (n / 200).max(1) as usize,
                Population::Infinite => 1,
            };
            vec![f64_field(input, "x_constant")?; len]
        }
    };
    let got = AlphaTest::new(t, u, n, est)?.sample_size(&x, alpha)?;
    let want = crate::json::u64_field(c, "output")?;
    case.exact("sample_size", want, got);
    Ok(())
}
