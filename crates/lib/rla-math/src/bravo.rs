//! Ballot-polling BRAVO (Lindeman, Stark & Yates 2012) as Arlo computes it: test statistic, p-value, ASN and quantile sample sizes.
//!
//! Everything here follows Arlo's `server/audit_math/bravo.py` (commit 8d86156, line numbers below) and
//! its contest model `sampler_contest.py`, so that an election office moving from Arlo gets the same
//! sample sizes and the same stop decision. r2b2's pairwise ASN is [`pairwise_asn`].
//!
//! The audit is a set of sequential probability ratio tests, one per (reported winner, reported loser)
//! pair. A sampled vote for the winner multiplies the pair's statistic `T` by `2·s_wl`, a vote for the
//! loser by `2·(1 − s_wl)`, where `s_wl = V_w/(V_w + V_l)` is the winner's reported share of the two;
//! the pair's p-value is `min(1, 1/T)` and the audit stops when every pair's p-value is at most `α`.
//!
//! # Precision (against Arlo's 28-digit `Decimal` results)
//! * **p-values**: `ln T` is a sum of `votes × ln(factor)` in `f64`, exponentiated once, so there is
//!   no overflow or underflow on the way; relative error about 1e-12 at worst (10⁷ sampled votes),
//!   checked at 1e-6 by the conformance runner. p-values below the smallest `f64` (≈1e-308) come out
//!   0, as Arlo's `float()` of its `Decimal` does; subnormal results (1e-308…5e-324) carry fewer digits.
//! * **stop decision**: compared in log space (`ln T ≥ ln(1/α)`); it can differ from Arlo's only when
//!   `1/T` is within about 1e-13 relative of `α`.
//! * **sample sizes** are exact integers. The steps where Arlo rounds a non-transcendental `Decimal` to
//!   an integer (`ceil(size / (p_w + p_l))`) are reproduced exactly with Python's decimal rules
//!   (`py_decimal`); the `ceil`/`floor` of transcendental quantities (ASN, quadratic root) are taken in
//!   `f64`, which can differ from Arlo only if that quantity lies within ~1e-13 of an integer.
//! * **ASN completion probability**: Arlo rounds a normal cdf to 2 decimals; ours matches unless the
//!   unrounded value is within ~1e-10 of a rounding boundary.

mod py_decimal;

pub(crate) use py_decimal::PyDecimal;

use thiserror::Error;

use crate::special::{binomial_cdf, binomial_ppf, normal_cdf, normal_ppf};
use crate::{Contest, RiskLimit};

/// The chances of finishing in one round for which Arlo offers a sample size (bravo.py L393).
pub const ARLO_COMPLETION_PROBABILITIES: [f64; 3] = [0.7, 0.8, 0.9];

/// Contests with more ballots than this get "all ballots" when the 90 % size reaches a quarter of
/// them (bravo.py L463-476): a full hand count is then less work than a large random sample.
const LARGE_CONTEST_BALLOTS: u64 = 100_000;

/// One round of a ballot-polling audit as the audit boards reported it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollingRound {
    /// Ballots drawn this round, counting repeated draws of the same ballot.
    pub draws: u64,
    /// Votes found for each choice, in the contest's choice order.
    pub votes: Vec<u64>,
    /// Drawn ballots the audit boards could not find. Arlo counts each as a vote for every reported
    /// loser (`ballot_polling.py` L36-40, L65-68), the most pessimistic reading.
    pub not_found: u64,
}

/// The p-value of one (reported winner, reported loser) pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairRisk {
    /// Index of the reported winner in the contest's choices.
    pub winner: usize,
    /// Index of the reported loser; `None` for a contest with no losers (Arlo's `(winner, "")`).
    pub loser: Option<usize>,
    /// `min(1, 1/T)`, or 0 after a full hand count.
    pub p_value: f64,
}

/// The risk measured after the rounds so far.
#[derive(Debug, Clone, PartialEq)]
pub struct BravoRisk {
    /// Every pair, winners in order of reported votes, losers likewise.
    pub pairs: Vec<PairRisk>,
    /// True when every pair's p-value is at most the risk limit, or the sample covers every ballot.
    pub risk_limit_met: bool,
}

