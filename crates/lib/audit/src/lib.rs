//! The risk-limiting audit workflow: what an election office runs, step by step, as library
//! functions that the command line calls today and the web application will call tomorrow.
//!
//! [`Workflow`] joins the pieces: uploads are read by `records`, samples drawn by `sampler`,
//! risk measured by `rla-math`, everything kept by a [`store::Store`] and every state change and
//! artifact appended to the tamper-evident election log (`ledger`) with the acting user.
//!
//! * [`types`]: the vocabulary (audit types, risk measures, interpretations, size choices).
//! * [`upload`]: reading manifests, CVRs and batch tallies, with a stored validation report.
//! * [`sample`]: per-contest draws, merging into one retrieval list, splitting among audit boards.
//! * [`record`]: the audit record — the plain data from which sample and risk are recomputed, and
//!   the public export's format.
//! * [`measure`]: risk and next-round sizes from a record; the round's sample.
//! * [`report`]: the CSV reports Arlo users know, the discrepancy report, retrieval lists, batch
//!   tally sheets.
//! * [`verify`]: recomputing a published export and checking it against the signed log.
//! * [`workflow`]: the steps, each one store transaction plus its log entries.
//!
//! **Architecture Invariant:** no log entry describes an uncommitted change. Each step writes its
//! entries to the store's outbox in the same transaction as the change; after commit they are
//! appended to the election log (one durable batch) and marked; opening the workflow appends
//! whatever a crash left in the outbox, skipping entries the log already has.
//!
//! **Architecture Invariant:** [`sample`], [`measure`], [`report`] and [`verify`] are pure functions
//! of an [`record::AuditRecord`]: no database, no clock, no randomness besides the published seed.

pub mod measure;
pub mod record;
pub mod report;
pub mod sample;
pub mod types;
pub mod upload;
pub mod verify;
pub mod workflow;

pub use record::AuditRecord;
pub use types::*;
pub use upload::ValidationReport;
pub use workflow::{Clock, Workflow};

/// Why a workflow step could not be done.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The request itself is wrong (a bad name, a number out of range).
    #[error("{0}")]
    Invalid(String),
    #[error("{0} was not found")]
    NotFound(String),
    /// The step does not fit where the audit is (a round not ended, a seed not revealed).
    #[error("{0}")]
    State(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("the election log: {0}")]
    Ledger(#[from] ledger::LedgerError),
}
