//! r2b2's round-by-round audits, Minerva and Minerva2 (Providence), on one engine: pairwise
//! distributions per round, the stopping rule, kmins, and the round-size search.
//!
//! Everything here follows r2b2 at commit 43479256 (`src/r2b2/audit.py`, `minerva.py`,
//! `minerva2.py`; RLA-MATH.md §5), sampling with replacement:
//!
//! * Pairs: every reported winner against every reported loser with strictly fewer votes, winners and
//!   losers in the contest's vote order (`contest.py` L110-123). Each pair is audited on the ballots for
//!   its two choices only.
//! * Round distributions of the winner's count: under a tie `Binomial(Δn, ½)`, under the reported
//!   result `Binomial(Δn, V_w / (V_w + V_l))`, for the pair's ballots drawn this round (`audit.py`
//!   L252, L331). Minerva convolves them with the previous rounds' distributions, which were cut below
//!   each round's kmin (`audit.py` L254-260, L378-406); Providence conditions on the previous round's
//!   observed count instead ([`super::providence`]).
//! * Pair p-value = `tail_null(k) / tail_reported(k)` at the cumulative winner count `k`; the pair stops
//!   when `α · tail_reported > tail_null` (`minerva.py` L278-300). The audit's p-value for a round is
//!   the largest over pairs not yet stopped, its risk level the smallest over rounds (`audit.py`
//!   L657-678, `minerva.py` L444-453).
//! * kmin = smallest `k > n/2` with `α · tail_reported(k) > tail_null(k)` (`minerva.py` L358-383).
//! * Next round size: per pair a decade-by-decade binary search for the smallest size whose stopping
//!   probability reaches the goal (`minerva.py` L108-181, L234-276), scaled by contest ballots over pair
//!   ballots, the largest over pairs (L195-232).
//!
//! The searches reproduce r2b2's exact probing order, including where it is not a clean bisection,
//! because the stopping probability is not monotone in the round size and another search would return
//! a different (equally valid) size.

use super::dist::{Dist, Tails};
use super::providence;
use super::{MAX_SAMPLE_SIZE, MinervaError};
use crate::{Contest, RiskLimit};

/// The stopping probability r2b2 asks of the smallest valid round ("practical minimum",
/// `minerva.py` L36-49).
const MIN_SAMPLE_STOPPING_PROBABILITY: f64 = 1e-6;

/// r2b2 searches round sizes below this bound only (`minerva.py` L256).
const SEARCH_LIMIT: u64 = 10_000_000;

/// Which of r2b2's round-by-round rules to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum R2b2Method {
    /// r2b2 `Minerva`: later rounds convolve with the earlier rounds' truncated distributions.
    Minerva,
    /// r2b2 `Minerva2` (Providence): later rounds condition on the previous round's observed count.
    Providence,
}

/// A proposed cumulative round size with the kmin it implies and its chance of stopping the audit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoundSizeEstimate {
    /// Cumulative ballots to have drawn by the end of the round, in contest ballots.
    pub size: u64,
    /// Winner ballots needed in the deciding pair's sample (cumulative) to stop; 0 once stopped.
    pub kmin: u64,
    /// Chance of stopping in this round if the reported result is right (for the deciding pair).
    pub stopping_probability: f64,
}

/// One reported winner against one reported loser.
#[derive(Debug, Clone)]
pub struct PairAudit {
    winner: usize,
    loser: usize,
    winner_name: String,
    loser_name: String,
    winner_votes: u64,
    loser_votes: u64,
    winner_share: f64,
    min_sample_size: u64,
    pub(crate) null: Dist,
    pub(crate) reported: Dist,
    p_values: Vec<f64>,
    kmins: Vec<Option<u64>>,
    stopped: bool,
}

impl PairAudit {
    /// Index of the winner among the contest's choices.
    pub fn winner(&self) -> usize {
        self.winner
    }

    /// Index of the loser among the contest's choices.
    pub fn loser(&self) -> usize {
        self.loser
    }

    /// The winner's name as the contest gives it.
    pub fn winner_name(&self) -> &str {
        &self.winner_name
    }

