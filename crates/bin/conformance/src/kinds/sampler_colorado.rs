//! Checks `sampler_colorado` vector files: ColoradoRLA's SHA-256 generator,
//! `getRandomNumbers(from, to)` after the case's earlier calls on the same generator.

use anyhow::anyhow;
use sampler::colorado::ColoradoGenerator;
use sampler::consistent::Replacement;
use serde_json::Value;

use crate::json::{array_field, bool_field, case_name, field, str_field};
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
    let prior_calls = match input.get("prior_calls") {
        None | Some(Value::Null) => Vec::new(),
        Some(_) => array_field(input, "prior_calls")?
            .iter()
            .map(|call| Ok((position(call, 0)?, position(call, 1)?)))
            .collect::<anyhow::Result<Vec<_>>>()?,
    };
    let from = integer(field(input, "from")?)?;
    let to = integer(field(input, "to")?)?;

    // Java's getRandomNumbers(from, to) is numbers(from, to + 1). Negative positions cannot be
    // asked for at all; Java throws on them too.
    let slice = |from: i64, to: i64| -> Result<(usize, usize), String> {
        let start = usize::try_from(from).map_err(|_| format!("position {from} is negative"))?;
        let end = usize::try_from(to.saturating_add(1))
            .map_err(|_| format!("position {to} is negative"))?;
        Ok((start, end))
    };
    let result = (|| -> Result<Vec<i32>, String> {
        let mut generator =
            ColoradoGenerator::new(seed, replacement, min, max).map_err(|e| e.to_string())?;
        for &(a, b) in &prior_calls {
            let (start, end) = slice(a, b)?;
            generator.numbers(start, end).map_err(|e| e.to_string())?;
        }
        let (start, end) = slice(from, to)?;
        generator
            .numbers(start, end)
            .map(<[i32]>::to_vec)
            .map_err(|e| e.to_string())
    })();
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

/// Element `i` of a `[from, to]` pair.
fn position(call: &Value, i: usize) -> anyhow::Result<i64> {
    integer(
        call.get(i)
            .ok_or_else(|| anyhow!("prior call {call} is not a [from, to] pair"))?,
    )
}

fn integer(v: &Value) -> anyhow::Result<i64> {
    v.as_i64()
        .ok_or_else(|| anyhow!("{v} is not an integer position"))
}
