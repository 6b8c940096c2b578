//! SUITE hybrid audits (Ottoboni, Stark, Lindeman & McBurnett 2018) as Arlo computes them: stratified comparison and polling combined with Fisher's method.
//!
//! A contest's ballots fall in two strata: one with CVRs, audited by ballot comparison, and one
//! without, audited by ballot polling. For each (winner, loser) pair, the null hypothesis "the winner
//! did not really beat the loser" is split by `λ`: the comparison stratum overstates its share of the
//! margin by at least `λ·V` and the polling stratum by at least `(1 − λ)·V`. Each stratum gives a
//! p-value for its part ([`ComparisonStratum::p_value`], [`PollingStratum::p_value`]); Fisher's
//! combination with `χ²₄` merges them ([`fisher_combined_pvalue`]), and the risk is the largest combined
//! p-value over `λ` ([`maximize_fisher_combined_pvalue`]) and over pairs ([`compute_risk`]). Sample
//! sizes search for the smallest total sample whose hypothetical p-value meets the risk limit
//! ([`sample_size`]). Everything follows Arlo `server/audit_math/suite.py` (commit `8d86156`, see
//! `docs/RLA-MATH.md` §7), which reproduces Stark and Ottoboni's CORLA18 code.
//!
//! # Precision statement
//!
//! * Comparison-stratum p-value: Arlo uses 28-digit `Decimal`; ballotproof uses doubles with
//!   `ln_1p`, relative error about `10⁻¹⁶·(1 + |ln p|)`, far inside the 10⁻⁶ the reference checks use.
//! * Polling-stratum p-value: NumPy's summation order; the nuisance parameter from Brent's method at
//!   SciPy's tolerances, at a maximum of the log-likelihood, so the p-value matches to about 10⁻¹².
//! * Fisher's combination: Arlo's `1 − χ²₄.cdf(x)` is reproduced including its rounding (see
//!   [`fisher_combined_pvalue`]); the λ grid is built exactly as `np.arange` builds it, so the same λ
//!   values are tried and the maximisation refines identically.
//! * Sample sizes are the same integers as Arlo's unless a hypothetical p-value lies within about
//!   10⁻¹² of the risk limit.

mod brent;
mod fisher;
mod strata;

use thiserror::Error;

use crate::contest::Contest;
use crate::risk_limit::RiskLimit;

pub use fisher::{fisher_combined_pvalue, maximize_fisher_combined_pvalue};
pub use strata::{ComparisonStratum, Misstatements, PollingStratum};

/// The comparison audit's error inflation `γ` (Arlo suite.py L30; Stark's tools, AGI and CORLA).
pub const GAMMA: f64 = 1.03905;
/// Arlo's smallest sample size (suite.py L31).
pub const MIN_SAMPLE_SIZE: u64 = 5;
/// Arlo's default grid step for λ.
pub const DEFAULT_LAMBDA_STEP: f64 = 0.05;

/// Why a SUITE computation cannot be done.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SuiteError {
    #[error(
        "choice {choice:?} has no reported votes in the {stratum} stratum; give every choice's votes in both strata"
    )]
    UnknownChoice {
        choice: String,
        stratum: &'static str,
    },
    #[error(
        "the strata's votes give {winner:?} a margin of {strata} over {loser:?} but the contest reports {contest}; the strata's vote totals must add up to the contest's"
    )]
    MarginMismatch {
        winner: String,
        loser: String,
        strata: i64,
        contest: i64,
    },
    #[error(
        "the polling sample records {votes} votes for the pair but only {sample_size} ballots were sampled"
    )]
    SampleExceedsSize { votes: u64, sample_size: u64 },
    #[error("the {what} is not a number; check the strata's totals and samples")]
    NotANumber { what: &'static str },
    #[error("the maximisation over λ did not settle (the combined p-value equals the risk limit)")]
    NoConvergence,
    #[error("contest {contest:?} has no losing choice; there is nothing to audit")]
    NoLosers { contest: String },
    #[error(
        "one or both strata need to be recounted: the sample size would be the whole stratum ({cvr} CVR and {non_cvr} non-CVR ballots)"
    )]
    RecountNeeded { cvr: u64, non_cvr: u64 },
    #[error(
        "one or both strata have already been fully recounted; the remaining stratum's p-value is {p_value} (risk limit {} met)",
        if *meets_risk_limit { "is" } else { "not" }
    )]
    StratumRecounted {
        p_value: f64,
        meets_risk_limit: bool,
    },
}

