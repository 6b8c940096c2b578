//! r2b2's Bayesian risk-limiting audit (Vora et al., `src/r2b2/brla.py` at 43479256): kmins for a
//! schedule of round sizes, sampling without replacement.
//!
//! For a pair with `N` ballots and `h = ⌊N/2⌋`, the prior puts ½ on the winner having exactly `h`
//! ballots (the worst wrong outcome) and ½ spread evenly over `h + 1 ..= N` (`compute_priors`,
//! L126-136). After `k` winner ballots in a sample of `n`, the risk is the posterior mass of the wrong
//! outcomes, `½ H(h) / (½ H(h) + (½/h) Σ_{w>h} H(w))` with `H(w)` the hypergeometric probability of
//! `k` in `n` draws from `N` ballots with `w` for the winner (`compute_risk`, L138-164).
//!
//! r2b2 evaluates `H(w)` for all `N + 1` values of `w` on every call, which is why its own test with
//! `N = 100,000` did not finish in 25 minutes. The sum has a closed form: `Σ_{w=0}^{M} H(w)` counts
//! the `(n + 1)`-subsets of `{0..N}` whose `(k + 1)`-th smallest element is at most `M`, so
//! `Σ_{w>h} H(w) = (N + 1)/(n + 1) · P(X ≤ k)` with `X ~ Hypergeometric(N + 1, h + 1, n + 1)`.
//! One pmf and one tail sum per call; ~1e-14 relative agreement with r2b2's direct sum.
//!
//! kmin: r2b2's bisection between `n/2` and `n` for the first `k` with risk at most α, `None` where
//! r2b2 returns -1 (`next_min_winner_ballots_pairwise`, L79-124).

use super::MinervaError;
use crate::special::{hypergeometric_cdf, hypergeometric_pmf};
use crate::{Contest, RiskLimit};

/// One reported winner against one reported loser with fewer votes.
#[derive(Debug, Clone, PartialEq)]
pub struct BrlaPair {
    pub winner: usize,
    pub loser: usize,
    pub winner_name: String,
    pub loser_name: String,
    /// Ballots for either choice, `N`.
    pub ballots: u64,
}

/// A Bayesian RLA of one contest.
#[derive(Debug, Clone)]
pub struct BayesianRla {
    alpha: f64,
    contest_ballots: u64,
    pairs: Vec<BrlaPair>,
}

impl BayesianRla {
    /// r2b2 `BayesianRLA(alpha, 1.0, contest)`; pairs as in r2b2's `Contest` (winners against losers
    /// with strictly fewer votes, both in vote order).
    pub fn new(contest: &Contest, risk_limit: RiskLimit) -> Result<Self, MinervaError> {
        let choices = contest.choices();
        let total: u128 = choices.iter().map(|c| u128::from(c.votes)).sum();
        if total > u128::from(contest.ballots()) {
            return Err(MinervaError::MoreVotesThanBallots {
                votes: total,
                ballots: contest.ballots(),
            });
        }
        if total == 0 {
            return Err(MinervaError::NoVotes);
        }
        let mut order: Vec<usize> = (0..choices.len()).collect();
        order.sort_by(|&a, &b| choices[b].votes.cmp(&choices[a].votes));
        let mut pairs = Vec::new();
        for &w in order.iter().filter(|&&i| contest.is_winner(i)) {
            for &l in order.iter().filter(|&&i| !contest.is_winner(i)) {
                if choices[w].votes <= choices[l].votes {
                    continue;
                }
                let ballots = choices[w].votes + choices[l].votes;
                if ballots < 2 {
                    return Err(MinervaError::PairTooSmall {
                        name: choices[w].name.clone(),
                    });
                }
                pairs.push(BrlaPair {
                    winner: w,
                    loser: l,
                    winner_name: choices[w].name.clone(),
                    loser_name: choices[l].name.clone(),
                    ballots,
                });
            }
        }
        Ok(BayesianRla {
            alpha: risk_limit.alpha(),
            contest_ballots: contest.ballots(),
            pairs,
        })
    }

    pub fn pairs(&self) -> &[BrlaPair] {
        &self.pairs
    }

    /// The pair for these two choice names, if they form one.
    pub fn pair(&self, winner: &str, loser: &str) -> Option<&BrlaPair> {
        self.pairs
            .iter()
            .find(|p| p.winner_name == winner && p.loser_name == loser)
    }

