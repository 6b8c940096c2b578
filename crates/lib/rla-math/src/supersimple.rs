//! Ballot-comparison Kaplan–Markov "super-simple" audit (Stark 2010) as Arlo computes it: discrepancies, p-value, nMin and sample sizes.
//!
//! Follows Arlo's `server/audit_math/supersimple.py` (commit 8d86156, line numbers below). Each
//! sampled card's cast vote record (CVR) is compared with what the audit board read; the difference
//! in the margin of the worst (winner, loser) pair is the card's discrepancy, in votes: +1/+2 are
//! overstatements of the winner's margin, −1/−2 understatements. The Kaplan–Markov p-value multiplies,
//! per draw, `(1 − μ/(2γ)) / (1 − e·V/(2γ))`, where `μ` is the diluted margin, `V` the smallest margin
//! in votes and `e` the card's weighted error (understatements count as 0, to be conservative).
//!
//! [`n_min`] is the stopping size shared with ColoradoRLA's `computeOptimisticSamplesToAudit`;
//! [`colorado`] has ColoradoRLA's optimistic and estimated counts and its stop rule.
//!
//! # Precision (against Arlo's 28-digit `Decimal` results)
//! * **p-value**: `ln p` is a sum of `times_sampled × (ln_1p(−μ/2γ) − ln_1p(−e·V/2γ))` in `f64`,
//!   exponentiated once: relative error below 1e-12 for any realistic sample (checked at 1e-6).
//! * **stop decision** (`p < α`) is compared in log space; it can differ from Arlo's only when `p` is
//!   within about 1e-13 relative of `α`.
//! * **sample sizes** are exact integers. Arlo rounds `rate × n0` to whole discrepancies with `ceil`
//!   and half-up in `Decimal`, where the rates are exact binary floats (`Decimal(0.001)`) or 28-digit
//!   quotients; those steps are reproduced exactly (`crate::bravo::PyDecimal`), because `f64` gets
//!   them wrong whenever 1000 divides `n0`. The `ceil` of the transcendental quantities (`n0`, nMin)
//!   is taken in `f64` and can differ from Arlo's only if that quantity lies within ~1e-13 of an
//!   integer.

pub mod colorado;

use thiserror::Error;

use crate::bravo::PyDecimal;
use crate::{Contest, RiskLimit};

/// Stark's error inflation factor γ, as the binary float 1.03905 (supersimple.py L9); ColoradoRLA
/// uses the same value (`STARK_GAMMA`).
pub const GAMMA: f64 = 1.03905;

/// Expected one-vote over- and understatement rate before any card is audited (L12-13).
pub const DEFAULT_ONE_VOTE_RATE: f64 = 0.001;

/// Expected two-vote over- and understatement rate before any card is audited (L16-17).
pub const DEFAULT_TWO_VOTE_RATE: f64 = 0.0001;

/// What the cast vote record says about a sampled card, for the contest under audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportedCard {
    /// The card has no CVR: counted as a two-vote overstatement (L124-125).
    NoCvr,
    /// The CVR does not include this contest: no votes reported.
    ContestNotOnCard,
    /// Indices of the choices the CVR marks (empty for an undervote).
    Marked(Vec<usize>),
    /// An ES&S CVR recording an overvote (`"o"`) in this contest (L134-150).
    EssOvervote,
    /// An ES&S CVR recording an undervote (`"u"`) in this contest.
    EssUndervote,
}

/// What the audit board found on the sampled card, for the contest under audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditedCard {
    /// The card could not be found: counted as a two-vote overstatement (L124-125).
    NotFound,
    /// The contest is not on the card.
    ContestNotOnCard,
    /// Indices of the choices marked on the card (empty for an undervote).
    Marked(Vec<usize>),
}

/// One distinct sampled card, with how many times the (with-replacement) sample drew it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampledCard {
    pub reported: ReportedCard,
    pub audited: AuditedCard,
    pub times_sampled: u64,
}

