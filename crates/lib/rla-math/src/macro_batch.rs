//! Batch-comparison MACRO (Stark 2008, maximum across-contest relative overstatement) as Arlo computes it.
//!
//! A batch-comparison audit hand counts whole batches (precincts, scanner batches) and compares each
//! count with the batch's reported tally. Stark's MACRO ("Conservative statistical post-election
//! audits", Ann. Appl. Stat. 2008; "A sharper discrepancy measure for post-election audits", 2008)
//! bounds how much each batch could overstate the winners' margins; batches are drawn with
//! probability proportional to that bound (PPEB, Aslam–Popa–Rivest 2008; drawn by
//! `sampler::ppeb`), and every drawn batch's observed overstatement ("taint") updates a p-value.
//! Arlo applies it contest by contest (`server/audit_math/macro.py`; RLA-MATH.md §4):
//!
//! * **Reported margin** of each comparison: `V_wl = V_w − V_l − pending − unauditable`
//!   (macro.py L212-231), where `unauditable = ⌈(contest votes − batch votes) / votes allowed⌉`
//!   (L30-51). Runoff contests add a majority-threshold pseudo-pair per winner (L233-279).
//! * **Maximum error** of batch p: `u_p = max(0, max_wl ((v_wp − v_lp) + b_p) / V_wl)`, infinite
//!   when some `V_wl ≤ 0`, zero for a batch without the contest (L183-281); `U = Σ_p u_p` (L284-315).
//! * **Observed error** `e_p = max(0, max_wl ((v_wp − v_lp) − (a_wp − a_lp)) / V_wl)` (L54-180,
//!   L484-490), with the reported tallies of a combined batch's sub-batches summed (L463-482).
//! * **p-value** `Π over draws (1 − 1/U) / (1 − e_p/u_p)` (L396-505), 0 after a full hand count.
//! * **Sample size** `⌈(ln α − ln p) / ln(1 − 1/U)⌉ + 1`, at most the number of batches, all
//!   batches when `U` is infinite, 0 when the risk limit is already met (L318-393).
//!
//! Deliberate differences, each where Arlo raises an exception or returns a meaningless value:
//! a taint above 1 (possible with combined batches) makes the p-value infinite, as a taint of
//! exactly 1 does in Arlo, instead of Arlo's negative factor (which would wrongly stop the audit);
//! a sampled batch with `u_p = 0` contributes taint 0 when it matches and infinity otherwise
//! (Arlo divides by zero); batch votes above the contest totals, `U < 1` and a contest in no batch
//! are errors; after a full hand count the next sample size is 0 (Arlo raises).
//!
//! # Precision
//! `u_p`, `U`, `u_p/U`, `e_p` and the taints are exact fractions (see `exact`), each rounded to
//! `f64` once: within 1e-15 relative of Arlo's 28-digit Decimal values (which are themselves
//! within 1e-27 of the exact ones). The p-value is a sum of `ln_1p` terms exponentiated once:
//! relative error about 1e-14 for thousands of draws, against Arlo's Decimal product. Sample sizes
//! are exact: the ceiling is decided with exact integer arithmetic whenever the floating estimate
//! is within 1e-9 of an integer, reading the risk limit as the decimal it was written as (5 % is
//! exactly 5/100). In those exact-integer cases Arlo's 28-digit logarithms can land one unit
//! above the integer and add one draw (e.g. U = 2.5, α = 36 %: exact 3, Arlo 4); ballotproof
//! returns the exact value.

mod exact;

use std::collections::HashSet;

use num_bigint::BigUint;
use thiserror::Error;

use crate::contest::{Contest, ContestError};
use crate::risk_limit::RiskLimit;

use exact::{Fraction, decimal_fraction_of_f64, fraction_of_f64};

/// Contest facts only batch-comparison audits use (Arlo's `pendingBallots` and
/// `isSubjectToRunoff`, `sampler_contest.py` L46-49).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MacroOptions {
    /// Ballots cast but not yet tallied; assumed to be votes for the loser.
    pub pending_ballots: u64,
    /// The contest is decided by majority-or-runoff law: the audit must also confirm that the
    /// winner has (or lacks) a majority, and with no majority the top two both "win".
    pub subject_to_runoff: bool,
}

