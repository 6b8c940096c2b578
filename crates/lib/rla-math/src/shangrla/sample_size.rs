//! Initial sample sizes the way SHANGRLA estimates them without simulation (`reps=None`):
//! build a population of `N` assorter values that the assumed error rates imply, run the test over it
//! in order, and take the first draw whose p-value reaches the risk limit
//! (`Assertion.find_sample_size`, Audit.py L1770-1923, then `NonnegMean.sample_size`).
//!
//! * Card-level comparison: every value is the error-free overstatement assorter
//!   `1/(2 − v/u_A)`, except every `⌊1/rate_1⌋`-th (from the first), which is a 1-vote overstatement
//!   `(1 − 1/2)/(2 − v/u_A)`, and every `⌊1/rate_2⌋`-th, which is 0 (L1896-1908; SHANGRLA writes 0
//!   here, not the 2-vote overstatement value, and so does this module).
//! * Ballot polling: the reported tallies interleaved — `n_l` zeros, `N − n_w − n_l` halves and `n_w`
//!   values `u_A`, starting with a small value (`Assertion.interleave_values`, L1925-1977). SHANGRLA's
//!   polling branch calls `interleave_values` without its class and raises `NameError`; this module
//!   implements what that code evidently intends.
//!
//! The values are generated on the fly, so a contest with millions of cards needs no large buffer.
//! Precision: the same float values as SHANGRLA's arrays, so sizes are identical integers.

use crate::risk_limit::RiskLimit;

use super::ShangrlaError;
use super::alpha::{AlphaTest, Population};
use super::assorter::overstatement_assorter_value;
use super::oneaudit::every_nth;

/// The comparison-audit sample size for an assertion with assorter upper bound `u_A` and margin `v`,
/// assuming 1-vote overstatements at `rate_1` and 2-vote ones at `rate_2`. The test must be the
/// comparison test (upper bound `2/(2 − v/u_A)`, finite population).
pub fn comparison_sample_size(
    test: &AlphaTest,
    assorter_upper_bound: f64,
    margin: f64,
    rate_1: f64,
    rate_2: f64,
    alpha: RiskLimit,
) -> Result<u64, ShangrlaError> {
    if margin.is_nan() || margin <= 0.0 {
        return Err(ShangrlaError::NonPositiveMargin { margin });
    }
    let big = overstatement_assorter_value(0.0, assorter_upper_bound, margin);
    let small = overstatement_assorter_value(0.5, assorter_upper_bound, margin);
    let step_1 = every_nth(rate_1)?.map(|s| s as u64);
    let step_2 = every_nth(rate_2)?.map(|s| s as u64);
    test.sample_size_of(
        |i| {
            Some(if step_2.is_some_and(|s| i % s == 0) {
                0.0
            } else if step_1.is_some_and(|s| i % s == 0) {
                small
            } else {
                big
            })
        },
        alpha,
    )
}

/// SHANGRLA's interleaving of `n_small` values `small`, `n_med` values `med` and `n_big` values `big`
/// (`Assertion.interleave_values`): start with a small value if there is one, then at each step take
/// the kind whose remaining fraction is largest, preferring big, then medium, then small as SHANGRLA's
/// comparisons do.
pub fn interleave_values(
    n_small: u64,
    n_med: u64,
    n_big: u64,
    small: f64,
    med: f64,
    big: f64,
) -> Vec<f64> {
    let n = n_small + n_med + n_big;
    let mut out = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    let mut interleaver = Interleaver::new(n_small, n_med, n_big);
    for _ in 0..n {
        out.push(match interleaver.next_kind() {
            Kind::Small => small,
            Kind::Med => med,
            Kind::Big => big,
        });
    }
    out
}

/// The ballot-polling sample size for an assertion whose assorter gives 0 to `loser_votes` cards,
/// `u_A` to `winner_votes` cards and 1/2 to the rest of the test's `N` cards.
pub fn polling_sample_size(
    test: &AlphaTest,
    assorter_upper_bound: f64,
    winner_votes: u64,
    loser_votes: u64,
    alpha: RiskLimit,
) -> Result<u64, ShangrlaError> {
    let Population::Finite(n) = test.population() else {
        return Err(ShangrlaError::InfinitePopulationSampleSize);
    };
    let others = n
        .checked_sub(winner_votes)
        .and_then(|r| r.checked_sub(loser_votes))
        .ok_or(ShangrlaError::TalliesExceedCards {
            votes: winner_votes.saturating_add(loser_votes),
            cards: n,
        })?;
    let mut interleaver = Interleaver::new(loser_votes, others, winner_votes);
    test.sample_size_of(
        |_| {
            Some(match interleaver.next_kind() {
                Kind::Small => 0.0,
                Kind::Med => 0.5,
                Kind::Big => assorter_upper_bound,
            })
        },
        alpha,
    )
}

#[derive(Clone, Copy)]
enum Kind {
    Small,
    Med,
    Big,
}

/// The state of `interleave_values`: how many of each kind were used and the remaining fractions.
struct Interleaver {
    n: [u64; 3],
    used: [u64; 3],
    /// Remaining fractions `r_small`, `r_med`, `r_big`, as SHANGRLA tracks them.
    r: [f64; 3],
    started: bool,
}

impl Interleaver {
    fn new(n_small: u64, n_med: u64, n_big: u64) -> Interleaver {
        Interleaver {
            n: [n_small, n_med, n_big],
            used: [0; 3],
            r: [
                if n_small > 0 { 1.0 } else { 0.0 },
                if n_med > 0 { 1.0 } else { 0.0 },
                1.0,
            ],
            started: false,
        }
    }

    fn take(&mut self, k: usize) {
        self.used[k] += 1;
        // SHANGRLA divides by n_k; a zero count is never taken after the start except for big, whose
        // fraction starts at 1 (0/0 would be NaN in Python's float math as well).
        self.r[k] = (self.n[k] as f64 - self.used[k] as f64) / self.n[k] as f64;
    }

    fn next_kind(&mut self) -> Kind {
        let [r_small, r_med, r_big] = self.r;
        let kind = if !self.started {
            self.started = true;
            if r_small > 0.0 {
                Kind::Small
            } else if r_med > 0.0 {
                Kind::Med
            } else {
                Kind::Big
            }
        } else if r_small > r_big {
            if r_med > r_small {
                Kind::Med
            } else {
                Kind::Small
            }
        } else if r_med > r_big {
            Kind::Med
        } else {
            Kind::Big
        };
        self.take(kind as usize);
        kind
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SHANGRLA `Assertion.interleave_values(3, 2, 5)` and `(0, 4, 3)`, printed by Python 3.11 from
    // the pinned SHANGRLA commit.
    #[test]
    fn interleaving_matches_shangrla() {
        assert_eq!(
            interleave_values(3, 2, 5, 0.0, 0.5, 1.0),
            vec![0.0, 1.0, 0.5, 1.0, 0.0, 1.0, 0.5, 1.0, 0.0, 1.0]
        );
        assert_eq!(
            interleave_values(0, 4, 3, 0.0, 0.5, 1.0),
            vec![0.5, 1.0, 0.5, 1.0, 0.5, 1.0, 0.5]
        );
    }
}
