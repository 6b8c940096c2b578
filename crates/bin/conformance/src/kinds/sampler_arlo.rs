//! Checks `sampler_arlo` vector files: Arlo's `draw_sample` through Rivest's consistent sampler
//! (the `primitives` section and every draw of every case).

use anyhow::{Context, anyhow};
use sampler::consistent::{
    ARLO_TICKET_DIGITS, ManifestBatch, Replacement, SampleRequest, draw_sample, first_fraction,
    group_retrievals, next_fraction, sha256_hex, sha256_uniform, trim,
};
use sampler::python_repr::BatchKey;
use serde_json::Value;

use crate::json::{array_field, as_u64, bool_field, case_name, field, str_field, u64_field};
use crate::{Case, Report};

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    if let Some(primitives) = doc.get("primitives").and_then(Value::as_array) {
        for (i, p) in primitives.iter().enumerate() {
            let name = format!(
                "primitives[{i}] {}",
                p.get("fn").and_then(Value::as_str).unwrap_or("?")
            );
            let mut case = Case::new(file, name);
            if let Err(e) = check_primitive(p, &mut case) {
                case.mismatch("*", "a readable primitive", format!("{e:#}"));
            }
            report.push(case);
        }
    }
    for (i, c) in array_field(doc, "cases")?.iter().enumerate() {
        let mut case = Case::new(file, case_name(c, i));
        if let Err(e) = check_case(c, &mut case) {
            case.mismatch("*", "a readable case", format!("{e:#}"));
        }
        report.push(case);
    }
    Ok(())
}

fn check_primitive(p: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(p, "input")?;
    let expected = str_field(p, "output")?;
    let text = || {
        input
            .as_str()
            .ok_or_else(|| anyhow!("input is not a string"))
    };
    let got = match str_field(p, "fn")? {
        "sha256_hex" => sha256_hex(text()?),
        "sha256_uniform" => sha256_uniform(text()?),
        "first_fraction" => {
            first_fraction(str_field(input, "id_string")?, str_field(input, "seed")?)
        }
        "next_fraction" => next_fraction(text()?)?,
        "trim" => {
            let digits = usize::try_from(u64_field(input, "digits")?)?;
            trim(str_field(input, "x")?, digits)?.to_string()
        }
        other => anyhow::bail!("unknown primitive {other:?}"),
    };
    case.exact("output", expected, got.as_str());
    Ok(())
}

fn check_case(c: &Value, case: &mut Case) -> anyhow::Result<()> {
    let input = field(c, "input")?;
    let expected = field(c, "expected")?;
    let manifest = array_field(input, "manifest")?
        .iter()
        .map(|b| {
            let key = batch_key(field(b, "batch_key")?)?;
            // A batch is given by its ballot count, or (Arlo's card-style pools) by the list of
            // positions in the pool.
            Ok(match b.get("ballot_positions") {
                Some(positions) => ManifestBatch::with_positions(
                    key,
                    positions
                        .as_array()
                        .ok_or_else(|| anyhow!("ballot_positions is not a list"))?
                        .iter()
                        .map(as_u64)
                        .collect::<anyhow::Result<_>>()?,
                ),
                None => ManifestBatch::new(key, u64_field(b, "num_ballots")?),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()
        .context("manifest")?;
    let seed = str_field(input, "seed")?;
    let request = SampleRequest {
        seed,
        sample_size: u64_field(input, "sample_size")?,
        num_previously_sampled: optional_u64(input, "num_previously_sampled")?.unwrap_or(0),
        replacement: if bool_field(input, "with_replacement")? {
            Replacement::With
        } else {
            Replacement::Without
        },
        ticket_digits: match optional_u64(input, "digits")? {
            Some(d) => usize::try_from(d)?,
            None => ARLO_TICKET_DIGITS,
        },
    };
    let result = draw_sample(&manifest, &request);
    if let Some(peer_error) = expected.get("error") {
        match result {
            Err(e) => case.peer_errored(format!(
                "peer raised {peer_error}; ballotproof refused with: {e}"
            )),
            Ok(draws) => case.mismatch(
                "error",
                format!("an error like the peer's {peer_error}"),
                format!("{} draws", draws.len()),
            ),
        }
        return Ok(());
    }
    let draws = match result {
        Ok(draws) => draws,
        Err(e) => {
            case.mismatch("draws", "a sample", format!("error: {e}"));
            return Ok(());
        }
    };
    let expected_draws = array_field(expected, "draws")?;
    case.exact("draws.len", expected_draws.len(), draws.len());
    for (i, (want, got)) in expected_draws.iter().zip(&draws).enumerate() {
        case.exact(
            format!("draws[{i}].ticket_number"),
            str_field(want, "ticket_number")?,
            got.ticket_number.as_str(),
        );
        case.exact(
            format!("draws[{i}].batch_key"),
            &batch_key(field(want, "batch_key")?)?,
            &got.ballot.batch,
        );
        case.exact(
            format!("draws[{i}].ballot_position"),
            u64_field(want, "ballot_position")?,
            got.ballot.position,
        );
        case.exact(
            format!("draws[{i}].generation"),
            u64_field(want, "generation")?,
            got.generation,
        );
        if let Some(id) = want.get("id_string_hashed") {
            let id = id
                .as_str()
                .ok_or_else(|| anyhow!("id_string_hashed is not a string"))?;
            case.exact(
                format!("draws[{i}].id_string_hashed"),
                id.to_string(),
                got.ballot.id_string(),
            );
        }
        if let Some(first) = want.get("first_ticket_full") {
            let got_first = (got.generation == 1).then_some(got.full_ticket_number.as_str());
            case.exact(
                format!("draws[{i}].first_ticket_full"),
                first.as_str(),
                got_first,
            );
        }
    }
    if expected.get("num_distinct_ballots").is_some() {
        case.exact(
            "num_distinct_ballots",
            u64_field(expected, "num_distinct_ballots")?,
            group_retrievals(&draws).len() as u64,
        );
    }
    if expected.get("num_duplicate_draws").is_some() {
        case.exact(
            "num_duplicate_draws",
            u64_field(expected, "num_duplicate_draws")?,
            draws.iter().filter(|d| d.generation > 1).count() as u64,
        );
    }
    Ok(())
}

fn optional_u64(v: &Value, key: &str) -> anyhow::Result<Option<u64>> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => u64_field(v, key).map(Some),
    }
}

/// A batch key as the vectors write it: a string, or a list of strings and nulls (a Python
/// tuple with `None`s).
fn batch_key(v: &Value) -> anyhow::Result<BatchKey> {
    match v {
        Value::String(name) => Ok(BatchKey::Name(name.clone())),
        Value::Array(parts) => parts
            .iter()
            .map(|p| match p {
                Value::String(s) => Ok(Some(s.clone())),
                Value::Null => Ok(None),
                other => Err(anyhow!("batch key part {other} is not a string or null")),
            })
            .collect::<anyhow::Result<Vec<_>>>()
            .map(BatchKey::Tuple),
        other => Err(anyhow!("batch_key {other} is not a string or a list")),
    }
}