/// A card whose CVR and audited reading differ for some (winner, loser) pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Discrepancy {
    /// Change in the pair's margin, in votes: 1 or 2 overstate the winner, −1 or −2 understate.
    pub counted_as: i8,
    /// `counted_as / (V_w − V_l)` for the pair kept (infinite for a tied pair, as in Arlo).
    pub weighted_error: f64,
    /// The pair kept: the largest `counted_as`, first in Arlo's order on ties.
    pub winner: usize,
    pub loser: usize,
}

/// The risk measured from the sampled cards.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRisk {
    /// Kaplan–Markov p-value, capped at 1; 0 once the draws cover every ballot.
    pub p_value: f64,
    /// True when `p < α`, or the draws cover every ballot.
    pub risk_limit_met: bool,
    /// The discrepancy of each card, in the order given (`None` where CVR and audit agree).
    pub discrepancies: Vec<Option<Discrepancy>>,
}

/// Discrepancies seen so far, as Arlo's `get_sample_sizes` takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DiscrepancyCounts {
    /// Draws so far, counting a card drawn twice twice.
    pub draws: u64,
    /// Distinct cards with each kind of discrepancy.
    pub one_vote_over: u64,
    pub two_vote_over: u64,
    pub one_vote_under: u64,
    pub two_vote_under: u64,
}

impl DiscrepancyCounts {
    /// Tallies a measured sample: draws with multiplicity, discrepancies once per distinct card.
    pub fn from_sample(cards: &[SampledCard], risk: &ComparisonRisk) -> DiscrepancyCounts {
        let mut counts = DiscrepancyCounts {
            draws: cards
                .iter()
                .fold(0u64, |a, c| a.saturating_add(c.times_sampled)),
            ..DiscrepancyCounts::default()
        };
        for d in risk.discrepancies.iter().flatten() {
            match d.counted_as {
                1 => counts.one_vote_over += 1,
                2 => counts.two_vote_over += 1,
                -1 => counts.one_vote_under += 1,
                -2 => counts.two_vote_under += 1,
                _ => {}
            }
        }
        counts
    }
}

/// Why a super-simple computation cannot be done as asked.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum SuperSimpleError {
    #[error(
        "contest {contest:?}: sampled card {card} marks choice number {choice}, but the contest has only {choices} choices"
    )]
    UnknownChoice {
        contest: String,
        card: usize,
        choice: usize,
        choices: usize,
    },
    #[error(
        "diluted margin {0} is not between 0 (exclusive) and 1; nMin needs a reported winner ahead"
    )]
    BadMargin(f64),
}

/// Winners and losers each in order of reported votes (ties in the order given), as Arlo's
/// `product(contest.winners, contest.losers)` visits them.
fn arlo_pairs(contest: &Contest) -> Vec<(usize, usize)> {
    let mut losers = contest.loser_indices();
    losers.sort_by_key(|&l| std::cmp::Reverse(contest.votes(l)));
    contest
        .winner_indices()
        .iter()
        .flat_map(|&w| losers.iter().map(move |&l| (w, l)))
        .collect()
}

/// The card's margin error for one pair (`discrepancy.compute_error` L121-158).
fn pair_error(reported: &ReportedCard, audited: &AuditedCard, winner: usize, loser: usize) -> i8 {
    let marks = match audited {
        AuditedCard::NotFound => return 2,
        AuditedCard::ContestNotOnCard => &[][..],
        AuditedCard::Marked(m) => &m[..],
    };
    let a_w = i8::from(marks.contains(&winner));
    let a_l = i8::from(marks.contains(&loser));
    let audited_votes = count_distinct(marks);
    let (v_w, v_l) = match reported {
        ReportedCard::NoCvr => return 2,
        // ES&S: an audited overvote (or undervote) confirms the CVR; otherwise the CVR counts as
        // a vote for everyone (overvote) or no one (undervote), which both reduce to a_l − a_w.
        ReportedCard::EssOvervote => return if audited_votes > 1 { 0 } else { a_l - a_w },
        ReportedCard::EssUndervote => return if audited_votes < 1 { 0 } else { a_l - a_w },
        ReportedCard::ContestNotOnCard => (0, 0),
        ReportedCard::Marked(m) => (i8::from(m.contains(&winner)), i8::from(m.contains(&loser))),
    };
    (v_w - a_w) - (v_l - a_l)
}

