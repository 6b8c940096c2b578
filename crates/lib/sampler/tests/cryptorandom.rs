//! Tests for `sampler::cryptorandom`: cryptorandom 0.3's documented outputs, the sample numbers and
//! sampled cards of `shangrla_comparison_oneaudit_pipeline.json`, and properties of card-level
//! consistent sampling.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use sampler::cryptorandom::{
    CardSamplingError, SampleNum, Seed, Sha256Prng, assign_sample_nums, consistent_sampling,
};

// cryptorandom 0.3 `cryptorandom.py`, docstring of `SHA256.random`: r = SHA256(12345678901234567890);
// r.random(2) == [0.9272915426537484, 0.1916135318809483]; the next draws 0.5846237047310486.
#[test]
fn random_matches_cryptorandom_docstring() {
    let mut prng = Sha256Prng::new(&Seed::integer("12345678901234567890").unwrap());
    assert_eq!(prng.random(), 0.9272915426537484);
    assert_eq!(prng.random(), 0.1916135318809483);
    assert_eq!(prng.random(), 0.5846237047310486);
    assert_eq!(prng.counter(), 3);
}

// cryptorandom 0.3 run under /work/pyref: SHA256(12345678901234567890), r.next(), r.nextRandom().hex()
// is 310d959c…5165. (The docstring of `nextRandom` shows 4da594a8…1fd1, which the installed 0.3 code
// does not produce: the docstring is stale, so the code's output is the reference.)
#[test]
fn next_random_matches_cryptorandom() {
    let mut prng = Sha256Prng::new(&Seed::integer("12345678901234567890").unwrap());
    prng.jump_ahead(1);
    let digest = prng.next_random();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "310d959ce65476647a3ec93074beff0aa6d720949207daf915712fd574635165"
    );
}

// Values printed by cryptorandom 0.3 under /work/pyref (Python 3.11): text seeds hash their UTF-8
// bytes; negative integer seeds hash "-17,"; randint_trunc(0, 1000) draws digest mod 1000.
#[test]
fn text_negative_and_randint_seeds_match_cryptorandom() {
    let mut prng = Sha256Prng::new(&Seed::text("text seed 😊"));
    assert_eq!(
        prng.next_sample_num().to_string(),
        "57746288677156102984500020644350696451625272674917638812496245841884787778082"
    );
    assert_eq!(
        prng.next_sample_num().to_string(),
        "101643568099723184475540215596197401874624678246151320869460788478800793890351"
    );
    let mut prng = Sha256Prng::new(&Seed::integer("-17").unwrap());
    assert_eq!(
        prng.next_sample_num().to_string(),
        "60492490564934009905121489923242840424425691524072329002473531684215593106141"
    );
    let mut prng = Sha256Prng::new(&Seed::from(5u64));
    let draws: Vec<u64> = (0..5)
        .map(|_| prng.randint_trunc(0, 1000).unwrap())
        .collect();
    assert_eq!(draws, vec![449, 409, 92, 492, 672]);
    assert!(prng.randint_trunc(3, 3).is_err());
}

/// The pipeline vector file's text. (Read here rather than through `tests.rs`'s helper so this file
/// also compiles as its own test target, which cargo's test auto-discovery builds.)
fn pipeline_text() -> String {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/vectors/rla/shangrla_comparison_oneaudit_pipeline.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; the shared/ folder must sit beside the project root",
            path.display()
        )
    })
}

fn pipeline_cases() -> Vec<serde_json::Value> {
    serde_json::from_str::<serde_json::Value>(&pipeline_text()).unwrap()["cases"]
        .as_array()
        .unwrap()
        .clone()
}

/// The seeds of the pipeline cases in file order, read from the raw text: serde_json (without its
/// arbitrary-precision feature) turns integers above 2^64 into floats, losing digits.
fn raw_seeds() -> Vec<Seed> {
    let text = pipeline_text();
    text.split("\"seed\":")
        .skip(1)
        .map(|rest| {
            let rest = rest.trim_start();
            if let Some(quoted) = rest.strip_prefix('"') {
                Seed::text(
                    serde_json::from_str::<String>(&format!(
                        "\"{}\"",
                        &quoted[..quoted.find('"').unwrap()]
                    ))
                    .unwrap(),
                )
            } else {
                let end = rest
                    .find(|c: char| c != '-' && !c.is_ascii_digit())
                    .unwrap();
                Seed::integer(&rest[..end]).unwrap()
            }
        })
        .collect()
}

