//! Integration tests for tlog: every case of the shared ledger vectors (`../shared/vectors/ledger/`,
//! each test names its file and case), and property tests against a literal RFC 9162 reference and
//! against ct-merkle 0.3 as an independent implementation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod properties;
mod vectors;

use std::path::PathBuf;

/// Reads `../shared/vectors/ledger/<file>` as JSON, with a clear failure if shared/ is missing.
pub fn vector(file: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/vectors/ledger")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read reference vectors {}: {e}; the shared/ folder must sit beside the project root",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// Bytes from hex.
pub fn hex(text: &str) -> Vec<u8> {
    assert!(text.len().is_multiple_of(2), "odd hex {text:?}");
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}
