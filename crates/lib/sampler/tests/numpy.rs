//! Tests for `sampler::numpy`: NumPy 1.26's own known-answer data, and properties of the draws.

use proptest::prelude::*;
use sampler::numpy::{ChoiceError, Generator, Pcg64, SeedSequence};

/// numpy v1.26.4 `numpy/random/tests/test_seed_sequence.py::test_reference_data` L12-45 (values
/// from O'Neill's C++ reference implementation): entropy lists → generate_state(4) and
/// generate_state(2, uint64).
#[test]
fn seed_sequence_matches_numpy_reference_data() {
    let inputs: [[u32; 4]; 3] = [
        [3735928559, 195939070, 229505742, 305419896],
        [3668361503, 4165561550, 1661411377, 3634257570],
        [2766103236, 2883057919, 4029656435, 862374500],
    ];
    let outputs: [[u32; 4]; 3] = [
        [3914649087, 576849849, 3593928901, 2229911004],
        [2240804226, 3691353228, 1365957195, 2654016646],
        [296367413, 4262059219, 13109864, 3283683422],
    ];
    let outputs64: [[u64; 2]; 3] = [
        [2477551240072187391, 9577394838764454085],
        [15854241394484835714, 11398914698975566411],
        [18305404959516669237, 14103312907920476776],
    ];
    for ((input, out32), out64) in inputs.iter().zip(&outputs).zip(&outputs64) {
        let ss = SeedSequence::from_entropy_words(input);
        assert_eq!(ss.generate_state_u32(4), out32.to_vec());
        assert_eq!(ss.generate_state_u64(2), out64.to_vec());
    }
}

/// numpy v1.26.4 `test_seed_sequence.py::test_zero_padding` L59-71: integers are split into words
/// little-endian (42 and 42<<32 differ), and SeedSequence(42).generate_state(4) is fixed.
#[test]
fn seed_sequence_small_integers_match_numpy() {
    assert_eq!(
        SeedSequence::from_u128(42).generate_state_u32(4),
        vec![3444837047, 2669555309, 2046530742, 3581440988]
    );
    assert_ne!(
        SeedSequence::from_u128(42).generate_state_u32(4),
        SeedSequence::from_u128(42 << 32).generate_state_u32(4)
    );
}

/// numpy v1.26.4 `numpy/random/tests/data/pcg64-testset-1.csv` (seed 0xdeadbeaf) and
/// `pcg64-testset-2.csv` (seed 0), used by `test_direct.py::TestPCG64`: outputs 0-4 and 998-999 of
/// `PCG64(seed).random_raw()`.
#[test]
fn pcg64_matches_numpy_test_sets() {
    let sets: [(u128, [u64; 5], [u64; 2]); 2] = [
        (
            0xdeadbeaf,
            [
                0x60d24054e17a0698,
                0xd5e79d89856e4f12,
                0xd254972fe64bd782,
                0xf1e3072a53c72571,
                0xd7c1d7393d4115c9,
            ],
            [0xcda423e5ad43b290, 0xa5cb380b8de10d10],
        ),
        (
            0,
            [
                0xa30febcfd9c2825f,
                0x4510bdf882d9d721,
                0xa7d3da94ecde8b8,
                0x43b27b61342f01d,
                0xd0327a782cde513b,
            ],
            [0x2a34823312c00388, 0x6148329042f743b0],
        ),
    ];
    for (seed, first, last) in sets {
        let mut rng = Pcg64::new(&SeedSequence::from_u128(seed));
        let outputs: Vec<u64> = (0..1000).map(|_| rng.next_u64()).collect();
        assert_eq!(&outputs[..5], &first, "seed {seed:#x}");
        assert_eq!(&outputs[998..], &last, "seed {seed:#x}");
    }
}

/// Arlo's seed for its sampler tests (test_sampler.py L6) goes through SHA-256 to a 256-bit integer;
/// the big-endian bytes must be read the same whether or not they carry leading zero bytes.
#[test]
fn leading_zero_bytes_do_not_change_the_seed() {
    let digest = [0xab; 32];
    let mut padded = vec![0u8; 5];
    padded.extend_from_slice(&digest);
    assert_eq!(
        SeedSequence::from_be_bytes(&digest),
        SeedSequence::from_be_bytes(&padded)
    );
    assert_eq!(SeedSequence::from_be_bytes(&[]), SeedSequence::from_u128(0));
}