fn count_distinct(marks: &[usize]) -> usize {
    marks
        .iter()
        .enumerate()
        .filter(|(i, m)| !marks[..*i].contains(m))
        .count()
}

/// The discrepancy of one card (Arlo `compute_discrepancies` L93-109 with `discrepancy` L114-167):
/// over every (winner, loser) pair with a non-zero error, the largest `counted_as`, first pair on
/// ties. `None` when every pair agrees.
pub fn discrepancy(
    contest: &Contest,
    reported: &ReportedCard,
    audited: &AuditedCard,
) -> Option<Discrepancy> {
    discrepancy_over(contest, &arlo_pairs(contest), reported, audited)
}

fn discrepancy_over(
    contest: &Contest,
    pairs: &[(usize, usize)],
    reported: &ReportedCard,
    audited: &AuditedCard,
) -> Option<Discrepancy> {
    let mut kept: Option<Discrepancy> = None;
    for &(w, l) in pairs {
        let error = pair_error(reported, audited, w, l);
        if error == 0 || kept.is_some_and(|k| k.counted_as >= error) {
            continue;
        }
        let margin = contest.votes(w).saturating_sub(contest.votes(l));
        let weighted_error = if margin > 0 {
            f64::from(error) / margin as f64
        } else {
            f64::INFINITY
        };
        kept = Some(Discrepancy {
            counted_as: error,
            weighted_error,
            winner: w,
            loser: l,
        });
    }
    kept
}

fn check_choices(contest: &Contest, cards: &[SampledCard]) -> Result<(), SuperSimpleError> {
    let choices = contest.choices().len();
    for (card, c) in cards.iter().enumerate() {
        let marked = match (&c.reported, &c.audited) {
            (ReportedCard::Marked(r), AuditedCard::Marked(a)) => r.iter().chain(a).max(),
            (ReportedCard::Marked(r), _) => r.iter().max(),
            (_, AuditedCard::Marked(a)) => a.iter().max(),
            _ => None,
        };
        if let Some(&choice) = marked.filter(|&&m| m >= choices) {
            return Err(SuperSimpleError::UnknownChoice {
                contest: contest.name().to_string(),
                card,
                choice,
                choices,
            });
        }
    }
    Ok(())
}

/// The Kaplan–Markov p-value and stop decision for the sampled cards (Arlo `compute_risk`
/// L244-324).
pub fn risk(
    contest: &Contest,
    risk_limit: RiskLimit,
    cards: &[SampledCard],
) -> Result<ComparisonRisk, SuperSimpleError> {
    check_choices(contest, cards)?;
    let pairs = arlo_pairs(contest);
    let discrepancies: Vec<Option<Discrepancy>> = cards
        .iter()
        .map(|c| discrepancy_over(contest, &pairs, &c.reported, &c.audited))
        .collect();
    let draws = cards
        .iter()
        .fold(0u64, |a, c| a.saturating_add(c.times_sampled));
    let ballots = contest.ballots();

    // Arlo's contest without losers has diluted margin −1, which only ever raises p; a tied contest
    // has every factor equal to 1. Either way p stays at (or is capped to) 1.
    let mu = contest.diluted_margin();
    let ln_p = if pairs.is_empty() || mu == 0.0 {
        0.0
    } else {
        // V = μ·N as a float, as Arlo computes it (L286).
        let v = mu * ballots as f64;
        let ln_no_error = (-mu / (2.0 * GAMMA)).ln_1p();
        cards
            .iter()
            .zip(&discrepancies)
            .map(|(card, d)| {
                let e = d.map_or(0.0, |d| d.weighted_error.max(0.0));
                let ln_factor = ln_no_error - (-e * v / (2.0 * GAMMA)).ln_1p();
                card.times_sampled as f64 * ln_factor
            })
            .sum()
    };
    let full_count = draws >= ballots;
    let met = !pairs.is_empty() && ln_p < risk_limit.alpha().ln();
    Ok(ComparisonRisk {
        p_value: if full_count { 0.0 } else { ln_p.exp().min(1.0) },
        risk_limit_met: met || full_count,
        discrepancies,
    })
}