impl BravoRisk {
    /// The largest pair p-value: the audit's measured risk.
    pub fn max_p_value(&self) -> f64 {
        self.pairs.iter().map(|p| p.p_value).fold(0.0, f64::max)
    }
}

/// The ASN ("average sample number") with Arlo's estimate of finishing within that many ballots.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AsnEstimate {
    pub size: u64,
    /// Normal approximation rounded to 2 decimals (bravo.py `expected_prob`); `None` for
    /// multi-winner contests, where Arlo does not estimate it.
    pub completion_probability: Option<f64>,
}

/// A sample size that finishes the audit in one round with the given chance if the reported
/// outcome is right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantileSize {
    pub completion_probability: f64,
    pub size: u64,
}

/// Why BRAVO recommends a full hand count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AllBallotsReason {
    /// A reported winner and loser are tied: no sample can confirm the outcome.
    TiedContest,
    /// The contest has more than 100,000 ballots and the 90 % size is at least a quarter of them.
    LargeSample,
    /// A choice reported with no votes appeared in the sample, so the statistic of its pair is
    /// zero and can never recover. Arlo raises a division-by-zero error here; a full hand count is
    /// the only way to finish.
    SampledChoiceReportedWithoutVotes,
}

/// What to draw next, as Arlo's `get_sample_size` offers it.
#[derive(Debug, Clone, PartialEq)]
pub enum SampleSizeOptions {
    /// Audit every ballot (a size of `ballots`).
    AllBallots {
        ballots: u64,
        reason: AllBallotsReason,
    },
    /// The ASN and, for single-winner contests, the sizes that finish with 70/80/90 % chance.
    /// Sizes are for the next round: the votes already sampled count toward the stopping
    /// threshold, so each size is the number of further draws. They may exceed the number of ballots:
    /// BRAVO samples with replacement.
    Estimates {
        asn: AsnEstimate,
        by_probability: Vec<QuantileSize>,
    },
    /// The sample already suffices: every pair's ASN is zero or negative. Arlo raises
    /// `ValueError("Sample indicates the audit is over")` here.
    SampleSufficient,
}

/// The reported shares and sampled votes of one winner/loser pair, as Arlo's sizing formulas take them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PairShares {
    /// Winner's votes over ballots cast (`p_w`).
    pub winner_share: f64,
    /// Loser's votes over ballots cast (`p_l`).
    pub loser_share: f64,
    /// Votes for the winner sampled so far.
    pub winner_sampled: u64,
    /// Votes for the loser sampled so far.
    pub loser_sampled: u64,
}

/// Why a BRAVO computation cannot be done as asked.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum BravoError {
    #[error(
        "contest {contest:?} has no ballots cast; enter the number of ballot cards in the contest"
    )]
    NoBallots { contest: String },
    #[error(
        "contest {contest:?} has no reported losers, so there is no outcome to audit; check the number of winners"
    )]
    NoLosers { contest: String },
    #[error(
        "contest {contest:?} has a reported tie between a winner and a loser; BRAVO has no ASN for a tie, only a full hand count can confirm it"
    )]
    TiedContest { contest: String },
    #[error(
        "contest {contest:?}: {draws} ballots have already been drawn out of {ballots}; every ballot has been audited, so there is no next round"
    )]
    AllBallotsAudited {
        contest: String,
        draws: u64,
        ballots: u64,
    },
    #[error(
        "contest {contest:?}, round {round}: the tally lists {got} choices but the contest has {expected}; give one count per choice, in the contest's order"
    )]
    TallyLength {
        contest: String,
        round: usize,
        expected: usize,
        got: usize,
    },
    #[error(
        "contest {contest:?}: the sample has votes for {choice:?}, which was reported with no votes, so BRAVO can never confirm the outcome; only a full hand count can"
    )]
    SampledChoiceReportedWithoutVotes { contest: String, choice: String },
    #[error("chance of completion {0} is not between 0 and 1 (exclusive)")]
    BadCompletionProbability(f64),
    #[error(
        "winner share {winner_share} and loser share {loser_share}: the winner's share must be larger than the loser's, and both positive"
    )]
    BadShares { winner_share: f64, loser_share: f64 },
    #[error(
        "a pairwise ASN needs the winner ahead: the winner has {winner_votes} votes, the loser {loser_votes}"
    )]
    WinnerNotAhead { winner_votes: u64, loser_votes: u64 },
}

