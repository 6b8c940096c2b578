//! SHANGRLA: assorters, the overstatement assorter, the ALPHA supermartingale and ONEAudit.
//!
//! This reproduces `pbstark/SHANGRLA` at commit `9d5db92` (`shangrla/core/NonnegMean.py` and
//! `shangrla/core/Audit.py`; see `docs/RLA-MATH.md` §6): the assorters of Stark's "Sets of Half-Average
//! Nulls Generate Risk-Limiting Audits", the overstatement assorter for card-level comparison audits,
//! ONEAudit's pooled assorters, the ALPHA test with SHANGRLA's two estimators, and the deterministic
//! sample-size estimates. The card-level sample itself (cryptorandom sample numbers and consistent
//! sampling) is in `sampler::cryptorandom`, since sampling is not statistics.
//!
//! * [`alpha`] — `AlphaTest`: ALPHA p-values, p-histories, `η_j`, and the tiled sample size;
//!   also the Kaplan–Markov p-value.
//! * [`assorter`] — `Cvr`, `Assorter` (plurality pair, supermajority), overstatements, margins from
//!   tallies.
//! * [`oneaudit`] — pool contests, pool means, ONEAudit sample-size data.
//! * [`sample_size`] — comparison and polling sample sizes from assumed error rates or tallies.
//! * [`audit`] — the workflow: assertions per contest, margins from CVRs, per-assertion, per-contest and
//!   audit-wide initial sample sizes, test data from an audited sample, and the risk.
//!
//! # Precision statement
//!
//! SHANGRLA's results depend on the exact float operations it performs: its special cases are
//! thresholds (a running product within `2ε` of 0, `m_j` within `10⁻⁶` of `u`), its sample sizes are
//! the first index where a p-value crosses α, and the audit's total size is the ceiling of a NumPy sum.
//! So every formula here is evaluated with the same operations in the same order as SHANGRLA and NumPy
//! 1.26 (sequential cumulative sums and products, NumPy's pairwise summation for `np.sum`/`np.mean`,
//! Python's left-to-right evaluation), which makes p-values, histories, `η_j`, margins, pool means and
//! overstatement values bit-identical to SHANGRLA's and sample sizes identical integers. The reference
//! vectors are met at 1e-15 relative or better. The ALPHA running product stays in linear space (not a
//! sum of logarithms) because SHANGRLA's rules are stated on the linear value; it overflows only when
//! the p-value is below 10⁻³⁰⁸ (reported as 0, as SHANGRLA does).

pub mod alpha;
pub mod assorter;
pub mod audit;
pub(crate) mod numeric;
pub mod oneaudit;
pub mod sample_size;

use thiserror::Error;

pub use alpha::{
    AlphaOutcome, AlphaTest, EPS, Estimator, Eta, Population, ShrinkTrunc, kaplan_markov,
};
pub use assorter::{
    Assorter, AssorterKind, Cvr, comparison_upper_bound, overstatement_assorter_margin,
    overstatement_assorter_mean, overstatement_assorter_value, plurality_margin_from_tally,
    supermajority_margin_from_tally,
};
pub use audit::{
    ALL_OTHERS, Assertion, AuditType, ChoiceFunction, ContestSpec, ErrorRates, audit_sample_size,
    contest_sample_size, make_assertions, tally,
};
pub use oneaudit::PoolMeans;
pub use sample_size::{comparison_sample_size, interleave_values, polling_sample_size};

/// Why a SHANGRLA computation cannot be done as asked.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ShangrlaError {
    #[error("no observations were given; the test needs at least one audited card")]
    EmptySample,
    #[error(
        "the sample has {sample} cards but the population only {population}; check the number of cards that hold the contest"
    )]
    SampleLargerThanPopulation { sample: u64, population: u64 },
    #[error(
        "observation {index} is {value}, outside [0, {upper_bound}]; assorter values must be between 0 and the test's upper bound"
    )]
    ValueOutOfRange {
        index: usize,
        value: f64,
        upper_bound: f64,
    },
    #[error("parameter {name} = {value} is not usable: {why}")]
    BadParameter {
        name: &'static str,
        value: f64,
        why: &'static str,
    },
    #[error(
        "a tiled sample-size estimate needs a finite number of cards; give the number of cards that hold the contest"
    )]
    InfinitePopulationSampleSize,
    #[error("no card holds contest {contest:?}; check the contest id in the CVRs")]
    NoCardsWithContest { contest: String },
    #[error(
        "card {card:?} has no record of contest {contest:?} although card styles are in use; only sample cards that hold the contest"
    )]
    CardLacksContest { card: String, contest: String },
    #[error("card {card:?} is marked as pooled but names no tally pool; give its batch")]
    PoolWithoutLabel { card: String },
    #[error(
        "card {card:?} is pooled in {pool:?}, which has no pool mean; compute the pool means from all CVRs first"
    )]
    MissingPoolMean { card: String, pool: String },
    #[error("assertion {assertion:?} has no margin yet; set it from the CVRs or the tallies first")]
    MarginNotSet { assertion: String },
    #[error(
        "the assorter margin is {margin}, not positive: the CVRs do not show the reported winner ahead, so no sample can confirm the outcome; check the reported winner and the CVRs"
    )]
    NonPositiveMargin { margin: f64 },
    #[error(
        "contest {contest:?} names winner {winner:?}, which is not one of its candidates (or is named twice)"
    )]
    UnknownWinner { contest: String, winner: String },
    #[error(
        "contest {contest:?} needs at least one reported winner and one other candidate (exactly one winner for a supermajority)"
    )]
    NothingToAudit { contest: String },
    #[error("{mvrs} manual records but {cvrs} CVRs were given; pass one of each per audited card")]
    LengthMismatch { mvrs: usize, cvrs: usize },
    #[error(
        "audited card {position} has manual record {mvr:?} but CVR {cvr:?}; put both lists in selection order"
    )]
    IdMismatch {
        position: usize,
        mvr: String,
        cvr: String,
    },
    #[error("the tallies add up to {votes} votes but only {cards} cards hold the contest")]
    TalliesExceedCards { votes: u64, cards: u64 },
    #[error(
        "every card of contest {contest:?} is already in the sample; the contest has been fully hand counted"
    )]
    AllCardsSampled { contest: String },
}