#[test]
fn choice_rejects_what_numpy_rejects() {
    let mut g = Generator::default_rng(&SeedSequence::from_u128(3));
    assert!(matches!(
        g.choice_with_replacement(&[0.5, 0.5000001], 1),
        Err(ChoiceError::NotNormalized { .. })
    ));
    assert!(matches!(
        g.choice_with_replacement(&[f64::INFINITY], 1),
        Err(ChoiceError::NotNormalized { .. })
    ));
    assert!(matches!(
        g.choice_with_replacement(&[0.0, 0.0], 1),
        Err(ChoiceError::NotNormalized { .. })
    ));
    // -0.0 is not negative for NumPy either.
    assert_eq!(
        g.choice_with_replacement(&[1.0, -0.0], 3),
        Ok(vec![0, 0, 0])
    );
}

fn normalized(weights: &[u32]) -> Vec<f64> {
    let total: f64 = weights.iter().map(|&w| f64::from(w)).sum();
    weights.iter().map(|&w| f64::from(w) / total).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// The same seed and probabilities always give the same draws.
    #[test]
    fn choice_is_deterministic(seed in any::<u128>(), weights in prop::collection::vec(0u32..1000, 1..40), size in 0usize..60) {
        prop_assume!(weights.iter().any(|&w| w > 0));
        let p = normalized(&weights);
        let ss = SeedSequence::from_u128(seed);
        let a = Generator::default_rng(&ss).choice_with_replacement(&p, size).unwrap();
        let b = Generator::default_rng(&ss).choice_with_replacement(&p, size).unwrap();
        prop_assert_eq!(a, b);
    }

    /// Every draw is a valid index of an item with positive probability.
    #[test]
    fn choice_draws_only_items_with_positive_probability(seed in any::<u128>(), weights in prop::collection::vec(0u32..5, 1..40), size in 0usize..100) {
        prop_assume!(weights.iter().any(|&w| w > 0));
        let p = normalized(&weights);
        let draws = Generator::default_rng(&SeedSequence::from_u128(seed)).choice_with_replacement(&p, size).unwrap();
        prop_assert_eq!(draws.len(), size);
        for i in draws {
            prop_assert!(i < p.len() && p[i] > 0.0);
        }
    }

    /// A larger draw starts with the smaller one (NumPy draws one double per item in order), which
    /// is why Arlo can re-draw earlier rounds and slice them off.
    #[test]
    fn longer_choice_extends_shorter(seed in any::<u128>(), weights in prop::collection::vec(1u32..100, 1..20), n in 0usize..30, extra in 0usize..30) {
        let p = normalized(&weights);
        let ss = SeedSequence::from_u128(seed);
        let short = Generator::default_rng(&ss).choice_with_replacement(&p, n).unwrap();
        let long = Generator::default_rng(&ss).choice_with_replacement(&p, n + extra).unwrap();
        prop_assert_eq!(&long[..n], &short[..]);
    }

    /// generate_state(n) is a prefix of generate_state(m) for n ≤ m.
    #[test]
    fn generated_state_words_extend(seed in prop::collection::vec(any::<u8>(), 0..64), n in 0usize..12, extra in 0usize..12) {
        let ss = SeedSequence::from_be_bytes(&seed);
        let short = ss.generate_state_u32(n);
        let long = ss.generate_state_u32(n + extra);
        prop_assert_eq!(&long[..n], &short[..]);
    }

    /// Doubles are in [0, 1) and multiples of 2^-53.
    #[test]
    fn random_is_a_53_bit_fraction(seed in any::<u128>()) {
        let mut g = Generator::default_rng(&SeedSequence::from_u128(seed));
        for _ in 0..20 {
            let u = g.random();
            prop_assert!((0.0..1.0).contains(&u));
            prop_assert_eq!((u * 9_007_199_254_740_992.0).fract(), 0.0);
        }
    }
}
