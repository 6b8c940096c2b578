//! Tests for `sampler::consistent`.

use sampler::consistent::{
    ManifestBatch, Replacement, SampleRequest, draw_sample, first_fraction, group_retrievals,
    next_fraction, sha256_hex, sha256_uniform, trim,
};
use sampler::python_repr::BatchKey;
use serde_json::Value;

use crate::vector;

const ARLO_FILE: &str = "sampler_arlo_draw_sample.json";

fn s(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap().to_string()
}

/// Every entry of the `primitives` section of sampler_arlo_draw_sample.json (values computed by
/// consistent_sampler.py itself).
#[test]
fn primitives_match_consistent_sampler() {
    let doc = vector(ARLO_FILE);
    let primitives = doc["primitives"].as_array().unwrap();
    assert!(primitives.len() >= 19);
    for (i, p) in primitives.iter().enumerate() {
        let expected = s(p, "output");
        let input = &p["input"];
        let got = match p["fn"].as_str().unwrap() {
            "sha256_hex" => sha256_hex(input.as_str().unwrap()),
            "sha256_uniform" => sha256_uniform(input.as_str().unwrap()),
            "first_fraction" => first_fraction(&s(input, "id_string"), &s(input, "seed")),
            "next_fraction" => next_fraction(input.as_str().unwrap()).unwrap(),
            "trim" => {
                let digits = input["digits"].as_u64().unwrap() as usize;
                trim(&s(input, "x"), digits).unwrap().to_string()
            }
            other => panic!("{ARLO_FILE} primitives[{i}]: unknown fn {other}"),
        };
        assert_eq!(got, expected, "{ARLO_FILE} primitives[{i}] {p}");
    }
}

/// consistent_sampler.py docstring examples (first_fraction L291, next_fraction L317,
/// next_ticket L367).
#[test]
fn docstring_examples() {
    assert_eq!(
        first_fraction("AB-130", "01382438112797316654"),
        "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
    );
    assert_eq!(
        next_fraction("0.25471").unwrap(),
        "0.642853261655004694691182528114375607701032283189922170593838029306715548381901"
    );
    assert_eq!(
        next_fraction(
            "0.26299714122838008416507544297546663599715395525154425586041245287750224561854"
        )
        .unwrap(),
        "0.8232357229934205790595761924514048157652891124687533667363938813600770093316"
    );
}

fn batch_key(v: &Value) -> BatchKey {
    match v {
        Value::String(name) => BatchKey::Name(name.clone()),
        Value::Array(parts) => BatchKey::Tuple(
            parts
                .iter()
                .map(|p| p.as_str().map(str::to_string))
                .collect(),
        ),
        other => panic!("batch_key {other} is neither a string nor a list"),
    }
}

fn manifest(input: &Value) -> Vec<ManifestBatch> {
    input["manifest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            let key = batch_key(&b["batch_key"]);
            match b.get("ballot_positions") {
                Some(list) => ManifestBatch::with_positions(
                    key,
                    list.as_array()
                        .unwrap()
                        .iter()
                        .map(|p| p.as_u64().unwrap())
                        .collect(),
                ),
                None => ManifestBatch::new(key, b["num_ballots"].as_u64().unwrap()),
            }
        })
        .collect()
}

/// Every case of sampler_arlo_draw_sample.json (Arlo `draw_sample` → consistent_sampler): each
/// draw's ticket, ballot, generation, hashed id string and untrimmed first ticket, and the
/// distinct/duplicate counts.
#[test]
fn arlo_draw_sample_cases() {
    let doc = vector(ARLO_FILE);
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 19);
    for case in cases {
        let name = format!("{ARLO_FILE} case {}", case["name"].as_str().unwrap());
        let input = &case["input"];
        let seed = s(input, "seed");
        let request = SampleRequest {
            seed: &seed,
            sample_size: input["sample_size"].as_u64().unwrap(),
            num_previously_sampled: input["num_previously_sampled"].as_u64().unwrap(),
            replacement: if input["with_replacement"].as_bool().unwrap() {
                Replacement::With
            } else {
                Replacement::Without
            },
            ticket_digits: input["digits"].as_u64().unwrap() as usize,
        };
        let draws = draw_sample(&manifest(input), &request).unwrap();
        let expected = &case["expected"];
        let expected_draws = expected["draws"].as_array().unwrap();
        assert_eq!(draws.len(), expected_draws.len(), "{name}: number of draws");
        for (i, (got, want)) in draws.iter().zip(expected_draws).enumerate() {
            assert_eq!(
                got.ticket_number,
                s(want, "ticket_number"),
                "{name} draw {i}"
            );
            assert_eq!(
                got.ballot.batch,
                batch_key(&want["batch_key"]),
                "{name} draw {i}"
            );
            assert_eq!(
                got.ballot.position,
                want["ballot_position"].as_u64().unwrap(),
                "{name} draw {i}"
            );
            assert_eq!(
                got.generation,
                want["generation"].as_u64().unwrap(),
                "{name} draw {i}"
            );
            assert_eq!(
                got.ballot.id_string(),
                s(want, "id_string_hashed"),
                "{name} draw {i}"
            );
            match want["first_ticket_full"].as_str() {
                Some(first) => {
                    assert_eq!(got.generation, 1, "{name} draw {i}");
                    assert_eq!(got.full_ticket_number, first, "{name} draw {i}");
                }
                None => assert!(got.generation > 1, "{name} draw {i}"),
            }
        }
        let retrievals = group_retrievals(&draws);
        assert_eq!(
            retrievals.len() as u64,
            expected["num_distinct_ballots"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            draws.iter().filter(|d| d.generation > 1).count() as u64,
            expected["num_duplicate_draws"].as_u64().unwrap(),
            "{name}"
        );
    }
}

