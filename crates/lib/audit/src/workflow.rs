//! The audit's steps. Each public method checks the step fits where the audit is, does its work
//! (reading a file, drawing a sample, measuring risk), stores the result and its log entries in one
//! store transaction, then appends the entries to the election log.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use ledger::{Entry, Ledger, NewEntry};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use store::*;
use tlog::Hash;

use crate::AuditError;
use crate::measure::{self, ContestRisk, FULL_HAND_COUNT, RoundSize, SizeOffer};
use crate::record::*;
use crate::sample::split_among_boards;
use crate::types::*;
use crate::upload::{self, ValidationReport, decode_marks};

/// Where the workflow gets the time (tests and the demo pass a fixed one).
pub type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(SystemTime::now)
}

type Result<T> = std::result::Result<T, AuditError>;

/// The seed commitment: SHA-256 of `ballotproof-seed-commitment/1`, the salt and the seed, each on
/// its own line. The random salt keeps a short seed (Colorado's 20 digits) from being found by
/// hashing every candidate before the ceremony.
pub fn seed_commitment(salt_hex: &str, seed: &str) -> String {
    let digest = Sha256::digest(format!("ballotproof-seed-commitment/1\n{salt_hex}\n{seed}"));
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// How the audit's seed is given at creation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedInput {
    /// The seed, kept sealed in the database until the public reveal; the commitment is made
    /// here with this salt (hex, from a random source).
    Sealed { seed: String, salt: String },
    /// Only the commitment (computed elsewhere); the seed is given at the reveal.
    Commitment { commitment: String, salt: String },
}

/// What the administrator sets when creating an audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSpec {
    pub name: String,
    pub audit_type: AuditType,
    pub math: Math,
    /// Any value in (0, 1), as text (kept exactly as entered).
    pub risk_limit: String,
    pub seed: SeedInput,
}

/// A contest to audit.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContestSpec {
    pub name: String,
    pub targeted: bool,
    /// The jurisdictions whose ballots carry it; empty means every jurisdiction.
    pub jurisdictions: Vec<String>,
    /// Winners named by the administrator (when "Vote For = N" is not the number of winners).
    pub winners: Option<Vec<String>>,
    pub num_winners: Option<usize>,
    pub votes_allowed: Option<u32>,
    /// Reported votes entered by hand (ballot polling without CVRs).
    pub votes: Option<Vec<(String, u64)>>,
    /// Ballots cast in the contest's universe; default: the manifests' ballots.
    pub ballots: Option<u64>,
}

/// Identifies a sampled ballot: jurisdiction, batch (and tabulator when batch names repeat),
/// position in the batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BallotRef {
    pub jurisdiction: String,
    pub tabulator: Option<String>,
    pub batch: String,
    pub position: u64,
}

pub use crate::upload::NamedFile;

/// What a jurisdiction uploads: a ballot manifest or batch-tally file (one file each), or a CVR
/// export, which is often several files — Dominion JSON `CvrExport*.json` with its Contest,
/// Candidate, BallotType and CountingGroup manifests (or a zip of them), an ES&S CVR with its
/// ballots files, Hart CVR XML (zipped or not) with the scanned ballot information.
#[derive(Debug, Clone, Copy)]
pub struct Upload<'a> {
    pub kind: UploadKind,
    pub files: &'a [NamedFile<'a>],
    /// The contest of a batch-tally file (default: from Arlo's file name).
    pub contest: Option<&'a str>,
}

impl<'a> Upload<'a> {
    pub fn new(kind: UploadKind, files: &'a [NamedFile<'a>]) -> Upload<'a> {
        Upload {
            kind,
            files,
            contest: None,
        }
    }
}

/// One entry of an audit's activity log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Activity {
    pub time_ms: i64,
    pub actor: String,
    pub kind: String,
    pub sha256: Option<String>,
    pub details: Value,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub dir: std::path::PathBuf,
    pub audit_json_sha256: String,
    pub files: usize,
    pub log_size: u64,
}

/// What starting a round did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundStarted {
    pub round: u64,
    pub sizes: Vec<(String, u64, String)>,
    pub ballots: usize,
    pub batches: usize,
    pub sample_sha256: String,
}

/// What ending a round found.
#[derive(Debug, Clone, PartialEq)]
pub struct RoundEnded {
    pub round: u64,
    pub risks: Vec<ContestRisk>,
    pub complete: bool,
}

/// The workflow over a store and the election log.
pub struct Workflow<S: Store> {
    store: S,
    ledger: Mutex<Ledger>,
    instance: String,
    clock: Clock,
    /// Set when a flush may have left entries appended but not marked (after open, or a failure).
    check_log: AtomicBool,
    /// One flush at a time. Two concurrent flushes could both read the same pending entries and
    /// append them twice; serialised, the second finds them marked. It also makes a group commit:
    /// while one flush writes, the entries of every step that commits meanwhile wait for the next
    /// flush, which appends them all with one `fdatasync`.
    flushing: tokio::sync::Mutex<()>,
    /// Each audit's record as of a revision ([`Workflow::record_shared`]).
    records: Mutex<HashMap<AuditId, (i64, Arc<AuditRecord>)>>,
    /// One build of an audit's record at a time: when an entry changes the audit, the many pages
    /// waiting on it need one new record, not one each.
    building: Mutex<HashMap<AuditId, Arc<tokio::sync::Mutex<()>>>>,
}

impl<S: Store> Workflow<S> {
    /// Opens the workflow and appends to the log whatever an interrupted step left in the outbox.
    pub async fn open(store: S, ledger: Ledger, clock: Clock) -> Result<Workflow<S>> {
        let instance = store.instance().await?;
        let workflow = Workflow {
            store,
            ledger: Mutex::new(ledger),
            instance,
            clock,
            check_log: AtomicBool::new(true),
            flushing: tokio::sync::Mutex::new(()),
            records: Mutex::new(HashMap::new()),
            building: Mutex::new(HashMap::new()),
        };
        workflow.flush().await?;
        Ok(workflow)
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Runs `f` on the election log.
    pub fn with_ledger<T>(&self, f: impl FnOnce(&mut Ledger) -> T) -> Result<T> {
        let mut guard = self.ledger.lock().map_err(|_| {
            AuditError::State(
                "the election log is unavailable after an earlier failure; restart".into(),
            )
        })?;
        Ok(f(&mut guard))
    }

    fn now(&self) -> SystemTime {
        (self.clock)()
    }

    fn now_ms(&self) -> i64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    fn entry(
        &self,
        actor: &str,
        audit: &str,
        kind: &str,
        body: Value,
        sha256: Option<String>,
    ) -> LogRecord {
        let mut body = match body {
            Value::Object(map) => map,
            other => {
                let mut map = serde_json::Map::new();
                map.insert("value".into(), other);
                map
            }
        };
        body.insert("audit".into(), Value::String(audit.to_string()));
        LogRecord {
            kind: kind.to_string(),
            actor: actor.to_string(),
            time_ms: self.now_ms(),
            sha256,
            body: Value::Object(body).to_string(),
        }
    }

    /// Stores bytes in the log's artifact store; returns the hex SHA-256.
    fn store_artifact(&self, bytes: &[u8]) -> Result<String> {
        let hash = self.with_ledger(|l| l.store_artifact(bytes))??;
        Ok(hash.to_hex())
    }

    /// Appends the outbox to the election log; returns how many entries were appended.
    pub async fn flush(&self) -> Result<usize> {
        let _one_at_a_time = self.flushing.lock().await;
        let pending = self.store.pending_log().await?;
        if pending.is_empty() {
            self.check_log.store(false, Ordering::SeqCst);
            return Ok(0);
        }
        let scan = self.check_log.load(Ordering::SeqCst);
        let (logged, appended) =
            self.with_ledger(|ledger| -> Result<(Vec<(i64, u64)>, usize)> {
                let mut logged: Vec<(i64, u64)> = Vec::new();
                let wanted: HashSet<i64> = pending.iter().map(|p| p.id).collect();
                if scan {
                    // A crash between appending and marking: find entries the log already has.
                    for (index, bytes) in ledger.entries().iter().enumerate() {
                        let Ok(entry) = Entry::parse(bytes) else {
                            continue;
                        };
                        if entry.body.get("db").and_then(Value::as_str) != Some(&self.instance) {
                            continue;
                        }
                        if let Some(id) = entry.body.get("outbox").and_then(Value::as_i64)
                            && wanted.contains(&id)
                        {
                            logged.push((id, index as u64));
                        }
                    }
                }
                let done: HashSet<i64> = logged.iter().map(|(id, _)| *id).collect();
                let mut ids = Vec::new();
                let mut entries = Vec::new();
                for p in pending.iter().filter(|p| !done.contains(&p.id)) {
                    let mut body: serde_json::Map<String, Value> =
                        serde_json::from_str(&p.body).unwrap_or_default();
                    body.insert("db".into(), Value::String(self.instance.clone()));
                    body.insert("outbox".into(), Value::from(p.id));
                    let time = UNIX_EPOCH
                        + std::time::Duration::from_millis(u64::try_from(p.time_ms).unwrap_or(0));
                    let mut e = NewEntry::new(&p.kind, &p.actor, Value::Object(body))
                        .map_err(|e| AuditError::Invalid(e.to_string()))?
                        .with_time(time);
                    if let Some(h) = p.sha256.as_deref().and_then(|h| Hash::from_hex(h).ok()) {
                        e = e.with_content(h);
                    }
                    if matches!(e.encode(time), Err(ledger::EntryError::TooLarge(_))) {
                        // Too large for one log entry (a ballot with hundreds of contests): log the
                        // body's hash instead and keep the body as an artifact, rather than leave
                        // the outbox stuck on an entry the log can never take.
                        let bytes = p.body.as_bytes();
                        let hash = ledger.store_artifact(bytes)?;
                        let audit = serde_json::from_str::<serde_json::Map<String, Value>>(&p.body)
                            .ok()
                            .and_then(|b| b.get("audit").cloned())
                            .unwrap_or(Value::Null);
                        e = NewEntry::new(
                            &p.kind,
                            &p.actor,
                            json!({
                                "audit": audit,
                                "db": self.instance,
                                "outbox": p.id,
                                "body_sha256": hash.to_hex(),
                                "body_size": bytes.len(),
                            }),
                        )
                        .map_err(|e| AuditError::Invalid(e.to_string()))?
                        .with_time(time);
                    }
                    ids.push(p.id);
                    entries.push(e);
                }
                if !entries.is_empty() {
                    let range = ledger.append_batch(&entries)?;
                    logged.extend(ids.into_iter().zip(range));
                }
                Ok((logged, entries.len()))
            })??;
        self.check_log.store(true, Ordering::SeqCst);
        self.store.mark_logged(&logged).await?;
        self.check_log.store(false, Ordering::SeqCst);
        Ok(appended)
    }

    /// The audit called `name`.
    pub async fn audit(&self, name: &str) -> Result<AuditRow> {
        self.store.audit_by_name(name).await?.ok_or_else(|| {
            AuditError::NotFound(format!(
                "audit {name:?} (create it with `audit create`, or list audits with `audit list`)"
            ))
        })
    }

    pub async fn audits(&self) -> Result<Vec<AuditRow>> {
        Ok(self.store.audits().await?)
    }

    pub async fn create_audit(&self, actor: &str, spec: &AuditSpec) -> Result<AuditRow> {
        if spec.name.trim().is_empty() {
            return Err(AuditError::Invalid("give the audit a name".into()));
        }
        if !spec.math.fits(spec.audit_type) {
            return Err(AuditError::Invalid(format!(
                "{} is not a risk measure for a {} audit; use {}",
                spec.math,
                spec.audit_type,
                Math::ALL
                    .iter()
                    .filter(|m| m.fits(spec.audit_type))
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )));
        }
        let alpha: f64 = spec
            .risk_limit
            .trim()
            .trim_end_matches('%')
            .parse()
            .map_err(|_| {
                AuditError::Invalid(format!("risk limit {:?} is not a number", spec.risk_limit))
            })?;
        let risk_limit = if spec.risk_limit.trim().ends_with('%') {
            format!("{}", alpha / 100.0)
        } else {
            spec.risk_limit.trim().to_string()
        };
        rla_math::RiskLimit::new(risk_limit.parse().unwrap_or(f64::NAN))
            .map_err(|e| AuditError::Invalid(e.to_string()))?;
        let (commitment, salt, sealed) = match &spec.seed {
            SeedInput::Sealed { seed, salt } => {
                if seed.trim().is_empty() {
                    return Err(AuditError::Invalid("the seed is empty".into()));
                }
                (
                    seed_commitment(salt, seed),
                    salt.clone(),
                    Some(seed.clone()),
                )
            }
            SeedInput::Commitment { commitment, salt } => {
                if commitment.len() != 64 || !commitment.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(AuditError::Invalid(
                        "the seed commitment must be 64 hex digits (a SHA-256)".into(),
                    ));
                }
                (commitment.to_lowercase(), salt.clone(), None)
            }
        };
        let log = vec![self.entry(
            actor,
            &spec.name,
            "audit.created",
            json!({
                "audit_type": spec.audit_type.as_str(),
                "math": spec.math.as_str(),
                "risk_limit": risk_limit,
                "seed_commitment": commitment,
            }),
            None,
        )];
        self.store
            .create_audit(
                &NewAudit {
                    name: spec.name.clone(),
                    audit_type: spec.audit_type.as_str().into(),
                    math: spec.math.as_str().into(),
                    risk_limit,
                    seed_commitment: commitment,
                    seed_salt: Some(salt),
                    sealed_seed: sealed,
                    created_at: self.now_ms(),
                    created_by: actor.into(),
                },
                &log,
            )
            .await?;
        self.flush().await?;
        self.audit(&spec.name).await
    }

