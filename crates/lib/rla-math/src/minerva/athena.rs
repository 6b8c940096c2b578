//! athena 0.8.3's MINERVA (filipzz/athena at 9e07d15), the implementation Arlo's MINERVA calls:
//! first-round sizes for a stopping probability, and the risk after each round.
//!
//! athena differs from r2b2 in details that change the numbers (RLA-MATH.md §5):
//!
//! * Margins come from `(2·V_w − (V_w + V_l)) / (V_w + V_l)` and the alternative share is
//!   `(1 + margin) / 2`; the tie uses exactly ½, also when sizing (`athena.py` L150, L337-338).
//! * kmin is the `k` where `α · tail_alt(k) ≥ tail_tie(k)` starts to hold (`≥`, not r2b2's `>`),
//!   found by a bisection between `n/2` and the BRAVO kmin (`find_next_round_kmin`, L323-545).
//! * Later rounds keep the array length and zero the entries from kmin on (L283-288, L849-853).
//! * A pair's risk after a round is `tail_tie(k) / tail_alt(k)` at the cumulative winner count `k` in
//!   *that* round (`estimate_risk` L766-875, as `audit.py` L380 reads it: `audit_ratio[-1]`); the
//!   contest's risk is the largest over the pairs that have not yet passed, and pairs that passed are
//!   dropped from later rounds (`audit.py` L284-434).
//! * Round sizes: double from 10,000 until the stopping probability reaches the goal, then bisect
//!   (`find_next_round_size` L590-677), or below a 1.5 % margin the normal approximation
//!   (`round_size_approx` L181-192); each pair's size is scaled by all ballots over the pair's votes
//!   and the largest taken (`audit.py` L214-281).

use super::dist::Dist;
use super::{MAX_SAMPLE_SIZE, MinervaError};
use crate::special::normal_ppf;
use crate::{Contest, RiskLimit};

/// Below this margin athena returns the normal approximation instead of searching (`audit.py` L65).
const APPROXIMATION_THRESHOLD: f64 = 0.015;

/// athena's first upper bound for the size search (`athena.py` L616).
const FIRST_UPPER_BOUND: u64 = 10_000;

/// Doubling stops here; athena would keep going, but no contest has this many ballots.
const UPPER_BOUND_LIMIT: u64 = 1 << 40;

/// A pair's risk after one round.
#[derive(Debug, Clone, PartialEq)]
pub struct PairRisk {
    /// Choice indices of the pair.
    pub winner: usize,
    pub loser: usize,
    /// `tail_tie(k) / tail_alt(k)` at this round's cumulative winner count.
    pub risk: f64,
    /// True when some round's winner count reached that round's kmin.
    pub passed: bool,
    /// kmin of every round so far (`None`: no count could stop that round).
    pub kmins: Vec<Option<u64>>,
}

/// The result of one round of athena MINERVA.
#[derive(Debug, Clone, PartialEq)]
pub struct AthenaRound {
    /// The contest's risk: the largest over the pairs audited in this round.
    pub risk: f64,
    /// True when every pair audited in this round passed: the audit is complete.
    pub passed: bool,
    pub pairs: Vec<PairRisk>,
}

/// An athena MINERVA audit of one contest.
#[derive(Debug, Clone)]
pub struct AthenaMinerva {
    alpha: f64,
    ballots: u64,
    names: Vec<String>,
    votes: Vec<u64>,
    /// Pairs still being audited: declared winners × declared losers, in choice order.
    active: Vec<(usize, usize)>,
    /// Cumulative sample tally per choice after each round.
    observations: Vec<Vec<u64>>,
    risks: Vec<f64>,
    completed: bool,
}

impl AthenaMinerva {
    /// athena `Audit("minerva", alpha)` with the contest loaded. athena declares as winners every
    /// choice with at least the `num_winners`-th largest tally and refuses the contest when that set
    /// is not the reported winners, i.e. on a tie across the winner/loser line (`contest.py` L102-118).
    pub fn new(contest: &Contest, risk_limit: RiskLimit) -> Result<Self, MinervaError> {
        let votes: Vec<u64> = contest.choices().iter().map(|c| c.votes).collect();
        let mut sorted = votes.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        let min_to_win = sorted
            .get(contest.num_winners().saturating_sub(1))
            .copied()
            .unwrap_or(0);
        let declared: Vec<usize> = (0..votes.len())
            .filter(|&i| votes[i] >= min_to_win)
            .collect();
        let mut reported: Vec<usize> = contest.winner_indices().to_vec();
        reported.sort_unstable();
        if declared != reported {
            return Err(MinervaError::IncorrectReportedWinners);
        }
        let losers: Vec<usize> = (0..votes.len())
            .filter(|&i| votes[i] < min_to_win)
            .collect();
        let active = declared
            .iter()
            .flat_map(|&w| losers.iter().map(move |&l| (w, l)))
            .collect();
        Ok(AthenaMinerva {
            alpha: risk_limit.alpha(),
            ballots: contest.ballots(),
            names: contest.choices().iter().map(|c| c.name.clone()).collect(),
            votes,
            active,
            observations: Vec::new(),
            risks: Vec::new(),
            completed: false,
        })
    }

