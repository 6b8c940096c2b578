//! Integration tests for rla-math: reference values from the peers' vectors and test suites (each test
//! names its source file and case or line), and property tests for the invariants.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bravo;
mod macro_batch;
mod minerva;
mod shangrla;
mod suite;
mod supersimple;

use std::path::PathBuf;

/// Reads `../shared/vectors/rla/<file>` as JSON, with a clear failure if shared/ is missing.
pub fn vector(file: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/vectors/rla")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read reference vectors {}: {e}; the shared/ folder must sit beside the project root",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}