/// Arlo's view of a contest (sampler_contest.py L136-178): winners and losers each in order of
/// reported votes (ties in the order given, like Python's stable `sorted`), shares of ballots and of
/// valid votes.
struct PollingModel<'a> {
    contest: &'a Contest,
    winners: Vec<usize>,
    losers: Vec<usize>,
    /// `V/N` per choice (`p_w`, `p_l`).
    ballot_share: Vec<f64>,
    /// `V/valid votes` per choice (`s_w`, `s_l`).
    vote_share: Vec<f64>,
}

impl<'a> PollingModel<'a> {
    fn new(contest: &'a Contest) -> Result<Self, BravoError> {
        let ballots = contest.ballots();
        if ballots == 0 {
            return Err(BravoError::NoBallots {
                contest: contest.name().to_string(),
            });
        }
        let votes: Vec<u64> = contest.choices().iter().map(|c| c.votes).collect();
        let valid: u64 = votes.iter().sum();
        let ballot_share = votes.iter().map(|&v| v as f64 / ballots as f64).collect();
        let vote_share = votes
            .iter()
            .map(|&v| {
                if valid == 0 {
                    0.0
                } else {
                    v as f64 / valid as f64
                }
            })
            .collect();
        let mut losers = contest.loser_indices();
        losers.sort_by_key(|&l| std::cmp::Reverse(votes.get(l).copied().unwrap_or(0)));
        Ok(PollingModel {
            contest,
            winners: contest.winner_indices().to_vec(),
            losers,
            ballot_share,
            vote_share,
        })
    }

    fn share(&self, choice: usize) -> f64 {
        self.ballot_share.get(choice).copied().unwrap_or(0.0)
    }

    /// `s_w / (s_w + s_l)` in floating point, exactly as Arlo computes it (L163). Two choices that
    /// both have no votes count as even (Arlo divides by zero).
    fn swl(&self, winner: usize, loser: usize) -> f64 {
        let s_w = self.vote_share.get(winner).copied().unwrap_or(0.0);
        let s_l = self.vote_share.get(loser).copied().unwrap_or(0.0);
        if s_w + s_l == 0.0 {
            0.5
        } else {
            s_w / (s_w + s_l)
        }
    }

    fn is_tie(&self) -> bool {
        let votes = |i: usize| self.contest.votes(i);
        match (
            self.winners.iter().map(|&w| votes(w)).min(),
            self.losers.iter().map(|&l| votes(l)).max(),
        ) {
            (Some(w), Some(l)) => w == l,
            _ => false,
        }
    }

    fn is_landslide(&self) -> bool {
        !self.losers.is_empty() && self.losers.iter().all(|&l| self.contest.votes(l) == 0)
    }

    /// `ln T` for one pair over the cumulative sample (get_test_statistics L150-162); `-inf` when a
    /// factor is zero. Choices with no sampled votes are skipped, as Arlo does, so `0 × ln 0` never
    /// arises.
    fn ln_test_statistic(&self, sample: &[u64], winner: usize, loser: usize) -> f64 {
        let swl = self.swl(winner, loser);
        let mut ln_t = 0.0;
        let w = sample.get(winner).copied().unwrap_or(0);
        let l = sample.get(loser).copied().unwrap_or(0);
        if w > 0 {
            ln_t += w as f64 * (swl / 0.5).ln();
        }
        if l > 0 {
            ln_t += l as f64 * ((1.0 - swl) / 0.5).ln();
        }
        ln_t
    }