/// `nMin` (Arlo L25-45, ColoradoRLA `computeOptimisticSamplesToAudit`): the number of draws at which
/// the Kaplan–Markov bound reaches `α` if the sample holds exactly the given discrepancies, and never
/// fewer than the discrepancies themselves:
/// `max(o1+o2+u1+u2, ⌈−2γ·(ln α + o1·ln(1−1/2γ) + o2·ln(1−1/γ) + u1·ln(1+1/2γ) + u2·ln(1+1/γ)) / μ⌉)`.
pub fn n_min(
    risk_limit: RiskLimit,
    diluted_margin: f64,
    expected: &DiscrepancyCounts,
) -> Result<u64, SuperSimpleError> {
    if !(diluted_margin > 0.0 && diluted_margin <= 1.0) {
        return Err(SuperSimpleError::BadMargin(diluted_margin));
    }
    let DiscrepancyCounts {
        one_vote_over: o1,
        two_vote_over: o2,
        one_vote_under: u1,
        two_vote_under: u2,
        ..
    } = *expected;
    let sum = o1.saturating_add(o2).saturating_add(u1).saturating_add(u2);
    let g = GAMMA;
    let log_sum = risk_limit.alpha().ln()
        + o1 as f64 * (1.0 - 1.0 / (2.0 * g)).ln()
        + o2 as f64 * (1.0 - 1.0 / g).ln()
        + u1 as f64 * (1.0 + 1.0 / (2.0 * g)).ln()
        + u2 as f64 * (1.0 + 1.0 / g).ln();
    let bound = (-2.0 * g * log_sum / diluted_margin).ceil();
    let bound = if bound.is_nan() || bound <= 0.0 {
        0
    } else {
        bound as u64 // saturates
    };
    Ok(sum.max(bound))
}

/// Round-1 size: draws needed if discrepancies occur at Arlo's default rates.
pub fn initial_sample_size(contest: &Contest, risk_limit: RiskLimit) -> u64 {
    additional_sample_size(contest, risk_limit, None)
}

/// Additional draws for the next round (Arlo `get_sample_sizes` L170-241): the stopping size nMin at
/// the observed overstatement rates (understatements ignored, to be conservative), or at the default
/// rates before any draw, capped at the number of ballots, minus the draws made so far.
///
/// A high observed rate (for example one two-vote overstatement in a small sample) makes the
/// Kaplan–Markov drift non-negative; no sample size can then confirm the outcome and the answer is
/// every remaining ballot.
pub fn additional_sample_size(
    contest: &Contest,
    risk_limit: RiskLimit,
    observed: Option<&DiscrepancyCounts>,
) -> u64 {
    let ballots = contest.ballots();
    let observed = observed.copied().unwrap_or_default();
    let n = observed.draws;
    let rates = if n > 0 {
        let rate = |count: u64| {
            PyDecimal::from_u64(count)
                .div(&PyDecimal::from_u64(n))
                .unwrap_or_else(|| PyDecimal::from_u64(0))
        };
        Rates {
            o1: rate(observed.one_vote_over),
            o2: rate(observed.two_vote_over),
            u1: PyDecimal::from_u64(0),
            u2: PyDecimal::from_u64(0),
        }
    } else {
        let default = |r: f64| PyDecimal::from_f64(r).unwrap_or_else(|| PyDecimal::from_u64(0));
        Rates {
            o1: default(DEFAULT_ONE_VOTE_RATE),
            o2: default(DEFAULT_TWO_VOTE_RATE),
            u1: default(DEFAULT_ONE_VOTE_RATE),
            u2: default(DEFAULT_TWO_VOTE_RATE),
        }
    };
    let stopping = stopping_size(contest, risk_limit, &rates).min(ballots);
    stopping.saturating_sub(n)
}

struct Rates {
    o1: PyDecimal,
    o2: PyDecimal,
    u1: PyDecimal,
    u2: PyDecimal,
}

