//! Reference values from raire-rs (DemocracyDevelopers/raire-rs @ 2349c33).

use irv::{
    Assertion, Candidate, DifficultyMeasure, SearchLimits, find_assertions,
    unrefuted_elimination_order,
};

use crate::{assert_same_float, profile, raire_problem, shared_json};

const VECTORS: &str = "vectors/rla/irv_raire_rs_nsw2021.json";

/// `irv_raire_rs_nsw2021.json`, every case whose input is inlined (21 of the 33 NSW 2021 mayoral
/// contests): the overall difficulty equals raire-rs's `solution.Ok.difficulty` (to the last bit;
/// see [`assert_same_float`]), and the winner is the same.
#[test]
fn nsw_2021_inline_cases_match_raire_rs_difficulty() {
    let doc = shared_json(VECTORS);
    let mut checked = 0;
    for case in doc["cases"].as_array().unwrap() {
        if case["input"].is_null() {
            continue;
        }
        let name = case["name"].as_str().unwrap();
        let (p, m, w) = raire_problem(&case["input"]);
        let ours = find_assertions(&p, &m, w, SearchLimits::default()).unwrap();
        let expected = &case["expected"]["solution"]["Ok"];
        assert_same_float(
            ours.difficulty,
            expected["difficulty"].as_f64().unwrap(),
            name,
        );
        assert_eq!(
            u64::from(ours.winner.number()),
            expected["winner"].as_u64().unwrap(),
            "{name}"
        );
        checked += 1;
    }
    assert_eq!(checked, 21);
}

/// `irv_raire_rs_nsw2021.json` case "Byron Mayoral" (9 candidates; input in
/// `shared/data/raire-rs-NSW2021/Byron Mayoral.json`, raire-rs's output beside it).
#[test]
fn byron_mayoral_matches_raire_rs() {
    let input = shared_json("data/raire-rs-NSW2021/Byron Mayoral.json");
    let expected = shared_json("data/raire-rs-NSW2021/Byron Mayoral_out.json");
    let (p, m, w) = raire_problem(&input);
    let ours = find_assertions(&p, &m, w, SearchLimits::default()).unwrap();
    let ok = &expected["solution"]["Ok"];
    assert_same_float(ours.difficulty, ok["difficulty"].as_f64().unwrap(), "Byron");
    assert_eq!(
        u64::from(ours.winner.number()),
        ok["winner"].as_u64().unwrap()
    );
    // Our own set proves the winner and is no larger than raire-rs's.
    let plain: Vec<Assertion> = ours.assertions.iter().map(|a| a.assertion).collect();
    assert_eq!(
        unrefuted_elimination_order(9, ours.winner, &plain, 1_000_000).unwrap(),
        None
    );
    assert!(plain.len() <= ok["assertions"].as_array().unwrap().len());
}

/// The `guide_examples_inputs` of `irv_raire_rs_nsw2021.json` (raire-rs `WebContent/example_input/`,
/// from "A Guide to RAIRE"). Expected difficulties and winners: raire-rs @ 2349c33
/// `RaireProblem::solve` run on those inputs; the 27.0 is also asserted by raire-rs's own
/// `raire/tests/test_guide_to_raire_examples.rs` `test_raire`.
#[test]
fn guide_examples_match_raire_rs() {
    let doc = shared_json(VECTORS);
    let expected: [(&str, f64, u32); 5] = [
        ("a_guide_to_RAIRE_eg_NEB_assertions", 9.0, 2),
        ("a_guide_to_RAIRE_eg_guide", 27.0, 2),
        ("a_guide_to_RAIRE_eg_one_candidate_dominates", 2.0, 0),
        ("a_guide_to_RAIRE_eg_two_leading_candidates", 7.0, 0),
        (
            "a_guide_to_RAIRE_eg_why_not_audit_every_step",
            9.002000500125032,
            0,
        ),
    ];
    let guides = doc["guide_examples_inputs"].as_array().unwrap();
    assert_eq!(guides.len(), expected.len());
    for (guide, (name, difficulty, winner)) in guides.iter().zip(expected) {
        assert_eq!(guide["name"].as_str().unwrap(), name);
        let (p, m, w) = raire_problem(&guide["input"]);
        let ours = find_assertions(&p, &m, w, SearchLimits::default()).unwrap();
        assert_eq!(ours.difficulty, difficulty, "{name}");
        assert_eq!(ours.winner, Candidate::new(winner), "{name}");
    }
}

/// raire-rs `raire/tests/test_paper_examples.rs` `test_example12_raire_bravo` and
/// `test_example12_raire_macro`: the RAIRE paper's example 12 (27,000 ballots, α = 0.05, γ = 1.1)
/// has difficulty 278.25 under BRAVO and 44.49 under MACRO (both ±0.01 there).
#[test]
fn paper_example_12_matches_raire_rs_tests() {
    let p = profile(
        4,
        &[
            (5000, vec![0, 1, 2]),
            (5000, vec![0, 2, 1]),
            (5000, vec![1, 2, 0]),
            (1500, vec![1, 0, 2]),
            (5000, vec![2, 1, 0]),
            (500, vec![2, 0, 1]),
            (5000, vec![3, 0]),
        ],
    );
    let bravo = DifficultyMeasure::Bravo {
        risk_limit: 0.05,
        total_auditable_ballots: 27000,
    };
    let macro_ = DifficultyMeasure::Macro {
        risk_limit: 0.05,
        error_inflation: 1.1,
        total_auditable_ballots: 27000,
    };
    let winner = Some(Candidate::new(0));
    let b = find_assertions(&p, &bravo, winner, SearchLimits::default()).unwrap();
    assert!((b.difficulty - 278.25).abs() < 0.01, "{}", b.difficulty);
    let m = find_assertions(&p, &macro_, winner, SearchLimits::default()).unwrap();
    assert!((m.difficulty - 44.49).abs() < 0.01, "{}", m.difficulty);
}

/// raire-rs `raire/tests/edge_cases.rs` `test_efficient_who_wins`: one candidate with 1000 votes and
/// 100 candidates with one vote each (1,100 auditable ballots) is solved at once, winner 0.
#[test]
fn one_strong_candidate_among_a_hundred_is_quick() {
    let mut groups = vec![(1000, vec![0])];
    groups.extend((1..=100).map(|i| (1, vec![i])));
    let p = profile(101, &groups);
    let m = DifficultyMeasure::OneOnMargin {
        total_auditable_ballots: 1100,
    };
    let r = find_assertions(
        &p,
        &m,
        Some(Candidate::new(0)),
        SearchLimits { max_work: 100_000 },
    )
    .unwrap();
    assert_eq!(r.winner, Candidate::new(0));
    // Each rival is ruled out by "0 is never eliminated before it": margin 999.
    assert_eq!(r.difficulty, 1100.0 / 999.0);
    assert_eq!(r.assertions.len(), 100);
}

/// raire-rs `raire/tests/edge_cases.rs` `test_one_candidates`: a single candidate wins with no votes.
#[test]
fn one_candidate_without_votes_wins() {
    let p = profile(1, &[]);
    let m = DifficultyMeasure::OneOnMargin {
        total_auditable_ballots: 0,
    };
    let r = find_assertions(&p, &m, None, SearchLimits::default()).unwrap();
    assert_eq!(r.winner, Candidate::new(0));
    assert!(r.assertions.is_empty());
}
