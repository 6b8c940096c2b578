//! The records the store keeps, as plain data: what the workflow writes (`New…`) and what it reads
//! back (`…Row`).
//!
//! Ids and counts are `i64` because that is what both SQLite and PostgreSQL store natively; the
//! workflow (`audit`) converts them to its own types. Vocabulary fields (`kind`, `status`, …) are
//! strings whose values the workflow defines and documents; the store only keeps them.

use serde::{Deserialize, Serialize};

pub type AuditId = i64;
pub type JurisdictionId = i64;
pub type UploadId = i64;
pub type ContestId = i64;
pub type RoundId = i64;
pub type BoardId = i64;
pub type BallotId = i64;
pub type BatchId = i64;

/// A log entry to write to the outbox in the same transaction as the change it describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogRecord {
    /// `audit.…` kind of the election log.
    pub kind: String,
    /// Who did it (`cli:ana`, later a web user).
    pub actor: String,
    /// Milliseconds since 1970, UTC.
    pub time_ms: i64,
    /// Hex SHA-256 of the artifact the entry is about.
    pub sha256: Option<String>,
    /// JSON object text.
    pub body: String,
}

/// An outbox entry not yet in the election log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PendingLog {
    pub id: i64,
    pub audit_id: Option<i64>,
    pub kind: String,
    pub actor: String,
    pub time_ms: i64,
    pub sha256: Option<String>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub name: String,
    pub audit_type: String,
    pub math: String,
    pub risk_limit: String,
    pub seed_commitment: String,
    pub seed_salt: Option<String>,
    /// The seed kept in the database until the public reveal, when the commitment was made here.
    pub sealed_seed: Option<String>,
    pub created_at: i64,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    pub id: AuditId,
    /// Grows with every committed change to the audit's data ([`crate::Store::audit_revision`]).
    pub revision: i64,
    pub name: String,
    pub audit_type: String,
    pub math: String,
    pub risk_limit: String,
    pub seed_commitment: String,
    pub seed_salt: Option<String>,
    pub sealed_seed: Option<String>,
    pub seed: Option<String>,
    pub seed_revealed_at: Option<i64>,
    pub status: String,
    pub created_at: i64,
    pub created_by: String,
    pub finished_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JurisdictionRow {
    pub id: JurisdictionId,
    pub audit_id: AuditId,
    pub name: String,
    pub created_at: i64,
}

/// The file and its validation, for every upload attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpload {
    pub audit_id: AuditId,
    pub jurisdiction_id: JurisdictionId,
    /// `manifest`, `cvrs` or `batch_tallies`.
    pub kind: String,
    /// The contest of a batch-tally file; empty for the other kinds.
    pub contest: String,
    pub file_name: String,
    pub format: String,
    pub sha256: String,
    pub size: i64,
    /// JSON: the validation report (problems with file, line, column).
    pub report: String,
    /// JSON: what the file holds (batches, ballots, cards, contests).
    pub summary: String,
    pub uploaded_at: i64,
    pub uploaded_by: String,
    /// Every file of the upload, in the order given (one for manifests and tallies).
    pub files: Vec<UploadFile>,
}

/// One file of an upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadFile {
    pub name: String,
    /// The recognised format (`dominion-json`, `ess-ballots`, `zip`, …).
    pub format: String,
    pub sha256: String,
    pub size: i64,
}