/// Sample sizes for the two strata (Arlo's `HybridPair`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HybridSampleSize {
    /// Ballots to sample from the CVR (comparison) stratum.
    pub cvr: u64,
    /// Ballots to sample from the non-CVR (polling) stratum.
    pub non_cvr: u64,
}

/// The measured risk after a round.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Risk {
    /// The largest maximised Fisher p-value over all (winner, loser) pairs.
    pub p_value: f64,
    /// `p_value ≤ α`: the audit can stop.
    pub meets_risk_limit: bool,
}

impl Contest {
    /// Reported votes of a choice by name, for SUITE.
    pub(crate) fn votes_named(&self, name: &str) -> Result<i64, SuiteError> {
        self.index_of(name)
            .map(|i| self.votes(i) as i64)
            .ok_or_else(|| SuiteError::UnknownChoice {
                choice: name.to_string(),
                stratum: "contest",
            })
    }
}

/// Arlo's winners (most votes first) and losers (most votes first, ties in the order given).
fn winners_and_losers(contest: &Contest) -> (Vec<&str>, Vec<&str>) {
    let name = |i: usize| contest.choices()[i].name.as_str();
    let winners = contest.winner_indices().iter().map(|&i| name(i)).collect();
    let mut losers = contest.loser_indices();
    losers.sort_by_key(|&i| std::cmp::Reverse(contest.votes(i)));
    (winners, losers.into_iter().map(name).collect())
}

/// The hypothetical maximised p-value if the audit's total sample were `n` ballots split between the
/// strata in proportion `n_ratio` (CVR share), with misstatements and polling results continuing at the
/// rates seen so far (`try_n`, suite.py L426-559). 1 when `n` would be smaller than the samples
/// already drawn.
#[allow(clippy::too_many_arguments)]
pub fn try_n(
    n: u64,
    alpha: RiskLimit,
    contest: &Contest,
    winner: &str,
    loser: &str,
    polling: &PollingStratum,
    comparison: &ComparisonStratum,
    n_ratio: f64,
) -> Result<f64, SuiteError> {
    let n = n as i64;
    let n1_original = comparison.sample_size as i64;
    let n2_original = polling.sample_size as i64;
    let m = comparison.misstatements_for(winner, loser);
    let rate = |count: u64| {
        if n1_original != 0 {
            count as f64 / n1_original as f64
        } else {
            0.0
        }
    };
    let n1 = (n_ratio * n as f64).ceil() as i64;
    let n2 = n - n1;
    if n1 < n1_original || n2 < n2_original {
        return Ok(1.0);
    }
    // Arlo scales by the whole new sample n, not the comparison stratum's share.
    let more = (n - n1_original) as f64;
    let hyp = Misstatements {
        o1: ((rate(m.o1) * more).ceil() as i64 + m.o1 as i64).max(0) as u64,
        o2: ((rate(m.o2) * more).ceil() as i64 + m.o2 as i64).max(0) as u64,
        u1: ((rate(m.u1) * more).floor() as i64 + m.u1 as i64).max(0) as u64,
        u2: ((rate(m.u2) * more).floor() as i64 + m.u2 as i64).max(0) as u64,
    };
    let hyp_comparison = ComparisonStratum {
        ballots: comparison.ballots,
        vote_totals: comparison.vote_totals.clone(),
        misstatements: [((winner.to_string(), loser.to_string()), hyp)].into(),
        sample_size: n1 as u64,
    };

    let v_w = strata::votes(&polling.vote_totals, winner, "ballot-polling")?;
    let v_l = strata::votes(&polling.vote_totals, loser, "ballot-polling")?;
    let prev = polling.sample_size as i64;
    let (extra_w, extra_l) = if prev == 0 {
        // No polling sample yet: assume it will look like the reported totals.
        let n_bp = polling.ballots as f64;
        (
            ((n2 as f64 * (v_w as f64 / n_bp)) as i64).min(v_w),
            ((n2 as f64 * (v_l as f64 / n_bp)).ceil() as i64).min(v_l),
        )
    } else {
        let seen = |c: &str| polling.sample.get(c).copied().unwrap_or(0) as f64;
        let more = (n2 - prev) as f64;
        (
            ((more * (seen(winner) / prev as f64)) as i64).min(v_w),
            ((more * (seen(loser) / prev as f64)).ceil() as i64).min(v_l),
        )
    };
    let mut sample = polling.sample.clone();
    for (choice, extra) in [(winner, extra_w), (loser, extra_l)] {
        let entry = sample.entry(choice.to_string()).or_insert(0);
        *entry = (*entry as i64 + extra).max(0) as u64;
    }
    let hyp_polling = PollingStratum {
        ballots: polling.ballots,
        vote_totals: polling.vote_totals.clone(),
        sample,
        sample_size: (polling.ballots as i64).min(n2).max(0) as u64,
    };
    maximize_fisher_combined_pvalue(
        alpha,
        contest,
        &hyp_polling,
        &hyp_comparison,
        winner,
        loser,
        DEFAULT_LAMBDA_STEP,
    )
}

