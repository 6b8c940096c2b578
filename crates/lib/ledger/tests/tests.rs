//! Integration tests for the ledger: durability and recovery of the entries file, keys, exports and
//! their offline verification (including tamper tests over every byte of a small export), and
//! witnesses.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod export_verify;
mod store;
mod witness;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ledger::{Ledger, NewEntry};
use serde_json::json;

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ledger-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A note entry with a fixed time, so exports are byte-for-byte reproducible.
pub fn note(i: u64) -> NewEntry {
    NewEntry::new("note", "tester", json!({"n": i}))
        .unwrap()
        .with_time(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000 + i))
}

/// A ledger in `dir` with `n` note entries appended in batches of `batch`.
pub fn ledger_with(dir: &Path, n: u64, batch: u64) -> Ledger {
    let mut ledger = Ledger::open(dir, Some("example.org/test-log")).unwrap();
    let mut i = 0;
    while i < n {
        let entries: Vec<NewEntry> = (i..n.min(i + batch)).map(note).collect();
        ledger.append_batch(&entries).unwrap();
        i += batch;
    }
    ledger
}

/// Every file under `dir`, by path relative to it.
pub fn read_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}
