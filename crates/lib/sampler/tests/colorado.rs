//! Tests for `sampler::colorado`.

use sampler::colorado::{ColoradoGenerator, CumulativeManifest, pick};
use sampler::consistent::Replacement;
use serde_json::Value;

use crate::vector;

const FILE: &str = "sampler_coloradorla.json";

fn i32_of(v: &Value, key: &str) -> i32 {
    i32::try_from(v[key].as_i64().unwrap()).unwrap()
}

fn usize_of(v: &Value, key: &str) -> usize {
    v[key].as_u64().unwrap() as usize
}

/// Every case of sampler_coloradorla.json (ColoradoRLA's Java class, compiled and run): the
/// numbers of `getRandomNumbers(from, to)` after the case's earlier calls on the same generator,
/// and the same numbers from a fresh generator.
#[test]
fn coloradorla_cases() {
    let doc = vector(FILE);
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 27);
    for case in cases {
        let name = format!("{FILE} case {}", case["name"].as_str().unwrap());
        let input = &case["input"];
        let replacement = if input["with_replacement"].as_bool().unwrap() {
            Replacement::With
        } else {
            Replacement::Without
        };
        let seed = input["seed"].as_str().unwrap();
        let (min, max) = (i32_of(input, "min"), i32_of(input, "max"));
        let expected: Vec<i32> = case["expected"]["numbers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| i32::try_from(n.as_i64().unwrap()).unwrap())
            .collect();
        let (from, to) = (usize_of(input, "from"), usize_of(input, "to"));

        let mut generator = ColoradoGenerator::new(seed, replacement, min, max).unwrap();
        for call in input["prior_calls"].as_array().unwrap() {
            let (a, b) = (call[0].as_u64().unwrap(), call[1].as_u64().unwrap());
            generator.numbers(a as usize, b as usize + 1).unwrap();
        }
        assert_eq!(generator.numbers(from, to + 1).unwrap(), expected, "{name}");

        let mut fresh = ColoradoGenerator::new(seed, replacement, min, max).unwrap();
        assert_eq!(
            fresh.numbers(from, to + 1).unwrap(),
            expected,
            "{name} (fresh)"
        );
    }
}

/// ColoradoRLA's own unit test (`PseudoRandomNumberGeneratorTest`, case
/// `upstream_unit_test_norepl_1_876_len47` of sampler_coloradorla.json) starts 740, 180, 264.
#[test]
fn upstream_unit_test_prefix() {
    let mut g =
        ColoradoGenerator::new("3546311556112163624615351222", Replacement::Without, 1, 876)
            .unwrap();
    assert_eq!(&g.numbers(0, 3).unwrap(), &[740, 180, 264]);
    assert_eq!(pick("3546311556112163624615351222", 1, 1, 876), Ok(740));
}

mod properties {
    use proptest::prelude::*;
    use sampler::colorado::{ColoradoGenerator, CumulativeManifest};
    use sampler::consistent::Replacement;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        /// Numbers stay in range; without replacement they are distinct; rounds continue the
        /// sequence, and a fresh generator asked for positions k.. returns what a used one does.
        #[test]
        fn in_range_distinct_and_continuing(
            seed in "[0-9]{20,24}",
            min in -50i32..50,
            width in 0i32..60,
            with in any::<bool>(),
            split in 0usize..20,
            len in 0usize..30,
        ) {
            let max = min + width;
            let replacement = if with { Replacement::With } else { Replacement::Without };
            let available = if with { usize::MAX } else { (width + 1) as usize };
            let end = (split + len).min(available);
            let split = split.min(end);
            let mut g = ColoradoGenerator::new(&seed, replacement, min, max).unwrap();
            let whole = g.numbers(0, end).unwrap().to_vec();
            prop_assert_eq!(whole.len(), end);
            prop_assert!(whole.iter().all(|n| (min..=max).contains(n)));
            if !with {
                let distinct: std::collections::HashSet<_> = whole.iter().collect();
                prop_assert_eq!(distinct.len(), whole.len());
            }
            let mut rounds = ColoradoGenerator::new(&seed, replacement, min, max).unwrap();
            let mut joined = rounds.numbers(0, split).unwrap().to_vec();
            joined.extend_from_slice(rounds.numbers(split, end).unwrap());
            prop_assert_eq!(&joined, &whole);
            let mut fresh = ColoradoGenerator::new(&seed, replacement, min, max).unwrap();
            prop_assert_eq!(fresh.numbers(split, end).unwrap(), &whole[split..]);
        }

        /// Every number 1..=total lands in exactly one batch, in order, positions 1..=size.
        #[test]
        fn manifest_numbering_covers_every_ballot(sizes in prop::collection::vec(0u64..6, 0..8)) {
            let manifest = CumulativeManifest::new(sizes.clone()).unwrap();
            let mut expected = Vec::new();
            for (i, &n) in sizes.iter().enumerate() {
                expected.extend((1..=n).map(|p| (i, p)));
            }
            let got: Vec<_> = (1..=manifest.total())
                .map(|r| manifest.locate(r).map(|l| (l.batch_index, l.position)).unwrap())
                .collect();
            prop_assert_eq!(got, expected);
        }
    }
}

/// Placing numbers in Arapahoe's test manifest (ColoradoRLA
/// `test/e-1-20170310104116/arapahoe-manifest.csv`, copied to shared/data/ColoradoRLA): batches of
/// 25, 20, 50, 20, 50 cards in file order hold numbers 1-25, 26-45, 46-95, 96-115, 116-165.
#[test]
fn arapahoe_manifest_numbering() {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/data/ColoradoRLA/arapahoe-manifest.csv");
    let text = std::fs::read_to_string(path).unwrap();
    let sizes: Vec<u64> = text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.rsplit(',').nth(1).unwrap().trim().parse().unwrap())
        .collect();
    let manifest = CumulativeManifest::new(sizes).unwrap();
    assert_eq!(manifest.total(), 165);
    let at = |r| {
        let l = manifest.locate(r).unwrap();
        (l.batch_index, l.position)
    };
    assert_eq!(at(1), (0, 1));
    assert_eq!(at(25), (0, 25));
    assert_eq!(at(26), (1, 1));
    assert_eq!(at(95), (2, 50));
    assert_eq!(at(96), (3, 1));
    assert_eq!(at(165), (4, 50));
    assert!(manifest.locate(166).is_err());
}
