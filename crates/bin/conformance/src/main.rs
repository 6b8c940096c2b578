//! `conformance FILE_OR_DIR...`: recompute every case of the given reference-vector files with
//! ballotproof's code, print each mismatch and end with `N passed, M failed`; exit 1 if any case failed.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use conformance::{Report, run_file};

fn main() -> ExitCode {
    match run() {
        Ok(report) => {
            println!("{report}");
            if report.failed() == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(err) => {
            eprintln!("conformance: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run() -> anyhow::Result<Report> {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if args.is_empty() {
        anyhow::bail!(
            "usage: conformance FILE_OR_DIR... (vector files in ../shared/vectors/rla format)"
        );
    }
    let mut report = Report::default();
    for path in expand(&args)? {
        run_file(&path, &mut report)?;
    }
    Ok(report)
}

/// Files as given; directories replaced by the `.json` files directly inside them, sorted.
fn expand(args: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for arg in args {
        if arg.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(arg)
                .with_context(|| format!("cannot list {}", arg.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            inside.sort();
            files.extend(inside);
        } else {
            files.push(arg.to_path_buf());
        }
    }
    Ok(files)
}
