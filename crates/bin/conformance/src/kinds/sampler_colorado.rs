//! Checks `sampler_colorado` vector files.

use serde_json::Value;

use crate::Report;

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    super::not_implemented(file, doc, report, "sampler_colorado")
}