/// One batch's reported tally for the contest: votes per choice, in the contest's choice order,
/// and the number of ballot cards in the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchTally {
    pub votes: Vec<u64>,
    pub ballots: u64,
}

/// A batch of the contest's jurisdictions, named for messages, with its reported tally for the
/// contest, or `None` when the contest is not on the batch's ballots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedBatch {
    pub name: String,
    pub tally: Option<BatchTally>,
}

impl ReportedBatch {
    pub fn new(name: impl Into<String>, votes: Vec<u64>, ballots: u64) -> ReportedBatch {
        ReportedBatch {
            name: name.into(),
            tally: Some(BatchTally { votes, ballots }),
        }
    }

    /// A batch whose ballots do not carry the contest (its maximum error is 0).
    pub fn without_contest(name: impl Into<String>) -> ReportedBatch {
        ReportedBatch {
            name: name.into(),
            tally: None,
        }
    }
}

/// A sampled batch after its hand count: its index in the contest's batch list, how many of this
/// contest's tickets drew it (each draw contributes one factor to the p-value; 0 for a batch hand
/// counted only for another contest, which still counts toward a full hand count), and the
/// audited votes per choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditedBatch {
    pub batch: usize,
    pub times_drawn: u32,
    pub votes: Vec<u64>,
}

/// Everything observed so far: the audited batches and any combined batches (groups of batch
/// indices counted together, whose audited votes cover the whole group).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Observed {
    pub audited: Vec<AuditedBatch>,
    pub combined_batches: Vec<Vec<usize>>,
}

/// The p-value after the observed draws and whether it meets the risk limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MacroRisk {
    /// At most 1 (Arlo returns `min(p, 1)`); 0 after a full hand count.
    pub p_value: f64,
    pub risk_limit_met: bool,
}

/// Why MACRO cannot be computed for these inputs.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MacroError {
    #[error(transparent)]
    Contest(#[from] ContestError),
    #[error(
        "batch {batch:?} gives {got} vote count(s) but contest {contest:?} has {expected} choice(s); give one count per choice, in the contest's choice order"
    )]
    WrongChoiceCount {
        contest: String,
        batch: String,
        expected: usize,
        got: usize,
    },
    #[error(
        "batch {batch:?} reports {votes} votes for {choice:?} but has only {ballots} ballot card(s); a card can give a choice at most one vote — check the batch tally"
    )]
    VotesExceedBallots {
        batch: String,
        choice: String,
        votes: u64,
        ballots: u64,
    },
    #[error(
        "batch {batch:?} reports {votes} votes in contest {contest:?}, more than its {ballots} ballot card(s) × {votes_allowed} vote(s) allowed; check the batch tally"
    )]
    TooManyVotesInBatch {
        contest: String,
        batch: String,
        votes: u128,
        ballots: u64,
        votes_allowed: u32,
    },
    #[error(
        "the batch tallies add up to {batch_votes} votes in contest {contest:?}, more than the {contest_votes} the contest reports; correct the contest totals or the batch tallies"
    )]
    BatchVotesExceedContest {
        contest: String,
        batch_votes: u128,
        contest_votes: u128,
    },
    #[error(
        "audited batch number {index} does not exist: contest {contest:?} has {batches} batch(es), numbered from 0"
    )]
    UnknownBatch {
        contest: String,
        index: usize,
        batches: usize,
    },
    #[error(
        "batch {batch:?} is listed twice among the audited batches; list it once with the number of times it was drawn"
    )]
    DuplicateAuditedBatch { batch: String },
    #[error(
        "contest {contest:?} is in none of the batches, so no batch can be sampled for it; check that the batch tallies include this contest"
    )]
    ContestInNoBatch { contest: String },
    #[error(
        "the batches' maximum errors for contest {contest:?} add up to U = {total}, below 1, so the batch tallies cannot account for the reported margin; check the contest totals, pending ballots and batch tallies"
    )]
    TotalMaxErrorBelowOne { contest: String, total: f64 },
    #[error(
        "contest {contest:?} has no positive margin between {winner:?} and {loser:?} once pending and unauditable ballots count against the winner; no sample can confirm it, so every batch must be hand counted"
    )]
    NoMargin {
        contest: String,
        winner: String,
        loser: String,
    },
}

