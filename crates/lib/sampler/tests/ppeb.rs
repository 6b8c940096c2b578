//! Tests for `sampler::ppeb`: Arlo's own PPEB snapshots, and properties of the draws.

use proptest::prelude::*;
use sampler::consistent::{first_fraction, next_fraction, trim};
use sampler::ppeb::{PpebBatch, PpebDraw, draw_ppeb_sample};
use sampler::python_repr::BatchKey;

/// Arlo test_sampler.py L6.
const ARLO_SEED: &str = "12345678901234567890abcdefghijklmnopqrstuvwxyz😊";

/// The snapshot literal `name` from Arlo's `snap_test_sampler.py` (via
/// peer_tests_arlo_audit_math_literals.json) as (ticket, jurisdiction, batch) triples.
fn snapshot(name: &str) -> Vec<(String, String, String)> {
    let doc = crate::vector("peer_tests_arlo_audit_math_literals.json");
    let entry = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == format!("snapshots[\"{name}\"]"))
        .unwrap_or_else(|| panic!("snapshot {name} not in the literals file"));
    entry["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|draw| {
            (
                draw[0].as_str().unwrap().to_string(),
                draw[1][0].as_str().unwrap().to_string(),
                draw[1][1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn key(batch: &str) -> BatchKey {
    BatchKey::arlo_batch("Jx 1", batch)
}

fn labelled(batches: &[PpebBatch], draws: &[PpebDraw]) -> Vec<(String, String, String)> {
    draws
        .iter()
        .map(|d| match &batches[d.batch].key {
            BatchKey::Tuple(parts) => (
                d.ticket_number.clone(),
                parts[0].clone().unwrap(),
                parts[1].clone().unwrap(),
            ),
            BatchKey::Name(_) => unreachable!(),
        })
        .collect()
}

/// Arlo test_sampler.py `macro_batches` L13-28 with `macro_contest` L50-62 (600 vs 400, V = 200):
/// pct 0-9 report 40/10 of 50 ballots, u_p = (30 + 50)/200 = 2/5; pct 11-19 report 20/30 of 50,
/// u_p = (−10 + 50)/200 = 1/5; U = 29/5, so the weights are exactly 2/29 and 1/29.
fn macro_batches() -> Vec<PpebBatch> {
    let mut batches: Vec<PpebBatch> = (0..10)
        .map(|i| PpebBatch {
            key: key(&format!("pct {i}")),
            weight: 2.0 / 29.0,
        })
        .collect();
    batches.extend((11..20).map(|i| PpebBatch {
        key: key(&format!("pct {i}")),
        weight: 1.0 / 29.0,
    }));
    batches
}

/// Arlo test_sampler.py `close_macro_batches` L31-47 with `close_macro_contest` (200 vs 198,
/// V = 2): u_p = 100, 100, 0, 0, U = 200.
fn close_macro_batches() -> Vec<PpebBatch> {
    [
        ("pct 1", 0.5),
        ("pct 2", 0.5),
        ("pct 3", 0.0),
        ("pct 4", 0.0),
    ]
    .into_iter()
    .map(|(name, weight)| PpebBatch {
        key: key(name),
        weight,
    })
    .collect()
}

/// snap_test_sampler.py L46 (test_draw_macro_sample, test_sampler.py L109-118).
#[test]
fn arlo_snapshot_draw_macro_sample() {
    let batches = macro_batches();
    let draws = draw_ppeb_sample(ARLO_SEED, &batches, 10, &[]).unwrap();
    assert_eq!(
        labelled(&batches, &draws),
        snapshot("test_draw_macro_sample 1")
    );
    // pct 8 is drawn three times: generations 1, 2, 3.
    let pct8: Vec<u32> = draws
        .iter()
        .filter(|d| batches[d.batch].key == key("pct 8"))
        .map(|d| d.draw_of_batch)
        .collect();
    assert_eq!(pct8, vec![1, 2, 3]);
}

/// snap_test_sampler.py L59 and L67 (test_draw_more_macro_sample, test_sampler.py L121-145): the
/// second round redraws the first five and drops them, whatever keys the earlier draws carry.
#[test]
fn arlo_snapshot_draw_more_macro_sample() {
    let batches = macro_batches();
    let first = draw_ppeb_sample(ARLO_SEED, &batches, 5, &[]).unwrap();
    assert_eq!(
        labelled(&batches, &first),
        snapshot("test_draw_more_macro_sample 1")
    );
    let previous = [
        key("pct8"),
        key("pct6"),
        key("pct8"),
        key("pct0"),
        key("pct9"),
    ];
    let second = draw_ppeb_sample(ARLO_SEED, &batches, 5, &previous).unwrap();
    assert_eq!(
        labelled(&batches, &second),
        snapshot("test_draw_more_macro_sample 2")
    );
}

/// snap_test_sampler.py L10-28 (test_draw_macro_full_hand_tally, test_sampler.py L148-184).
#[test]
fn arlo_snapshot_full_hand_tally() {
    let batches = close_macro_batches();
    let cases: [(usize, Vec<BatchKey>, &str); 4] = [
        (4, vec![], "test_draw_macro_full_hand_tally 1"),
        (4, vec![key("pct 1")], "test_draw_macro_full_hand_tally 2"),
        (
            4,
            vec![key("pct 2"), key("pct 4")],
            "test_draw_macro_full_hand_tally 3",
        ),
        (
            2,
            vec![key("pct 2"), key("pct 4")],
            "test_draw_macro_full_hand_tally 4",
        ),
    ];
    for (size, previous, name) in cases {
        let draws = draw_ppeb_sample(ARLO_SEED, &batches, size, &previous).unwrap();
        assert_eq!(labelled(&batches, &draws), snapshot(name), "{name}");
    }
}

/// snap_test_sampler.py L33 (test_draw_macro_multiple_contests, test_sampler.py L187-215): the
/// other contest (400 vs 100, V = 300) is only in pct 0-9, u_p = 80/300 each, so each weighs 1/10
/// and pct 11-19 weigh 0.
#[test]
fn arlo_snapshot_multiple_contests() {
    let mut batches = macro_batches();
    for (i, b) in batches.iter_mut().enumerate() {
        b.weight = if i < 10 { 0.1 } else { 0.0 };
    }
    let draws = draw_ppeb_sample(ARLO_SEED, &batches, 10, &[]).unwrap();
    assert_eq!(
        labelled(&batches, &draws),
        snapshot("test_draw_macro_multiple_contests 1")
    );
}

/// test_sampler.py L218-235 (test_draw_macro_contest_not_in_any_batches): U = 0 gives no draws.
#[test]
fn contest_in_no_batch_draws_nothing() {
    let mut batches = macro_batches();
    for b in &mut batches {
        b.weight = 0.0;
    }
    assert!(
        draw_ppeb_sample(ARLO_SEED, &batches, 10, &[])
            .unwrap()
            .is_empty()
    );
}

#[test]
fn rejects_empty_and_duplicate_manifests_and_bad_weights() {
    assert!(draw_ppeb_sample("s", &[], 1, &[]).is_err());
    let twice = vec![
        PpebBatch {
            key: key("a"),
            weight: 0.5,
        },
        PpebBatch {
            key: key("a"),
            weight: 0.5,
        },
    ];
    assert!(draw_ppeb_sample("s", &twice, 1, &[]).is_err());
    let unnormalised = vec![
        PpebBatch {
            key: key("a"),
            weight: 0.5,
        },
        PpebBatch {
            key: key("b"),
            weight: 0.6,
        },
        PpebBatch {
            key: key("c"),
            weight: 0.6,
        },
    ];
    let err = draw_ppeb_sample("s", &unnormalised, 1, &[]).unwrap_err();
    assert!(err.to_string().contains("add up to"), "{err}");
}

fn manifest(weights: &[u32]) -> Vec<PpebBatch> {
    let total: f64 = weights.iter().map(|&w| f64::from(w)).sum();
    weights
        .iter()
        .enumerate()
        .map(|(i, &w)| PpebBatch {
            key: BatchKey::arlo_batch(&format!("J{}", i % 3), &format!("Batch {i}")),
            weight: f64::from(w) / total,
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The same seed and manifest give the same draws, and every ticket is the consistent
    /// sampler's ticket for that batch and draw count.
    #[test]
    fn draws_are_deterministic_and_tickets_follow_the_consistent_sampler(
        seed in "[ -~]{0,20}",
        weights in prop::collection::vec(0u32..50, 2..25),
        size in 1usize..20,
    ) {
        prop_assume!(weights.iter().any(|&w| w > 0));
        let batches = manifest(&weights);
        let a = draw_ppeb_sample(&seed, &batches, size, &[]).unwrap();
        let b = draw_ppeb_sample(&seed, &batches, size, &[]).unwrap();
        prop_assert_eq!(&a, &b);
        let mut last: std::collections::HashMap<usize, String> = Default::default();
        for d in &a {
            let expected = match last.get(&d.batch) {
                None => trim(&first_fraction(&batches[d.batch].key.repr(), &seed), 18).unwrap().to_string(),
                Some(prev) => trim(&next_fraction(prev).unwrap(), 18).unwrap().to_string(),
            };
            prop_assert_eq!(&d.ticket_number, &expected);
            last.insert(d.batch, d.ticket_number.clone());
        }
        if size < batches.len() {
            for d in &a {
                prop_assert!(batches[d.batch].weight > 0.0, "zero-weight batch drawn");
            }
        }
    }

    /// Drawing two rounds gives the same batches and tickets as drawing them at once (Arlo redraws
    /// the earlier rounds and drops them), as long as no full hand tally intervenes.
    #[test]
    fn rounds_continue_the_same_stream(
        seed in "[a-z0-9]{1,12}",
        weights in prop::collection::vec(1u32..50, 10..30),
        first in 1usize..5,
        second in 1usize..5,
    ) {
        let batches = manifest(&weights);
        let all = draw_ppeb_sample(&seed, &batches, first + second, &[]).unwrap();
        let round1 = draw_ppeb_sample(&seed, &batches, first, &[]).unwrap();
        let previous: Vec<BatchKey> = round1.iter().map(|d| batches[d.batch].key.clone()).collect();
        let round2 = draw_ppeb_sample(&seed, &batches, second, &previous).unwrap();
        prop_assert_eq!(&all[..first], &round1[..]);
        prop_assert_eq!(&all[first..], &round2[..]);
    }

    /// A full hand tally takes every batch not drawn before, in key order, whatever order the
    /// batches are listed in (Arlo sorts them); its tickets depend only on seed and key.
    #[test]
    fn full_hand_tally_is_independent_of_listing_order(
        seed in "[a-z0-9]{1,12}",
        weights in prop::collection::vec(1u32..50, 2..15),
        rotation in 0usize..15,
    ) {
        let batches = manifest(&weights);
        let mut rotated = batches.clone();
        rotated.rotate_left(rotation % batches.len());
        let keys = |list: &[PpebBatch], draws: Vec<PpebDraw>| -> Vec<(String, String)> {
            draws.into_iter().map(|d| (d.ticket_number, list[d.batch].key.repr())).collect()
        };
        let a = keys(&batches, draw_ppeb_sample(&seed, &batches, batches.len(), &[]).unwrap());
        let b = keys(&rotated, draw_ppeb_sample(&seed, &rotated, batches.len(), &[]).unwrap());
        prop_assert_eq!(a.len(), batches.len());
        prop_assert_eq!(a, b);
    }
}
