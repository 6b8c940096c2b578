//! Small helpers for reading vector files: typed field access with errors that name the field, and
//! the vectors' encodings (`"inf"` for infinity, integers written as floats).

use anyhow::{Context, anyhow};
use serde_json::Value;

/// `v[key]`, or an error naming the missing key.
pub fn field<'a>(v: &'a Value, key: &str) -> anyhow::Result<&'a Value> {
    v.get(key).ok_or_else(|| anyhow!("missing field {key:?}"))
}

pub fn str_field<'a>(v: &'a Value, key: &str) -> anyhow::Result<&'a str> {
    field(v, key)?
        .as_str()
        .ok_or_else(|| anyhow!("field {key:?} is not a string"))
}

pub fn u64_field(v: &Value, key: &str) -> anyhow::Result<u64> {
    as_u64(field(v, key)?).with_context(|| format!("field {key:?}"))
}

pub fn f64_field(v: &Value, key: &str) -> anyhow::Result<f64> {
    as_f64(field(v, key)?).with_context(|| format!("field {key:?}"))
}

pub fn bool_field(v: &Value, key: &str) -> anyhow::Result<bool> {
    field(v, key)?
        .as_bool()
        .ok_or_else(|| anyhow!("field {key:?} is not a boolean"))
}

pub fn array_field<'a>(v: &'a Value, key: &str) -> anyhow::Result<&'a Vec<Value>> {
    field(v, key)?
        .as_array()
        .ok_or_else(|| anyhow!("field {key:?} is not an array"))
}

pub fn object_field<'a>(
    v: &'a Value,
    key: &str,
) -> anyhow::Result<&'a serde_json::Map<String, Value>> {
    field(v, key)?
        .as_object()
        .ok_or_else(|| anyhow!("field {key:?} is not an object"))
}

/// A non-negative integer, also when written as `12.0`.
pub fn as_u64(v: &Value) -> anyhow::Result<u64> {
    if let Some(n) = v.as_u64() {
        return Ok(n);
    }
    match v.as_f64() {
        Some(f) if f >= 0.0 && f.fract() == 0.0 && f < 1.8e19 => Ok(f as u64),
        _ => Err(anyhow!("{v} is not a non-negative integer")),
    }
}

/// A float, with the vectors' string encodings `"inf"`, `"-inf"` and `"nan"`.
pub fn as_f64(v: &Value) -> anyhow::Result<f64> {
    if let Some(f) = v.as_f64() {
        return Ok(f);
    }
    match v.as_str() {
        Some("inf" | "Infinity") => Ok(f64::INFINITY),
        Some("-inf" | "-Infinity") => Ok(f64::NEG_INFINITY),
        Some("nan" | "NaN") => Ok(f64::NAN),
        _ => Err(anyhow!("{v} is not a number")),
    }
}

/// The `name` of a case, or its position when it has none.
pub fn case_name(case: &Value, index: usize) -> String {
    case.get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| format!("#{index}"))
}