/// What the audit must confirm: a winner beats a loser, or a runoff threshold holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparison {
    Pair {
        winner: usize,
        loser: usize,
    },
    /// The winner has a majority: winner against all other choices combined (macro.py L244-248).
    Majority {
        winner: usize,
    },
    /// No majority: all other choices combined against the winner (macro.py L249-253).
    NoMajority {
        winner: usize,
    },
}

impl Comparison {
    /// The comparison's net votes in a tally: `v_w − v_l` for a pair.
    fn net(self, votes: &[u64]) -> i128 {
        let vote = |i: usize| i128::from(votes.get(i).copied().unwrap_or(0));
        let total: i128 = votes.iter().map(|&v| i128::from(v)).sum();
        match self {
            Comparison::Pair { winner, loser } => vote(winner) - vote(loser),
            Comparison::Majority { winner } => 2 * vote(winner) - total,
            Comparison::NoMajority { winner } => total - 2 * vote(winner),
        }
    }
}

/// A comparison with its reported margin `V_wl` after the pending and unauditable adjustments.
#[derive(Debug, Clone, Copy)]
struct Margin {
    comparison: Comparison,
    votes: i128,
}

/// A maximum error: an exact fraction, or infinite when a margin is not positive.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Bound {
    Finite(Fraction),
    Infinite,
}

/// A contest prepared for MACRO: its comparisons and margins, and every batch's maximum error.
#[derive(Debug, Clone)]
pub struct MacroContest {
    contest: Contest,
    batches: Vec<ReportedBatch>,
    margins: Vec<Margin>,
    unauditable_ballots: u64,
    max_errors: Vec<Bound>,
    total: Bound,
}

impl MacroContest {
    /// Validates the batch tallies against the contest and computes every `u_p` and `U`.
    pub fn new(
        contest: &Contest,
        options: MacroOptions,
        batches: Vec<ReportedBatch>,
    ) -> Result<MacroContest, MacroError> {
        let contest = runoff_contest(contest, options)?;
        for batch in &batches {
            validate_tally(&contest, batch)?;
        }
        let unauditable_ballots = unauditable_ballots(&contest, &batches)?;
        let margins = margins(&contest, options, unauditable_ballots);
        let max_errors: Vec<Bound> = batches
            .iter()
            .map(|b| match &b.tally {
                Some(tally) => max_error(&margins, tally),
                None => Bound::Finite(Fraction::zero()),
            })
            .collect();
        let total = total_max_error(&margins, &max_errors);
        Ok(MacroContest {
            contest,
            batches,
            margins,
            unauditable_ballots,
            max_errors,
            total,
        })
    }

    /// The contest as audited (with a runoff's top two as winners when no one has a majority).
    pub fn contest(&self) -> &Contest {
        &self.contest
    }

    pub fn batches(&self) -> &[ReportedBatch] {
        &self.batches
    }

    /// Ballots in the contest totals but in no batch tally, counted against the winners.
    pub fn unauditable_ballots(&self) -> u64 {
        self.unauditable_ballots
    }

    /// `u_p` of batch `batch` (∞ when some margin is not positive), or `None` for no such batch.
    pub fn max_error(&self, batch: usize) -> Option<f64> {
        self.max_errors.get(batch).map(bound_to_f64)
    }

    /// `U = Σ u_p`, the largest total overstatement the batches could hide (∞ for a tie).
    pub fn total_max_error(&self) -> f64 {
        bound_to_f64(&self.total)
    }

    /// PPEB selection probabilities `u_p / U`, one per batch in order, each the nearest double to
    /// the exact ratio (what Arlo passes to NumPy as `float(u_p / U)`, sampler.py L127-133).
    /// All zero when the contest is in no batch (Arlo then draws nothing).
    pub fn ppeb_weights(&self) -> Result<Vec<f64>, MacroError> {
        let total = self.finite_total()?;
        if total.is_zero() {
            return Ok(vec![0.0; self.batches.len()]);
        }
        Ok(self
            .max_errors
            .iter()
            .map(|bound| match bound {
                Bound::Finite(u) => u.div(&total).map_or(0.0, |w| w.to_f64()),
                Bound::Infinite => f64::NAN, // unreachable: the total would be infinite
            })
            .collect())
    }