/// The (CVR, non-CVR) sample sizes for one pair (`get_sample_size_for_wl_pair`, suite.py L562-630):
/// grow the total by ×2 (first round) or ×1.1 until the hypothetical p-value meets α, then bisect
/// down towards the smallest such total. Where ×1.1 of a total below 10 does not grow it, ballotproof
/// adds one ballot (Arlo would loop forever there).
pub fn sample_size_for_pair(
    alpha: RiskLimit,
    contest: &Contest,
    polling: &PollingStratum,
    comparison: &ComparisonStratum,
    winner: &str,
    loser: &str,
) -> Result<HybridSampleSize, SuiteError> {
    let n_ratio = comparison.ballots as f64 / (comparison.ballots + polling.ballots) as f64;
    let total = contest.ballots();
    let mut ballots = MIN_SAMPLE_SIZE.max(comparison.sample_size + polling.sample_size);
    let coefficient = if polling.sample_size == 0 && comparison.sample_size == 0 {
        2.0
    } else {
        1.1
    };
    let try_at = |n: u64| {
        try_n(
            n, alpha, contest, winner, loser, polling, comparison, n_ratio,
        )
    };
    let mut expected = 1.0;
    while expected > alpha.alpha() {
        let grown = (coefficient * ballots as f64) as u64;
        ballots = if grown > ballots { grown } else { ballots + 1 };
        if ballots > total {
            let cvr = (n_ratio * total as f64).ceil() as u64;
            return Ok(HybridSampleSize {
                cvr,
                non_cvr: total.saturating_sub(cvr),
            });
        }
        expected = try_at(ballots)?;
    }

    let mut low = ballots as f64 / coefficient;
    let mut high = ballots as f64;
    let mut mid_p = 1.0;
    let tolerance = 0.8;
    while mid_p > alpha.alpha() || mid_p < tolerance * alpha.alpha() {
        let mid = ((low + high) / 2.0).floor();
        if mid == low || mid == high {
            break;
        }
        mid_p = try_at(mid as u64)?;
        if mid_p <= alpha.alpha() {
            high = mid;
        } else {
            low = mid;
        }
    }
    let cvr = (n_ratio * high).ceil();
    let non_cvr = (high - cvr).ceil();
    Ok(HybridSampleSize {
        cvr: cvr as u64,
        non_cvr: non_cvr.max(0.0) as u64,
    })
}