    /// The loser's name as the contest gives it.
    pub fn loser_name(&self) -> &str {
        &self.loser_name
    }

    /// Ballots with a vote for either choice of the pair.
    pub fn ballots(&self) -> u64 {
        self.winner_votes + self.loser_votes
    }

    /// The winner's share of the pair's votes, `V_w / (V_w + V_l)`.
    pub fn winner_share(&self) -> f64 {
        self.winner_share
    }

    /// The smallest pair sample with a stopping probability of at least 1e-6 (r2b2's practical minimum).
    pub fn min_sample_size(&self) -> u64 {
        self.min_sample_size
    }

    /// The pair's p-value in each round it was still being audited.
    pub fn p_values(&self) -> &[f64] {
        &self.p_values
    }

    /// kmin recorded after each round that did not stop the audit (`None`: no count could stop it).
    pub fn kmins(&self) -> &[Option<u64>] {
        &self.kmins
    }

    /// True once this pair met the risk limit.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    fn error_names(&self) -> (String, String) {
        (self.winner_name.clone(), self.loser_name.clone())
    }
}

/// An r2b2 Minerva or Providence audit of one contest, advanced one round at a time.
#[derive(Debug, Clone)]
pub struct R2b2Audit {
    method: R2b2Method,
    alpha: f64,
    contest_ballots: u64,
    names: Vec<String>,
    pairs: Vec<PairAudit>,
    /// Cumulative contest sample size after each round.
    rounds: Vec<u64>,
    /// Cumulative sample tally per choice after each round.
    tallies: Vec<Vec<u64>>,
    p_values: Vec<f64>,
    stopped: bool,
}

impl R2b2Audit {
    /// r2b2 `Minerva(alpha, 1.0, contest)`.
    pub fn minerva(contest: &Contest, risk_limit: RiskLimit) -> Result<Self, MinervaError> {
        Self::new(contest, risk_limit, R2b2Method::Minerva)
    }

    /// r2b2 `Minerva2(alpha, 1.0, contest)`, i.e. Providence.
    pub fn providence(contest: &Contest, risk_limit: RiskLimit) -> Result<Self, MinervaError> {
        Self::new(contest, risk_limit, R2b2Method::Providence)
    }

