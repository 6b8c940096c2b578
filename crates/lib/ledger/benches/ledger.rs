//! Benchmarks for durable appends (each batch written and `fdatasync`ed before returning) at
//! several batch sizes, opening a log (scan, recovery check and rehash), and exporting it. They
//! write to a directory under the system temporary directory (or `$BALLOTPROOF_BENCH_DIR`): what
//! they measure is that disk's `fdatasync`.

use std::path::PathBuf;

use divan::Bencher;
use divan::counter::ItemsCount;
use ledger::{Ledger, NewEntry};
use serde_json::json;

fn main() {
    divan::main();
}

fn bench_dir(name: &str) -> PathBuf {
    let base = std::env::var_os("BALLOTPROOF_BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    let dir = base.join(format!("ledger-bench-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A typical small entry (~150 bytes stored), like an audit-board interpretation.
fn entry(i: usize) -> NewEntry {
    NewEntry::new(
        "audit.interpretation",
        "board:2",
        json!({"ballot": format!("Adams/T1/B{}/{}", i / 100, i % 100), "contest": "Mayor", "choice": "Alvarez"}),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// Durable appends per second: one write and one `fdatasync` per batch of `batch` entries.
#[divan::bench(args = [1, 10, 100, 1000], sample_count = 10, sample_size = 3)]
fn durable_append(bencher: Bencher, batch: usize) {
    let dir = bench_dir(&format!("append-{batch}"));
    let mut ledger = Ledger::open(&dir, None).unwrap_or_else(|e| panic!("{e}"));
    let entries: Vec<NewEntry> = (0..batch).map(entry).collect();
    bencher
        .counter(ItemsCount::new(batch))
        .bench_local(|| ledger.append_batch(&entries).map(|r| r.end));
    drop(ledger);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Opening a log of 100,000 entries: read, check every frame, rehash every entry, rebuild the tree.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn open_100k(bencher: Bencher) {
    let dir = bench_dir("open");
    {
        let mut ledger = Ledger::open(&dir, None).unwrap_or_else(|e| panic!("{e}"));
        let entries: Vec<NewEntry> = (0..1000).map(entry).collect();
        for _ in 0..100 {
            ledger
                .append_batch(&entries)
                .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    bencher
        .counter(ItemsCount::new(100_000usize))
        .bench_local(|| Ledger::open(&dir, None).map(|l| l.size()));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Exporting 100,000 entries to tiles.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn export_100k(bencher: Bencher) {
    let dir = bench_dir("export");
    let mut ledger = Ledger::open(&dir.join("log"), None).unwrap_or_else(|e| panic!("{e}"));
    let entries: Vec<NewEntry> = (0..1000).map(entry).collect();
    for _ in 0..100 {
        ledger
            .append_batch(&entries)
            .unwrap_or_else(|e| panic!("{e}"));
    }
    let out = dir.join("out");
    bencher
        .counter(ItemsCount::new(100_000usize))
        .bench_local(|| ledger.export(&out).map(|s| s.size));
    drop(ledger);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Group commit: `threads` threads each append 200 single entries through a [`SharedLedger`];
/// each waits for its own entry to be durable.
#[divan::bench(args = [1, 8, 64], sample_count = 5, sample_size = 1)]
fn group_commit_single_appends(bencher: Bencher, threads: usize) {
    let dir = bench_dir(&format!("group-{threads}"));
    let shared =
        ledger::SharedLedger::new(Ledger::open(&dir, None).unwrap_or_else(|e| panic!("{e}")));
    bencher
        .counter(ItemsCount::new(threads * 200))
        .bench_local(|| {
            std::thread::scope(|scope| {
                for t in 0..threads {
                    let shared = &shared;
                    scope.spawn(move || {
                        for i in 0..200 {
                            let _ = shared.append(entry(t * 1000 + i));
                        }
                    });
                }
            });
        });
    drop(shared);
    let _ = std::fs::remove_dir_all(&dir);
}