/// One file of an upload, as read back.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UploadFileRow {
    pub upload_id: UploadId,
    pub idx: i64,
    pub name: String,
    pub format: String,
    pub sha256: String,
    pub size: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UploadRow {
    pub id: UploadId,
    pub audit_id: AuditId,
    pub jurisdiction_id: JurisdictionId,
    pub kind: String,
    pub contest: String,
    pub file_name: String,
    pub format: String,
    pub sha256: String,
    pub size: i64,
    pub accepted: bool,
    pub report: String,
    pub summary: String,
    pub uploaded_at: i64,
    pub uploaded_by: String,
    pub replaced_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ManifestBatchRow {
    pub idx: i64,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub name: String,
    pub ballots: i64,
    pub has_cvrs: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CvrContestRow {
    pub idx: i64,
    pub name: String,
    pub votes_allowed: i64,
    pub ranks: i64,
    /// JSON array of choice names, in the upload's choice order.
    pub choices: String,
    /// JSON array of reported votes per choice, in the same order.
    pub votes: String,
    /// Cards on which the contest appears.
    pub ballots: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CvrCardRow {
    pub tabulator: String,
    pub batch: String,
    pub record_id: Option<i64>,
    pub position: Option<i64>,
    pub imprinted_id: String,
    pub cvr_id: String,
    /// `contest:choice,choice;…` with the upload's indexes.
    pub marks: String,
}

/// A sampled ballot's card ([`crate::Store::sampled_cvr_cards`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SampledCvrCardRow {
    pub ballot_id: i64,
    #[sqlx(flatten)]
    pub card: CvrCardRow,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BatchTallyRow {
    pub idx: i64,
    pub contest: String,
    pub tabulator: Option<String>,
    pub batch: String,
    /// JSON array of choice names.
    pub choices: String,
    /// JSON array of votes, in the order of `choices`.
    pub votes: String,
}

/// What an upload yields, stored with it in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UploadData {
    /// The file was refused; only the attempt and its report are kept.
    Rejected,
    Manifest(Vec<ManifestBatchRow>),
    Cvrs {
        contests: Vec<CvrContestRow>,
        cards: crate::CvrCards,
    },
    BatchTallies(Vec<BatchTallyRow>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContest {
    pub audit_id: AuditId,
    pub name: String,
    pub targeted: bool,
    pub num_winners: i64,
    pub votes_allowed: i64,
    /// JSON array of winner names set by the administrator, or `None` for the top vote-getters.
    pub winners: Option<String>,
    /// Where the reported results come from: `entered`, `cvrs` or `batch_tallies`.
    pub source: String,
    /// JSON `[[name, votes], …]`.
    pub choices: String,
    pub ballots: i64,
    pub jurisdictions: Vec<JurisdictionId>,
    pub created_at: i64,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ContestRow {
    pub id: ContestId,
    pub audit_id: AuditId,
    pub name: String,
    pub targeted: bool,
    pub num_winners: i64,
    pub votes_allowed: i64,
    pub winners: Option<String>,
    pub source: String,
    pub choices: String,
    pub ballots: i64,
    pub created_at: i64,
    pub created_by: String,
    /// Filled from `contest_jurisdictions`.
    #[sqlx(skip)]
    pub jurisdictions: Vec<JurisdictionId>,
}

/// The reported results of a contest as frozen when round one starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContestResults {
    pub contest_id: ContestId,
    pub choices: String,
    pub ballots: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRoundContest {
    pub contest_id: ContestId,
    pub sample_size: i64,
    pub size_option: String,
    pub draws_before: i64,
    /// Hybrid audits: draws from the stratum without CVRs (0 otherwise).
    pub non_cvr_sample_size: i64,
    pub non_cvr_draws_before: i64,
}

/// A ballot drawn this round; `existing` when an earlier round already drew it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSampledBallot {
    pub jurisdiction_id: JurisdictionId,
    pub batch_key: String,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub batch: String,
    pub position: i64,
}

/// One ticket: which contest drew which ballot (index into `NewRound::ballots`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDraw {
    pub contest_id: ContestId,
    pub ballot: usize,
    pub ticket: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSampledBatch {
    pub jurisdiction_id: JurisdictionId,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub batch: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBatchDraw {
    pub contest_id: ContestId,
    pub batch: usize,
    pub ticket: String,
}

/// A round with its sample, stored in one transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRound {
    pub audit_id: AuditId,
    pub number: i64,
    /// `sample` (drawn), `full_hand_count`.
    pub kind: String,
    pub started_at: i64,
    pub started_by: String,
    /// Hex SHA-256 of the sample artifact (every draw with its ticket).
    pub sample_sha256: String,
    pub contests: Vec<NewRoundContest>,
    /// Reported results to freeze (round one).
    pub freeze: Vec<ContestResults>,
    /// Every ballot this round drew, new or not; existing ones are matched by (batch key, position).
    pub ballots: Vec<NewSampledBallot>,
    pub draws: Vec<NewDraw>,
    pub batches: Vec<NewSampledBatch>,
    pub batch_draws: Vec<NewBatchDraw>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RoundRow {
    pub id: RoundId,
    pub audit_id: AuditId,
    pub number: i64,
    pub kind: String,
    pub started_at: i64,
    pub started_by: String,
    pub sample_sha256: String,
    pub ended_at: Option<i64>,
    pub ended_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RoundContestRow {
    pub round_id: RoundId,
    pub contest_id: ContestId,
    pub sample_size: i64,
    pub size_option: String,
    pub draws_before: i64,
    pub non_cvr_sample_size: i64,
    pub non_cvr_draws_before: i64,
    pub p_value: Option<f64>,
    pub risk_limit_met: Option<bool>,
    /// JSON: discrepancy counts found in the round.
    pub discrepancies: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SampledBallotRow {
    pub id: BallotId,
    pub jurisdiction_id: JurisdictionId,
    pub batch_key: String,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub batch: String,
    pub position: i64,
    pub first_round: i64,
    pub audit_board_id: Option<BoardId>,
    /// `not_audited`, `audited`, `not_found`.
    pub status: String,
    pub audited_at: Option<i64>,
    pub audited_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DrawRow {
    pub id: i64,
    pub round_id: RoundId,
    pub contest_id: ContestId,
    pub ballot_id: BallotId,
    pub ticket: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SampledBatchRow {
    pub id: BatchId,
    pub jurisdiction_id: JurisdictionId,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub batch: String,
    pub first_round: i64,
    pub audit_board_id: Option<BoardId>,
    /// `not_audited`, `audited`.
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BatchDrawRow {
    pub id: i64,
    pub round_id: RoundId,
    pub contest_id: ContestId,
    pub batch_id: BatchId,
    pub ticket: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BatchResultRow {
    pub batch_id: BatchId,
    pub contest_id: ContestId,
    /// JSON array of votes in the contest's choice order.
    pub votes: String,
    pub entered_at: i64,
    pub entered_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BoardRow {
    pub id: BoardId,
    pub round_id: RoundId,
    pub jurisdiction_id: JurisdictionId,
    pub name: String,
    pub member_1: Option<String>,
    pub member_2: Option<String>,
    pub signed_off_at: Option<i64>,
}

/// One audit board's ballots (by index into the sampled ballots given) and batches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBoard {
    pub name: String,
    pub ballots: Vec<BallotId>,
    pub batches: Vec<BatchId>,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct InterpretationRow {
    pub ballot_id: BallotId,
    pub contest_id: ContestId,
    /// `vote`, `blank`, `cant_agree`, `contest_not_on_ballot`.
    pub interpretation: String,
    /// JSON array of choice indexes in the contest's choice order.
    pub choices: String,
    pub comment: String,
}

/// What an audit board found on one ballot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotResult {
    pub ballot_id: BallotId,
    /// `audited` or `not_found`.
    pub status: String,
    pub interpretations: Vec<InterpretationRow>,
    pub at: i64,
    pub by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfflineTallyRow {
    pub round_id: RoundId,
    pub jurisdiction_id: JurisdictionId,
    pub contest_id: ContestId,
    /// JSON array of votes in the contest's choice order.
    pub votes: String,
    /// Ballots examined (with multiplicity).
    pub ballots: i64,
    pub entered_at: i64,
    pub entered_by: String,
}

/// The measured outcome of a round for one contest.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundContestResult {
    pub contest_id: ContestId,
    pub p_value: f64,
    pub risk_limit_met: bool,
    pub discrepancies: String,
}

/// A county's sign-off of its work in a round ([`crate::Store::sign_off_jurisdiction`]).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JurisdictionSignOffRow {
    pub round_id: RoundId,
    pub jurisdiction_id: JurisdictionId,
    pub signed_off_at: i64,
    pub signed_off_by: String,
}
