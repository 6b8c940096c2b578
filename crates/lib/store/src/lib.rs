//! ballotproof's audit database: the [`Store`] trait the audit workflow (`audit`) writes and reads
//! through, and its SQLite implementation ([`SqliteStore`]) on sqlx.
//!
//! **Coarse operations, one transaction each** (atuin's layout): every method that changes data
//! stores everything that belongs together — an upload with all its batches or cards, a round with
//! its whole sample — and the election-log entries describing the change ([`LogRecord`]s, written
//! to the `log_outbox` table) in a single transaction. So an upload is stored completely or not at
//! all, a re-upload replaces the previous file atomically (the old upload row stays as history),
//! and no log entry can describe a change that was not committed. The workflow appends the outbox
//! to the election log after commit ([`Store::pending_log`], [`Store::mark_logged`]).
//!
//! **Portable SQL.** Queries use `$1`-style parameters and the common subset of SQLite and
//! PostgreSQL (`INSERT … RETURNING`, `ON CONFLICT`, no SQLite functions); times are `i64`
//! milliseconds, decimals text, lists JSON text, so a PostgreSQL implementation can reuse the
//! statements in [`sql`] with its own migrations (`migrations/postgres/`, to come) — only the DDL
//! of the primary keys and the connection settings differ. `tests/story.rs` runs one story over the
//! whole trait and takes the store to test from a constructor, so it can run on both backends.

pub mod accounts;
mod cards;
pub mod model;
mod sql;
mod sqlite;
mod sqlite_accounts;

use std::future::Future;