    /// The (winner, loser) pairs still being audited.
    pub fn pairs(&self) -> &[(usize, usize)] {
        &self.active
    }

    /// The contest's risk after each round so far.
    pub fn risks(&self) -> &[f64] {
        &self.risks
    }

    /// True once a round passed every pair.
    pub fn completed(&self) -> bool {
        self.completed
    }

    /// First-round sizes, in contest ballots, for each stopping-probability goal
    /// (athena `find_next_round_size(goals)["future_round_sizes"]` before any round).
    pub fn first_round_sizes(&self, goals: &[f64]) -> Result<Vec<u64>, MinervaError> {
        for &g in goals {
            if !(g > 0.0 && g < 1.0) {
                return Err(MinervaError::BadStoppingProbability(g));
            }
        }
        let mut sizes = vec![0u64; goals.len()];
        for &(w, l) in &self.active {
            let margin = self.margin(w, l);
            let pair_ballots = u128::from(self.votes[w]) + u128::from(self.votes[l]);
            let scale = self.ballots as f64 / pair_ballots as f64;
            for (size, &goal) in sizes.iter_mut().zip(goals) {
                let (pair_size, _) = pair_first_round_size(margin, self.alpha, goal)
                    .map_err(|e| self.name_error(e, w, l))?;
                *size = (*size).max((pair_size as f64 * scale).ceil() as u64);
            }
        }
        Ok(sizes)
    }

    /// Records a round (athena `set_observations(round_size, sum(tally), tally)`): `round_tally` is the
    /// votes per choice found in this round's sample of `round_size` ballots.
    pub fn record_round(
        &mut self,
        round_size: u64,
        round_tally: &[u64],
    ) -> Result<AthenaRound, MinervaError> {
        if self.completed {
            return Err(MinervaError::AuditCompleted);
        }
        if round_tally.len() != self.votes.len() {
            return Err(MinervaError::TallyLength {
                expected: self.votes.len(),
                given: round_tally.len(),
            });
        }
        let found: u128 = round_tally.iter().map(|&v| u128::from(v)).sum();
        if found > u128::from(round_size) {
            return Err(MinervaError::TallyExceedsSample {
                votes: found,
                ballots: round_size,
            });
        }
        let cumulative: Vec<u64> = match self.observations.last() {
            Some(last) => last
                .iter()
                .zip(round_tally)
                .map(|(a, b)| a.saturating_add(*b))
                .collect(),
            None => round_tally.to_vec(),
        };
        let sampled: u128 = cumulative.iter().map(|&v| u128::from(v)).sum();
        if sampled > u128::from(MAX_SAMPLE_SIZE) {
            return Err(MinervaError::SampleTooLarge {
                size: sampled,
                limit: MAX_SAMPLE_SIZE,
            });
        }
        let mut observations = self.observations.clone();
        observations.push(cumulative);

        let mut pairs = Vec::with_capacity(self.active.len());
        for &(w, l) in &self.active {
            let schedule: Vec<u64> = observations.iter().map(|o| o[w] + o[l]).collect();
            let winner_counts: Vec<u64> = observations.iter().map(|o| o[w]).collect();
            let margin = self.margin(w, l);
            let kmins =
                pair_kmins(margin, self.alpha, &schedule).map_err(|e| self.name_error(e, w, l))?;
            let ratios = pair_risks(margin, &kmins, &schedule, &winner_counts);
            let passed = kmins
                .iter()
                .zip(&winner_counts)
                .any(|(k, &obs)| matches!(k, Some(k) if *k > 0 && *k <= obs));
            pairs.push(PairRisk {
                winner: w,
                loser: l,
                risk: ratios.last().copied().unwrap_or(1.0),
                passed,
                kmins,
            });
        }
        // Python's max(): keeps the first of equal values and never picks a NaN after the first.
        let risk = pairs
            .iter()
            .map(|p| p.risk)
            .reduce(|a, b| if b > a { b } else { a })
            .ok_or(MinervaError::NoLosers)?;
        let passed = pairs.iter().all(|p| p.passed);
        self.observations = observations;
        self.active = pairs
            .iter()
            .filter(|p| !p.passed)
            .map(|p| (p.winner, p.loser))
            .collect();
        self.risks.push(risk);
        self.completed = passed;
        Ok(AthenaRound {
            risk,
            passed,
            pairs,
        })
    }

