//! Integration tests for irv: reference values from raire-rs (each test names its source: the
//! vector file and case, or raire-rs's own test file), and property tests checking the search
//! against a brute-force enumeration of every elimination order.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod properties;
mod reference;

use std::path::PathBuf;

use irv::{Candidate, DifficultyMeasure, Profile, RankedBallots};

/// Reads `../shared/<relative>` as JSON, with a clear failure if shared/ is missing.
pub fn shared_json(relative: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared")
        .join(relative);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; the shared/ folder must sit beside the project root",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

/// A RAIRE problem JSON (raire-rs `RaireProblem`) as a profile, measure and announced winner.
pub fn raire_problem(input: &serde_json::Value) -> (Profile, DifficultyMeasure, Option<Candidate>) {
    let n = input["num_candidates"].as_u64().unwrap() as usize;
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
        });
    let profile = Profile::new(n, groups).unwrap();
    let audit = &input["audit"];
    let total = audit["total_auditable_ballots"].as_u64().unwrap();
    let measure = match audit["type"].as_str().unwrap() {
        "OneOnMargin" => DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: total,
        },
        other => panic!("test helper handles OneOnMargin only, got {other}"),
    };
    let winner = input["winner"].as_u64().map(|w| Candidate::new(w as u32));
    (profile, measure, winner)
}

/// A profile from `(count, ranking)` pairs.
pub fn profile(n: usize, groups: &[(u64, Vec<u32>)]) -> Profile {
    Profile::new(
        n,
        groups.iter().map(|(count, r)| RankedBallots {
            count: *count,
            ranking: r.iter().copied().map(Candidate::new).collect(),
        }),
    )
    .unwrap()
}

/// Equal to within 1e-15 relative: the difficulties agree with raire-rs to the last bit, but
/// serde_json's default float parsing may read the reference value 1 ulp off.
pub fn assert_same_float(got: f64, expected: f64, what: &str) {
    assert!(
        (got - expected).abs() <= 1e-15 * expected.abs(),
        "{what}: got {got}, expected {expected}"
    );
}
