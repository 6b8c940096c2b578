//! Election records: ballot manifests parsed into one typed model, with problems that name the file,
//! line and column and say how to fix them.
//!
//! This crate reads bytes it is given; it does not open files itself, so the same parsers serve the
//! command line, the web upload and the fuzzers. Parsers never panic: any input yields either a value
//! (with warnings) or the complete list of problems found in one pass.

pub mod manifest;
pub mod problem;

pub use manifest::{Batch, Manifest, parse_arlo_manifest};
pub use problem::{Location, Parsed, Problem, Problems, Severity};
