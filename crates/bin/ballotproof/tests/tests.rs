//! Integration tests for the `ballotproof` command line: each runs the real binary on the bundled
//! example election or on files written to a temporary directory.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit_cli;
mod calculator;
mod demo;
mod demo_serve;
mod inspect;
mod log;
mod sample;
mod tidy;
mod user_cli;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The repository's `examples/example-election/` directory.
pub fn example(file: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../examples/example-election")
        .join(file)
        .display()
        .to_string()
}

/// Runs `ballotproof ARGS…` and returns its output.
pub fn ballotproof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ballotproof"))
        .args(args)
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ballotproof-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
