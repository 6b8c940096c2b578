//! Checks `shangrla_pipeline` vector files.

use serde_json::Value;

use crate::Report;

pub fn run(file: &str, doc: &Value, report: &mut Report) -> anyhow::Result<()> {
    super::not_implemented(file, doc, report, "shangrla_pipeline")
}
