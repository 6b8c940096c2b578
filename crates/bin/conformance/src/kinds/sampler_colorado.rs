//! Checks `sampler_colorado` vector files: ColoradoRLA's SHA-256 generator,
//! `getRandomNumbers(from, to)` after the case's earlier calls on the same generator.

use anyhow::anyhow;
use sampler::colorado::ColoradoGenerator;
use sampler::consistent::Replacement;
use serde_json::Value;

use crate::json::{array_field, bool_field, case_name, field, str_field, u64_field};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = Case::new(file, case_name(c, i));
        if let Err(e) = check_case(c, &mut case) {
            case.mismatch("*", "a readable case", format!("{e:#}"));
        }
        report.push(case);
    }
    Ok(())
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let expected = field(c, "expected")?;
    let replacement = if bool_field(input, "with_replacement")? {
        Replacement::With
    } else {
        Replacement::Without
    };
    let seed = str_field(input, "seed")?;
    let min = i32_field(input, "min")?;
    let max = i32_field(input, "max")?;
    let from = usize::try_from(u64_field(input, "from")?)?;
    let to = usize::try_from(u64_field(input, "to")?)?;

    let prior_calls = match input.get("prior_calls") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => array_field(input, "prior_calls")?
            .iter()
            .map(|call| Ok((index(call, 0)?, index(call, 1)?)))
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let result = ColoradoGenerator::new(seed, replacement, min, max).and_then(|mut generator| {
        for &(a, b) in &prior_calls {
            generator.numbers(a, b)?;
        }
        generator.numbers(from, to).map(<[i32]>::to_vec)
    });
    if let Some(peer_error) = expected.get("error") {
        match result {
            Err(e) => case.peer_errored(format!(
                "peer raised {peer_error}; ballotproof refused with: {e}"
            )),
            Ok(numbers) => case.mismatch(
                "error",
                format!("an error like the peer's {peer_error}"),
                format!("{} numbers", numbers.len()),
            ),
        }
        return Ok(());
    }
    let want: Vec<i64> = array_field(expected, "numbers")?
        .iter()
        .map(|n| {
            n.as_i64()
                .ok_or_else(|| anyhow!("number {n} is not an integer"))
        })
        .collect::<anyhow::Result<_>>()?;
    match result {
        Ok(numbers) => {
            case.exact("numbers.len", want.len(), numbers.len());
            for (i, (w, g)) in want.iter().zip(&numbers).enumerate() {
                case.exact(format!("numbers[{i}]"), *w, i64::from(*g));
            }
        }
        Err(e) => case.mismatch("numbers", format!("{} numbers", want.len()), e),
    }
    Ok(())
}

fn i32_field(v: &Value, key: &str) -> anyhow::Result<i32> {
    let n = field(v, key)?
        .as_i64()
        .ok_or_else(|| anyhow!("field {key:?} is not an integer"))?;
    i32::try_from(n).map_err(|_| anyhow!("field {key:?} = {n} does not fit a Java int"))
}

/// Element `i` of a `[from, to]` pair, as a list position.
fn index(call: &Value, i: usize) -> anyhow::Result<usize> {
    let n = call
        .get(i)
        .and_then(Value::as_u64)
        .ok_or_else(|| anyhow!("prior call {call} is not a [from, to] pair of positions"))?;
    Ok(usize::try_from(n)?)
}