    /// athena's margin for a pair: `(2·max − total) / total` over the pair's reported votes.
    fn margin(&self, w: usize, l: usize) -> f64 {
        let (a, b) = (u128::from(self.votes[w]), u128::from(self.votes[l]));
        let total = a + b;
        (2 * a.max(b) - total) as f64 / total as f64
    }

    fn name_error(&self, e: MinervaError, w: usize, l: usize) -> MinervaError {
        match e {
            MinervaError::MarginOutOfRange { margin, .. } => MinervaError::MarginOutOfRange {
                winner: self.names[w].clone(),
                loser: self.names[l].clone(),
                margin,
            },
            other => other,
        }
    }
}

/// A pair's first-round size for a goal, in pair ballots, with its stopping probability
/// (athena `find_next_round_size` with an empty schedule, `athena.py` L590-677).
pub fn pair_first_round_size(
    margin: f64,
    alpha: f64,
    goal: f64,
) -> Result<(u64, f64), MinervaError> {
    if margin < APPROXIMATION_THRESHOLD {
        return Ok((round_size_approximation(margin, alpha, goal), goal));
    }
    let mut upper = FIRST_UPPER_BOUND;
    while first_round_stopping_probability(margin, alpha, upper)? < goal {
        upper *= 2;
        if upper > UPPER_BOUND_LIMIT {
            return Err(MinervaError::SearchDidNotConverge { n: upper });
        }
    }
    let mut lower = 1u64;
    loop {
        if upper - lower <= 1 {
            let sprob = first_round_stopping_probability(margin, alpha, upper)?;
            return Ok((upper, sprob));
        }
        let candidate = (upper + lower) / 2;
        if first_round_stopping_probability(margin, alpha, candidate)? <= goal {
            lower = candidate;
        } else {
            upper = candidate;
        }
    }
}

/// athena's normal approximation for small margins (`round_size_approx`, L181-192):
/// `⌈((z_q √(p(1−p)) − z_{αq}/2) / (p − ½))²⌉` with `z_x` the upper-`x` normal quantile.
pub fn round_size_approximation(margin: f64, alpha: f64, goal: f64) -> u64 {
    let z_a = -normal_ppf(goal);
    let z_b = -normal_ppf(alpha * goal);
    let p = (1.0 + margin) / 2.0;
    let root = (z_a * (p * (1.0 - p)).sqrt() - 0.5 * z_b) / (p - 0.5);
    (root * root).ceil() as u64
}

/// Stopping probability of a first round of `n` pair ballots: the alternative's mass at or above kmin.
fn first_round_stopping_probability(margin: f64, alpha: f64, n: u64) -> Result<f64, MinervaError> {
    let p = (1.0 + margin) / 2.0;
    let alt = Dist::binomial(n, p);
    let tie = Dist::binomial(n, 0.5);
    let kmin = round_kmin(margin, alpha, &alt, &tie, n)?;
    Ok(kmin.map_or(0.0, |k| alt.tail(k as usize)))
}

/// athena's kmin for a round ending at `n` pair ballots, given the round's alternative and tie
/// distributions (`find_next_round_kmin` L323-545 with MINERVA's checks: sums only, `≥`).
fn round_kmin(
    margin: f64,
    alpha: f64,
    alt: &Dist,
    tie: &Dist,
    n: u64,
) -> Result<Option<u64>, MinervaError> {
    let bravo = wald_kmin(n, margin, alpha)?;
    let alt_tails = alt.tails();
    let tie_tails = tie.tails();
    let mut right = bravo.min(n as i64);
    let mut left = (n / 2) as i64;
    let mut first_right = right.max(0) as usize;
    let mut mid = (left + right).div_euclid(2);
    let holds =
        |k: i64, cut: usize| alpha * alt_tails.split_tail(k, cut) >= tie_tails.split_tail(k, cut);
    while right >= left {
        if holds(mid, first_right) {
            if !holds(mid - 1, first_right) {
                return Ok(Some(mid as u64));
            }
            if right - left > 20 {
                first_right = mid.max(0) as usize;
            }
            if mid == right {
                // athena would repeat this state forever.
                return Err(MinervaError::SearchDidNotConverge { n });
            }
            right = mid;
        } else {
            left = mid + 1;
        }
        mid = (left + right).div_euclid(2);
    }
    Ok(None)
}