    /// Votes per choice summed over rounds, each not-found ballot added to every loser
    /// (compute_cumulative_sample L330-338 and ballot_polling.py L36-40).
    fn cumulative(&self, rounds: &[PollingRound]) -> Result<Vec<u64>, BravoError> {
        let n = self.contest.choices().len();
        let mut total = vec![0u64; n];
        for (i, round) in rounds.iter().enumerate() {
            if round.votes.len() != n {
                return Err(BravoError::TallyLength {
                    contest: self.contest.name().to_string(),
                    round: i + 1,
                    expected: n,
                    got: round.votes.len(),
                });
            }
            for (t, v) in total.iter_mut().zip(&round.votes) {
                *t = t.saturating_add(*v);
            }
            for &l in &self.losers {
                if let Some(t) = total.get_mut(l) {
                    *t = t.saturating_add(round.not_found);
                }
            }
        }
        Ok(total)
    }

    fn pair_shares(&self, sample: &[u64], winner: usize, loser: usize) -> PairShares {
        PairShares {
            winner_share: self.share(winner),
            loser_share: self.share(loser),
            winner_sampled: sample.get(winner).copied().unwrap_or(0),
            loser_sampled: sample.get(loser).copied().unwrap_or(0),
        }
    }
}

/// The p-value of every pair and the stop decision after the rounds so far (Arlo `compute_risk`
/// L483-536, with ballots not found counted for every loser).
pub fn risk(
    contest: &Contest,
    risk_limit: RiskLimit,
    rounds: &[PollingRound],
) -> Result<BravoRisk, BravoError> {
    let model = PollingModel::new(contest)?;
    let sample = model.cumulative(rounds)?;
    let full_count = sample.iter().fold(0u64, |a, &v| a.saturating_add(v)) >= contest.ballots();
    let ln_threshold = -risk_limit.alpha().ln();

    let mut pairs = Vec::new();
    let mut met = true;
    if model.losers.is_empty() {
        // Arlo keeps a pair (winner, "") with T = 1 (L146-148): p-value 1, never met.
        for &w in &model.winners {
            pairs.push(PairRisk {
                winner: w,
                loser: None,
                p_value: if full_count { 0.0 } else { 1.0 },
            });
        }
        met = false;
    }
    for &w in &model.winners {
        for &l in &model.losers {
            let ln_t = model.ln_test_statistic(&sample, w, l);
            // T == 0 gives a p-value of 1 (L530); T < 1 is capped at 1 (L531).
            let p_value = if ln_t > 0.0 { (-ln_t).exp() } else { 1.0 };
            if ln_t.is_nan() || ln_t < ln_threshold {
                met = false;
            }
            pairs.push(PairRisk {
                winner: w,
                loser: Some(l),
                p_value: if full_count { 0.0 } else { p_value },
            });
        }
    }
    Ok(BravoRisk {
        pairs,
        risk_limit_met: met || full_count,
    })
}

/// What the ASN computation found (get_expected_sample_size L24-112).
enum AsnOutcome {
    Size(AsnEstimate),
    SampleSufficient,
    /// A pair's statistic is zero (a choice reported with no votes was sampled).
    ZeroStatistic {
        loser: usize,
    },
}

fn asn_outcome(
    model: &PollingModel<'_>,
    risk_limit: RiskLimit,
    sample: &[u64],
) -> Result<AsnOutcome, BravoError> {
    let contest = model.contest;
    if model.is_tie() {
        return Err(BravoError::TiedContest {
            contest: contest.name().to_string(),
        });
    }
    if model.losers.is_empty() {
        return Err(BravoError::NoLosers {
            contest: contest.name().to_string(),
        });
    }
    let ln_inv_alpha = -risk_limit.alpha().ln();
    let mut best: u64 = 0;
    let mut best_pair = None;
    for &w in &model.winners {
        for &l in &model.losers {
            let ln_t = model.ln_test_statistic(sample, w, l);
            if ln_t == f64::NEG_INFINITY {
                return Ok(AsnOutcome::ZeroStatistic { loser: l });
            }
            let (p_w, p_l) = (model.share(w), model.share(l));
            if p_l == 0.0 {
                // s_w would be 1 and z_l = ln 0 (L69-72).
                continue;
            }
            let s_w = p_w / (p_w + p_l);
            let z_w = (2.0 * s_w).ln();
            let z_l = (2.0 - 2.0 * s_w).ln();
            // ASN = ceil((ln(1/(αT)) + z_w/2) / (p_w z_w + p_l z_l))  (L77-79)
            let asn = ((ln_inv_alpha - ln_t + z_w / 2.0) / (p_w * z_w + p_l * z_l)).ceil();
            let size = if asn.is_nan() {
                u64::MAX
            } else if asn <= 0.0 {
                0
            } else {
                asn as u64 // saturates
            };
            if size > best {
                best = size;
                best_pair = Some((w, l));
            }
        }
    }
    let Some((w, l)) = best_pair else {
        return Ok(AsnOutcome::SampleSufficient);
    };
    let completion_probability = if contest.num_winners() == 1 {
        Some(completion_probability(
            risk_limit,
            model.pair_shares(sample, w, l),
            best,
        )?)
    } else {
        None
    };
    Ok(AsnOutcome::Size(AsnEstimate {
        size: best,
        completion_probability,
    }))
}

