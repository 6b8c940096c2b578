//! Election records: ballot manifests parsed into one typed model, with errors that name the file,
//! line and column and say how to fix them.
//!
//! This crate reads bytes it is given; it does not open files itself, so the same parsers serve the
//! command line, the web upload and the fuzzers.

pub mod manifest;
