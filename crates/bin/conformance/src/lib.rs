//! The conformance runner's library: reads a reference-vector file produced by running a peer RLA tool,
//! recomputes every expected value of every case with ballotproof's own crates, and reports mismatches.
//!
//! The binary (`main.rs`) is a thin wrapper; the test suite calls [`run_file`] directly.

pub mod json;
pub mod kinds;
pub mod report;

use std::path::Path;

use anyhow::Context;

pub use report::{Case, Report};

/// Reads one vector file, recognises its kind and checks all of its cases into `report`.
pub fn run_file(path: &Path, report: &mut Report) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read vector file {}", path.display()))?;
    let doc: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not valid JSON", path.display()))?;
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let kind = kinds::detect(&file, &doc).with_context(|| {
        format!(
            "{}: not a reference-vector file this runner recognises (unknown 'source')",
            path.display()
        )
    })?;
    kind.run(&file, &doc, report)
        .with_context(|| format!("{}: cannot check {:?} cases", path.display(), kind))
}