/// The ASN of the audit given the rounds so far (Arlo `get_expected_sample_size`): the largest
/// pairwise ASN given the statistic reached so far, i.e. the expected number of further draws.
/// `Ok(None)` when the sample already suffices (Arlo raises "Sample indicates the audit is over").
pub fn expected_sample_size(
    contest: &Contest,
    risk_limit: RiskLimit,
    rounds: &[PollingRound],
) -> Result<Option<AsnEstimate>, BravoError> {
    let model = PollingModel::new(contest)?;
    let sample = model.cumulative(rounds)?;
    match asn_outcome(&model, risk_limit, &sample)? {
        AsnOutcome::Size(asn) => Ok(Some(asn)),
        AsnOutcome::SampleSufficient => Ok(None),
        AsnOutcome::ZeroStatistic { loser } => Err(BravoError::SampledChoiceReportedWithoutVotes {
            contest: contest.name().to_string(),
            choice: contest
                .choices()
                .get(loser)
                .map(|c| c.name.clone())
                .unwrap_or_default(),
        }),
    }
}

/// Sample-size options for the next round (Arlo `get_sample_size` L341-480): with no rounds, the
/// round-1 options; after some rounds, next-round sizes given the votes seen so far.
pub fn sample_size_options(
    contest: &Contest,
    risk_limit: RiskLimit,
    rounds: &[PollingRound],
) -> Result<SampleSizeOptions, BravoError> {
    let model = PollingModel::new(contest)?;
    let ballots = contest.ballots();
    let draws = rounds.iter().fold(0u64, |a, r| a.saturating_add(r.draws));
    if !rounds.is_empty() && draws >= ballots {
        return Err(BravoError::AllBallotsAudited {
            contest: contest.name().to_string(),
            draws,
            ballots,
        });
    }
    if model.losers.is_empty() {
        return Err(BravoError::NoLosers {
            contest: contest.name().to_string(),
        });
    }
    if model.is_tie() {
        return Ok(SampleSizeOptions::AllBallots {
            ballots,
            reason: AllBallotsReason::TiedContest,
        });
    }
    if model.is_landslide() {
        // Every loser reported with no votes: one ballot, certain to finish (L416-419).
        return Ok(SampleSizeOptions::Estimates {
            asn: AsnEstimate {
                size: 1,
                completion_probability: Some(1.0),
            },
            by_probability: Vec::new(),
        });
    }
    let sample = model.cumulative(rounds)?;
    let asn = match asn_outcome(&model, risk_limit, &sample)? {
        AsnOutcome::Size(asn) => asn,
        AsnOutcome::SampleSufficient => return Ok(SampleSizeOptions::SampleSufficient),
        AsnOutcome::ZeroStatistic { .. } => {
            return Ok(SampleSizeOptions::AllBallots {
                ballots,
                reason: AllBallotsReason::SampledChoiceReportedWithoutVotes,
            });
        }
    };
    let mut by_probability = Vec::new();
    if contest.num_winners() == 1 {
        for prob in ARLO_COMPLETION_PROBABILITIES {
            let mut size = 0;
            for &w in &model.winners {
                for &l in &model.losers {
                    if model.share(l) == 0.0 {
                        continue;
                    }
                    let pair = model.pair_shares(&sample, w, l);
                    size = size.max(quantile_sample_size(risk_limit, pair, prob, ballots)?);
                }
            }
            if size != 0 {
                by_probability.push(QuantileSize {
                    completion_probability: prob,
                    size,
                });
            }
        }
        let at_90 = by_probability
            .iter()
            .find(|q| q.completion_probability == 0.9)
            .map(|q| q.size);
        if let Some(size) = at_90
            && ballots > LARGE_CONTEST_BALLOTS
            && u128::from(size) * 4 >= u128::from(ballots)
        {
            return Ok(SampleSizeOptions::AllBallots {
                ballots,
                reason: AllBallotsReason::LargeSample,
            });
        }
    }
    Ok(SampleSizeOptions::Estimates {
        asn,
        by_probability,
    })
}