    /// Reveals the seed at the public ceremony: the sealed one, or `seed` checked against the
    /// commitment. Returns the seed.
    pub async fn reveal_seed(
        &self,
        actor: &str,
        audit: &str,
        seed: Option<&str>,
    ) -> Result<String> {
        let a = self.audit(audit).await?;
        if a.seed.is_some() {
            return Err(AuditError::State(
                "the seed of this audit is already revealed".into(),
            ));
        }
        let seed = match (seed, &a.sealed_seed) {
            (Some(s), _) => s.to_string(),
            (None, Some(s)) => s.clone(),
            (None, None) => {
                return Err(AuditError::Invalid(
                    "this audit was created with only a commitment; give the seed (--seed)".into(),
                ));
            }
        };
        let salt = a.seed_salt.clone().unwrap_or_default();
        if seed_commitment(&salt, &seed) != a.seed_commitment {
            return Err(AuditError::Invalid(
                "that seed does not match the published commitment; check the digits".into(),
            ));
        }
        let log = vec![self.entry(
            actor,
            audit,
            "audit.seed_revealed",
            json!({"seed": seed, "salt": salt, "seed_commitment": a.seed_commitment}),
            None,
        )];
        self.store
            .reveal_seed(a.id, &seed, self.now_ms(), &log)
            .await?;
        self.flush().await?;
        Ok(seed)
    }

    pub async fn add_jurisdiction(&self, actor: &str, audit: &str, name: &str) -> Result<()> {
        let a = self.audit(audit).await?;
        if name.trim().is_empty() {
            return Err(AuditError::Invalid("give the jurisdiction a name".into()));
        }
        self.require_setup(&a, "add a jurisdiction")?;
        let log = vec![self.entry(
            actor,
            audit,
            "audit.jurisdiction_added",
            json!({"jurisdiction": name}),
            None,
        )];
        self.store
            .add_jurisdiction(a.id, name.trim(), self.now_ms(), &log)
            .await?;
        self.flush().await?;
        Ok(())
    }

    /// Records and contests are fixed once the seed is public: otherwise a file or a contest could
    /// be chosen knowing which ballots the seed will draw.
    fn require_setup(&self, a: &AuditRow, what: &str) -> Result<()> {
        if a.seed.is_some() && what != "add a jurisdiction" {
            return Err(AuditError::State(format!(
                "cannot {what}: the seed of audit {:?} is revealed, so its records and contests are fixed (they must be committed before anyone knows the seed)",
                a.name
            )));
        }
        if a.status != AuditStatus::Setup.as_str() {
            return Err(AuditError::State(format!(
                "cannot {what}: audit {:?} has started its rounds, and its records are fixed",
                a.name
            )));
        }
        Ok(())
    }

    async fn jurisdiction(&self, a: &AuditRow, name: &str) -> Result<JurisdictionRow> {
        let all = self.store.jurisdictions(a.id).await?;
        let names: Vec<String> = all.iter().map(|j| j.name.clone()).collect();
        all.into_iter().find(|j| j.name == name).ok_or_else(|| {
            AuditError::NotFound(format!(
                "jurisdiction {name:?} in audit {:?} (its jurisdictions: {})",
                a.name,
                if names.is_empty() {
                    "none yet".to_string()
                } else {
                    names.join(", ")
                }
            ))
        })
    }

    /// Uploads a file, or the files of a CVR export, for a jurisdiction. Every file goes to the
    /// log's artifact store and its SHA-256 into the upload's log entry; the attempt, its report
    /// and (when every file is accepted) its rows are stored in one transaction, replacing the
    /// previous upload of the same kind. A bad file rejects the whole upload and stores nothing
    /// but the attempt. Returns the validation report (check `accepted`).
    pub async fn upload(
        &self,
        actor: &str,
        audit: &str,
        jurisdiction: &str,
        upload: &Upload<'_>,
    ) -> Result<ValidationReport> {
        let Upload {
            kind,
            files,
            contest,
        } = *upload;
        let first = match files {
            [] => return Err(AuditError::Invalid("choose the file(s) to upload".into())),
            [first] => first,
            [first, ..] if kind == UploadKind::Cvrs => first,
            _ => {
                let what = if kind == UploadKind::Manifest {
                    "ballot manifest"
                } else {
                    "batch-tally file"
                };
                return Err(AuditError::Invalid(format!(
                    "a {what} is one file, but {} were given; upload them one at a time",
                    files.len()
                )));
            }
        };
        let a = self.audit(audit).await?;
        self.require_setup(&a, "upload files")?;
        let j = self.jurisdiction(&a, jurisdiction).await?;
        let manifest = {
            let rows = self.store.manifest_batches(j.id).await?;
            (!rows.is_empty())
                .then(|| upload::manifest_from_rows("the jurisdiction's manifest", &rows))
        };
        let parsed = match kind {
            UploadKind::Manifest => upload::read_manifest(first.name, first.bytes),
            UploadKind::Cvrs => upload::read_cvrs(files, manifest.as_ref()),
            UploadKind::BatchTallies => {
                upload::read_batch_tallies(first.name, first.bytes, contest, manifest.as_ref())
            }
        };
        let mut report = parsed.report;
        let mut stored = Vec::with_capacity(files.len());
        for (i, file) in files.iter().enumerate() {
            let sha256 = self.store_artifact(file.bytes)?;
            let format = report
                .files
                .get(i)
                .map_or_else(|| report.format.clone(), |f| f.format.clone());
            if let Some(f) = report.files.get_mut(i) {
                f.sha256 = sha256.clone();
            }
            stored.push(UploadFile {
                name: file.name.to_string(),
                format,
                sha256,
                size: i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
            });
        }
        // One file is known by its own hash; several by the hash of their listing (which is
        // stored too, so the log entry's artifact is always there to fetch).
        let sha256 = match stored.as_slice() {
            [one] => one.sha256.clone(),
            _ => self.store_artifact(&file_listing(
                &stored
                    .iter()
                    .map(|f| FileRef {
                        file_name: f.name.clone(),
                        sha256: f.sha256.clone(),
                    })
                    .collect::<Vec<_>>(),
            ))?,
        };
        let size: usize = files.iter().map(|f| f.bytes.len()).sum();
        let log = vec![self.entry(
            actor,
            audit,
            "audit.upload",
            json!({
                "jurisdiction": jurisdiction,
                "kind": kind.as_str(),
                "contest": parsed.contest,
                "file_name": report.file_name,
                "size": size,
                "format": report.format,
                "accepted": report.accepted,
                "errors": report.errors().count(),
                "files": report.files.iter().map(|f| json!({
                    "name": f.name,
                    "format": f.format,
                    "size": f.size,
                    "sha256": f.sha256,
                })).collect::<Vec<_>>(),
                // The first summary line only: a county's CVR export can define hundreds of
                // contests, and a log entry must stay small (the full report is in the database).
                "summary": report.summary.first(),
                "contests": report.summary.len().saturating_sub(1),
            }),
            Some(sha256.clone()),
        )];
        self.store
            .store_upload(
                &NewUpload {
                    audit_id: a.id,
                    jurisdiction_id: j.id,
                    kind: kind.as_str().into(),
                    contest: parsed.contest.clone(),
                    file_name: report.file_name.clone(),
                    format: report.format.clone(),
                    sha256,
                    size: i64::try_from(size).unwrap_or(i64::MAX),
                    report: serde_json::to_string(&report.problems).unwrap_or_default(),
                    summary: serde_json::to_string(&report.summary).unwrap_or_default(),
                    uploaded_at: self.now_ms(),
                    uploaded_by: actor.into(),
                    files: stored,
                },
                &parsed.data,
                &log,
            )
            .await?;
        self.flush().await?;
        Ok(report)
    }

