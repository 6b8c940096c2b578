//! Benchmarks for the records crate: parsing and totalling generated exports (100,000 cards × 20
//! contests, generated once in memory and read in place, so the figures are the parsers' own). The million-card figures in docs/PERFORMANCE.md come from
//! `ballotproof inspect` on generated files, measured with /usr/bin/time -v.

use std::io::Cursor;
use std::sync::OnceLock;

use records::generate::{self, Spec};
use records::{Input, inspect};

fn spec() -> Spec {
    Spec {
        seed: 1,
        cards: 100_000,
        contests: 20,
        tabulators: 4,
        batch_size: 250,
    }
}

fn dominion_csv() -> &'static Vec<u8> {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut v = Vec::new();
        let _ = generate::write_dominion_csv(&spec(), &mut v);
        v
    })
}

fn dominion_json() -> &'static Vec<u8> {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| {
        let mut v = Vec::new();
        let _ = generate::write_dominion_json(&spec(), &mut v);
        v
    })
}

fn hart_zip() -> &'static Vec<u8> {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| {
        let small = Spec {
            cards: 20_000,
            ..spec()
        };
        generate::write_hart_zip(&small, true, std::io::Cursor::new(Vec::new()))
            .map(|c| c.into_inner())
            .unwrap_or_default()
    })
}

/// Dominion CSV, 100,000 cards: parse, total, count batches and check ids.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn dominion_csv_100k_cards() -> usize {
    let report = inspect(vec![Input::new(
        "cvrs.csv",
        Cursor::new(dominion_csv().as_slice()),
    )]);
    report.contests.len()
}

/// Dominion JSON, 100,000 sessions.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn dominion_json_100k_cards() -> usize {
    let report = inspect(vec![Input::new(
        "CvrExport_0.json",
        Cursor::new(dominion_json().as_slice()),
    )]);
    report.contests.len()
}

/// Hart, 20,000 XML files in a deflated zip.
#[divan::bench(sample_count = 3, sample_size = 1)]
fn hart_zip_20k_cards() -> usize {
    let report = inspect(vec![Input::new(
        "hart.zip",
        Cursor::new(hart_zip().as_slice()),
    )]);
    report.contests.len()
}

fn main() {
    divan::main();
}