/// The two-way shares of a pair and the BRAVO log-likelihood steps, as Arlo's `bravo_sample_sizes`
/// and `expected_prob` set them up (L198-206, L297-305).
struct TwoWay {
    /// `p_w + p_l`, as a 28-digit decimal (used exactly in the final `ceil`).
    combined: PyDecimal,
    /// `p_w / (p_w + p_l)`.
    winner: f64,
    loser: f64,
    /// `ln(p_w2 / 0.5)`, `ln(p_l2 / 0.5)`.
    plus: f64,
    minus: f64,
    /// `ln(1/α) − (sample_w·plus + sample_l·minus)`: what the statistic still has to gain.
    threshold: f64,
}

impl TwoWay {
    fn new(risk_limit: RiskLimit, pair: PairShares) -> Result<TwoWay, BravoError> {
        let bad = || BravoError::BadShares {
            winner_share: pair.winner_share,
            loser_share: pair.loser_share,
        };
        let valid = pair.loser_share > 0.0
            && pair.winner_share > pair.loser_share
            && pair.winner_share.is_finite();
        if !valid {
            return Err(bad());
        }
        let p_w = PyDecimal::from_f64(pair.winner_share).ok_or_else(bad)?;
        let p_l = PyDecimal::from_f64(pair.loser_share).ok_or_else(bad)?;
        let combined = p_w.add(&p_l);
        let winner = p_w.div(&combined).ok_or_else(bad)?.to_f64();
        let loser = 1.0 - winner;
        let plus = (winner / 0.5).ln();
        let minus = (loser / 0.5).ln();
        let threshold = -risk_limit.alpha().ln()
            - (pair.winner_sampled as f64 * plus + pair.loser_sampled as f64 * minus);
        Ok(TwoWay {
            combined,
            winner,
            loser,
            plus,
            minus,
            threshold,
        })
    }
}

/// The sample size that finishes the audit of one pair in one round with chance `p_completion` if
/// the reported outcome is right (Mark Lindeman's analytic method, Arlo `bravo_sample_sizes`
/// L169-271). Votes already sampled count toward the threshold, so this is the number of further
/// draws; 0 when the sample already meets the risk limit for this pair.
///
/// Solves `E_x = R_x` (the `1 − p_completion` quantile of winner votes equals the winner votes
/// needed) as a quadratic in `n`, floors the root, steps up until the binomial quantile actually
/// attains the threshold (or `n` reaches `total_ballots`), then scales up for ballots with votes for
/// neither choice.
pub fn quantile_sample_size(
    risk_limit: RiskLimit,
    pair: PairShares,
    p_completion: f64,
    total_ballots: u64,
) -> Result<u64, BravoError> {
    if !(p_completion > 0.0 && p_completion < 1.0) {
        return Err(BravoError::BadCompletionProbability(p_completion));
    }
    let two_way = TwoWay::new(risk_limit, pair)?;
    let TwoWay {
        winner,
        loser,
        plus,
        minus,
        threshold,
        ..
    } = two_way;
    if threshold <= 0.0 {
        return Ok(0);
    }
    let z = -normal_ppf(p_completion);
    let d = winner * loser;
    let f = threshold / (plus - minus);
    let g = minus / (plus - minus) + winner;
    let q_a = g * g;
    let q_b = -(z * z * d + 2.0 * f * g);
    let q_c = f * f;
    // q_b² − 4·q_a·q_c factors as z²d·(z²d + 4fg): no cancellation in f64.
    let radical = (z * z * d * (z * z * d + 4.0 * f * g)).max(0.0).sqrt();
    let root = if p_completion > 0.5 {
        (-q_b + radical) / (2.0 * q_a)
    } else {
        // The smaller root, written as q_c/(q_a·larger root) to avoid cancellation.
        2.0 * q_c / (-q_b + radical)
    };
    // Arlo walks a negative estimate up through NaN statistics to 0, so start there.
    let mut size: u64 = if root.is_nan() || root <= 0.0 {
        0
    } else {
        root.floor() as u64
    };

    // Step up until the (1 − p_completion) quantile of winner votes attains the threshold (L253-264).
    let q = 1.0 - p_completion;
    let mut quantile = QuantileWalker::new(q, winner);
    let mut test_stat = 0.0;
    while test_stat < threshold && size < total_ballots {
        let x_c = quantile.at(size) as f64;
        test_stat = x_c * plus + (size as f64 - x_c) * minus;
        if test_stat < threshold {
            size += 1;
        }
    }
    // ceil(size / (p_w + p_l)) in Arlo's decimal arithmetic (L269).
    Ok(PyDecimal::from_u64(size)
        .div(&two_way.combined)
        .map_or(u64::MAX, |d| d.ceil()))
}