    /// Adds a contest; its reported results come from the uploads (or are entered).
    pub async fn add_contest(
        &self,
        actor: &str,
        audit: &str,
        spec: &ContestSpec,
    ) -> Result<ContestRecord> {
        let a = self.audit(audit).await?;
        self.require_setup(&a, "add a contest")?;
        let all = self.store.jurisdictions(a.id).await?;
        let universe: Vec<JurisdictionRow> = if spec.jurisdictions.is_empty() {
            all.clone()
        } else {
            let mut v = Vec::new();
            for name in &spec.jurisdictions {
                v.push(self.jurisdiction(&a, name).await?);
            }
            v
        };
        if universe.is_empty() {
            return Err(AuditError::State(
                "add the jurisdictions before the contests".into(),
            ));
        }
        let audit_type = AuditType::parse(&a.audit_type)?;
        let source = if spec.votes.is_some() {
            "entered"
        } else {
            match audit_type {
                AuditType::BallotComparison => "cvrs",
                AuditType::BatchComparison => "batch_tallies",
                AuditType::BallotPolling | AuditType::Hybrid => {
                    return Err(AuditError::Invalid(format!(
                        "a ballot-polling or hybrid audit needs contest {:?}'s reported votes for the whole contest (--vote NAME=COUNT for each choice)",
                        spec.name
                    )));
                }
            }
        };
        let mut record = ContestRecord {
            name: spec.name.clone(),
            targeted: spec.targeted,
            jurisdictions: universe.iter().map(|j| j.name.clone()).collect(),
            votes_allowed: spec.votes_allowed.unwrap_or(1),
            num_winners: spec
                .num_winners
                .or(spec.winners.as_ref().map(Vec::len))
                .unwrap_or(1),
            winners: spec.winners.clone(),
            source: source.into(),
            choices: spec
                .votes
                .clone()
                .unwrap_or_default()
                .into_iter()
                .map(|(name, votes)| ChoiceRecord { name, votes })
                .collect(),
            ballots: spec.ballots.unwrap_or(0),
            cvr_stratum: None,
        };
        self.derive_results(&universe, &mut record, spec).await?;
        measure::rla_contest(&record)?;
        let log = vec![self.entry(
            actor,
            audit,
            "audit.contest_added",
            serde_json::to_value(&record).unwrap_or_default(),
            None,
        )];
        self.store
            .add_contest(
                &NewContest {
                    audit_id: a.id,
                    name: record.name.clone(),
                    targeted: record.targeted,
                    num_winners: record.num_winners as i64,
                    votes_allowed: i64::from(record.votes_allowed),
                    winners: record
                        .winners
                        .as_ref()
                        .map(|w| serde_json::to_string(w).unwrap_or_default()),
                    source: record.source.clone(),
                    choices: choices_json(&record.choices),
                    ballots: i64::try_from(record.ballots).unwrap_or(i64::MAX),
                    jurisdictions: universe.iter().map(|j| j.id).collect(),
                    created_at: self.now_ms(),
                    created_by: actor.into(),
                },
                &log,
            )
            .await?;
        self.flush().await?;
        Ok(record)
    }

    /// Fills in the contest's reported results from the universe's current uploads.
    async fn derive_results(
        &self,
        universe: &[JurisdictionRow],
        c: &mut ContestRecord,
        spec: &ContestSpec,
    ) -> Result<()> {
        let mut ballots = 0u64;
        for j in universe {
            let batches = self.store.manifest_batches(j.id).await?;
            if batches.is_empty() && spec.ballots.is_none() {
                return Err(AuditError::State(format!(
                    "{} has no ballot manifest; upload it before adding contest {:?}",
                    j.name, c.name
                )));
            }
            ballots += batches
                .iter()
                .map(|b| u64::try_from(b.ballots).unwrap_or(0))
                .sum::<u64>();
        }
        if spec.ballots.is_none() {
            c.ballots = ballots;
        }
        if c.source == "entered" {
            return Ok(());
        }
        let mut totals: Vec<ChoiceRecord> = Vec::new();
        let mut add = |name: &str, votes: u64| match totals.iter_mut().find(|x| x.name == name) {
            Some(x) => x.votes += votes,
            None => totals.push(ChoiceRecord {
                name: name.to_string(),
                votes,
            }),
        };
        for j in universe {
            if c.source == "cvrs" {
                let contests = self.store.cvr_contests(j.id).await?;
                let Some(row) = contests.iter().find(|x| x.name == c.name) else {
                    let known: Vec<&str> = contests.iter().map(|x| x.name.as_str()).collect();
                    return Err(AuditError::State(format!(
                        "{}'s CVRs have no contest {:?}{}; upload its CVRs or correct the name",
                        j.name,
                        c.name,
                        if known.is_empty() {
                            String::new()
                        } else {
                            format!(" (they have: {})", known.join(", "))
                        }
                    )));
                };
                let names: Vec<String> = serde_json::from_str(&row.choices).unwrap_or_default();
                let votes: Vec<u64> = serde_json::from_str(&row.votes).unwrap_or_default();
                for (n, v) in names.iter().zip(votes) {
                    add(n, v);
                }
                if spec.votes_allowed.is_none() {
                    c.votes_allowed = u32::try_from(row.votes_allowed).unwrap_or(1).max(1);
                }
            } else {
                let tallies = self.store.batch_tallies(j.id).await?;
                let rows: Vec<_> = tallies.iter().filter(|t| t.contest == c.name).collect();
                if rows.is_empty() {
                    return Err(AuditError::State(format!(
                        "{} has no batch tallies for {:?}; upload its candidate totals by batch",
                        j.name, c.name
                    )));
                }
                for t in rows {
                    let names: Vec<String> = serde_json::from_str(&t.choices).unwrap_or_default();
                    let votes: Vec<u64> = serde_json::from_str(&t.votes).unwrap_or_default();
                    for (n, v) in names.iter().zip(votes) {
                        add(n, v);
                    }
                }
            }
        }
        c.choices = totals;
        Ok(())
    }

    /// Loads the whole audit as a record (what reports, risk and the export are computed from).
    pub async fn record(&self, audit: &str) -> Result<AuditRecord> {
        Ok(AuditRecord::clone(&*self.record_shared(audit).await?))
    }

    /// The whole audit as a record, shared: built once per revision of the audit's data
    /// ([`Store::audit_revision`]) and kept, so the web pages that show an audit — every audit
    /// board's screen among them — do not each rebuild it from a few dozen queries.
    ///
    /// A record is kept only when the revision was the same before and after it was read: the
    /// reads are separate queries, and a change committed between two of them would give a record
    /// that mixes before and after. Such a record is read again (a change that lands meanwhile
    /// only makes it newer), and after a few tries returned without being kept.
    pub async fn record_shared(&self, audit: &str) -> Result<Arc<AuditRecord>> {
        let mut a = self.audit(audit).await?;
        if let Some(kept) = self.kept_record(a.id, a.revision) {
            return Ok(kept);
        }
        let gate = self.build_gate(a.id);
        let _one_build_at_a_time = gate.lock().await;
        // Whoever held the gate may have just built the record this caller wants.
        a = self.audit(audit).await?;
        if let Some(kept) = self.kept_record(a.id, a.revision) {
            return Ok(kept);
        }
        let mut tries = 0;
        loop {
            let record = Arc::new(self.record_of(&a).await?);
            let revision = self.store.audit_revision(a.id).await?;
            tries += 1;
            if revision == a.revision {
                if let Ok(mut kept) = self.records.lock() {
                    kept.insert(a.id, (revision, Arc::clone(&record)));
                }
                return Ok(record);
            }
            if tries == 3 {
                return Ok(record);
            }
            a = self.audit(audit).await?;
        }
    }

    fn build_gate(&self, audit: AuditId) -> Arc<tokio::sync::Mutex<()>> {
        match self.building.lock() {
            Ok(mut gates) => Arc::clone(gates.entry(audit).or_default()),
            // A panic elsewhere poisoned the map: build without waiting for others.
            Err(_) => Arc::default(),
        }
    }

    fn kept_record(&self, audit: AuditId, revision: i64) -> Option<Arc<AuditRecord>> {
        let kept = self.records.lock().ok()?;
        kept.get(&audit)
            .filter(|(at, _)| *at == revision)
            .map(|(_, record)| Arc::clone(record))
    }

    /// The record built from the database now, bypassing what is kept (tests compare the two).
    #[doc(hidden)]
    pub async fn record_uncached(&self, audit: &str) -> Result<AuditRecord> {
        let a = self.audit(audit).await?;
        self.record_of(&a).await
    }