    /// Sets up the pairwise audits and their minimum sample sizes (r2b2 `Contest` and `__init__`).
    pub fn new(
        contest: &Contest,
        risk_limit: RiskLimit,
        method: R2b2Method,
    ) -> Result<Self, MinervaError> {
        let choices = contest.choices();
        let total_votes: u128 = choices.iter().map(|c| u128::from(c.votes)).sum();
        if total_votes > u128::from(contest.ballots()) {
            return Err(MinervaError::MoreVotesThanBallots {
                votes: total_votes,
                ballots: contest.ballots(),
            });
        }
        if total_votes == 0 {
            return Err(MinervaError::NoVotes);
        }
        // r2b2 orders candidates by reported votes, ties in the order given (Python's stable sort);
        // winners and losers keep that order.
        let mut order: Vec<usize> = (0..choices.len()).collect();
        order.sort_by(|&a, &b| choices[b].votes.cmp(&choices[a].votes));
        let winners: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| contest.is_winner(i))
            .collect();
        let losers: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| !contest.is_winner(i))
            .collect();
        let mut pairs = Vec::new();
        for &w in &winners {
            for &l in &losers {
                let (wv, lv) = (choices[w].votes, choices[l].votes);
                if wv <= lv {
                    continue;
                }
                if lv == 0 {
                    return Err(MinervaError::LoserWithoutVotes {
                        winner: choices[w].name.clone(),
                        loser: choices[l].name.clone(),
                    });
                }
                pairs.push(PairAudit {
                    winner: w,
                    loser: l,
                    winner_name: choices[w].name.clone(),
                    loser_name: choices[l].name.clone(),
                    winner_votes: wv,
                    loser_votes: lv,
                    winner_share: wv as f64 / (wv + lv) as f64,
                    min_sample_size: 0,
                    null: Dist::binomial(0, 0.5),
                    reported: Dist::binomial(0, 0.5),
                    p_values: Vec::new(),
                    kmins: Vec::new(),
                    stopped: false,
                });
            }
        }
        let mut audit = R2b2Audit {
            method,
            alpha: risk_limit.alpha(),
            contest_ballots: contest.ballots(),
            names: choices.iter().map(|c| c.name.clone()).collect(),
            pairs,
            rounds: Vec::new(),
            tallies: Vec::new(),
            p_values: Vec::new(),
            stopped: false,
        };
        for i in 0..audit.pairs.len() {
            let minimum =
                audit.pair_round_size(&audit.pairs[i], MIN_SAMPLE_STOPPING_PROBABILITY)?;
            audit.pairs[i].min_sample_size = minimum.size;
        }
        Ok(audit)
    }

    /// Minerva or Providence.
    pub fn method(&self) -> R2b2Method {
        self.method
    }

    /// The pairwise audits, winners in vote order, each against the losers in vote order.
    pub fn pairs(&self) -> &[PairAudit] {
        &self.pairs
    }

    /// The pair for these two choice names, if they form one.
    pub fn pair(&self, winner: &str, loser: &str) -> Option<&PairAudit> {
        self.pairs
            .iter()
            .find(|p| p.winner_name == winner && p.loser_name == loser)
    }

    /// Cumulative contest sample size after each round so far.
    pub fn rounds(&self) -> &[u64] {
        &self.rounds
    }

    /// The audit's p-value after each round: the largest over the pairs still being audited.
    pub fn p_value_schedule(&self) -> &[f64] {
        &self.p_values
    }

    /// The smallest p-value over the rounds so far (r2b2 `get_risk_level`); `None` before round 1.
    pub fn risk_level(&self) -> Option<f64> {
        self.p_values.iter().copied().reduce(f64::min)
    }

    /// True once every pair met the risk limit.
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// Records one round: the cumulative sample size and the cumulative tally per choice (in the
    /// contest's choice order), updates every pair and returns whether the audit stopped
    /// (r2b2 `execute_round`). Once stopped, further rounds are ignored and `true` is returned, as
    /// r2b2 does.
    pub fn record_round(
        &mut self,
        cumulative_size: u64,
        cumulative_tally: &[u64],
    ) -> Result<bool, MinervaError> {
        if self.stopped {
            return Ok(true);
        }
        if cumulative_size > MAX_SAMPLE_SIZE {
            return Err(MinervaError::SampleTooLarge {
                size: u128::from(cumulative_size),
                limit: MAX_SAMPLE_SIZE,
            });
        }
        if let Some(&previous) = self.rounds.last()
            && cumulative_size <= previous
        {
            return Err(MinervaError::RoundNotLarger {
                previous,
                given: cumulative_size,
            });
        }
        if cumulative_tally.len() != self.names.len() {
            return Err(MinervaError::TallyLength {
                expected: self.names.len(),
                given: cumulative_tally.len(),
            });
        }
        if let Some(previous) = self.tallies.last() {
            for (i, (&was, &now)) in previous.iter().zip(cumulative_tally).enumerate() {
                if now < was {
                    return Err(MinervaError::TallyDecreased {
                        choice: self.names[i].clone(),
                        previous: was,
                        given: now,
                    });
                }
            }
        }
        let votes: u128 = cumulative_tally.iter().map(|&v| u128::from(v)).sum();
        if votes > u128::from(cumulative_size) {
            return Err(MinervaError::TallyExceedsSample {
                votes,
                ballots: cumulative_size,
            });
        }

        let previous_tally = self.tallies.last().cloned();
        self.rounds.push(cumulative_size);
        self.tallies.push(cumulative_tally.to_vec());
        for pair in &mut self.pairs {
            update_distributions(
                self.method,
                pair,
                cumulative_tally,
                previous_tally.as_deref(),
            );
        }

        // Stopping condition (audit.py L657-678): pairs stopped earlier are skipped.
        let mut stop = true;
        let mut max_p = 0.0;
        for pair in &mut self.pairs {
            if pair.stopped {
                continue;
            }
            let k = cumulative_tally[pair.winner] as usize;
            let tail_null = pair.null.tail(k);
            let tail_reported = pair.reported.tail(k);
            let p = tail_null / tail_reported;
            pair.p_values.push(p);
            pair.stopped = self.alpha * tail_reported > tail_null;
            if !pair.stopped {
                stop = false;
            }
            if p > max_p {
                max_p = p;
            }
        }
        self.p_values.push(max_p);
        self.stopped = stop;
        if stop {
            return Ok(true);
        }

        // Not stopped: record each pair's kmin and cut its distributions below it (audit.py L692-706,
        // L378-406). The cut is what later Minerva rounds convolve.
        for pair in &mut self.pairs {
            let pair_size = cumulative_tally[pair.winner] + cumulative_tally[pair.loser];
            let kmin = find_kmin(self.alpha, pair, pair_size);
            pair.kmins.push(kmin);
            let end = kmin.map(|k| k as usize);
            pair.null.truncate(end);
            pair.reported.truncate(end);
        }
        Ok(false)
    }

    /// The cumulative round size at which the audit stops with at least `stopping_probability` if the
    /// reported result is right (r2b2 `next_sample_size(sprob, verbose=True)`). Once stopped, the last
    /// round's size with kmin 0 and probability 1.
    pub fn next_round_size(
        &self,
        stopping_probability: f64,
    ) -> Result<RoundSizeEstimate, MinervaError> {
        if !(stopping_probability > 0.0 && stopping_probability <= 1.0) {
            return Err(MinervaError::BadStoppingProbability(stopping_probability));
        }
        if self.stopped {
            return Ok(RoundSizeEstimate {
                size: self.rounds.last().copied().unwrap_or(0),
                kmin: 0,
                stopping_probability: 1.0,
            });
        }
        let mut best = RoundSizeEstimate {
            size: 0,
            kmin: 0,
            stopping_probability: 0.0,
        };
        for pair in &self.pairs {
            let estimate = self.pair_round_size(pair, stopping_probability)?;
            // Scale from the pair's ballots to all contest ballots (minerva.py L218-221).
            let proportion = self.contest_ballots as f64 / pair.ballots() as f64;
            let scaled = (estimate.size as f64 * proportion).ceil() as u64;
            if scaled > best.size {
                best = RoundSizeEstimate {
                    size: scaled,
                    ..estimate
                };
            }
        }
        Ok(best)
    }

    /// The pair-level round size for a stopping probability (r2b2 `_next_sample_size_pairwise`):
    /// binary searches over [1, 10], then [10, 100], … up to 10^7.
    fn pair_round_size(
        &self,
        pair: &PairAudit,
        goal: f64,
    ) -> Result<RoundSizeEstimate, MinervaError> {
        let previous = self.previous_pair_size(pair);
        let init_upper = if self.rounds.is_empty() {
            10
        } else {
            let mut bound = 10;
            while bound <= previous + 1 {
                bound *= 10;
            }
            bound
        };
        if self.method == R2b2Method::Providence {
            // Providence first tries one more ballot (minerva2.py L243-247).
            let (kmin, sprob) = self.stopping_probability(pair, previous + 1)?;
            if sprob >= goal {
                return Ok(RoundSizeEstimate {
                    size: previous + 1,
                    kmin,
                    stopping_probability: sprob,
                });
            }
        }
        let mut upper = init_upper;
        while upper < SEARCH_LIMIT {
            let lower = if upper != init_upper {
                upper / 10
            } else if self.rounds.is_empty() {
                1
            } else {
                previous + 1
            };
            if let Some(found) = self.bisect_round_size(pair, lower, upper, goal)? {
                return Ok(found);
            }
            upper *= 10;
        }
        let (winner, loser) = pair.error_names();
        Err(MinervaError::NoRoundSizeFound { winner, loser })
    }

    /// r2b2 `binary_search_estimate`: assumes the stopping probability grows with the size and keeps
    /// the half whose left end falls short; at a width of one it tries `mid`, then `mid + 1`.
    fn bisect_round_size(
        &self,
        pair: &PairAudit,
        mut left: u64,
        mut right: u64,
        goal: f64,
    ) -> Result<Option<RoundSizeEstimate>, MinervaError> {
        loop {
            if left > right {
                return Ok(None);
            }
            let mid = (left + right) / 2;
            let (kmin, sprob) = self.stopping_probability(pair, mid)?;
            if right - left <= 1 {
                if sprob >= goal {
                    return Ok(Some(RoundSizeEstimate {
                        size: mid,
                        kmin,
                        stopping_probability: sprob,
                    }));
                }
                let (kmin, sprob) = self.stopping_probability(pair, mid + 1)?;
                return Ok((sprob >= goal).then_some(RoundSizeEstimate {
                    size: mid + 1,
                    kmin,
                    stopping_probability: sprob,
                }));
            }
            if sprob >= goal {
                right = mid;
            } else {
                left = mid;
            }
        }
    }

    /// kmin and stopping probability if the pair's cumulative sample were `n` (r2b2 `find_sprob`);
    /// `(0, 0.0)` when no count can stop the audit at that size.
    fn stopping_probability(&self, pair: &PairAudit, n: u64) -> Result<(u64, f64), MinervaError> {
        match self.method {
            R2b2Method::Minerva => self.minerva_stopping_probability(pair, n),
            R2b2Method::Providence => providence::stopping_probability(
                self.alpha,
                pair,
                n,
                self.last_pair_counts(pair),
                self.rounds.last().copied(),
            ),
        }
    }

    /// Minerva's `find_sprob` (minerva.py L108-151).
    fn minerva_stopping_probability(
        &self,
        pair: &PairAudit,
        n: u64,
    ) -> Result<(u64, f64), MinervaError> {
        let ballots = pair.ballots();
        // The null share used when sizing is ⌊N/2⌋/N for the pair's N ballots (L110).
        let p0 = (ballots / 2) as f64 / ballots as f64;
        let p1 = pair.winner_share;
        let (winner_before, draws) = match self.last_pair_counts(pair) {
            Some((k_prev, n_prev)) => (k_prev, n.checked_sub(n_prev)),
            None => (0, Some(n)),
        };
        let Some(draws) = draws else {
            return Ok((0, 0.0));
        };
        let reported_round = Dist::binomial(draws, p1);
        let null_round = Dist::binomial(draws, p0);
        let (reported, null) = if self.rounds.is_empty() {
            (reported_round.clone(), null_round)
        } else {
            (
                pair.reported.convolve(&reported_round),
                pair.null.convolve(&null_round),
            )
        };
        let kmin = search_kmin(KminRule::Strict, self.alpha, pair, n, &reported, &null)?;
        if kmin == 0 {
            return Ok((0, 0.0));
        }
        let needed = kmin as i64 - winner_before as i64;
        Ok((kmin, reported_round.tails().py_tail(needed)))
    }

    /// The pair's cumulative (winner, winner + loser) counts after the last round, if any.
    fn last_pair_counts(&self, pair: &PairAudit) -> Option<(u64, u64)> {
        self.tallies
            .last()
            .map(|t| (t[pair.winner], t[pair.winner] + t[pair.loser]))
    }

    fn previous_pair_size(&self, pair: &PairAudit) -> u64 {
        self.last_pair_counts(pair).map_or(0, |(_, n)| n)
    }
}