    /// `e_p`: the largest overstatement of any margin that the audited votes show in batch
    /// `batch` (combined with its group's reported tallies if it is in a combined batch), as a
    /// fraction of that margin; 0 when the hand count favours the winners.
    pub fn batch_error(
        &self,
        batch: usize,
        audited_votes: &[u64],
        combined_batches: &[Vec<usize>],
    ) -> Result<f64, MacroError> {
        self.check_batch_index(batch)?;
        self.check_votes_len(batch, audited_votes)?;
        Ok(
            match self.observed_error(batch, audited_votes, combined_batches) {
                Some(e) => e.to_f64(),
                None => f64::INFINITY,
            },
        )
    }

    /// The p-value after the observed draws (macro.py::compute_risk L396-505) and whether it is at
    /// most the risk limit.
    pub fn risk(
        &self,
        observed: &Observed,
        risk_limit: RiskLimit,
    ) -> Result<MacroRisk, MacroError> {
        let p = self.p_value(observed)?;
        Ok(MacroRisk {
            p_value: p.min(1.0),
            risk_limit_met: p <= risk_limit.alpha(),
        })
    }

    /// The number of further batch draws expected to meet the risk limit if no more errors are
    /// found (macro.py::get_sample_sizes L318-393): round 1 with nothing observed, later rounds
    /// continuing from the p-value so far. 0 when the limit is already met or every batch has been
    /// counted; every batch when the margin is not positive.
    pub fn sample_size(
        &self,
        risk_limit: RiskLimit,
        observed: &Observed,
    ) -> Result<usize, MacroError> {
        let batches = self.batches.len();
        if self.sampled_batches(observed)?.len() == batches {
            return Ok(0);
        }
        if self.total == Bound::Infinite {
            return Ok(batches);
        }
        let total = self.finite_total()?;
        let risk = self.risk(observed, risk_limit)?;
        if risk.risk_limit_met {
            return Ok(0);
        }
        let Some(p_mult) = Fraction::new(1u8, 1u8)
            .and_then(|one| one.div(&total))
            .and_then(|inverse| inverse.one_minus())
        else {
            return Err(self.below_one(&total));
        };
        if p_mult.is_zero() {
            // U = 1: one draw without error takes the p-value to 0. Arlo's formula gives
            // ⌈(ln α − ln p) / −∞⌉ + 1 = 1.
            return Ok(batches.min(1));
        }
        let alpha = risk_limit.alpha();
        let estimate = (alpha.ln() - risk.p_value.ln()) / p_mult.ln();
        let draws = exact_ceiling(estimate, batches, &p_mult, risk.p_value, alpha);
        Ok(draws.saturating_add(1).min(batches))
    }

    fn p_value(&self, observed: &Observed) -> Result<f64, MacroError> {
        let sampled = self.sampled_batches(observed)?;
        if sampled.len() == self.batches.len() {
            return Ok(0.0); // full hand count
        }
        let Bound::Finite(total) = &self.total else {
            return Ok(1.0); // Arlo returns (1.0, False) once any batch's bound is infinite
        };
        let draws: Vec<&AuditedBatch> = observed
            .audited
            .iter()
            .filter(|a| a.times_drawn > 0 && self.contains_contest(a.batch))
            .collect();
        if draws.is_empty() {
            return Ok(1.0);
        }
        let Some(p_mult) = Fraction::new(1u8, 1u8)
            .and_then(|one| one.div(total))
            .and_then(|inverse| inverse.one_minus())
        else {
            return Err(self.below_one(total));
        };
        let ln_p_mult = if p_mult.is_zero() {
            f64::NEG_INFINITY
        } else {
            p_mult.ln()
        };
        let mut ln_p = 0.0;
        for audited in draws {
            let Some(ln_one_minus_taint) = self.ln_one_minus_taint(audited, observed) else {
                return Ok(f64::INFINITY);
            };
            ln_p += f64::from(audited.times_drawn) * (ln_p_mult - ln_one_minus_taint);
        }
        Ok(ln_p.exp())
    }