    /// The posterior risk after `winner_votes` of a sample of `sample_size` pair ballots.
    pub fn risk(
        &self,
        pair: &BrlaPair,
        winner_votes: u64,
        sample_size: u64,
    ) -> Result<f64, MinervaError> {
        if sample_size == 0 || sample_size > pair.ballots {
            return Err(MinervaError::BadRoundSchedule {
                given: sample_size,
                limit: pair.ballots,
            });
        }
        Ok(posterior_risk(
            pair.ballots,
            winner_votes as i64,
            sample_size,
        ))
    }

    /// The smallest winner count in a sample of `sample_size` that meets the risk limit, or `None`
    /// when even an all-winner sample does not.
    pub fn kmin(&self, pair: &BrlaPair, sample_size: u64) -> Result<Option<u64>, MinervaError> {
        if sample_size == 0 || sample_size > pair.ballots {
            return Err(MinervaError::BadRoundSchedule {
                given: sample_size,
                limit: pair.ballots,
            });
        }
        Ok(self.kmin_unchecked(pair, sample_size))
    }

    /// kmins for a schedule of cumulative round sizes (r2b2 `compute_min_winner_ballots`): sizes must
    /// be at least 1, at most the pair's ballots and the contest's, and strictly increasing.
    pub fn kmins(&self, pair: &BrlaPair, rounds: &[u64]) -> Result<Vec<Option<u64>>, MinervaError> {
        let limit = pair.ballots.min(self.contest_ballots);
        let mut previous = 0;
        for &n in rounds {
            if n < 1 || n > limit || n <= previous {
                return Err(MinervaError::BadRoundSchedule { given: n, limit });
            }
            previous = n;
        }
        Ok(rounds
            .iter()
            .map(|&n| self.kmin_unchecked(pair, n))
            .collect())
    }

    /// r2b2 `get_min_sample_size` (L42-58): a bisection for the smallest sample size that has a kmin.
    pub fn min_sample_size(&self, pair: &BrlaPair) -> u64 {
        let (mut left, mut right) = (1i64, pair.ballots as i64);
        while left < right {
            let proposed = (left + right) / 2;
            if self.kmin_unchecked(pair, proposed as u64).is_none() {
                left = proposed + 1;
            } else {
                right = proposed - 1;
            }
        }
        left.max(1) as u64
    }

    fn kmin_unchecked(&self, pair: &BrlaPair, n: u64) -> Option<u64> {
        let alpha = self.alpha;
        let risk = |k: i64| posterior_risk(pair.ballots, k, n);
        let (mut left, mut right) = ((n / 2) as i64, n as i64);
        while left <= right {
            let proposed = (left + right) / 2;
            let r = risk(proposed);
            if r == alpha {
                return Some(proposed as u64);
            }
            if r < alpha {
                let before = risk(proposed - 1);
                if before == alpha {
                    return u64::try_from(proposed - 1).ok();
                }
                if before > alpha {
                    return Some(proposed as u64);
                }
                right = proposed - 1;
            } else {
                left = proposed + 1;
            }
        }
        (risk(n as i64) <= alpha).then_some(n)
    }
}

/// Posterior mass of the wrong outcomes after `k` winner ballots in `n` draws from `ballots`.
fn posterior_risk(ballots: u64, k: i64, n: u64) -> f64 {
    let Ok(k) = u64::try_from(k) else {
        return 0.0;
    };
    if k > n {
        return 0.0;
    }
    let half = ballots / 2;
    let at_half = hypergeometric_pmf(k, ballots, half, n);
    if at_half == 0.0 {
        // r2b2's normalised posterior puts nothing on w = h (and returns 0 when all mass vanished).
        return 0.0;
    }
    let above = (ballots + 1) as f64 / (n + 1) as f64
        * hypergeometric_cdf(k as i64, ballots + 1, half + 1, n + 1);
    at_half / (at_half + above / half as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    // r2b2 `BayesianRLA.compute_risk` at 43479256, Contest(100000, {A: 60000, B: 40000}), run here.
    #[test]
    fn risk_matches_r2b2_direct_sum() {
        let cases = [
            (120, 200, 0.09300233755061851),
            (119, 200, 0.1321107677299205),
            (230, 400, 0.08004305503658486),
            (25897, 51200, 0.09982284009459776),
            (25896, 51200, 0.10417046878488813),
        ];
        for (k, n, want) in cases {
            let got = posterior_risk(100_000, k, n);
            assert!(
                (got - want).abs() <= 1e-11 * want,
                "k={k} n={n}: {got} vs {want}"
            );
        }
    }
}
