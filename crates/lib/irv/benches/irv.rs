//! Benchmarks for the IRV tallies and the RAIRE assertion search, on the Byron 2021 mayoral contest
//! (9 candidates, 5,474 distinct rankings; `shared/data/raire-rs-NSW2021/Byron Mayoral.json`) and
//! the small "Guide to RAIRE" example.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::{Bencher, black_box};
use irv::{
    Candidate, CandidateSet, DifficultyMeasure, Profile, RankedBallots, SearchLimits, count,
    find_assertions,
};

fn main() {
    divan::main();
}

/// The Byron contest's ballot groups and auditable-ballot total, read once.
fn byron() -> &'static (usize, Vec<RankedBallots>, u64) {
    static BYRON: OnceLock<(usize, Vec<RankedBallots>, u64)> = OnceLock::new();
    BYRON.get_or_init(|| {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../../shared/data/raire-rs-NSW2021/Byron Mayoral.json");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let input: serde_json::Value = serde_json::from_str(&text).unwrap();
        let groups = input["votes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| RankedBallots {
                count: v["n"].as_u64().unwrap(),
                ranking: v["prefs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| Candidate::new(c.as_u64().unwrap() as u32))
                    .collect(),
            })
            .collect();
        (
            input["num_candidates"].as_u64().unwrap() as usize,
            groups,
            input["audit"]["total_auditable_ballots"].as_u64().unwrap(),
        )
    })
}

fn byron_profile() -> Profile {
    let (n, groups, _) = byron();
    Profile::new(*n, groups.iter().cloned()).unwrap()
}

#[divan::bench]
fn build_profile_byron(bencher: Bencher) {
    let (n, groups, _) = byron();
    bencher.bench(|| Profile::new(*n, black_box(groups).iter().cloned()).unwrap());
}

#[divan::bench(args = [2, 5, 9])]
fn tallies_byron(bencher: Bencher, continuing: usize) {
    let p = byron_profile();
    let set = CandidateSet::first_n(continuing);
    bencher.bench(|| p.tallies(black_box(set)));
}

#[divan::bench]
fn count_byron(bencher: Bencher) {
    let p = byron_profile();
    bencher.bench(|| count(black_box(&p), 1_000_000).unwrap());
}

#[divan::bench]
fn find_assertions_byron(bencher: Bencher) {
    let p = byron_profile();
    let m = DifficultyMeasure::OneOnMargin {
        total_auditable_ballots: byron().2,
    };
    bencher.bench(|| find_assertions(black_box(&p), &m, None, SearchLimits::default()).unwrap());
}

#[divan::bench]
fn find_assertions_guide_example(bencher: Bencher) {
    let g = |count, r: &[u32]| RankedBallots {
        count,
        ranking: r.iter().copied().map(Candidate::new).collect(),
    };
    let p = Profile::new(
        4,
        [
            g(5000, &[2, 1, 0]),
            g(1000, &[1, 2, 3]),
            g(1500, &[3, 0]),
            g(4000, &[0, 3]),
            g(2000, &[3]),
        ],
    )
    .unwrap();
    let m = DifficultyMeasure::OneOnMargin {
        total_auditable_ballots: 13500,
    };
    bencher.bench(|| find_assertions(black_box(&p), &m, None, SearchLimits::default()).unwrap());
}