    /// `ln(1 − e_p/u_p)` for an audited batch, or `None` when the taint is at least 1 (the
    /// p-value is then infinite).
    fn ln_one_minus_taint(&self, audited: &AuditedBatch, observed: &Observed) -> Option<f64> {
        let error =
            self.observed_error(audited.batch, &audited.votes, &observed.combined_batches)?;
        let Some(Bound::Finite(bound)) = self.max_errors.get(audited.batch) else {
            return None;
        };
        if error.is_zero() {
            return Some(0.0);
        }
        let taint = error.div(bound)?;
        let remaining = taint.one_minus()?;
        (!remaining.is_zero()).then(|| remaining.ln())
    }

    /// `e_p` as an exact fraction; `None` when infinite (an overstated margin that is not positive).
    fn observed_error(
        &self,
        batch: usize,
        audited_votes: &[u64],
        combined_batches: &[Vec<usize>],
    ) -> Option<Fraction> {
        let reported = self.reported_votes_for_error(batch, combined_batches);
        let mut worst = Fraction::zero();
        for margin in &self.margins {
            let error = margin.comparison.net(&reported) - margin.comparison.net(audited_votes);
            if error <= 0 {
                continue;
            }
            if margin.votes <= 0 {
                return None;
            }
            let weighted = Fraction::new(error.unsigned_abs(), margin.votes.unsigned_abs())?;
            if weighted > worst {
                worst = weighted;
            }
        }
        Some(worst)
    }

    /// The reported votes compared with a batch's hand count: its own, or for a batch in a
    /// combined batch the sum over the group (macro.py L463-482).
    fn reported_votes_for_error(&self, batch: usize, combined_batches: &[Vec<usize>]) -> Vec<u64> {
        let own = |i: usize| {
            self.batches
                .get(i)
                .and_then(|b| b.tally.as_ref())
                .map(|t| t.votes.clone())
                .unwrap_or_else(|| vec![0; self.contest.choices().len()])
        };
        match combined_batches.iter().find(|group| group.contains(&batch)) {
            Some(group) => {
                let mut sum = vec![0u64; self.contest.choices().len()];
                for &member in group {
                    for (s, v) in sum.iter_mut().zip(own(member)) {
                        *s = s.saturating_add(v);
                    }
                }
                sum
            }
            None => own(batch),
        }
    }

    /// Distinct batches hand counted so far (drawn for this contest or not: Arlo's full-hand-count
    /// test counts every batch in its sample results), after validating the observations.
    fn sampled_batches(&self, observed: &Observed) -> Result<HashSet<usize>, MacroError> {
        let mut seen = HashSet::new();
        for audited in &observed.audited {
            self.check_batch_index(audited.batch)?;
            self.check_votes_len(audited.batch, &audited.votes)?;
            if !seen.insert(audited.batch) {
                return Err(MacroError::DuplicateAuditedBatch {
                    batch: self.batch_name(audited.batch),
                });
            }
        }
        for group in &observed.combined_batches {
            for &member in group {
                self.check_batch_index(member)?;
            }
        }
        Ok(seen)
    }

    fn contains_contest(&self, batch: usize) -> bool {
        self.batches.get(batch).is_some_and(|b| b.tally.is_some())
    }

    fn batch_name(&self, batch: usize) -> String {
        self.batches
            .get(batch)
            .map(|b| b.name.clone())
            .unwrap_or_else(|| format!("#{batch}"))
    }

    fn check_batch_index(&self, batch: usize) -> Result<(), MacroError> {
        if batch < self.batches.len() {
            Ok(())
        } else {
            Err(MacroError::UnknownBatch {
                contest: self.contest.name().to_string(),
                index: batch,
                batches: self.batches.len(),
            })
        }
    }

    fn check_votes_len(&self, batch: usize, votes: &[u64]) -> Result<(), MacroError> {
        let expected = self.contest.choices().len();
        if votes.len() == expected {
            Ok(())
        } else {
            Err(MacroError::WrongChoiceCount {
                contest: self.contest.name().to_string(),
                batch: self.batch_name(batch),
                expected,
                got: votes.len(),
            })
        }
    }