/// nMin at the expected counts for the given rates, or the number of ballots when the rates
/// make the drift non-negative (L218-238).
fn stopping_size(contest: &Contest, risk_limit: RiskLimit, rates: &Rates) -> u64 {
    let ballots = contest.ballots();
    if contest.loser_indices().is_empty() {
        return ballots;
    }
    let mu = contest.diluted_margin();
    let g = GAMMA;
    let denom = (1.0 - mu / (2.0 * g)).ln()
        - rates.o1.to_f64() * (1.0 - 1.0 / (2.0 * g)).ln()
        - rates.o2.to_f64() * (1.0 - 1.0 / g).ln()
        - rates.u1.to_f64() * (1.0 + 1.0 / (2.0 * g)).ln()
        - rates.u2.to_f64() * (1.0 + 1.0 / g).ln();
    if denom.is_nan() || denom >= 0.0 {
        return ballots;
    }
    let n0 = (risk_limit.alpha().ln() / denom).ceil();
    let n0 = PyDecimal::from_u64(if n0 >= 1.0 { n0 as u64 } else { 0 });
    // One-vote counts round up, two-vote counts half up (L231-236).
    let expected = DiscrepancyCounts {
        draws: 0,
        one_vote_over: rates.o1.mul(&n0).ceil(),
        two_vote_over: rates.o2.mul(&n0).round_half_up(),
        one_vote_under: rates.u1.mul(&n0).ceil(),
        two_vote_under: rates.u2.mul(&n0).round_half_up(),
    };
    n_min(risk_limit, mu, &expected).unwrap_or(ballots)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contest(votes: &[(&str, u64)], ballots: u64, winners: usize) -> Contest {
        Contest::new("c", votes.iter().copied(), ballots, winners, 1).unwrap()
    }

    #[test]
    fn not_found_and_missing_cvr_are_two_vote_overstatements() {
        let c = contest(&[("w", 8000), ("l", 6000)], 15000, 1);
        let marked = ReportedCard::Marked(vec![0]);
        for (r, a) in [
            (&ReportedCard::NoCvr, &AuditedCard::Marked(vec![0])),
            (&marked, &AuditedCard::NotFound),
            (&ReportedCard::NoCvr, &AuditedCard::NotFound),
        ] {
            let d = discrepancy(&c, r, a).unwrap();
            assert_eq!(d.counted_as, 2);
            assert_eq!(d.weighted_error, 2.0 / 2000.0);
        }
    }

    #[test]
    fn keeps_the_largest_error_and_ignores_agreeing_pairs() {
        // Reported for a loser, audited for the winner: −2 against that loser, −1 against the other;
        // the agreeing pairs are not candidates, so −1 is kept (Arlo collects non-zero errors only).
        let c = contest(&[("a", 500), ("b", 300), ("c", 100)], 1000, 1);
        let d = discrepancy(
            &c,
            &ReportedCard::Marked(vec![1]),
            &AuditedCard::Marked(vec![0]),
        )
        .unwrap();
        assert_eq!((d.counted_as, d.winner, d.loser), (-1, 0, 2));
        assert_eq!(d.weighted_error, -1.0 / 400.0);
    }

    #[test]
    fn rejects_marks_outside_the_contest() {
        let c = contest(&[("a", 500), ("b", 300)], 1000, 1);
        let card = SampledCard {
            reported: ReportedCard::Marked(vec![2]),
            audited: AuditedCard::Marked(vec![0]),
            times_sampled: 1,
        };
        assert!(matches!(
            risk(&c, RiskLimit::new(0.1).unwrap(), &[card]),
            Err(SuperSimpleError::UnknownChoice { choice: 2, .. })
        ));
    }

    #[test]
    fn contest_without_losers_never_confirms_short_of_a_full_count() {
        let c = contest(&[("a", 500)], 1000, 1);
        let card = SampledCard {
            reported: ReportedCard::Marked(vec![0]),
            audited: AuditedCard::Marked(vec![0]),
            times_sampled: 10,
        };
        let r = risk(&c, RiskLimit::new(0.1).unwrap(), &[card]).unwrap();
        assert_eq!((r.p_value, r.risk_limit_met), (1.0, false));
        assert_eq!(initial_sample_size(&c, RiskLimit::new(0.1).unwrap()), 1000);
    }
}