pub use accounts::*;
pub use cards::{CvrCard, CvrCards};
pub use model::*;
pub use sqlite::{DATABASE_FILE, SqliteStore};

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{what} was not found")]
    NotFound { what: String },
    #[error("{0}")]
    Conflict(String),
    #[error(
        "cannot open the audit database {path}: {reason}; check that the data directory exists and is writable, or choose another with --data-dir"
    )]
    Open { path: String, reason: String },
    #[error("the audit database could not be brought to the current schema: {0}")]
    Migrate(String),
    #[error("database error: {0}")]
    Database(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> StoreError {
        match err {
            sqlx::Error::RowNotFound => StoreError::NotFound {
                what: "the record".into(),
            },
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(format!("that already exists ({})", db.message()))
            }
            other => StoreError::Database(other.to_string()),
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Everything the audit workflow stores. Each changing method is one transaction and takes the
/// log entries that describe the change.
pub trait Store: Send + Sync {
    /// The database's random instance id (stamped into its log entries).
    fn instance(&self) -> impl Future<Output = StoreResult<String>> + Send;

    fn create_audit(
        &self,
        audit: &NewAudit,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<AuditId>> + Send;
    fn audits(&self) -> impl Future<Output = StoreResult<Vec<AuditRow>>> + Send;
    fn audit(&self, id: AuditId) -> impl Future<Output = StoreResult<AuditRow>> + Send;
    fn audit_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = StoreResult<Option<AuditRow>>> + Send;
    /// Records the revealed seed.
    fn reveal_seed(
        &self,
        audit: AuditId,
        seed: &str,
        at: i64,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Sets the audit's status (`setup`, `in_progress`, `complete`).
    fn set_audit_status(
        &self,
        audit: AuditId,
        status: &str,
        finished_at: Option<i64>,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    fn add_jurisdiction(
        &self,
        audit: AuditId,
        name: &str,
        at: i64,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<JurisdictionId>> + Send;
    fn jurisdictions(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<JurisdictionRow>>> + Send;

    /// Stores an upload attempt; an accepted one (`data` not `Rejected`) replaces the current
    /// upload of the same jurisdiction, kind and contest, all in one transaction.
    fn store_upload(
        &self,
        upload: &NewUpload,
        data: &UploadData,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<UploadId>> + Send;
    /// Every upload attempt of the audit, oldest first.
    fn uploads(&self, audit: AuditId) -> impl Future<Output = StoreResult<Vec<UploadRow>>> + Send;
    /// The files of every upload attempt of the audit, by upload then in the order given.
    fn upload_files(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<UploadFileRow>>> + Send;
    /// The current manifest's batches, in file order.
    fn manifest_batches(
        &self,
        jurisdiction: JurisdictionId,
    ) -> impl Future<Output = StoreResult<Vec<ManifestBatchRow>>> + Send;
    fn cvr_contests(
        &self,
        jurisdiction: JurisdictionId,
    ) -> impl Future<Output = StoreResult<Vec<CvrContestRow>>> + Send;
    /// The current CVRs' card at each (tabulator, batch, position), `None` where there is none.
    /// A ballot without a tabulator (the manifest has no Tabulator column) matches by batch alone.
    fn cvr_cards(
        &self,
        jurisdiction: JurisdictionId,
        ballots: &[(Option<String>, String, i64)],
    ) -> impl Future<Output = StoreResult<Vec<Option<CvrCardRow>>>> + Send;
    /// The current CVRs' card of every sampled ballot of the audit that has one (one query, where
    /// [`Store::cvr_cards`] asks once per ballot), in ballot id order.
    fn sampled_cvr_cards(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<SampledCvrCardRow>>> + Send;
    /// The current batch tallies of every contest, in file order.
    fn batch_tallies(
        &self,
        jurisdiction: JurisdictionId,
    ) -> impl Future<Output = StoreResult<Vec<BatchTallyRow>>> + Send;

    fn add_contest(
        &self,
        contest: &NewContest,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<ContestId>> + Send;
    fn contests(&self, audit: AuditId)
    -> impl Future<Output = StoreResult<Vec<ContestRow>>> + Send;

    /// Stores a round with its sample (and freezes reported results), in one transaction.
    fn start_round(
        &self,
        round: &NewRound,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<RoundId>> + Send;
    fn rounds(&self, audit: AuditId) -> impl Future<Output = StoreResult<Vec<RoundRow>>> + Send;
    fn round_contests(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<RoundContestRow>>> + Send;
    fn sampled_ballots(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<SampledBallotRow>>> + Send;
    fn draws(&self, audit: AuditId) -> impl Future<Output = StoreResult<Vec<DrawRow>>> + Send;
    fn sampled_batches(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<SampledBatchRow>>> + Send;
    fn batch_draws(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<BatchDrawRow>>> + Send;

    /// Creates a round's audit boards in a jurisdiction and assigns them their ballots and batches.
    fn set_audit_boards(
        &self,
        round: RoundId,
        jurisdiction: JurisdictionId,
        boards: &[NewBoard],
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<Vec<BoardId>>> + Send;
    fn audit_boards(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<BoardRow>>> + Send;
    /// Records both members' sign-off of a board's work.
    fn sign_off(
        &self,
        board: BoardId,
        members: (&str, &str),
        at: i64,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Records a county's sign-off of its work in a round; a second one for the same round and
    /// county is a conflict.
    fn sign_off_jurisdiction(
        &self,
        sign_off: &JurisdictionSignOffRow,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Every county sign-off of the audit, by round then county.
    fn jurisdiction_sign_offs(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<JurisdictionSignOffRow>>> + Send;

    /// Records what an audit board found on ballots (replacing earlier entries for them).
    fn record_ballots(
        &self,
        results: &[BallotResult],
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn interpretations(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<InterpretationRow>>> + Send;
    fn record_offline_tally(
        &self,
        tally: &OfflineTallyRow,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn offline_tallies(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<OfflineTallyRow>>> + Send;
    /// Records a batch's hand count for contests (replacing earlier counts).
    fn record_batch_results(
        &self,
        results: &[BatchResultRow],
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn batch_results(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<BatchResultRow>>> + Send;

    /// Ends a round with each contest's measured risk; `audit_status` is the audit's status after.
    fn end_round(
        &self,
        round: RoundId,
        results: &[RoundContestResult],
        at: i64,
        by: &str,
        audit_status: &str,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Writes log entries that go with no other change (a report was published).
    fn log_event(
        &self,
        audit: Option<AuditId>,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Outbox entries not yet in the election log, oldest first.
    fn pending_log(&self) -> impl Future<Output = StoreResult<Vec<PendingLog>>> + Send;
    /// Records where outbox entries landed in the election log.
    fn mark_logged(&self, logged: &[(i64, u64)]) -> impl Future<Output = StoreResult<()>> + Send;
    /// The audit's revision: a number that grows with every committed change to the audit's data,
    /// by this process or another. Every changing method increases it in its own transaction (the
    /// SQLite store does it where it writes the change's log entries, the one place every audit
    /// write passes), so equal revisions mean equal data. The workflow caches the audit's record
    /// under it (`audit::Workflow::record_shared`).
    fn audit_revision(&self, audit: AuditId) -> impl Future<Output = StoreResult<i64>> + Send;
    /// Every outbox entry of an audit (logged or not), oldest first.
    fn audit_log(
        &self,
        audit: AuditId,
    ) -> impl Future<Output = StoreResult<Vec<PendingLog>>> + Send;
}