/// `binom.ppf(q, n, p)` for increasing `n`: the quantile moves up by at most one per step, so each
/// step costs two or three cdf evaluations instead of a full search.
struct QuantileWalker {
    q: f64,
    p: f64,
    last: Option<(u64, u64)>,
}

impl QuantileWalker {
    fn new(q: f64, p: f64) -> Self {
        QuantileWalker { q, p, last: None }
    }

    fn at(&mut self, n: u64) -> u64 {
        let k = match self.last {
            Some((m, k)) if m + 1 == n => {
                let below = k == 0 || binomial_cdf(n, k as i64 - 1, self.p) < self.q;
                if below && binomial_cdf(n, k as i64, self.p) >= self.q {
                    k
                } else if below && binomial_cdf(n, k as i64 + 1, self.p) >= self.q {
                    k + 1
                } else {
                    binomial_ppf(self.q, n, self.p)
                }
            }
            _ => binomial_ppf(self.q, n, self.p),
        };
        self.last = Some((n, k));
        k
    }
}

/// Arlo's chance that an audit of `asn` ballots finishes in one round (`expected_prob` L274-327):
/// the normal approximation to the winner-vote count, rounded to 2 decimals. 0 when the sample
/// already meets the risk limit for this pair.
pub fn completion_probability(
    risk_limit: RiskLimit,
    pair: PairShares,
    asn: u64,
) -> Result<f64, BravoError> {
    let two_way = TwoWay::new(risk_limit, pair)?;
    let TwoWay {
        winner,
        loser,
        plus,
        minus,
        threshold,
        ..
    } = two_way;
    if threshold <= 0.0 {
        return Ok(0.0);
    }
    let n = asn as f64 * two_way.combined.to_f64();
    let needed = (threshold - minus * n) / (plus - minus);
    let z = (needed - n * winner) / (n * winner * loser).sqrt();
    Ok(round_to_hundredths(normal_cdf(-z)))
}

/// Python's `round(x, 2)` on a float: the exact binary value rounded half-to-even, which is what
/// Rust's `{:.2}` formatting does.
fn round_to_hundredths(x: f64) -> f64 {
    if !x.is_finite() {
        return x;
    }
    format!("{x:.2}").parse().unwrap_or(x)
}