/// The initial or next-round sample sizes (`get_sample_size`, suite.py L633-690). Before any sample,
/// only the closest pair matters (the smallest winner against the largest loser); afterwards every pair
/// is sized and the largest total wins (the first such pair on ties). Errors when a stratum would have
/// to be sampled completely.
pub fn sample_size(
    risk_limit: RiskLimit,
    contest: &Contest,
    polling: &PollingStratum,
    comparison: &ComparisonStratum,
) -> Result<HybridSampleSize, SuiteError> {
    let (winners, losers) = winners_and_losers(contest);
    if losers.is_empty() || winners.is_empty() {
        return Err(SuiteError::NoLosers {
            contest: contest.name().to_string(),
        });
    }
    let size = if polling.sample_size == 0 && comparison.sample_size == 0 {
        let votes = |c: &str| contest.votes_named(c).unwrap_or(0);
        let mut worst_winner = winners[0];
        for &w in &winners {
            if votes(w) < votes(worst_winner) {
                worst_winner = w;
            }
        }
        let mut best_loser = losers[0];
        for &l in &losers {
            if votes(l) > votes(best_loser) {
                best_loser = l;
            }
        }
        sample_size_for_pair(
            risk_limit,
            contest,
            polling,
            comparison,
            worst_winner,
            best_loser,
        )?
    } else {
        let mut best: Option<HybridSampleSize> = None;
        for &w in &winners {
            for &l in &losers {
                let s = sample_size_for_pair(risk_limit, contest, polling, comparison, w, l)?;
                if best.is_none_or(|b| s.cvr + s.non_cvr > b.cvr + b.non_cvr) {
                    best = Some(s);
                }
            }
        }
        best.unwrap_or(HybridSampleSize { cvr: 0, non_cvr: 0 })
    };
    if size.cvr == comparison.ballots || size.non_cvr == polling.ballots {
        return Err(SuiteError::RecountNeeded {
            cvr: size.cvr,
            non_cvr: size.non_cvr,
        });
    }
    Ok(size)
}

/// The risk after the samples so far (`compute_risk`, suite.py L693-755): the largest maximised Fisher
/// p-value over all (winner, loser) pairs, and whether it meets the risk limit.
///
/// When a stratum has been sampled completely Arlo raises an error carrying the other stratum's
/// p-value; so does this function ([`SuiteError::StratumRecounted`]). Arlo computes that p-value with
/// the risk limit in place of the reported margin (an argument-order slip); ballotproof uses the
/// reported margin, which is what the formula needs.
pub fn compute_risk(
    risk_limit: RiskLimit,
    contest: &Contest,
    polling: &PollingStratum,
    comparison: &ComparisonStratum,
) -> Result<Risk, SuiteError> {
    let alpha = risk_limit.alpha();
    let (winners, losers) = winners_and_losers(contest);
    if losers.is_empty() || winners.is_empty() {
        return Err(SuiteError::NoLosers {
            contest: contest.name().to_string(),
        });
    }
    let polling_done = polling.sample_size >= polling.ballots;
    let comparison_done = comparison.sample_size >= comparison.ballots;
    let mut max_p: f64 = 0.0;
    for &w in &winners {
        for &l in &losers {
            let margin = contest.votes_named(w)? - contest.votes_named(l)?;
            let p = match (polling_done, comparison_done) {
                (true, true) => 0.0,
                (true, false) => comparison.p_value(margin, w, l, 1.0)?,
                (false, true) => polling.p_value(margin, w, l, 1.0)?,
                (false, false) => maximize_fisher_combined_pvalue(
                    risk_limit,
                    contest,
                    polling,
                    comparison,
                    w,
                    l,
                    DEFAULT_LAMBDA_STEP,
                )?,
            };
            max_p = max_p.max(p);
        }
    }
    if polling_done || comparison_done {
        return Err(SuiteError::StratumRecounted {
            p_value: max_p,
            meets_risk_limit: max_p <= alpha,
        });
    }
    Ok(Risk {
        p_value: max_p,
        meets_risk_limit: max_p <= alpha,
    })
}