/// BRAVO (Wald) kmin, `⌈(n ln(1 − m) + ln α) / (ln(1 − m) − ln(1 + m))⌉` (`wald_k_min` L194-208).
fn wald_kmin(n: u64, margin: f64, alpha: f64) -> Result<i64, MinervaError> {
    if !(margin > 0.0 && margin < 1.0) {
        return Err(MinervaError::MarginOutOfRange {
            winner: String::new(),
            loser: String::new(),
            margin,
        });
    }
    let k = ((n as f64 * (1.0 - margin).ln() + alpha.ln())
        / ((1.0 - margin).ln() - (1.0 + margin).ln()))
    .ceil();
    Ok(if k >= i64::MAX as f64 {
        i64::MAX
    } else {
        k as i64
    })
}

/// The next round's distribution: a first round is the round draw itself, a later one the previous
/// (cleaned) distribution convolved with it (`next_round_prob` L122-157).
fn next_round(previous: Option<&Dist>, draws: u64, p: f64) -> Dist {
    let round = Dist::binomial(draws, p);
    match previous {
        Some(prev) if prev.len() != 1 => prev.convolve(&round),
        _ => round,
    }
}

/// kmins for every round of a pair's schedule of cumulative ballots (athena `audit()` L212-321).
fn pair_kmins(margin: f64, alpha: f64, schedule: &[u64]) -> Result<Vec<Option<u64>>, MinervaError> {
    let p = (1.0 + margin) / 2.0;
    let mut alt: Option<Dist> = None;
    let mut tie: Option<Dist> = None;
    let mut before = 0u64;
    let mut kmins = Vec::with_capacity(schedule.len());
    for &n in schedule {
        let draws = n.saturating_sub(before);
        let mut alt_now = next_round(alt.as_ref(), draws, p);
        let mut tie_now = next_round(tie.as_ref(), draws, 0.5);
        let kmin = round_kmin(margin, alpha, &alt_now, &tie_now, n)?;
        if let Some(k) = kmin {
            alt_now = alt_now.zeroed_from(k as usize);
            tie_now = tie_now.zeroed_from(k as usize);
        }
        kmins.push(kmin);
        alt = Some(alt_now);
        tie = Some(tie_now);
        before = n;
    }
    Ok(kmins)
}

/// The risk after each round (athena `estimate_risk` L766-875, `audit_ratio`): the tie's tail over
/// the alternative's tail at the observed cumulative winner count; when the alternative's tail
/// underflows to 0, 0 if the count is above that round's kmin and infinity otherwise.
fn pair_risks(margin: f64, kmins: &[Option<u64>], schedule: &[u64], winners: &[u64]) -> Vec<f64> {
    let p = (1.0 + margin) / 2.0;
    let mut alt: Option<Dist> = None;
    let mut tie: Option<Dist> = None;
    let mut before = 0u64;
    let mut ratios = Vec::with_capacity(schedule.len());
    for ((&n, &k_obs), kmin) in schedule.iter().zip(winners).zip(kmins) {
        let draws = n.saturating_sub(before);
        let mut alt_now = next_round(alt.as_ref(), draws, p);
        let mut tie_now = next_round(tie.as_ref(), draws, 0.5);
        // estimate_risk treats a kmin of 0 as "none" (L799, L850).
        let kmin = kmin.filter(|&k| k > 0);
        let alt_tail = alt_now.tail(k_obs as usize);
        let ratio = if alt_tail > 0.0 {
            tie_now.tail(k_obs as usize) / alt_tail
        } else if kmin.is_some_and(|k| k < k_obs) {
            0.0
        } else {
            f64::INFINITY
        };
        ratios.push(ratio);
        if let Some(k) = kmin {
            alt_now = alt_now.zeroed_from(k as usize);
            tie_now = tie_now.zeroed_from(k as usize);
        }
        alt = Some(alt_now);
        tie = Some(tie_now);
        before = n;
    }
    ratios
}

#[cfg(test)]
mod tests {
    use super::*;

    // athena's own doc example (`athena.py` L133-147 cites it) is not numeric; these are run values of
    // athena 0.8.3 at 9e07d15, margin 0.2 (600 vs 400), α = 0.1.
    #[test]
    fn first_round_size_for_a_20_percent_margin() {
        assert_eq!(pair_first_round_size(0.2, 0.1, 0.9).unwrap().0, 179);
    }

    #[test]
    fn zero_margin_or_landslide_is_an_error() {
        assert!(wald_kmin(10, 1.0, 0.1).is_err());
        assert!(wald_kmin(10, 0.0, 0.1).is_err());
    }
}
