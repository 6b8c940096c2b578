//! NumPy's `Generator` methods that Arlo's PPEB draw relies on: `random()` and weighted `choice`.
//!
//! Source: NumPy 1.26 `numpy/random/_generator.pyx` (`Generator.random`, `Generator.choice`) and
//! `numpy/random/_common.pyx` (`kahan_sum`). `default_rng(seed)` is `Generator(PCG64(seed))`.

use thiserror::Error;

use super::{Pcg64, SeedSequence};

/// A NumPy `Generator` driven by `PCG64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generator {
    bit_generator: Pcg64,
}

/// Why `choice` refused its probabilities (NumPy raises `ValueError` with the quoted text).
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ChoiceError {
    /// NumPy: "a cannot be empty unless no samples are taken".
    #[error("cannot draw {size} item(s) from an empty list; give at least one item to draw from")]
    EmptyPopulation { size: usize },
    /// NumPy: "probabilities contain NaN".
    #[error("the selection probabilities contain NaN; every weight must be a number")]
    NanProbability,
    /// NumPy: "probabilities are not non-negative".
    #[error("selection probability {value} (item {index}) is negative; weights must be 0 or more")]
    NegativeProbability { index: usize, value: f64 },
    /// NumPy: "probabilities do not sum to 1" (tolerance √ε ≈ 1.49e-8 on a compensated sum).
    #[error(
        "the selection probabilities add up to {sum}, not 1; divide each weight by their total first"
    )]
    NotNormalized { sum: f64 },
}

/// NumPy's tolerance on the probabilities' sum when `p` is a list of Python floats:
/// `sqrt(finfo(float64).eps)`, exactly 2⁻²⁶.
const SUM_TOLERANCE: f64 = 1.0 / 67_108_864.0;

impl Generator {
    pub fn new(bit_generator: Pcg64) -> Generator {
        Generator { bit_generator }
    }

    /// `numpy.random.default_rng(seed)` for an integer seed, given as its seed sequence.
    pub fn default_rng(seed: &SeedSequence) -> Generator {
        Generator::new(Pcg64::new(seed))
    }

    /// `Generator.random()`: one double in [0, 1) with 53 random bits.
    pub fn random(&mut self) -> f64 {
        self.bit_generator.next_f64()
    }

    /// `Generator.choice(a, size, replace=True, p=p)` for any `a` with `p.len()` items: the
    /// indices into `a` of the `size` draws, in draw order.
    ///
    /// Reproduces NumPy step by step so the indices are identical: validate `p` (NaN, negative,
    /// compensated sum within 2⁻²⁶ of 1), take the running sum of `p` left to right, divide every
    /// entry by the last one, draw `size` doubles with [`Generator::random`], and for each find the
    /// first cumulative value strictly greater than it (`searchsorted(side='right')`). Items with
    /// zero probability are therefore never drawn, and the last cumulative value is exactly 1.0, so
    /// every index is below `p.len()`.
    pub fn choice_with_replacement(
        &mut self,
        p: &[f64],
        size: usize,
    ) -> Result<Vec<usize>, ChoiceError> {
        if p.is_empty() && size != 0 {
            return Err(ChoiceError::EmptyPopulation { size });
        }
        let sum = kahan_sum(p);
        if sum.is_nan() {
            return Err(ChoiceError::NanProbability);
        }
        if let Some((index, &value)) = p.iter().enumerate().find(|(_, v)| **v < 0.0) {
            return Err(ChoiceError::NegativeProbability { index, value });
        }
        if (sum - 1.0).abs() > SUM_TOLERANCE {
            return Err(ChoiceError::NotNormalized { sum });
        }

        // NumPy: cdf = p.cumsum(); cdf /= cdf[-1] (a plain left-to-right running sum).
        let mut running = 0.0;
        let mut cdf: Vec<f64> = p
            .iter()
            .map(|&w| {
                running += w;
                running
            })
            .collect();
        let total = running;
        for c in &mut cdf {
            *c /= total;
        }

        // NumPy draws all `size` doubles first, then searches; the order of draws is the same.
        Ok((0..size)
            .map(|_| {
                let u = self.random();
                cdf.partition_point(|&c| c <= u)
            })
            .collect())
    }
}

/// Kahan's compensated sum in NumPy's order (`_common.pyx::kahan_sum`); 0.0 for no terms.
fn kahan_sum(values: &[f64]) -> f64 {
    let Some((&first, rest)) = values.split_first() else {
        return 0.0;
    };
    let mut sum = first;
    let mut compensation = 0.0;
    for &v in rest {
        let y = v - compensation;
        let t = sum + y;
        compensation = (t - sum) - y;
        sum = t;
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_matches_numpy_for_seed_12345() {
        // /work/pyref numpy 1.26.4: np.random.default_rng(12345).random(3)
        let mut g = Generator::default_rng(&SeedSequence::from_u128(12345));
        let got: Vec<f64> = (0..3).map(|_| g.random()).collect();
        let want = [0.22733602246716966, 0.31675833970975287, 0.7973654573327341];
        assert_eq!(got, want);
    }

    #[test]
    fn rejects_probabilities_numpy_rejects() {
        let mut g = Generator::default_rng(&SeedSequence::from_u128(1));
        assert_eq!(
            g.choice_with_replacement(&[], 1),
            Err(ChoiceError::EmptyPopulation { size: 1 })
        );
        assert_eq!(
            g.choice_with_replacement(&[0.5, f64::NAN, 0.5], 1),
            Err(ChoiceError::NanProbability)
        );
        assert!(matches!(
            g.choice_with_replacement(&[1.5, -0.5], 1),
            Err(ChoiceError::NegativeProbability { index: 1, .. })
        ));
        assert!(matches!(
            g.choice_with_replacement(&[0.5, 0.4], 1),
            Err(ChoiceError::NotNormalized { .. })
        ));
        // Within NumPy's tolerance of 2^-26 the draw goes ahead.
        assert!(g.choice_with_replacement(&[0.5, 0.5 + 1e-9], 3).is_ok());
    }

    #[test]
    fn zero_probability_items_are_never_drawn() {
        let mut g = Generator::default_rng(&SeedSequence::from_u128(7));
        let draws = g
            .choice_with_replacement(&[0.0, 0.5, 0.0, 0.5, 0.0], 500)
            .unwrap();
        assert!(draws.iter().all(|&i| i == 1 || i == 3));
    }
}