/// Updates a pair's null and reported distributions for a new round (Minerva: `audit.py`
/// `_current_dist_*_pairwise` L212-260, L297-339; Providence: `minerva2.py` L426-560).
fn update_distributions(
    method: R2b2Method,
    pair: &mut PairAudit,
    tally: &[u64],
    previous: Option<&[u64]>,
) {
    let now = (tally[pair.winner], tally[pair.winner] + tally[pair.loser]);
    let before = previous.map(|t| (t[pair.winner], t[pair.winner] + t[pair.loser]));
    let draws = now.1 - before.map_or(0, |b| b.1);
    match method {
        R2b2Method::Minerva => {
            let null_round = Dist::binomial(draws, 0.5);
            let reported_round = Dist::binomial(draws, pair.winner_share);
            if before.is_some() {
                pair.null = pair.null.convolve(&null_round);
                pair.reported = pair.reported.convolve(&reported_round);
            } else {
                pair.null = null_round;
                pair.reported = reported_round;
            }
        }
        R2b2Method::Providence => {
            let (null, reported) =
                providence::round_distributions(pair.winner_share, draws, before);
            pair.null = null;
            pair.reported = reported;
        }
    }
}

/// Minerva's (and Minerva2's) kmin after a round: the first `k` from `n/2 + 1` up to the array's end
/// with `α · tail_reported(k) > tail_null(k)` (`minerva.py` L358-383).
fn find_kmin(alpha: f64, pair: &PairAudit, pair_size: u64) -> Option<u64> {
    let len = pair.null.len();
    let first = pair_size as usize / 2 + 1;
    if first >= len {
        return None;
    }
    let null = pair.null.tails();
    let reported = pair.reported.tails();
    let holds = |k: usize| alpha * reported.tail(k) > null.tail(k);
    // Below both windows the tails are the totals, above them both are zero: only the window matters.
    let (n0, n1) = pair.null.window();
    let (r0, r1) = pair.reported.window();
    let (lo, hi) = (n0.min(r0), n1.max(r1));
    if holds(first) {
        return Some(first as u64);
    }
    let from = first.max(lo + 1);
    let to = len.min(hi);
    (from..to).find(|&k| holds(k)).map(|k| k as u64)
}