    /// `U` when finite and not below 1 (or zero, for a contest in no batch).
    fn finite_total(&self) -> Result<Fraction, MacroError> {
        match &self.total {
            Bound::Infinite => Err(self.no_margin_error()),
            Bound::Finite(total) => {
                let one = Fraction::new(1u8, 1u8).unwrap_or_else(Fraction::zero);
                if total.is_zero() || *total >= one {
                    Ok(total.clone())
                } else {
                    Err(self.below_one(total))
                }
            }
        }
    }

    fn below_one(&self, total: &Fraction) -> MacroError {
        if total.is_zero() {
            MacroError::ContestInNoBatch {
                contest: self.contest.name().to_string(),
            }
        } else {
            MacroError::TotalMaxErrorBelowOne {
                contest: self.contest.name().to_string(),
                total: total.to_f64(),
            }
        }
    }

    fn no_margin_error(&self) -> MacroError {
        let name = |i: usize| {
            self.contest
                .choices()
                .get(i)
                .map(|c| c.name.clone())
                .unwrap_or_default()
        };
        let (winner, loser) = self
            .margins
            .iter()
            .find(|m| m.votes <= 0)
            .map(|m| match m.comparison {
                Comparison::Pair { winner, loser } => (name(winner), name(loser)),
                Comparison::Majority { winner } => (name(winner), "all others combined".into()),
                Comparison::NoMajority { winner } => ("all others combined".into(), name(winner)),
            })
            .unwrap_or_default();
        MacroError::NoMargin {
            contest: self.contest.name().to_string(),
            winner,
            loser,
        }
    }
}

/// Arlo treats a runoff contest where no one has a majority (including exactly half) as a
/// two-winner contest, so the runner-up must also be confirmed against every other choice
/// (sampler_contest.py L97-104).
fn runoff_contest(contest: &Contest, options: MacroOptions) -> Result<Contest, MacroError> {
    if !options.subject_to_runoff {
        return Ok(contest.clone());
    }
    let valid = contest.total_votes();
    let top = contest.choices().iter().map(|c| c.votes).max().unwrap_or(0);
    if top > valid - top || contest.choices().len() < 2 {
        return Ok(contest.clone());
    }
    Ok(Contest::new(
        contest.name(),
        contest.choices().iter().map(|c| (c.name.clone(), c.votes)),
        contest.ballots(),
        2,
        contest.votes_allowed(),
    )?)
}

fn validate_tally(contest: &Contest, batch: &ReportedBatch) -> Result<(), MacroError> {
    let Some(tally) = &batch.tally else {
        return Ok(());
    };
    if tally.votes.len() != contest.choices().len() {
        return Err(MacroError::WrongChoiceCount {
            contest: contest.name().to_string(),
            batch: batch.name.clone(),
            expected: contest.choices().len(),
            got: tally.votes.len(),
        });
    }
    for (choice, &votes) in contest.choices().iter().zip(&tally.votes) {
        if votes > tally.ballots {
            return Err(MacroError::VotesExceedBallots {
                batch: batch.name.clone(),
                choice: choice.name.clone(),
                votes,
                ballots: tally.ballots,
            });
        }
    }
    let votes: u128 = tally.votes.iter().map(|&v| u128::from(v)).sum();
    if votes > u128::from(tally.ballots) * u128::from(contest.votes_allowed()) {
        return Err(MacroError::TooManyVotesInBatch {
            contest: contest.name().to_string(),
            batch: batch.name.clone(),
            votes,
            ballots: tally.ballots,
            votes_allowed: contest.votes_allowed(),
        });
    }
    Ok(())
}

/// `⌈(contest votes − batch votes) / votes allowed⌉` (macro.py L30-51).
fn unauditable_ballots(contest: &Contest, batches: &[ReportedBatch]) -> Result<u64, MacroError> {
    let contest_votes: u128 = contest.choices().iter().map(|c| u128::from(c.votes)).sum();
    let batch_votes: u128 = batches
        .iter()
        .filter_map(|b| b.tally.as_ref())
        .flat_map(|t| t.votes.iter())
        .map(|&v| u128::from(v))
        .sum();
    if batch_votes > contest_votes {
        return Err(MacroError::BatchVotesExceedContest {
            contest: contest.name().to_string(),
            batch_votes,
            contest_votes,
        });
    }
    let missing = (contest_votes - batch_votes).div_ceil(u128::from(contest.votes_allowed()));
    Ok(u64::try_from(missing).unwrap_or(u64::MAX))
}

