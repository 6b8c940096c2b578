//! Round-by-round ballot polling: MINERVA (athena, as Arlo calls it), r2b2 Minerva, and Providence (r2b2 Minerva2).
//!
//! MINERVA (Zagórski et al., "Minerva — an efficient risk-limiting ballot-polling audit", USENIX 2021)
//! and Providence (Broadrick et al., arXiv:2210.08717) decide after each round from the *whole* round,
//! not ballot by ballot. For every (reported winner, reported loser) pair, using only the ballots for
//! those two, they compare the chance of seeing at least the observed winner count under the reported
//! result with the same chance under a tie, over the distributions that remain after the audit did not
//! stop in earlier rounds. Three peer implementations are reproduced, each in its own module:
//!
//! * [`r2b2`] — r2b2's `Minerva` (`src/r2b2/minerva.py`, `audit.py`), and through the same engine
//!   r2b2's `Minerva2`, i.e. Providence ([`providence`] holds the parts that differ). Arlo's PROVIDENCE
//!   calls this.
//! * [`athena`] — filipzz/athena 0.8.3's MINERVA (`code/athena/athena.py`, `audit.py`), which Arlo's
//!   MINERVA calls.
//! * [`arlo`] — Arlo's wrappers around both (`server/audit_math/minerva.py`, `providence.py`): fallback
//!   sizes, the fixed growth of later rounds, the reported p-value.
//! * [`brla`] — r2b2's Bayesian RLA (`src/r2b2/brla.py`), kmins for a round schedule.
//!
//! # Precision
//!
//! * Sample sizes, kmins, stop decisions: exact integers/booleans equal to the peer's. They come from
//!   comparisons of probabilities (`α · tail_reported > tail_null`, `stopping probability ≥ goal`); the
//!   peer and ballotproof compute both sides to about 1e-13 relative, so they agree unless the two sides
//!   are within ~1e-13 of each other — not seen in any vector or generated case.
//! * p-values and stopping probabilities: within 1e-12 relative of the peer (checked to the conformance
//!   runner's 1e-6 bound). Binomial probabilities use Loader's saddle-point form
//!   ([`crate::special::binomial_ln_pmf_saddle`], ~1e-15 relative) filled by a recurrence re-anchored
//!   every 64 steps (~1e-13); tails are summed from the smallest term up.
//! * Probabilities below `f64::MIN_POSITIVE` (2.2e-308) are treated as zero; SciPy keeps subnormals
//!   down to 5e-324. This changes a p-value only when every relevant tail is below 1e-300.
//! * Convolutions skip each input's far lower side (below 1e-40 of its peak). Only upper tails are
//!   ever read, and each skipped product is below 1e-40 of a kept product in the same upper-tail term,
//!   so tails change by under 1e-30 relative; totals and lower tails by under 1e-40 absolute.
//! * Where a peer divides 0 by 0 (an observation no surviving path can reach) the p-value is NaN, and
//!   `x / 0` is infinity, as NumPy gives; athena's documented 0 / ∞ values are kept.

use thiserror::Error;

pub(crate) mod dist;

pub mod arlo;
pub mod athena;
pub mod brla;
pub mod providence;
pub mod r2b2;

pub use r2b2::{PairAudit, R2b2Audit, R2b2Method, RoundSizeEstimate};

/// The largest cumulative sample, in ballots, any function here accepts. Real ballot-polling audits
/// stay far below it; the cap keeps a mistyped size from allocating gigabytes of distribution.
pub const MAX_SAMPLE_SIZE: u64 = 100_000_000;

/// Why a MINERVA/Providence computation cannot give an answer; each message says what to change.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum MinervaError {
    #[error(
        "the reported votes ({votes}) exceed the ballots cast ({ballots}); ballot-polling MINERVA needs at most one vote per ballot"
    )]
    MoreVotesThanBallots { votes: u128, ballots: u64 },
    #[error("no votes are reported; MINERVA needs the reported tally")]
    NoVotes,
    #[error(
        "{loser:?} has no reported votes, so the {winner:?}–{loser:?} margin is 100% and r2b2's round-size search divides by zero (ZeroDivisionError); audit this pair by hand or remove the choice"
    )]
    LoserWithoutVotes { winner: String, loser: String },
    #[error(
        "the {winner:?}–{loser:?} margin is {margin}; athena MINERVA needs a margin strictly between 0 and 1 (a loser with no votes makes it 1)"
    )]
    MarginOutOfRange {
        winner: String,
        loser: String,
        margin: f64,
    },
    #[error(
        "the reported winners are not the top vote-getters or a winner is tied with a loser; MINERVA cannot confirm a tied outcome (athena: \"Incorrect reported winners\")"
    )]
    IncorrectReportedWinners,
    #[error("the contest has no reported losers; there is no outcome to audit")]
    NoLosers,
    #[error("stopping probability {0} is not between 0 and 1; give a value such as 0.9")]
    BadStoppingProbability(f64),
    #[error("round size {given} is not larger than the previous cumulative round size {previous}")]
    RoundNotLarger { previous: u64, given: u64 },
    #[error("the tally has {given} entries but the contest has {expected} choices")]
    TallyLength { expected: usize, given: usize },
    #[error(
        "cumulative sample tally for {choice:?} fell from {previous} to {given}; round tallies must be cumulative"
    )]
    TallyDecreased {
        choice: String,
        previous: u64,
        given: u64,
    },
    #[error(
        "the sample tally sums to {votes} votes but only {ballots} ballots were drawn; check the round's tally"
    )]
    TallyExceedsSample { votes: u128, ballots: u64 },
    #[error("the audit already met the risk limit; no further rounds are needed")]
    AuditCompleted,
    #[error(
        "no round size up to 10,000,000 ballots reaches the requested stopping probability for {winner:?}–{loser:?} (r2b2 fails here too, with \"'int' object is not subscriptable\"); this happens when the pair already met the risk limit or the sample disagrees sharply with the reported result — choose the next round size by hand"
    )]
    NoRoundSizeFound { winner: String, loser: String },
    #[error(
        "the kmin search for {winner:?}–{loser:?} found the stopping condition holding at k but not at k + 1 (r2b2: \"k not monotonic\"); choose the next round size by hand"
    )]
    KminNotMonotonic { winner: String, loser: String },
    #[error(
        "the kmin search for a {n}-ballot round did not converge (the peer would loop forever; this needs a risk limit of 50% or more)"
    )]
    SearchDidNotConverge { n: u64 },
    #[error(
        "round sizes must be at least 1, at most the {limit} ballots for the pair, and strictly increasing; got {given}"
    )]
    BadRoundSchedule { given: u64, limit: u64 },
    #[error(
        "a sample of {size} ballots is more than the {limit} this audit method accepts; check the round size and tallies"
    )]
    SampleTooLarge { size: u128, limit: u64 },
    #[error("no rounds have been recorded yet; record round 1 before asking for a p-value")]
    NoRoundsYet,
    #[error(
        "choice {name:?} has only one vote between it and the threshold, so the Bayesian prior is undefined (r2b2 divides by ⌊N/2⌋ = 0)"
    )]
    PairTooSmall { name: String },
}