    async fn record_of(&self, a: &AuditRow) -> Result<AuditRecord> {
        let s = &self.store;
        let jurisdictions = s.jurisdictions(a.id).await?;
        let jname: HashMap<i64, String> = jurisdictions
            .iter()
            .map(|j| (j.id, j.name.clone()))
            .collect();
        let uploads = s.uploads(a.id).await?;
        let upload_files = s.upload_files(a.id).await?;
        let contests = s.contests(a.id).await?;
        let rounds = s.rounds(a.id).await?;
        let round_number: HashMap<i64, u64> = rounds
            .iter()
            .map(|r| (r.id, u64::try_from(r.number).unwrap_or(0)))
            .collect();
        let round_contests = s.round_contests(a.id).await?;
        let contest_name: HashMap<i64, String> =
            contests.iter().map(|c| (c.id, c.name.clone())).collect();
        let boards = s.audit_boards(a.id).await?;
        let board_name: HashMap<i64, String> =
            boards.iter().map(|b| (b.id, b.name.clone())).collect();

        let mut j_records = Vec::new();
        for j in &jurisdictions {
            let current = |kind: &str| {
                uploads
                    .iter()
                    .filter(|u| {
                        u.jurisdiction_id == j.id
                            && u.kind == kind
                            && u.accepted
                            && u.replaced_at.is_none()
                    })
                    .map(|u| FileRef {
                        file_name: u.file_name.clone(),
                        sha256: u.sha256.clone(),
                    })
                    .collect::<Vec<_>>()
            };
            let tallies = s
                .batch_tallies(j.id)
                .await?
                .into_iter()
                .map(|t| {
                    let names: Vec<String> = serde_json::from_str(&t.choices).unwrap_or_default();
                    let votes: Vec<u64> = serde_json::from_str(&t.votes).unwrap_or_default();
                    TallyRecord {
                        contest: t.contest,
                        batch: t.batch,
                        votes: names.into_iter().zip(votes).collect(),
                    }
                })
                .collect();
            j_records.push(JurisdictionRecord {
                name: j.name.clone(),
                manifest: current("manifest").into_iter().next(),
                cvrs: current("cvrs").into_iter().next(),
                cvr_files: {
                    let id = uploads
                        .iter()
                        .find(|u| {
                            u.jurisdiction_id == j.id
                                && u.kind == "cvrs"
                                && u.accepted
                                && u.replaced_at.is_none()
                        })
                        .map(|u| u.id);
                    let files: Vec<FileRef> = upload_files
                        .iter()
                        .filter(|f| Some(f.upload_id) == id)
                        .map(|f| FileRef {
                            file_name: f.name.clone(),
                            sha256: f.sha256.clone(),
                        })
                        .collect();
                    if files.len() > 1 { files } else { Vec::new() }
                },
                batch_tally_files: current("batch_tallies"),
                batches: s
                    .manifest_batches(j.id)
                    .await?
                    .into_iter()
                    .map(|b| BatchRecord {
                        container: b.container,
                        tabulator: b.tabulator,
                        name: b.name,
                        ballots: u64::try_from(b.ballots).unwrap_or(0),
                        has_cvrs: b.has_cvrs,
                    })
                    .collect(),
                tallies,
            });
        }
        let mut c_records: Vec<ContestRecord> = contests
            .iter()
            .map(|c| ContestRecord {
                name: c.name.clone(),
                targeted: c.targeted,
                jurisdictions: c
                    .jurisdictions
                    .iter()
                    .filter_map(|id| jname.get(id).cloned())
                    .collect(),
                votes_allowed: u32::try_from(c.votes_allowed).unwrap_or(1),
                num_winners: usize::try_from(c.num_winners).unwrap_or(1),
                winners: c
                    .winners
                    .as_deref()
                    .and_then(|w| serde_json::from_str(w).ok()),
                source: c.source.clone(),
                choices: parse_choices(&c.choices),
                ballots: u64::try_from(c.ballots).unwrap_or(0),
                cvr_stratum: None,
            })
            .collect();
        if a.audit_type == AuditType::Hybrid.as_str() {
            // The stratum with CVRs: the manifests' CVR = Y batches and the CVRs' totals.
            for c in &mut c_records {
                let mut stratum = Stratum {
                    ballots: 0,
                    choices: Vec::new(),
                };
                for j in jurisdictions
                    .iter()
                    .filter(|j| c.jurisdictions.contains(&j.name))
                {
                    stratum.ballots += s
                        .manifest_batches(j.id)
                        .await?
                        .iter()
                        .filter(|b| b.has_cvrs == Some(true))
                        .map(|b| u64::try_from(b.ballots).unwrap_or(0))
                        .sum::<u64>();
                    for row in s
                        .cvr_contests(j.id)
                        .await?
                        .iter()
                        .filter(|r| r.name == c.name)
                    {
                        let names: Vec<String> =
                            serde_json::from_str(&row.choices).unwrap_or_default();
                        let votes: Vec<u64> = serde_json::from_str(&row.votes).unwrap_or_default();
                        for (n, v) in names.into_iter().zip(votes) {
                            match stratum.choices.iter_mut().find(|x| x.name == n) {
                                Some(x) => x.votes += v,
                                None => stratum.choices.push(ChoiceRecord { name: n, votes: v }),
                            }
                        }
                    }
                }
                c.cvr_stratum = Some(stratum);
            }
        }
        let r_records: Vec<RoundRecord> = rounds
            .iter()
            .map(|r| RoundRecord {
                number: u64::try_from(r.number).unwrap_or(0),
                sample_sha256: r.sample_sha256.clone(),
                ended: r.ended_at.is_some(),
                contests: round_contests
                    .iter()
                    .filter(|rc| rc.round_id == r.id)
                    .map(|rc| RoundContestRecord {
                        contest: contest_name
                            .get(&rc.contest_id)
                            .cloned()
                            .unwrap_or_default(),
                        sample_size: u64::try_from(rc.sample_size).unwrap_or(0),
                        size_option: rc.size_option.clone(),
                        draws_before: u64::try_from(rc.draws_before).unwrap_or(0),
                        non_cvr_sample_size: u64::try_from(rc.non_cvr_sample_size).unwrap_or(0),
                        non_cvr_draws_before: u64::try_from(rc.non_cvr_draws_before).unwrap_or(0),
                        p_value: rc.p_value,
                        risk_limit_met: rc.risk_limit_met,
                    })
                    .collect(),
            })
            .collect();

        // Ballots with their draws, CVRs and readings.
        let ballots = s.sampled_ballots(a.id).await?;
        let draws = s.draws(a.id).await?;
        let mut interpretations_of: HashMap<i64, Vec<InterpretationRow>> = HashMap::new();
        for i in s.interpretations(a.id).await? {
            interpretations_of.entry(i.ballot_id).or_default().push(i);
        }
        let mut by_ballot: HashMap<i64, Vec<DrawRecord>> = HashMap::new();
        for d in &draws {
            by_ballot.entry(d.ballot_id).or_default().push(DrawRecord {
                round: round_number.get(&d.round_id).copied().unwrap_or(0),
                contest: contest_name.get(&d.contest_id).cloned().unwrap_or_default(),
                ticket: d.ticket.clone(),
            });
        }
        let mut cvrs: HashMap<i64, CvrRecord> = HashMap::new();
        if a.audit_type == AuditType::BallotComparison.as_str()
            || a.audit_type == AuditType::Hybrid.as_str()
        {
            let audit_contests: HashSet<&str> = contests.iter().map(|c| c.name.as_str()).collect();
            let jurisdiction_of: HashMap<i64, i64> =
                ballots.iter().map(|b| (b.id, b.jurisdiction_id)).collect();
            // Each sampled county's CVR contests: (index in its file, name, choice names), the
            // names parsed once rather than once per ballot.
            let mut file_contests: HashMap<i64, Vec<(i64, String, Vec<String>)>> = HashMap::new();
            for j in &jurisdictions {
                if !ballots.iter().any(|b| b.jurisdiction_id == j.id) {
                    continue;
                }
                let parsed = s
                    .cvr_contests(j.id)
                    .await?
                    .into_iter()
                    .map(|c| {
                        let names: Vec<String> =
                            serde_json::from_str(&c.choices).unwrap_or_default();
                        (c.idx, c.name, names)
                    })
                    .collect();
                file_contests.insert(j.id, parsed);
            }
            for row in s.sampled_cvr_cards(a.id).await? {
                let Some(of_file) = jurisdiction_of
                    .get(&row.ballot_id)
                    .and_then(|j| file_contests.get(j))
                else {
                    continue;
                };
                let card = row.card;
                let mut votes = BTreeMap::new();
                for (ci, choices) in decode_marks(&card.marks) {
                    let Some((_, name, names)) =
                        of_file.iter().find(|(idx, _, _)| *idx == ci as i64)
                    else {
                        continue;
                    };
                    if !audit_contests.contains(name.as_str()) {
                        continue;
                    }
                    votes.insert(
                        name.clone(),
                        choices
                            .iter()
                            .filter_map(|&i| names.get(i).cloned())
                            .collect(),
                    );
                }
                cvrs.insert(
                    row.ballot_id,
                    CvrRecord {
                        cvr_id: card.cvr_id,
                        imprinted_id: card.imprinted_id,
                        record_id: card.record_id.and_then(|r| u64::try_from(r).ok()),
                        votes,
                    },
                );
            }
        }
        let c_by_id: HashMap<i64, &ContestRecord> = contests
            .iter()
            .zip(&c_records)
            .map(|(row, rec)| (row.id, rec))
            .collect();
        let b_records: Vec<BallotRecord> = ballots
            .iter()
            .map(|b| BallotRecord {
                jurisdiction: jname.get(&b.jurisdiction_id).cloned().unwrap_or_default(),
                container: b.container.clone(),
                tabulator: b.tabulator.clone(),
                batch: b.batch.clone(),
                position: u64::try_from(b.position).unwrap_or(0),
                first_round: u64::try_from(b.first_round).unwrap_or(0),
                audit_board: b.audit_board_id.and_then(|id| board_name.get(&id).cloned()),
                status: b.status.clone(),
                draws: by_ballot.remove(&b.id).unwrap_or_default(),
                cvr: cvrs.remove(&b.id),
                interpretations: interpretations_of
                    .remove(&b.id)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|i| {
                        let c = c_by_id.get(&i.contest_id)?;
                        let idx: Vec<usize> = serde_json::from_str(&i.choices).unwrap_or_default();
                        Some(ContestReading {
                            contest: c.name.clone(),
                            interpretation: Interpretation::parse(&i.interpretation).ok()?,
                            choices: idx
                                .iter()
                                .filter_map(|&k| c.choices.get(k).map(|x| x.name.clone()))
                                .collect(),
                            comment: i.comment.clone(),
                        })
                    })
                    .collect(),
            })
            .collect();