/// Every comparison with its margin `V_wl − pending − unauditable` (macro.py L218-226, L244-261).
fn margins(contest: &Contest, options: MacroOptions, unauditable: u64) -> Vec<Margin> {
    let adjust = |v: i128| v - i128::from(options.pending_ballots) - i128::from(unauditable);
    let votes = |i: usize| i128::from(contest.votes(i));
    let mut margins: Vec<Margin> = contest
        .pairs()
        .into_iter()
        .map(|(winner, loser)| Margin {
            comparison: Comparison::Pair { winner, loser },
            votes: adjust(votes(winner) - votes(loser)),
        })
        .collect();
    if options.subject_to_runoff {
        let valid = i128::from(contest.total_votes());
        for &winner in contest.winner_indices() {
            let w = votes(winner);
            margins.push(if w > valid - w {
                Margin {
                    comparison: Comparison::Majority { winner },
                    votes: adjust(2 * w - valid),
                }
            } else {
                Margin {
                    comparison: Comparison::NoMajority { winner },
                    votes: adjust(valid - 2 * w),
                }
            });
        }
    }
    margins
}

/// `u_p = max(0, max ((net + b_p) / V))`, infinite when some margin is not positive.
fn max_error(margins: &[Margin], tally: &BatchTally) -> Bound {
    let mut worst = Fraction::zero();
    for margin in margins {
        if margin.votes <= 0 {
            return Bound::Infinite;
        }
        let possible = margin.comparison.net(&tally.votes) + i128::from(tally.ballots);
        if possible <= 0 {
            continue;
        }
        if let Some(u) = Fraction::new(possible.unsigned_abs(), margin.votes.unsigned_abs())
            && u > worst
        {
            worst = u;
        }
    }
    Bound::Finite(worst)
}

/// `U = Σ u_p`, summed exactly with one denominator per margin so the fractions stay small.
fn total_max_error(margins: &[Margin], max_errors: &[Bound]) -> Bound {
    let mut numerators: Vec<(BigUint, BigUint)> = Vec::new();
    for bound in max_errors {
        match bound {
            Bound::Infinite => return Bound::Infinite,
            Bound::Finite(u) if u.is_zero() => {}
            Bound::Finite(u) => {
                match numerators
                    .iter_mut()
                    .find(|(_, den)| den == u.denominator())
                {
                    Some((num, _)) => *num += u.numerator(),
                    None => numerators.push((u.numerator().clone(), u.denominator().clone())),
                }
            }
        }
    }
    debug_assert!(numerators.len() <= margins.len());
    let total = numerators
        .into_iter()
        .filter_map(|(num, den)| Fraction::new(num, den))
        .fold(Fraction::zero(), |acc, f| acc.add(&f));
    Bound::Finite(total)
}

fn bound_to_f64(bound: &Bound) -> f64 {
    match bound {
        Bound::Finite(f) => f.to_f64(),
        Bound::Infinite => f64::INFINITY,
    }
}

/// `⌈estimate⌉`, exact: when the floating estimate is within 1e-9 of an integer `m`, decide between
/// `m` and `m + 1` by testing `risk · p_mult^m ≤ α` in integers, with α read as the decimal it was
/// written as and the risk as the exact value of its double. Estimates at or beyond the number of
/// batches are capped by the caller anyway.
fn exact_ceiling(estimate: f64, batches: usize, p_mult: &Fraction, risk: f64, alpha: f64) -> usize {
    if !estimate.is_finite() || estimate >= batches as f64 {
        return batches;
    }
    if estimate <= 0.0 {
        return 0;
    }
    let nearest = estimate.round();
    if (estimate - nearest).abs() > 1e-9 * nearest.max(1.0) {
        return estimate.ceil() as usize;
    }
    let m = nearest as usize;
    match risk_after(p_mult, m, risk, alpha) {
        Some(true) => m,
        Some(false) => m + 1,
        // Too large to check exactly: take the larger size, never the one that stops early.
        None => m + 1,
    }
}

