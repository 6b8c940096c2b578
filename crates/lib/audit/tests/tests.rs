//! Integration tests of the audit workflow: whole audits on real and generated elections, run
//! through the library on a temporary SQLite database and election log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod arapahoe;
mod batch;
mod concurrency;
mod export;
mod hybrid;
mod multi;
mod polling;
mod reports;
mod uploads;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use audit::record::AuditRecord;
use audit::workflow::{AuditSpec, BallotRef, SeedInput};
use audit::{AuditType, BallotEntry, ContestReading, Interpretation, Math, Workflow};
use store::SqliteStore;

pub const ACTOR: &str = "test:clerk";

/// A workflow on a fresh data directory, with a fixed clock.
pub struct Harness {
    pub dir: PathBuf,
    pub rt: tokio::runtime::Runtime,
    pub wf: Workflow<SqliteStore>,
}

impl Drop for Harness {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub fn harness(name: &str) -> Harness {
    let dir = std::env::temp_dir().join(format!("ballotproof-audit-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let wf = rt.block_on(async {
        let store = SqliteStore::open(&dir.join("ballotproof.sqlite3"))
            .await
            .unwrap();
        let ledger = ledger::Ledger::open(&dir.join("ledger"), None).unwrap();
        let clock: audit::Clock = Arc::new(|| UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        Workflow::open(store, ledger, clock).await.unwrap()
    });
    Harness { dir, rt, wf }
}

impl Harness {
    pub fn create(
        &self,
        name: &str,
        audit_type: AuditType,
        math: Math,
        risk_limit: &str,
        seed: &str,
    ) {
        self.rt
            .block_on(self.wf.create_audit(
                ACTOR,
                &AuditSpec {
                    name: name.into(),
                    audit_type,
                    math,
                    risk_limit: risk_limit.into(),
                    seed: SeedInput::Sealed {
                        seed: seed.into(),
                        salt: "00112233445566778899aabbccddeeff".into(),
                    },
                },
            ))
            .unwrap();
    }

    /// The audit's record as the web pages get it (kept between changes), checked against one
    /// read from the database now: every test that looks at a record after a step also proves
    /// that the step moved the audit's revision, so no page can show a stale record.
    pub fn record(&self, audit: &str) -> AuditRecord {
        let kept = self.rt.block_on(self.wf.record(audit)).unwrap();
        let fresh = self.rt.block_on(self.wf.record_uncached(audit)).unwrap();
        assert!(kept == fresh, "the kept record of {audit} is stale");
        kept
    }

    /// Enters every not-yet-audited ballot of the current round as its CVR reads, except where
    /// `change` returns another entry; one board per jurisdiction, signed off.
    pub fn audit_as_reported(
        &self,
        audit: &str,
        change: &dyn Fn(&audit::record::BallotRecord) -> Option<BallotEntry>,
    ) {
        let record = self.record(audit);
        for j in &record.jurisdictions {
            if record
                .ballots
                .iter()
                .any(|b| b.jurisdiction == j.name && b.audit_board.is_none())
                || record
                    .batches
                    .iter()
                    .any(|b| b.jurisdiction == j.name && b.audit_board.is_none())
            {
                let round = record.rounds.len();
                self.rt
                    .block_on(self.wf.set_audit_boards(
                        ACTOR,
                        audit,
                        &j.name,
                        &[format!("Board {round}")],
                    ))
                    .unwrap();
            }
        }
        let record = self.record(audit);
        for b in record.ballots.iter().filter(|b| b.status == "not_audited") {
            let entry = change(b).unwrap_or_else(|| as_reported(&record, b));
            self.rt
                .block_on(self.wf.record_ballot(
                    ACTOR,
                    audit,
                    &BallotRef {
                        jurisdiction: b.jurisdiction.clone(),
                        tabulator: b.tabulator.clone(),
                        batch: b.batch.clone(),
                        position: b.position,
                    },
                    &entry,
                ))
                .unwrap();
        }
    }

    pub fn sign_off_all(&self, audit: &str) {
        let record = self.record(audit);
        let round = record.rounds.len() as u64;
        for board in record
            .audit_boards
            .iter()
            .filter(|b| b.round == round && !b.signed_off)
        {
            self.rt
                .block_on(self.wf.sign_off(
                    ACTOR,
                    audit,
                    &board.jurisdiction,
                    &board.name,
                    ("Ana Auditor", "Ben Bauer"),
                ))
                .unwrap();
        }
    }
}

/// What the CVR says, as an audit board would enter it for every contest of the audit.
pub fn as_reported(record: &AuditRecord, b: &audit::record::BallotRecord) -> BallotEntry {
    let readings = record
        .contests
        .iter()
        .filter(|c| c.jurisdictions.contains(&b.jurisdiction))
        .map(|c| {
            let votes = b.cvr.as_ref().and_then(|cvr| cvr.votes.get(&c.name));
            let (interpretation, choices) = match votes {
                None => (Interpretation::ContestNotOnBallot, vec![]),
                Some(v) if v.is_empty() => (Interpretation::Blank, vec![]),
                Some(v) => (Interpretation::Vote, v.clone()),
            };
            ContestReading {
                contest: c.name.clone(),
                interpretation,
                choices,
                comment: String::new(),
            }
        })
        .collect();
    BallotEntry::Read(readings)
}

pub fn shared_data(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/data")
        .join(file)
}

/// A synthetic election from the project's generator: its manifest and Dominion CSV CVRs.
pub fn generated(
    seed: u64,
    cards: u64,
    contests: u32,
) -> (records::generate::Spec, Vec<u8>, Vec<u8>) {
    let spec = records::generate::Spec {
        seed,
        cards,
        contests,
        tabulators: 2,
        batch_size: 50,
    };
    let mut manifest = Vec::new();
    records::generate::write_manifest(&spec, false, &mut manifest).unwrap();
    let mut cvrs = Vec::new();
    records::generate::write_dominion_csv(&spec, &mut cvrs).unwrap();
    (spec, manifest, cvrs)
}

/// The generated card at (batch, position): cards fill batches in order, record ids from 1.
pub fn card_at(
    spec: &records::generate::Spec,
    batch: &str,
    position: u64,
) -> records::generate::GenCard {
    let b: u64 = batch.parse().unwrap();
    spec.card(
        (b - 1) * spec.batch_size + position - 1,
        &spec.contests(false),
    )
}

/// Votes per choice of contest `c` (0-based) by batch, overvotes not counted, as Arlo's
/// "candidate totals by batch" CSV.
pub fn batch_tallies_csv(spec: &records::generate::Spec, c: usize) -> (String, Vec<(String, u64)>) {
    let contests = spec.contests(false);
    let contest = &contests[c];
    let mut rows: Vec<Vec<u64>> = vec![vec![0; contest.choices.len()]; spec.batches() as usize];
    for i in 0..spec.cards {
        let card = spec.card(i, &contests);
        if let records::generate::GenMarks::Marked(m) = &card.marks[c]
            && m.len() <= contest.votes_allowed as usize
        {
            {
                for &k in m {
                    rows[(card.batch - 1) as usize][k] += 1;
                }
            }
        }
    }
    let mut csv = format!("Batch Name,{}\n", contest.choices.join(","));
    for (b, votes) in rows.iter().enumerate() {
        csv.push_str(&format!(
            "{},{}\n",
            b + 1,
            votes
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ));
    }
    let totals = contest
        .choices
        .iter()
        .enumerate()
        .map(|(k, name)| (name.clone(), rows.iter().map(|r| r[k]).sum()))
        .collect();
    (csv, totals)
}