// shangrla_comparison_oneaudit_pipeline.json, every case: `sample_nums_first5`.
#[test]
fn sample_nums_match_pipeline_vectors() {
    assert_eq!(raw_seeds().len(), pipeline_cases().len());
    for (case, seed) in pipeline_cases().iter().zip(raw_seeds()) {
        let nums = assign_sample_nums(&seed, 5);
        let got: Vec<String> = nums.iter().map(SampleNum::to_string).collect();
        let expected: Vec<String> = case["expected"]["sample_nums_first5"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        assert_eq!(got, expected, "{}", case["name"]);
    }
}

// shangrla_comparison_oneaudit_pipeline.json, every case: `sampled_card_ids_in_order` for a sample of
// `initial_sample_size` cards of the single contest `c1`.
#[test]
fn sampled_cards_match_pipeline_vectors() {
    for (case, seed) in pipeline_cases().iter().zip(raw_seeds()) {
        let input = &case["input"];
        let cvrs = input["cvrs"].as_array().unwrap();
        let styles: Vec<Vec<usize>> = cvrs
            .iter()
            .map(|c| {
                if c["votes"].get("c1").is_some() {
                    vec![0]
                } else {
                    vec![]
                }
            })
            .collect();
        let nums = assign_sample_nums(&seed, cvrs.len());
        let size = case["expected"]["initial_sample_size"].as_u64().unwrap();
        let sample = consistent_sampling(&styles, &nums, &[size], &[]).unwrap();
        let ids: Vec<&str> = sample
            .indices
            .iter()
            .map(|&i| cvrs[i]["id"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = case["expected"]["sampled_card_ids_in_order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(ids, expected, "{}", case["name"]);
        assert_eq!(sample.counts, vec![size]);
    }
}

#[test]
fn too_few_cards_is_an_error_naming_the_contest() {
    let nums = assign_sample_nums(&Seed::from(1u64), 3);
    let styles = vec![vec![0], vec![1], vec![0]];
    let err = consistent_sampling(&styles, &nums, &[2, 2], &[]).unwrap_err();
    assert_eq!(
        err,
        CardSamplingError::NotEnoughCards {
            contest: 1,
            wanted: 2,
            available: 1
        }
    );
}

fn styles_strategy() -> impl Strategy<Value = (Vec<Vec<usize>>, Vec<u64>)> {
    (1usize..4).prop_flat_map(|contests| {
        let card = proptest::collection::btree_set(0..contests, 0..=contests)
            .prop_map(|s| s.into_iter().collect::<Vec<usize>>());
        (
            proptest::collection::vec(card, 1..60),
            proptest::collection::vec(0u64..8, contests),
        )
    })
}

proptest! {
    // Sampling is a pure function of the seed and the card list: the same inputs give the same cards,
    // no card is drawn twice, and every contest gets exactly its sample size when enough cards hold it.
    #[test]
    fn consistent_sampling_is_deterministic_and_without_replacement(
        (styles, sizes) in styles_strategy(), seed in any::<u64>()
    ) {
        let nums = assign_sample_nums(&Seed::from(seed), styles.len());
        let first = consistent_sampling(&styles, &nums, &sizes, &[]);
        let again = consistent_sampling(&styles, &assign_sample_nums(&Seed::from(seed), styles.len()), &sizes, &[]);
        prop_assert_eq!(&first, &again);
        if let Ok(sample) = first {
            let mut seen = sample.indices.clone();
            seen.sort_unstable();
            seen.dedup();
            prop_assert_eq!(seen.len(), sample.indices.len());
            for (c, &size) in sizes.iter().enumerate() {
                let holding = styles.iter().filter(|s| s.contains(&c)).count() as u64;
                let in_sample = sample.indices.iter().filter(|&&i| styles[i].contains(&c)).count() as u64;
                prop_assert!(in_sample >= size.min(holding));
                // A contest counts cards only until it reaches its size.
                prop_assert_eq!(sample.counts[c], in_sample.min(size));
            }
        }
    }

    // Consistency for one contest: a larger sample size only adds cards after the smaller sample, and
    // continuing from the smaller sample gives the same cards as drawing the larger one at once.
    // (With several contests the larger sample still contains the smaller one's cards, but the order
    // can interleave, so the prefix property is checked for one contest.)
    #[test]
    fn larger_samples_extend_smaller_ones(
        styles in proptest::collection::vec(proptest::bool::ANY, 1..80),
        size in 0u64..20, extra in 0u64..5, seed in any::<u64>()
    ) {
        let styles: Vec<Vec<usize>> = styles.iter().map(|&has| if has { vec![0] } else { vec![] }).collect();
        let nums = assign_sample_nums(&Seed::from(seed), styles.len());
        if let (Ok(small), Ok(big)) = (
            consistent_sampling(&styles, &nums, &[size], &[]),
            consistent_sampling(&styles, &nums, &[size + extra], &[]),
        ) {
            prop_assert_eq!(&big.indices[..small.indices.len()], &small.indices[..]);
            let continued = consistent_sampling(&styles, &nums, &[size + extra], &small.indices).unwrap();
            prop_assert_eq!(continued.indices, big.indices);
        }
    }

    // Sample numbers depend only on the seed and the card's position, so reordering which contests a
    // card lists never changes the sample.
    #[test]
    fn contest_order_on_a_card_does_not_matter((styles, sizes) in styles_strategy(), seed in any::<u64>()) {
        let nums = assign_sample_nums(&Seed::from(seed), styles.len());
        let reversed: Vec<Vec<usize>> = styles.iter().map(|s| s.iter().rev().copied().collect()).collect();
        prop_assert_eq!(
            consistent_sampling(&styles, &nums, &sizes, &[]),
            consistent_sampling(&reversed, &nums, &sizes, &[])
        );
    }
}
