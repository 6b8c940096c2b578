//! Risk-limiting audits of instant-runoff (IRV) contests: the assertions RAIRE audits instead of the
//! whole elimination sequence.
//!
//! RAIRE (Blom, Stuckey & Teague, "RAIRE: Risk-Limiting Audits for IRV Elections", 2019,
//! arXiv:1903.08804) reduces "did the reported winner win this IRV count?" to a set of simple
//! two-candidate comparisons, *assertions*, each auditable like a plurality margin. This crate
//! computes them as raire-rs does (DemocracyDevelopers/raire-rs, commit 2349c33; see
//! `../shared/docs/RLA-MATH.md` §8):
//!
//! 1. [`Profile`] holds the ranked ballots and answers "what is everyone's tally when exactly these
//!    candidates remain?" quickly.
//! 2. [`count()`] finds the winner, refusing contests whose winner depends on a tie-break.
//! 3. [`DifficultyMeasure`] says how hard one assertion is to audit (raire-rs's four audit types).
//! 4. [`find_assertions`] finds the NEB/NEN [`Assertion`]s that rule out every other winner with the
//!    smallest possible maximum difficulty, within a work budget.
//! 5. [`unrefuted_elimination_order`] independently checks that a set of assertions does confirm a
//!    winner.
//!
//! Everything is a pure function of its inputs: no I/O, no clock, no randomness.
//!
//! # Precision
//! Tallies and margins are exact integers. Difficulties are computed with the same floating-point
//! operations as raire-rs and agree with it bit for bit on the same platform (see [`difficulty`]);
//! the overall difficulty is one of them, so it agrees bit for bit too (raire-rs's own regression
//! test allows an absolute 0.001).

pub mod assertion;
pub mod candidates;
pub mod count;
pub mod difficulty;
pub mod error;
pub mod profile;
pub mod search;
mod work;

pub use assertion::{Assertion, ScoredAssertion};
pub use candidates::{Candidate, CandidateSet, MAX_CANDIDATES};
pub use count::{IrvCount, count};
pub use difficulty::{Difficulty, DifficultyMeasure};
pub use error::IrvError;
pub use profile::{Profile, RankedBallots};
pub use search::{AuditAssertions, SearchLimits, find_assertions, unrefuted_elimination_order};
pub use work::DEFAULT_MAX_WORK;