/// r2b2's BRAVO ASN for one pair (`audit.py::asn` L446-465): the same formula as Arlo's with the
/// pair's two-way share and no dilution, `ceil((ln(1/α) + z_w/2) / (s·z_w + (1−s)·z_l))`, computed
/// with r2b2's exact floating-point steps. A loser with no votes takes the limit `s → 1`.
pub fn pairwise_asn(
    winner_votes: u64,
    loser_votes: u64,
    risk_limit: RiskLimit,
) -> Result<u64, BravoError> {
    if winner_votes <= loser_votes {
        return Err(BravoError::WinnerNotAhead {
            winner_votes,
            loser_votes,
        });
    }
    let winner_prop = winner_votes as f64 / (winner_votes + loser_votes) as f64;
    let loser_prop = 1.0 - winner_prop;
    let margin = 2.0 * winner_prop - 1.0;
    let z_w = (margin + 1.0).ln();
    let loser_term = if loser_prop == 0.0 {
        0.0
    } else {
        loser_prop * (1.0 - margin).ln()
    };
    let top = (1.0 / risk_limit.alpha()).ln() + z_w / 2.0;
    let bottom = winner_prop * z_w + loser_term;
    let asn = (top / bottom).ceil();
    Ok(if asn.is_nan() {
        u64::MAX
    } else {
        asn.max(0.0) as u64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contest(votes: &[(&str, u64)], ballots: u64, winners: usize) -> Contest {
        Contest::new("c", votes.iter().copied(), ballots, winners, 1).unwrap()
    }

    fn alpha(percent: f64) -> RiskLimit {
        RiskLimit::from_percent(percent).unwrap()
    }

    #[test]
    fn quantile_walker_matches_a_fresh_search() {
        let mut walk = QuantileWalker::new(0.1, 0.55);
        for n in 100..400 {
            assert_eq!(walk.at(n), binomial_ppf(0.1, n, 0.55), "n = {n}");
        }
    }

    #[test]
    fn losers_are_ordered_by_votes_like_arlo() {
        let c = contest(&[("a", 10), ("b", 30), ("c", 50), ("d", 20)], 200, 1);
        let m = PollingModel::new(&c).unwrap();
        assert_eq!(m.winners, vec![2]);
        assert_eq!(m.losers, vec![1, 3, 0]);
    }

    #[test]
    fn not_found_ballots_count_for_every_loser() {
        let c = contest(&[("a", 500), ("b", 200), ("c", 100)], 1000, 1);
        let m = PollingModel::new(&c).unwrap();
        let rounds = [
            PollingRound {
                draws: 10,
                votes: vec![5, 2, 1],
                not_found: 2,
            },
            PollingRound {
                draws: 10,
                votes: vec![4, 3, 0],
                not_found: 1,
            },
        ];
        assert_eq!(m.cumulative(&rounds).unwrap(), vec![9, 8, 4]);
    }

    #[test]
    fn rejects_a_tally_of_the_wrong_length() {
        let c = contest(&[("a", 500), ("b", 200)], 1000, 1);
        let round = PollingRound {
            draws: 1,
            votes: vec![1],
            not_found: 0,
        };
        assert!(matches!(
            risk(&c, alpha(10.0), &[round]),
            Err(BravoError::TallyLength { .. })
        ));
    }

    #[test]
    fn zero_statistic_means_a_full_hand_count() {
        // Arlo test_bravo.py L559-576: cand4 reported with 0 votes, 12 sampled: p-value 1.
        let c = contest(
            &[("c1", 700), ("c2", 200), ("c3", 1), ("c4", 0), ("c5", 10)],
            1000,
            1,
        );
        let round = PollingRound {
            draws: 22,
            votes: vec![7, 0, 0, 12, 3],
            not_found: 0,
        };
        let r = risk(&c, alpha(5.0), std::slice::from_ref(&round)).unwrap();
        let p = r.pairs.iter().find(|p| p.loser == Some(3)).unwrap();
        assert_eq!(p.p_value, 1.0);
        assert!(!r.risk_limit_met);
        assert_eq!(
            sample_size_options(&c, alpha(5.0), &[round]).unwrap(),
            SampleSizeOptions::AllBallots {
                ballots: 1000,
                reason: AllBallotsReason::SampledChoiceReportedWithoutVotes
            }
        );
    }

    #[test]
    fn rounding_to_hundredths_is_half_even_on_the_binary_value() {
        assert_eq!(round_to_hundredths(0.125), 0.12);
        assert_eq!(round_to_hundredths(0.375), 0.38);
        assert_eq!(round_to_hundredths(0.525), 0.53);
        assert_eq!(round_to_hundredths(0.5149999), 0.51);
    }
}
