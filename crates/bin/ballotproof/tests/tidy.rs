//! Repository hygiene checks that run with the tests (as rust-analyzer's tidy does): every Rust file
//! says what it is for in a `//!` line, and library code has no `unwrap()`/`expect()` outside tests.

use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name == "target" || name.to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["crates", "fuzz/fuzz_targets"] {
        rust_files(&repo_root().join(dir), &mut files);
    }
    assert!(files.len() > 10, "found only {} Rust files", files.len());
    files
}

#[test]
fn every_rust_file_starts_with_a_module_doc() {
    let missing: Vec<String> = all_rust_files()
        .into_iter()
        .filter(|path| {
            let text = std::fs::read_to_string(path).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not start with a `//!` line saying what they are for:\n{}",
        missing.join("\n")
    );
}

/// Clippy denies `unwrap_used`/`expect_used` already; this also catches `#[allow]`s that slipped into
/// library code, outside `#[cfg(test)]` modules and test/bench directories.
#[test]
fn no_unwrap_in_library_code() {
    let mut offenders = Vec::new();
    for path in all_rust_files() {
        let shown = path.display().to_string();
        if shown.contains("/tests/")
            || shown.contains("/benches/")
            || shown.contains("fuzz_targets")
        {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (i, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if line.starts_with("//") {
                continue;
            }
            if line.contains(".unwrap()") || line.contains(".expect(") {
                offenders.push(format!("{shown}:{}: {line}", i + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "unwrap()/expect() outside tests:\n{}",
        offenders.join("\n")
    );
}
