//! Integration tests for records: every file in `../shared/data/` with its exact counts, and
//! robustness properties (no input makes a parser panic).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod data;
mod generated;
mod robustness;

use std::path::PathBuf;

/// The bytes of `../shared/data/<path>`.
pub fn shared_data(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/data")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; the shared/ folder must sit beside the project root",
            full.display()
        )
    })
}

/// Runs `inspect` over files of `../shared/data/` (plus in-memory files).
pub fn inspect(files: &[&str], extra: Vec<(String, Vec<u8>)>) -> records::Report {
    let mut inputs: Vec<records::Input<'static>> = files
        .iter()
        .map(|f| records::Input::bytes(*f, shared_data(f)))
        .collect();
    inputs.extend(extra.into_iter().map(|(n, b)| records::Input::bytes(n, b)));
    records::inspect(inputs)
}