/// The comparison the kmin bisection uses: Minerva `>` (minerva.py L93), Minerva2 `>=` and a guard
/// for one-element arrays (minerva2.py L91-99).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KminRule {
    Strict,
    Providence,
}

/// r2b2 `sample_size_kmin` (minerva.py L84-106, minerva2.py L82-109): a bisection over `k` from half
/// the array's length up to the BRAVO kmin for `n` (an upper bound for the Minerva kmin, L72-82),
/// looking for the `k` where the condition starts to hold. 0 when it finds none.
pub(crate) fn search_kmin(
    rule: KminRule,
    alpha: f64,
    pair: &PairAudit,
    n: u64,
    reported: &Dist,
    null: &Dist,
) -> Result<u64, MinervaError> {
    let len = reported.len() as i64;
    let upper = bravo_kmin_bound(alpha, pair.winner_share, n).min(len);
    let reported_tails: Tails = reported.tails();
    let null_tails: Tails = null.tails();
    let holds = |num: f64, den: f64| match rule {
        KminRule::Strict => alpha * num > den,
        KminRule::Providence => alpha * num >= den,
    };
    let (mut left, mut right) = (len / 2, upper);
    loop {
        if left > right {
            return Ok(0);
        }
        let mid = (left + right).div_euclid(2);
        let num = reported_tails.split_tail(mid, upper.max(0) as usize);
        let den = null_tails.split_tail(mid, upper.max(0) as usize);
        let here = holds(num, den);
        let before = if rule == KminRule::Providence && len <= 1 {
            false
        } else {
            match (reported.py_index(mid - 1), null.py_index(mid - 1)) {
                (Some(a), Some(b)) => holds(num + a, den + b),
                // Python raises IndexError; only reachable for an empty array, where nothing holds.
                _ => false,
            }
        };
        match (here, before) {
            (true, false) => return Ok(mid as u64),
            (true, true) => right = mid - 1,
            (false, false) => left = mid + 1,
            (false, true) => {
                let (winner, loser) = pair.error_names();
                return Err(MinervaError::KminNotMonotonic { winner, loser });
            }
        }
    }
}

/// BRAVO's kmin for `n` ballots, `⌈(−n ln(2(1 − p)) − ln α) / ln(p / (1 − p))⌉` (minerva.py L72-82).
fn bravo_kmin_bound(alpha: f64, p: f64, n: u64) -> i64 {
    let x = (1.0 - p) / 0.5;
    let y = (p / (1.0 - p)).ln();
    let bound = ((-(n as f64) * x.ln() - alpha.ln()) / y).ceil();
    if bound >= i64::MAX as f64 {
        i64::MAX
    } else {
        bound as i64
    }
}
