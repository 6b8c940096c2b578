//! The audit record: everything needed to recompute an audit's sample and risk, as plain data.
//!
//! The workflow builds it from the database to measure risk at the end of a round, the reports
//! render it, and the public export *is* this record as JSON (`audit.json`). `ballotproof
//! verify-audit` reads it back and recomputes the sample and the risk with the same functions
//! ([`crate::measure`], [`crate::verify`]), so the numbers a state publishes and the numbers an
//! observer checks come from one code path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::types::ContestReading;

/// The export format's name and version.
pub const FORMAT: &str = "ballotproof-audit/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub format: String,
    pub name: String,
    pub audit_type: String,
    pub math: String,
    /// The risk limit as entered (decimal text).
    pub risk_limit: String,
    pub seed_commitment: String,
    pub seed_salt: Option<String>,
    /// The revealed seed; absent before the ceremony.
    pub seed: Option<String>,
    pub status: String,
    pub jurisdictions: Vec<JurisdictionRecord>,
    pub contests: Vec<ContestRecord>,
    pub rounds: Vec<RoundRecord>,
    pub ballots: Vec<BallotRecord>,
    pub batches: Vec<SampledBatchRecord>,
    pub offline_tallies: Vec<OfflineTallyRecord>,
    pub audit_boards: Vec<BoardRecord>,
    /// The counties that signed off their work, per round (absent from records written before
    /// county sign-off existed, and while none has).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jurisdiction_sign_offs: Vec<JurisdictionSignOffRecord>,
}

/// A file as uploaded: its name and SHA-256 (the file itself is in the log's artifact store and,
/// for manifests, in the export).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub file_name: String,
    pub sha256: String,
}

/// The bytes whose SHA-256 names an upload of several files: the files' names and hashes, in the
/// order uploaded, as compact JSON. Logged as the upload entry's artifact, so the entry binds
/// every file.
pub fn file_listing(files: &[FileRef]) -> Vec<u8> {
    serde_json::to_vec(files).unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JurisdictionRecord {
    pub name: String,
    pub manifest: Option<FileRef>,
    /// The CVR upload: its file, or for several files its name and the hash of their
    /// [`file_listing`].
    pub cvrs: Option<FileRef>,
    /// The files of a CVR upload of several files, in the order uploaded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cvr_files: Vec<FileRef>,
    pub batch_tally_files: Vec<FileRef>,
    /// The manifest's batches in file order.
    pub batches: Vec<BatchRecord>,
    /// Reported tallies per batch, for batch-comparison audits.
    pub tallies: Vec<TallyRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchRecord {
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub name: String,
    pub ballots: u64,
    /// The manifest's CVR column (hybrid audits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_cvrs: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyRecord {
    pub contest: String,
    pub batch: String,
    /// Votes per choice name.
    pub votes: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceRecord {
    pub name: String,
    pub votes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContestRecord {
    pub name: String,
    pub targeted: bool,
    pub jurisdictions: Vec<String>,
    pub votes_allowed: u32,
    pub num_winners: usize,
    /// Winners set by the administrator; `None` means the top vote-getters.
    pub winners: Option<Vec<String>>,
    /// Where the reported results come from: `entered`, `cvrs`, `batch_tallies`.
    pub source: String,
    pub choices: Vec<ChoiceRecord>,
    /// Ballot cards in the contest's universe (`N`).
    pub ballots: u64,
    /// Hybrid audits: the stratum with CVRs (its ballots and the CVRs' totals); the stratum
    /// without CVRs has the rest of the ballots and votes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cvr_stratum: Option<Stratum>,
}

/// A hybrid contest's stratum with CVRs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stratum {
    pub ballots: u64,
    pub choices: Vec<ChoiceRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    pub number: u64,
    pub sample_sha256: String,
    pub ended: bool,
    pub contests: Vec<RoundContestRecord>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundContestRecord {
    pub contest: String,
    /// Draws made this round.
    pub sample_size: u64,
    /// The option chosen ("estimate", "90% chance", "full hand count", …).
    pub size_option: String,
    /// This contest's draws in earlier rounds (the stream continues after them).
    pub draws_before: u64,
    /// Hybrid audits: draws this round from the stratum without CVRs, and before it.
    #[serde(default)]
    pub non_cvr_sample_size: u64,
    #[serde(default)]
    pub non_cvr_draws_before: u64,
    /// Measured at the end of the round.
    pub p_value: Option<f64>,
    pub risk_limit_met: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawRecord {
    pub round: u64,
    pub contest: String,
    pub ticket: String,
}

/// What the CVR says about a ballot: for each audited contest on the card, the choices marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CvrRecord {
    pub cvr_id: String,
    pub imprinted_id: String,
    pub record_id: Option<u64>,
    pub votes: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BallotRecord {
    pub jurisdiction: String,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub batch: String,
    pub position: u64,
    pub first_round: u64,
    pub audit_board: Option<String>,
    /// `not_audited`, `audited`, `not_found`.
    pub status: String,
    pub draws: Vec<DrawRecord>,
    /// The ballot's CVR (comparison audits); `None` when no CVR has this position.
    pub cvr: Option<CvrRecord>,
    pub interpretations: Vec<ContestReading>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampledBatchRecord {
    pub jurisdiction: String,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub batch: String,
    pub first_round: u64,
    pub audit_board: Option<String>,
    pub status: String,
    pub draws: Vec<DrawRecord>,
    /// Hand-counted votes per contest and choice.
    pub results: BTreeMap<String, BTreeMap<String, u64>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfflineTallyRecord {
    pub round: u64,
    pub jurisdiction: String,
    pub contest: String,
    pub votes: BTreeMap<String, u64>,
    /// Ballots examined, counting repeated draws.
    pub ballots: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardRecord {
    pub round: u64,
    pub jurisdiction: String,
    pub name: String,
    pub members: Option<(String, String)>,
    pub signed_off: bool,
}

/// A county's sign-off of its work in a round (after all its audit boards signed off).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JurisdictionSignOffRecord {
    pub round: u64,
    pub jurisdiction: String,
}

impl AuditRecord {
    pub fn contest(&self, name: &str) -> Option<&ContestRecord> {
        self.contests.iter().find(|c| c.name == name)
    }

    pub fn jurisdiction(&self, name: &str) -> Option<&JurisdictionRecord> {
        self.jurisdictions.iter().find(|j| j.name == name)
    }
}

/// The canonical bytes of a round's sample, logged (by hash) when the round starts: every draw of
/// every contest, contest by contest in draw order. Recomputing the sample and hashing these bytes
/// ties the recomputation to the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleArtifact {
    pub audit: String,
    pub round: u64,
    pub seed: String,
    pub ballot_draws: Vec<SampleDraw>,
    pub batch_draws: Vec<SampleDraw>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleDraw {
    pub contest: String,
    pub jurisdiction: String,
    pub tabulator: Option<String>,
    pub batch: String,
    /// 0 for a batch draw.
    pub position: u64,
    pub ticket: String,
}

impl SampleArtifact {
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}