        let batches = s.sampled_batches(a.id).await?;
        let mut draws_of_batch: HashMap<i64, Vec<BatchDrawRow>> = HashMap::new();
        for d in s.batch_draws(a.id).await? {
            draws_of_batch.entry(d.batch_id).or_default().push(d);
        }
        let mut results_of_batch: HashMap<i64, Vec<BatchResultRow>> = HashMap::new();
        for r in s.batch_results(a.id).await? {
            results_of_batch.entry(r.batch_id).or_default().push(r);
        }
        let sb_records: Vec<SampledBatchRecord> = batches
            .iter()
            .map(|b| SampledBatchRecord {
                jurisdiction: jname.get(&b.jurisdiction_id).cloned().unwrap_or_default(),
                container: b.container.clone(),
                tabulator: b.tabulator.clone(),
                batch: b.batch.clone(),
                first_round: u64::try_from(b.first_round).unwrap_or(0),
                audit_board: b.audit_board_id.and_then(|id| board_name.get(&id).cloned()),
                status: b.status.clone(),
                draws: draws_of_batch
                    .remove(&b.id)
                    .unwrap_or_default()
                    .iter()
                    .map(|d| DrawRecord {
                        round: round_number.get(&d.round_id).copied().unwrap_or(0),
                        contest: contest_name.get(&d.contest_id).cloned().unwrap_or_default(),
                        ticket: d.ticket.clone(),
                    })
                    .collect(),
                results: results_of_batch
                    .remove(&b.id)
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|r| {
                        let c = c_by_id.get(&r.contest_id)?;
                        let votes: Vec<u64> = serde_json::from_str(&r.votes).unwrap_or_default();
                        Some((
                            c.name.clone(),
                            c.choices
                                .iter()
                                .map(|x| x.name.clone())
                                .zip(votes)
                                .collect(),
                        ))
                    })
                    .collect(),
            })
            .collect();
        let offline = s
            .offline_tallies(a.id)
            .await?
            .into_iter()
            .filter_map(|t| {
                let c = c_by_id.get(&t.contest_id)?;
                let votes: Vec<u64> = serde_json::from_str(&t.votes).unwrap_or_default();
                Some(OfflineTallyRecord {
                    round: round_number.get(&t.round_id).copied().unwrap_or(0),
                    jurisdiction: jname.get(&t.jurisdiction_id).cloned().unwrap_or_default(),
                    contest: c.name.clone(),
                    votes: c
                        .choices
                        .iter()
                        .map(|x| x.name.clone())
                        .zip(votes)
                        .collect(),
                    ballots: u64::try_from(t.ballots).unwrap_or(0),
                })
            })
            .collect();
        let board_records = boards
            .iter()
            .map(|b| BoardRecord {
                round: round_number.get(&b.round_id).copied().unwrap_or(0),
                jurisdiction: jname.get(&b.jurisdiction_id).cloned().unwrap_or_default(),
                name: b.name.clone(),
                members: b.member_1.clone().zip(b.member_2.clone()),
                signed_off: b.signed_off_at.is_some(),
            })
            .collect();
        let jurisdiction_sign_offs = s
            .jurisdiction_sign_offs(a.id)
            .await?
            .into_iter()
            .map(|x| JurisdictionSignOffRecord {
                round: round_number.get(&x.round_id).copied().unwrap_or(0),
                jurisdiction: jname.get(&x.jurisdiction_id).cloned().unwrap_or_default(),
            })
            .collect();
        Ok(AuditRecord {
            format: FORMAT.into(),
            name: a.name.clone(),
            audit_type: a.audit_type.clone(),
            math: a.math.clone(),
            risk_limit: a.risk_limit.clone(),
            seed_commitment: a.seed_commitment.clone(),
            seed_salt: a.seed_salt.clone(),
            seed: a.seed.clone(),
            status: a.status.clone(),
            jurisdictions: j_records,
            contests: c_records,
            rounds: r_records,
            ballots: b_records,
            batches: sb_records,
            offline_tallies: offline,
            audit_boards: board_records,
            jurisdiction_sign_offs,
        })
    }

    /// The next round's size options for every targeted contest still to confirm.
    pub async fn size_options(&self, audit: &str) -> Result<Vec<(String, Vec<SizeOffer>)>> {
        let mut record = self.record(audit).await?;
        if record.rounds.is_empty() {
            self.refresh_results(&mut record).await?;
        }
        let mut out = Vec::new();
        for c in contests_to_draw(&record) {
            out.push((c.clone(), measure::size_options(&record, &c)?));
        }
        Ok(out)
    }

    /// Round one uses the results as uploaded at that moment (re-derived, then frozen).
    async fn refresh_results(&self, record: &mut AuditRecord) -> Result<()> {
        let a = self.audit(&record.name).await?;
        let all = self.store.jurisdictions(a.id).await?;
        for c in &mut record.contests {
            if c.source == "entered" {
                continue;
            }
            let universe: Vec<JurisdictionRow> = all
                .iter()
                .filter(|j| c.jurisdictions.contains(&j.name))
                .cloned()
                .collect();
            let spec = ContestSpec {
                votes_allowed: Some(c.votes_allowed),
                ballots: None,
                ..ContestSpec::default()
            };
            self.derive_results(&universe, c, &spec).await?;
        }
        Ok(())
    }

    /// Starts the next round: each targeted contest still to confirm gets its chosen number of
    /// draws (`choices` by contest name; others get the default option); the draws are merged into
    /// one sample and stored with their tickets.
    pub async fn start_round(
        &self,
        actor: &str,
        audit: &str,
        choices: &[(String, SizeChoice)],
    ) -> Result<RoundStarted> {
        let a = self.audit(audit).await?;
        if a.status == AuditStatus::Complete.as_str() {
            return Err(AuditError::State(format!("audit {audit:?} is complete")));
        }
        let mut record = self.record_of(&a).await?;
        if record.seed.is_none() {
            return Err(AuditError::State(
                "the seed has not been revealed yet; reveal it at the public ceremony first (audit reveal-seed)".into(),
            ));
        }
        if record.rounds.iter().any(|r| !r.ended) {
            return Err(AuditError::State(
                "the current round has not ended; end it first (audit round end)".into(),
            ));
        }
        let number = record.rounds.len() as u64 + 1;
        let mut freeze = Vec::new();
        if number == 1 {
            self.refresh_results(&mut record).await?;
            if !record.contests.iter().any(|c| c.targeted) {
                return Err(AuditError::State(
                    "add at least one targeted contest first".into(),
                ));
            }
            for c in &record.contests {
                measure::rla_contest(c)?;
            }
        }
        let contests = self.store.contests(a.id).await?;
        let id_of: HashMap<&str, i64> = contests.iter().map(|c| (c.name.as_str(), c.id)).collect();
        if number == 1 {
            for c in &record.contests {
                if let Some(&id) = id_of.get(c.name.as_str()) {
                    freeze.push(ContestResults {
                        contest_id: id,
                        choices: choices_json(&c.choices),
                        ballots: i64::try_from(c.ballots).unwrap_or(i64::MAX),
                    });
                }
            }
        }
        for (name, _) in choices {
            if record.contest(name).is_none() {
                return Err(AuditError::NotFound(format!("contest {name:?}")));
            }
        }
        let mut sizes = Vec::new();
        let mut shown = Vec::new();
        for name in contests_to_draw(&record) {
            let Some(c) = record.contest(&name) else {
                continue;
            };
            let offers = measure::size_options(&record, &name)?;
            let choice = choices
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, c)| c.clone())
                .unwrap_or(SizeChoice::Default);
            let pick = |label: &str| offers.iter().find(|o| o.label == label).cloned();
            let (label, draws, non_cvr_draws) = match &choice {
                SizeChoice::Default => {
                    let o = pick("90% chance")
                        .or_else(|| pick("estimate"))
                        .or_else(|| offers.first().cloned())
                        .ok_or_else(|| {
                            AuditError::Invalid(format!("no size options for {name:?}"))
                        })?;
                    (o.label, o.draws, o.non_cvr_draws)
                }
                SizeChoice::Option(l) => {
                    let o = pick(l).ok_or_else(|| {
                        AuditError::Invalid(format!(
                            "{name:?} has no option {l:?}; the options are {}",
                            offers
                                .iter()
                                .map(|o| o.label.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })?;
                    (o.label, o.draws, o.non_cvr_draws)
                }
                SizeChoice::Draws(n) => {
                    if record.audit_type == AuditType::Hybrid.as_str() {
                        return Err(AuditError::Invalid(
                            "a hybrid audit's rounds take SUITE's estimate for both strata".into(),
                        ));
                    }
                    ("custom".to_string(), *n, 0)
                }
                SizeChoice::OneBatch => {
                    if record.audit_type != AuditType::BatchComparison.as_str() {
                        return Err(AuditError::Invalid(
                            "\"one more batch\" is for batch-comparison audits".into(),
                        ));
                    }
                    ("one more batch".to_string(), 1, 0)
                }
                SizeChoice::FullHandCount => (
                    FULL_HAND_COUNT.to_string(),
                    pick(FULL_HAND_COUNT).map_or(c.ballots, |o| o.draws),
                    0,
                ),
            };
            if draws + non_cvr_draws == 0 && label != FULL_HAND_COUNT {
                continue;
            }
            let (draws_before, non_cvr_draws_before) =
                if record.audit_type == AuditType::Hybrid.as_str() {
                    measure::draws_before_strata(&record, c)
                } else {
                    (measure::draws_before(&record, c), 0)
                };
            sizes.push(RoundSize {
                contest: name.clone(),
                draws,
                draws_before,
                full_hand_count: label == FULL_HAND_COUNT,
                non_cvr_draws,
                non_cvr_draws_before,
            });
            shown.push((name.clone(), draws + non_cvr_draws, label));
        }
        if sizes.is_empty() {
            return Err(AuditError::State(
                "no targeted contest needs more draws; end the audit".into(),
            ));
        }
        let artifact = measure::draw_round(&record, number, &sizes)?;
        let bytes = artifact.to_bytes();
        let sample_sha256 = self.store_artifact(&bytes)?;

        let jid: HashMap<String, i64> = self
            .store
            .jurisdictions(a.id)
            .await?
            .into_iter()
            .map(|j| (j.name, j.id))
            .collect();
        let mut ballots: Vec<NewSampledBallot> = Vec::new();
        let mut ballot_index: HashMap<(String, u64), usize> = HashMap::new();
        let mut draws = Vec::new();
        for d in &artifact.ballot_draws {
            let key = sampler::python_repr::BatchKey::arlo(
                &d.jurisdiction,
                d.tabulator.as_deref(),
                &d.batch,
            )
            .repr();
            let i = *ballot_index
                .entry((key.clone(), d.position))
                .or_insert_with(|| {
                    let container = record
                        .jurisdiction(&d.jurisdiction)
                        .and_then(|j| {
                            j.batches
                                .iter()
                                .find(|b| b.name == d.batch && b.tabulator == d.tabulator)
                        })
                        .and_then(|b| b.container.clone());
                    ballots.push(NewSampledBallot {
                        jurisdiction_id: jid.get(&d.jurisdiction).copied().unwrap_or(0),
                        batch_key: key,
                        container,
                        tabulator: d.tabulator.clone(),
                        batch: d.batch.clone(),
                        position: i64::try_from(d.position).unwrap_or(0),
                    });
                    ballots.len() - 1
                });
            draws.push(NewDraw {
                contest_id: id_of.get(d.contest.as_str()).copied().unwrap_or(0),
                ballot: i,
                ticket: d.ticket.clone(),
            });
        }
        let mut batches: Vec<NewSampledBatch> = Vec::new();
        let mut batch_index: HashMap<(String, String), usize> = HashMap::new();
        let mut batch_draws = Vec::new();
        for d in &artifact.batch_draws {
            let i = *batch_index
                .entry((d.jurisdiction.clone(), d.batch.clone()))
                .or_insert_with(|| {
                    let container = record
                        .jurisdiction(&d.jurisdiction)
                        .and_then(|j| j.batches.iter().find(|b| b.name == d.batch))
                        .and_then(|b| b.container.clone());
                    batches.push(NewSampledBatch {
                        jurisdiction_id: jid.get(&d.jurisdiction).copied().unwrap_or(0),
                        container,
                        tabulator: d.tabulator.clone(),
                        batch: d.batch.clone(),
                    });
                    batches.len() - 1
                });
            batch_draws.push(NewBatchDraw {
                contest_id: id_of.get(d.contest.as_str()).copied().unwrap_or(0),
                batch: i,
                ticket: d.ticket.clone(),
            });
        }
        let mut log = Vec::new();
        if number == 1 {
            // The results can be large (a state's contests); the entry carries their hash and a
            // summary, the JSON itself is an artifact.
            let frozen = serde_json::to_vec(&record.contests).unwrap_or_default();
            let frozen_sha = self.store_artifact(&frozen)?;
            log.push(self.entry(
                actor,
                audit,
                "audit.results_frozen",
                json!({
                    "contests": record.contests.len(),
                    "targeted": record.contests.iter().filter(|c| c.targeted).map(|c| c.name.clone()).collect::<Vec<_>>(),
                }),
                Some(frozen_sha),
            ));
        }
        log.push(self.entry(
            actor,
            audit,
            "audit.round_started",
            json!({
                "round": number,
                "contests": sizes.iter().zip(&shown).map(|(s, (_, _, label))| json!({
                    "contest": s.contest, "draws": s.draws, "draws_before": s.draws_before, "option": label,
                })).collect::<Vec<_>>(),
                "ballots": ballots.len(),
                "batches": batches.len(),
            }),
            Some(sample_sha256.clone()),
        ));
        let new_round = NewRound {
            audit_id: a.id,
            number: i64::try_from(number).unwrap_or(0),
            kind: "sample".into(),
            started_at: self.now_ms(),
            started_by: actor.into(),
            sample_sha256: sample_sha256.clone(),
            contests: sizes
                .iter()
                .zip(&shown)
                .map(|(s, (_, _, label))| NewRoundContest {
                    contest_id: id_of.get(s.contest.as_str()).copied().unwrap_or(0),
                    sample_size: i64::try_from(s.draws).unwrap_or(0),
                    size_option: label.clone(),
                    draws_before: i64::try_from(s.draws_before).unwrap_or(0),
                    non_cvr_sample_size: i64::try_from(s.non_cvr_draws).unwrap_or(0),
                    non_cvr_draws_before: i64::try_from(s.non_cvr_draws_before).unwrap_or(0),
                })
                .collect(),
            freeze,
            ballots,
            draws,
            batches,
            batch_draws,
        };
        let (n_ballots, n_batches) = (new_round.ballots.len(), new_round.batches.len());
        self.store.start_round(&new_round, &log).await?;
        self.flush().await?;
        Ok(RoundStarted {
            round: number,
            sizes: shown,
            ballots: n_ballots,
            batches: n_batches,
            sample_sha256,
        })
    }

    async fn current_round(&self, a: &AuditRow) -> Result<RoundRow> {
        let rounds = self.store.rounds(a.id).await?;
        rounds
            .into_iter()
            .rev()
            .find(|r| r.ended_at.is_none())
            .ok_or_else(|| {
                AuditError::State("no round is in progress; start one (audit round start)".into())
            })
    }

    /// Sets up a jurisdiction's audit boards for the current round and splits its ballots (and
    /// batches) among them by whole batches.
    pub async fn set_audit_boards(
        &self,
        actor: &str,
        audit: &str,
        jurisdiction: &str,
        names: &[String],
    ) -> Result<Vec<(String, usize)>> {
        let a = self.audit(audit).await?;
        let j = self.jurisdiction(&a, jurisdiction).await?;
        let round = self.current_round(&a).await?;
        if names.is_empty() {
            return Err(AuditError::Invalid("name at least one audit board".into()));
        }
        let ballots: Vec<SampledBallotRow> = self
            .store
            .sampled_ballots(a.id)
            .await?
            .into_iter()
            .filter(|b| b.jurisdiction_id == j.id && b.audit_board_id.is_none())
            .collect();
        let batches: Vec<SampledBatchRow> = self
            .store
            .sampled_batches(a.id)
            .await?
            .into_iter()
            .filter(|b| b.jurisdiction_id == j.id && b.audit_board_id.is_none())
            .collect();
        let ballot_boards = split_among_boards(
            &ballots
                .iter()
                .map(|b| b.batch_key.clone())
                .collect::<Vec<_>>(),
            names.len(),
        );
        let batch_boards = split_among_boards(
            &batches.iter().map(|b| b.batch.clone()).collect::<Vec<_>>(),
            names.len(),
        );
        let boards: Vec<NewBoard> = names
            .iter()
            .enumerate()
            .map(|(i, name)| NewBoard {
                name: name.clone(),
                ballots: ballots
                    .iter()
                    .zip(&ballot_boards)
                    .filter(|(_, b)| **b == i)
                    .map(|(x, _)| x.id)
                    .collect(),
                batches: batches
                    .iter()
                    .zip(&batch_boards)
                    .filter(|(_, b)| **b == i)
                    .map(|(x, _)| x.id)
                    .collect(),
            })
            .collect();
        let summary: Vec<(String, usize)> = boards
            .iter()
            .map(|b| (b.name.clone(), b.ballots.len() + b.batches.len()))
            .collect();
        let log = vec![self.entry(
            actor,
            audit,
            "audit.boards_set",
            json!({"jurisdiction": jurisdiction, "round": round.number, "boards": summary}),
            None,
        )];
        self.store
            .set_audit_boards(round.id, j.id, &boards, &log)
            .await?;
        self.flush().await?;
        Ok(summary)
    }

    async fn find_ballot(&self, a: &AuditRow, r: &BallotRef) -> Result<SampledBallotRow> {
        let j = self.jurisdiction(a, &r.jurisdiction).await?;
        let found: Vec<SampledBallotRow> = self
            .store
            .sampled_ballots(a.id)
            .await?
            .into_iter()
            .filter(|b| {
                b.jurisdiction_id == j.id
                    && b.batch == r.batch
                    && b.position == i64::try_from(r.position).unwrap_or(-1)
                    && (r.tabulator.is_none() || b.tabulator == r.tabulator)
            })
            .collect();
        match found.len() {
            1 => Ok(found
                .into_iter()
                .next()
                .ok_or_else(|| AuditError::NotFound("ballot".into()))?),
            0 => Err(AuditError::NotFound(format!(
                "sampled ballot {} of batch {:?} in {} (check the retrieval list)",
                r.position, r.batch, r.jurisdiction
            ))),
            _ => Err(AuditError::Invalid(format!(
                "batch {:?} exists on several tabulators in {}; say which (--tabulator)",
                r.batch, r.jurisdiction
            ))),
        }
    }

    /// Records what an audit board read on a sampled ballot (or that it was not found). Entering a
    /// ballot again replaces the earlier entry (both are in the log).
    pub async fn record_ballot(
        &self,
        actor: &str,
        audit: &str,
        ballot: &BallotRef,
        entry: &BallotEntry,
    ) -> Result<()> {
        let a = self.audit(audit).await?;
        let round = self.current_round(&a).await?;
        let b = self.find_ballot(&a, ballot).await?;
        if b.first_round < round.number && b.status != "not_audited" {
            return Err(AuditError::State(format!(
                "ballot {} of batch {:?} was audited in round {}, which has ended; its reading is final (it counts again wherever it is drawn again)",
                b.position, b.batch, b.first_round
            )));
        }
        if let Some(board) = b.audit_board_id {
            let boards = self.store.audit_boards(a.id).await?;
            if boards
                .iter()
                .any(|x| x.id == board && x.signed_off_at.is_some() && x.round_id == round.id)
            {
                return Err(AuditError::State(
                    "this ballot's audit board has signed off; its entries are final".into(),
                ));
            }
        }
        let contests = self.store.contests(a.id).await?;
        let mut rows = Vec::new();
        let status = match entry {
            BallotEntry::NotFound => "not_found",
            BallotEntry::Read(readings) => {
                for r in readings {
                    let c = contests
                        .iter()
                        .find(|c| c.name == r.contest)
                        .ok_or_else(|| AuditError::NotFound(format!("contest {:?}", r.contest)))?;
                    let choices = parse_choices(&c.choices);
                    let mut idx = Vec::new();
                    for name in &r.choices {
                        idx.push(choices.iter().position(|x| &x.name == name).ok_or_else(
                            || {
                                AuditError::Invalid(format!(
                                    "{name:?} is not a choice of {:?}; the choices are {}",
                                    c.name,
                                    choices
                                        .iter()
                                        .map(|x| x.name.as_str())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ))
                            },
                        )?);
                    }
                    if r.interpretation == Interpretation::Vote && idx.is_empty() {
                        return Err(AuditError::Invalid(format!(
                            "a vote in {:?} names at least one choice; use blank for none",
                            c.name
                        )));
                    }
                    rows.push(InterpretationRow {
                        ballot_id: b.id,
                        contest_id: c.id,
                        interpretation: r.interpretation.as_str().into(),
                        choices: serde_json::to_string(&idx).unwrap_or_default(),
                        comment: r.comment.clone(),
                    });
                }
                "audited"
            }
        };
        let log = vec![self.entry(
            actor,
            audit,
            "audit.ballot_audited",
            json!({
                "round": round.number,
                "jurisdiction": ballot.jurisdiction,
                "tabulator": b.tabulator,
                "batch": b.batch,
                "position": b.position,
                "status": status,
                "readings": match entry { BallotEntry::NotFound => Vec::new(), BallotEntry::Read(r) => r.clone() },
            }),
            None,
        )];
        self.store
            .record_ballots(
                &[BallotResult {
                    ballot_id: b.id,
                    status: status.into(),
                    interpretations: rows,
                    at: self.now_ms(),
                    by: actor.into(),
                }],
                &log,
            )
            .await?;
        self.flush().await?;
        Ok(())
    }

    /// Both members of an audit board sign off its work for the current round.
    pub async fn sign_off(
        &self,
        actor: &str,
        audit: &str,
        jurisdiction: &str,
        board: &str,
        members: (&str, &str),
    ) -> Result<()> {
        let a = self.audit(audit).await?;
        let j = self.jurisdiction(&a, jurisdiction).await?;
        let round = self.current_round(&a).await?;
        if members.0.trim().is_empty()
            || members.1.trim().is_empty()
            || members.0.trim() == members.1.trim()
        {
            return Err(AuditError::Invalid(
                "an audit board signs off with its two members' names, two different people".into(),
            ));
        }
        let boards = self.store.audit_boards(a.id).await?;
        let b = boards
            .iter()
            .find(|b| b.round_id == round.id && b.jurisdiction_id == j.id && b.name == board)
            .ok_or_else(|| {
                AuditError::NotFound(format!(
                    "audit board {board:?} of {jurisdiction} in round {}",
                    round.number
                ))
            })?;
        let left = self
            .store
            .sampled_ballots(a.id)
            .await?
            .iter()
            .filter(|x| x.audit_board_id == Some(b.id) && x.status == "not_audited")
            .count()
            + self
                .store
                .sampled_batches(a.id)
                .await?
                .iter()
                .filter(|x| x.audit_board_id == Some(b.id) && x.status == "not_audited")
                .count();
        // A jurisdiction that entered its round's tally offline (ballot polling) signs off on
        // that tally, not on ballot-by-ballot entries.
        let offline = self
            .store
            .offline_tallies(a.id)
            .await?
            .iter()
            .any(|t| t.round_id == round.id && t.jurisdiction_id == j.id);
        if left > 0 && !offline {
            return Err(AuditError::State(format!(
                "audit board {board:?} still has {left} ballot(s) or batch(es) to enter before signing off (or enter the jurisdiction's offline tally)"
            )));
        }
        let log = vec![self.entry(
            actor,
            audit,
            "audit.board_signed_off",
            json!({"jurisdiction": jurisdiction, "round": round.number, "board": board, "members": [members.0, members.1]}),
            None,
        )];
        self.store
            .sign_off(b.id, members, self.now_ms(), &log)
            .await?;
        self.flush().await?;
        Ok(())
    }

    /// A county's administrator signs off the county's work in the current round, once every
    /// audit board of the county has (a county with nothing sampled this round may sign off at
    /// once). Once per round; the state administrator's progress page shows who has.
    pub async fn sign_off_jurisdiction(
        &self,
        actor: &str,
        audit: &str,
        jurisdiction: &str,
    ) -> Result<()> {
        let a = self.audit(audit).await?;
        let j = self.jurisdiction(&a, jurisdiction).await?;
        let round = self.current_round(&a).await?;
        let boards: Vec<BoardRow> = self
            .store
            .audit_boards(a.id)
            .await?
            .into_iter()
            .filter(|b| b.round_id == round.id && b.jurisdiction_id == j.id)
            .collect();
        let sampled = self
            .store
            .sampled_ballots(a.id)
            .await?
            .iter()
            .any(|b| b.jurisdiction_id == j.id && b.first_round == round.number)
            || self
                .store
                .sampled_batches(a.id)
                .await?
                .iter()
                .any(|b| b.jurisdiction_id == j.id && b.first_round == round.number);
        if sampled && boards.is_empty() {
            return Err(AuditError::State(format!(
                "{jurisdiction} has ballots to audit in round {} but no audit boards yet; set them up and let them finish first",
                round.number
            )));
        }
        let unsigned: Vec<&str> = boards
            .iter()
            .filter(|b| b.signed_off_at.is_none())
            .map(|b| b.name.as_str())
            .collect();
        if !unsigned.is_empty() {
            return Err(AuditError::State(format!(
                "audit board(s) {} of {jurisdiction} have not signed off round {} yet; the county signs off after its boards",
                unsigned.join(", "),
                round.number
            )));
        }
        let log = vec![self.entry(
            actor,
            audit,
            "audit.jurisdiction_signed_off",
            json!({"jurisdiction": jurisdiction, "round": round.number}),
            None,
        )];
        let sign_off = JurisdictionSignOffRow {
            round_id: round.id,
            jurisdiction_id: j.id,
            signed_off_at: self.now_ms(),
            signed_off_by: actor.into(),
        };
        match self.store.sign_off_jurisdiction(&sign_off, &log).await {
            Err(StoreError::Conflict(_)) => {
                return Err(AuditError::State(format!(
                    "{jurisdiction} has already signed off round {}",
                    round.number
                )));
            }
            other => other?,
        }
        self.flush().await?;
        Ok(())
    }

    /// A jurisdiction's tally of the current round's sampled ballots for a polling contest (each
    /// ballot counted as often as it was drawn), or its hand-count totals in a full hand count.
    pub async fn record_offline_tally(
        &self,
        actor: &str,
        audit: &str,
        jurisdiction: &str,
        contest: &str,
        votes: &[(String, u64)],
        ballots: Option<u64>,
    ) -> Result<()> {
        let a = self.audit(audit).await?;
        let j = self.jurisdiction(&a, jurisdiction).await?;
        let round = self.current_round(&a).await?;
        let contests = self.store.contests(a.id).await?;
        let c = contests
            .iter()
            .find(|c| c.name == contest)
            .ok_or_else(|| AuditError::NotFound(format!("contest {contest:?}")))?;
        let choices = parse_choices(&c.choices);
        let mut v = vec![0u64; choices.len()];
        for (name, n) in votes {
            let i = choices
                .iter()
                .position(|x| &x.name == name)
                .ok_or_else(|| {
                    AuditError::Invalid(format!("{name:?} is not a choice of {contest:?}"))
                })?;
            if let Some(slot) = v.get_mut(i) {
                *slot = *n;
            }
        }
        let drawn = match ballots {
            Some(b) => b,
            None => {
                let draws = self.store.draws(a.id).await?;
                let mine: HashSet<i64> = self
                    .store
                    .sampled_ballots(a.id)
                    .await?
                    .iter()
                    .filter(|b| b.jurisdiction_id == j.id)
                    .map(|b| b.id)
                    .collect();
                draws
                    .iter()
                    .filter(|d| {
                        d.round_id == round.id
                            && d.contest_id == c.id
                            && mine.contains(&d.ballot_id)
                    })
                    .count() as u64
            }
        };
        let log = vec![self.entry(
            actor,
            audit,
            "audit.offline_tally",
            json!({"jurisdiction": jurisdiction, "round": round.number, "contest": contest, "votes": votes.iter().cloned().collect::<BTreeMap<_, _>>(), "ballots": drawn}),
            None,
        )];
        self.store
            .record_offline_tally(
                &OfflineTallyRow {
                    round_id: round.id,
                    jurisdiction_id: j.id,
                    contest_id: c.id,
                    votes: serde_json::to_string(&v).unwrap_or_default(),
                    ballots: i64::try_from(drawn).unwrap_or(0),
                    entered_at: self.now_ms(),
                    entered_by: actor.into(),
                },
                &log,
            )
            .await?;
        self.flush().await?;
        Ok(())
    }

    /// A sampled batch's hand count (its tally sheet) for a contest.
    pub async fn record_batch_tally(
        &self,
        actor: &str,
        audit: &str,
        jurisdiction: &str,
        batch: &str,
        contest: &str,
        votes: &[(String, u64)],
    ) -> Result<()> {
        let a = self.audit(audit).await?;
        let j = self.jurisdiction(&a, jurisdiction).await?;
        let round = self.current_round(&a).await?;
        let contests = self.store.contests(a.id).await?;
        let c = contests
            .iter()
            .find(|c| c.name == contest)
            .ok_or_else(|| AuditError::NotFound(format!("contest {contest:?}")))?;
        let sb = self
            .store
            .sampled_batches(a.id)
            .await?
            .into_iter()
            .find(|b| b.jurisdiction_id == j.id && b.batch == batch)
            .ok_or_else(|| {
                AuditError::NotFound(format!(
                    "sampled batch {batch:?} in {jurisdiction} (check the retrieval list)"
                ))
            })?;
        let choices = parse_choices(&c.choices);
        let mut v = vec![0u64; choices.len()];
        for (name, n) in votes {
            let i = choices
                .iter()
                .position(|x| &x.name == name)
                .ok_or_else(|| {
                    AuditError::Invalid(format!("{name:?} is not a choice of {contest:?}"))
                })?;
            if let Some(slot) = v.get_mut(i) {
                *slot = *n;
            }
        }
        let log = vec![self.entry(
            actor,
            audit,
            "audit.batch_tally",
            json!({"jurisdiction": jurisdiction, "round": round.number, "batch": batch, "contest": contest, "votes": votes.iter().cloned().collect::<BTreeMap<_, _>>()}),
            None,
        )];
        self.store
            .record_batch_results(
                &[BatchResultRow {
                    batch_id: sb.id,
                    contest_id: c.id,
                    votes: serde_json::to_string(&v).unwrap_or_default(),
                    entered_at: self.now_ms(),
                    entered_by: actor.into(),
                }],
                &log,
            )
            .await?;
        self.flush().await?;
        Ok(())
    }

    /// Ends the current round: measures every contest's risk; the audit is complete when every
    /// targeted contest meets the risk limit.
    pub async fn end_round(&self, actor: &str, audit: &str) -> Result<RoundEnded> {
        let a = self.audit(audit).await?;
        let round = self.current_round(&a).await?;
        let boards = self.store.audit_boards(a.id).await?;
        let unsigned: Vec<String> = boards
            .iter()
            .filter(|b| b.round_id == round.id && b.signed_off_at.is_none())
            .map(|b| b.name.clone())
            .collect();
        if !unsigned.is_empty() {
            return Err(AuditError::State(format!(
                "audit board(s) {} have not signed off yet",
                unsigned.join(", ")
            )));
        }
        let record = self.record_of(&a).await?;
        let number = u64::try_from(round.number).unwrap_or(0);
        let in_round: Vec<String> = record
            .rounds
            .iter()
            .find(|r| r.number == number)
            .map(|r| r.contests.iter().map(|c| c.contest.clone()).collect())
            .unwrap_or_default();
        let mut risks = Vec::new();
        for c in &record.contests {
            if !c.targeted && record.audit_type == AuditType::BatchComparison.as_str() {
                continue;
            }
            match measure::measure(&record, &c.name, number) {
                Ok(r) => risks.push(r),
                // An opportunistic contest that cannot be measured (no loser, a tie, nothing
                // sampled in it) neither stops nor extends the audit.
                Err(_) if !c.targeted => {}
                Err(e) => return Err(e),
            }
        }
        let contests = self.store.contests(a.id).await?;
        let results: Vec<RoundContestResult> = risks
            .iter()
            .filter(|r| in_round.contains(&r.contest))
            .filter_map(|r| {
                let id = contests.iter().find(|c| c.name == r.contest)?.id;
                Some(RoundContestResult {
                    contest_id: id,
                    p_value: r.p_value,
                    risk_limit_met: r.risk_limit_met,
                    discrepancies: serde_json::to_string(&r.counts).unwrap_or_default(),
                })
            })
            .collect();
        let complete = record.contests.iter().filter(|c| c.targeted).all(|c| {
            risks
                .iter()
                .any(|r| r.contest == c.name && (r.risk_limit_met || r.outcome_changed))
        });
        let status = if complete {
            AuditStatus::Complete
        } else {
            AuditStatus::InProgress
        };
        let log = vec![self.entry(
            actor,
            audit,
            "audit.round_ended",
            json!({
                "round": number,
                "complete": complete,
                "sampled_cvrs_sha256": crate::report::sampled_cvrs_sha256(&record, number),
                // The round's contests only (the targeted ones it drew for): a log entry must stay
                // small, and a state may measure hundreds of opportunistic contests.
                "contests": risks.iter().filter(|r| in_round.contains(&r.contest)).map(|r| json!({
                    "contest": r.contest, "p_value": r.p_value, "risk_limit_met": r.risk_limit_met,
                    "draws": r.draws, "discrepancies": r.counts, "outcome_changed": r.outcome_changed,
                })).collect::<Vec<_>>(),
            }),
            None,
        )];
        self.store
            .end_round(
                round.id,
                &results,
                self.now_ms(),
                actor,
                status.as_str(),
                &log,
            )
            .await?;
        self.flush().await?;
        Ok(RoundEnded {
            round: number,
            risks,
            complete,
        })
    }

    /// The risk measured so far in the current round, from the ballots and batches entered (those
    /// not yet entered are left out, as if the round had drawn only the entered ones). Nothing is
    /// stored or logged: it is a look for support staff (Arlo issue #1550), never a stopping
    /// decision — only [`Workflow::end_round`] decides. Empty when no round is in progress.
    pub async fn provisional_risk(&self, audit: &str) -> Result<Vec<ContestRisk>> {
        let mut record = self.record(audit).await?;
        let Some(round) = record.rounds.iter().find(|r| !r.ended) else {
            return Ok(Vec::new());
        };
        let number = round.number;
        let contests: Vec<String> = round.contests.iter().map(|c| c.contest.clone()).collect();
        record
            .ballots
            .retain(|b| !(b.first_round == number && b.status == "not_audited"));
        record
            .batches
            .retain(|b| !(b.first_round == number && b.status == "not_audited"));
        Ok(contests
            .iter()
            .filter_map(|c| measure::measure(&record, c, number).ok())
            .collect())
    }

    /// The audit's activity log: every recorded change with its time, actor and details, oldest
    /// first (each is also an entry of the election log).
    pub async fn activity(&self, audit: &str) -> Result<Vec<Activity>> {
        let a = self.audit(audit).await?;
        Ok(self
            .store
            .audit_log(a.id)
            .await?
            .into_iter()
            .map(|p| {
                let mut body: serde_json::Map<String, Value> =
                    serde_json::from_str(&p.body).unwrap_or_default();
                body.remove("audit");
                Activity {
                    time_ms: p.time_ms,
                    actor: p.actor,
                    kind: p.kind,
                    sha256: p.sha256,
                    details: Value::Object(body),
                }
            })
            .collect())
    }

    /// Logs a report or export file (stored by hash) so the published copy can be checked.
    pub async fn log_report(
        &self,
        actor: &str,
        audit: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<String> {
        let a = self.audit(audit).await?;
        let sha = self.store_artifact(bytes)?;
        let log = vec![self.entry(
            actor,
            audit,
            "audit.report",
            json!({"name": name, "size": bytes.len()}),
            Some(sha.clone()),
        )];
        self.store.log_event(Some(a.id), &log).await?;
        self.flush().await?;
        Ok(sha)
    }

    /// Writes the public export to `dir`: `audit.json` (the audit record, logged), the uploaded
    /// manifests and batch tallies under `files/` by SHA-256, and the election log as signed C2SP
    /// tiles under `log/` — everything `verify-audit` needs to recompute the sample and the risk.
    /// CVR files are not copied (they can be large and some states keep them private); the
    /// sampled ballots' CVRs are in `audit.json`, bound to the log by hash.
    pub async fn export(
        &self,
        actor: &str,
        audit: &str,
        dir: &std::path::Path,
    ) -> Result<ExportSummary> {
        let record = self.record(audit).await?;
        let io = |e: std::io::Error, what: &std::path::Path| {
            AuditError::Invalid(format!("cannot write {}: {e}", what.display()))
        };
        let files_dir = dir.join("files");
        std::fs::create_dir_all(&files_dir).map_err(|e| io(e, &files_dir))?;
        let mut files = 0;
        for j in &record.jurisdictions {
            for f in j.manifest.iter().chain(&j.batch_tally_files) {
                let hash =
                    Hash::from_hex(&f.sha256).map_err(|e| AuditError::Invalid(e.to_string()))?;
                let bytes = self.with_ledger(|l| l.artifact(&hash))??;
                let path = dir.join(crate::verify::file_path(&f.sha256));
                std::fs::write(&path, bytes).map_err(|e| io(e, &path))?;
                files += 1;
            }
        }
        let json =
            serde_json::to_vec_pretty(&record).map_err(|e| AuditError::Invalid(e.to_string()))?;
        let path = dir.join("audit.json");
        std::fs::write(&path, &json).map_err(|e| io(e, &path))?;
        let sha = self.log_report(actor, audit, "audit.json", &json).await?;
        let log = self.with_ledger(|l| l.export(&dir.join("log")))??;
        Ok(ExportSummary {
            dir: dir.to_path_buf(),
            audit_json_sha256: sha,
            files,
            log_size: log.size,
        })
    }
}

/// Targeted contests still to confirm: every targeted contest before round one; afterwards those
/// whose last measured risk did not meet the limit.
pub fn contests_to_draw(record: &AuditRecord) -> Vec<String> {
    record
        .contests
        .iter()
        .filter(|c| c.targeted)
        .filter(|c| {
            let last = record
                .rounds
                .iter()
                .rev()
                .flat_map(|r| r.contests.iter())
                .find(|rc| rc.contest == c.name);
            !matches!(last, Some(rc) if rc.risk_limit_met == Some(true) || rc.size_option == FULL_HAND_COUNT)
        })
        .map(|c| c.name.clone())
        .collect()
}

fn choices_json(choices: &[ChoiceRecord]) -> String {
    serde_json::to_string(
        &choices
            .iter()
            .map(|c| (c.name.clone(), c.votes))
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default()
}

fn parse_choices(json: &str) -> Vec<ChoiceRecord> {
    serde_json::from_str::<Vec<(String, u64)>>(json)
        .unwrap_or_default()
        .into_iter()
        .map(|(name, votes)| ChoiceRecord { name, votes })
        .collect()
}