/// Whether `risk · p_mult^n ≤ α` exactly; `None` when the powers would be too large to compute.
fn risk_after(p_mult: &Fraction, n: usize, risk: f64, alpha: f64) -> Option<bool> {
    const MAX_BITS: u64 = 1 << 24;
    let n32 = u32::try_from(n).ok()?;
    let size = p_mult.denominator().bits().saturating_mul(u64::from(n32));
    if size > MAX_BITS {
        return None;
    }
    let risk = fraction_of_f64(risk)?;
    let alpha = decimal_fraction_of_f64(alpha)?;
    let lhs = risk.numerator() * p_mult.numerator().pow(n32) * alpha.denominator();
    let rhs = alpha.numerator() * p_mult.denominator().pow(n32) * risk.denominator();
    Some(lhs <= rhs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_way(winner: u64, loser: u64, batches: &[(u64, u64, u64)]) -> MacroContest {
        let ballots = batches.iter().map(|b| b.2).sum();
        let contest = Contest::new("c", [("w", winner), ("l", loser)], ballots, 1, 1).unwrap();
        let batches = batches
            .iter()
            .enumerate()
            .map(|(i, &(w, l, b))| ReportedBatch::new(format!("b{i}"), vec![w, l], b))
            .collect();
        MacroContest::new(&contest, MacroOptions::default(), batches).unwrap()
    }

    #[test]
    fn max_error_is_net_plus_ballots_over_margin() {
        // Arlo test_macro.py::test_worst_case L370-391: two batches of 500 ballots, all for the
        // winner; margin 1000; u_p = (500 + 500) / 1000 = 1 each, U = 2.
        let m = two_way(1000, 0, &[(500, 0, 500), (500, 0, 500)]);
        assert_eq!(m.max_error(0), Some(1.0));
        assert_eq!(m.total_max_error(), 2.0);
        // Auditing batch 1 finds every vote for the loser: taint 1, p-value infinite (capped at 1).
        let observed = Observed {
            audited: vec![AuditedBatch {
                batch: 0,
                times_drawn: 1,
                votes: vec![0, 500],
            }],
            combined_batches: vec![],
        };
        let risk = m.risk(&observed, RiskLimit::new(0.1).unwrap()).unwrap();
        assert_eq!(risk.p_value, 1.0);
        assert!(!risk.risk_limit_met);
    }

    #[test]
    fn taint_above_one_makes_the_p_value_infinite_not_negative() {
        // Batches 0 and 1 combined; batch 0 alone has u_p = (10 + 20)/100 = 0.3, but the combined
        // hand count shows 40 net votes moved to the loser: e_p = 0.4, taint 4/3. Arlo's factor
        // (1 − 1/U)/(1 − 4/3) would be negative and "meet" any risk limit.
        let m = two_way(550, 450, &[(15, 5, 20), (135, 45, 180), (400, 400, 800)]);
        let observed = Observed {
            audited: vec![AuditedBatch {
                batch: 0,
                times_drawn: 1,
                votes: vec![150 - 20, 50 + 20],
            }],
            combined_batches: vec![vec![0, 1]],
        };
        let risk = m.risk(&observed, RiskLimit::new(0.1).unwrap()).unwrap();
        assert_eq!(risk.p_value, 1.0);
        assert!(!risk.risk_limit_met);
    }

    #[test]
    fn exact_ceiling_decides_integer_estimates_exactly() {
        // U = 2.5 → p_mult = 3/5; α = 36 % = (3/5)^2 exactly: 2 draws suffice.
        let p_mult = Fraction::new(3u8, 5u8).unwrap();
        assert_eq!(
            exact_ceiling(2.0000000000000004, 100, &p_mult, 1.0, 0.36),
            2
        );
        assert_eq!(
            exact_ceiling(1.9999999999999998, 100, &p_mult, 1.0, 0.36),
            2
        );
        // Slightly above (3/5)^2 the same estimate needs a third draw.
        assert_eq!(
            exact_ceiling(1.9999999999999998, 100, &p_mult, 1.0, 0.3599),
            3
        );
    }
}