mod properties {
    use proptest::prelude::*;
    use sampler::consistent::{Ballots, ManifestBatch, Replacement, SampleRequest, draw_sample};
    use sampler::python_repr::BatchKey;

    /// Small manifests with distinct Arlo-style keys (odd characters included) and a few ballots
    /// per batch, so repeat draws are common; some batches pool only some positions (card-style
    /// data), listed in any order.
    fn manifests() -> impl Strategy<Value = Vec<ManifestBatch>> {
        let part = "[a-zA-Z0-9 '\"\\\\é😊]{0,6}";
        let ballots = prop_oneof![
            (0u64..12).prop_map(Ballots::All),
            prop::collection::btree_set(1u64..40, 0..8)
                .prop_map(|set| set.into_iter().rev().collect())
                .prop_map(Ballots::Positions),
        ];
        prop::collection::btree_map((part, prop::option::of(part), part), ballots, 0..6).prop_map(
            |batches| {
                batches
                    .into_iter()
                    .map(|((j, t, b), ballots)| ManifestBatch {
                        key: BatchKey::arlo(&j, t.as_deref(), &b),
                        ballots,
                    })
                    .collect()
            },
        )
    }

    fn replacement() -> impl Strategy<Value = Replacement> {
        prop_oneof![Just(Replacement::With), Just(Replacement::Without)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// The same inputs give the same draws.
        #[test]
        fn deterministic(manifest in manifests(), seed in ".{0,12}", n in 0u64..30, r in replacement()) {
            let request = SampleRequest::arlo(&seed, n, 0, r);
            prop_assert_eq!(draw_sample(&manifest, &request)?, draw_sample(&manifest, &request)?);
        }

        /// Listing the batches in another order changes nothing.
        #[test]
        fn independent_of_batch_order(
            (manifest, shuffled) in manifests().prop_flat_map(|m| (Just(m.clone()), Just(m).prop_shuffle())),
            seed in ".{0,12}",
            n in 0u64..30,
            r in replacement(),
        ) {
            let request = SampleRequest::arlo(&seed, n, 0, r);
            prop_assert_eq!(draw_sample(&manifest, &request)?, draw_sample(&shuffled, &request)?);
        }

        /// Rounds continue one stream: rounds of sizes s1, …, sk drawn one after another (each
        /// skipping the earlier rounds' draws) concatenate to one draw of s1 + … + sk.
        #[test]
        fn rounds_continue_the_stream(
            manifest in manifests(),
            seed in "[0-9]{20}",
            sizes in prop::collection::vec(0u64..15, 1..4),
            r in replacement(),
        ) {
            let total: u64 = sizes.iter().sum();
            let whole = draw_sample(&manifest, &SampleRequest::arlo(&seed, total, 0, r))?;
            let mut rounds = Vec::new();
            let mut before = 0;
            for &size in &sizes {
                let round = draw_sample(&manifest, &SampleRequest::arlo(&seed, size, before, r))?;
                prop_assert!(round.len() as u64 <= size);
                rounds.extend(round);
                before += size;
            }
            prop_assert_eq!(rounds, whole);
        }

        /// Listing every position of a batch is the same as giving its ballot count, and a
        /// position list's order does not matter.
        #[test]
        fn position_lists_match_counts(sizes in prop::collection::vec(0u64..8, 1..4), seed in ".{0,8}", n in 0u64..20, r in replacement()) {
            let by_count: Vec<_> = sizes.iter().enumerate()
                .map(|(i, &k)| ManifestBatch::new(BatchKey::Name(format!("b{i}")), k))
                .collect();
            let by_list: Vec<_> = sizes.iter().enumerate()
                .map(|(i, &k)| ManifestBatch::with_positions(BatchKey::Name(format!("b{i}")), (1..=k).rev().collect()))
                .collect();
            let request = SampleRequest::arlo(&seed, n, 0, r);
            prop_assert_eq!(draw_sample(&by_count, &request)?, draw_sample(&by_list, &request)?);
        }

        /// Tickets increase along the draw without replacement and per ballot with replacement;
        /// each draw's generation counts that ballot's draws so far.
        #[test]
        fn tickets_and_generations_are_consistent(manifest in manifests(), seed in ".{0,8}", n in 0u64..40, r in replacement()) {
            let draws = draw_sample(&manifest, &SampleRequest::arlo(&seed, n, 0, r))?;
            let total: u64 = manifest.iter().map(ManifestBatch::pool_size).sum();
            let expected_len = match r {
                Replacement::With if total > 0 => n,
                Replacement::With => 0,
                Replacement::Without => n.min(total),
            };
            prop_assert_eq!(draws.len() as u64, expected_len);
            for pair in draws.windows(2) {
                prop_assert!(pair[0].full_ticket_number < pair[1].full_ticket_number);
            }
            let mut seen = std::collections::HashMap::new();
            for d in &draws {
                let g = seen.entry(&d.ballot).or_insert(0u64);
                *g += 1;
                prop_assert_eq!(d.generation, *g);
                prop_assert!(d.ballot.position >= 1);
            }
        }
    }
}
