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
//!
//! # "The same sample as Arlo", with several jurisdictions
//!
//! Given the same seed, jurisdiction names, manifests (and for batch audits batch tallies) and
//! sample sizes, an audit here draws the ballots or batches Arlo draws, with the same ticket
//! numbers. Precisely (Arlo `server/api/shared.py` and `server/audit_math/sampler.py` at 8d86156):
//!
//! * **Ballots** (polling, comparison, hybrid): each ballot's key is
//!   `((jurisdiction name, tabulator or None, batch name), position)` written as Python's `repr`
//!   (`compute_sample_ballots` L905-914: names, not Arlo's per-audit UUIDs, "deterministic real
//!   world ids"); `None` when the jurisdiction's manifest has no Tabulator column. Tickets are
//!   SHA-256 of the seed and the key, so the order jurisdictions or batches are listed in does not
//!   matter; a contest draws from the batches of its own jurisdictions, continuing its ticket
//!   stream after its earlier rounds' draws, and draws of several contests are merged per ballot.
//! * **Batches** (batch comparison, PPEB): the key is `(jurisdiction name, batch name)` and tickets
//!   come from the same consistent sampler, but *which* batches are drawn comes from NumPy's
//!   `Generator.choice` over the list of batches, whose cumulative sum runs in list order. Arlo's
//!   list is the contest's jurisdictions ordered by name (`Contest.jurisdictions`,
//!   `order_by="Jurisdiction.name"`, `models.py` L510-514), each jurisdiction's batches in the order
//!   of its batch-tally file (stored as JSON text, so that order is kept). [`measure`] builds the
//!   same list, names in Unicode code-point order. Arlo orders names with its PostgreSQL
//!   database's collation: the two agree unless names differ only in letter case, spaces or
//!   punctuation in a way the collation weighs differently (e.g. `De Soto` sorts before `Delta` by
//!   code point, after it in `en_US`), so audits with such names draw differently from an Arlo
//!   installation with such a collation. A full hand tally takes every batch not drawn before in
//!   sorted key order, the same in both.
//! * Renaming a jurisdiction changes its keys, and so the sample, in both tools.

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
