//! Benchmarks for the audit record that every page showing an audit needs: building it from the
//! database (`Workflow::record_uncached`, a few dozen queries plus one CVR lookup per sampled
//! ballot) and getting the kept one (`Workflow::record_shared` when nothing changed: the audit
//! row and a pointer copy). A ballot-comparison audit of 50,000 cards in 200 batches, 20
//! contests, with a first round of 400 draws.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, UNIX_EPOCH};

use audit::workflow::{AuditSpec, ContestSpec, NamedFile, SeedInput, Upload};
use audit::{AuditType, Math, SizeChoice, UploadKind, Workflow};
use records::generate::{self, Spec};
use store::SqliteStore;

const DRAWS: u64 = 400;

struct Prepared {
    dir: std::path::PathBuf,
    rt: tokio::runtime::Runtime,
    wf: Workflow<SqliteStore>,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The audit in round one, prepared once for all benchmarks.
fn prepared() -> Option<&'static Prepared> {
    static AUDIT: OnceLock<Option<Prepared>> = OnceLock::new();
    AUDIT.get_or_init(prepare).as_ref()
}

fn prepare() -> Option<Prepared> {
    let spec = Spec {
        seed: 3,
        cards: 50_000,
        contests: 20,
        tabulators: 4,
        batch_size: 250,
    };
    let (mut cvrs, mut manifest) = (Vec::new(), Vec::new());
    generate::write_dominion_csv(&spec, &mut cvrs).ok()?;
    generate::write_manifest(&spec, false, &mut manifest).ok()?;
    let dir = std::env::temp_dir().join(format!("ballotproof-bench-record-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    let wf = rt.block_on(async {
        let store = SqliteStore::open(&dir.join("ballotproof.sqlite3"))
            .await
            .ok()?;
        let ledger = ledger::Ledger::open(&dir.join("ledger"), None).ok()?;
        let clock: audit::Clock = Arc::new(|| UNIX_EPOCH + Duration::from_secs(1_800_000_000));
        let wf = Workflow::open(store, ledger, clock).await.ok()?;
        let spec = AuditSpec {
            name: "B".into(),
            audit_type: AuditType::BallotComparison,
            math: Math::KaplanMarkov,
            risk_limit: "0.05".into(),
            seed: SeedInput::Sealed {
                seed: "1".into(),
                salt: "00".into(),
            },
        };
        wf.create_audit("bench", &spec).await.ok()?;
        wf.add_jurisdiction("bench", "B", "J").await.ok()?;
        for (kind, name, bytes) in [
            (UploadKind::Manifest, "manifest.csv", &manifest),
            (UploadKind::Cvrs, "cvrs.csv", &cvrs),
        ] {
            let files = [NamedFile::new(name, bytes)];
            wf.upload("bench", "B", "J", &Upload::new(kind, &files))
                .await
                .ok()?;
        }
        let contest = ContestSpec {
            name: "Contest 1".into(),
            targeted: true,
            ..ContestSpec::default()
        };
        wf.add_contest("bench", "B", &contest).await.ok()?;
        wf.reveal_seed("bench", "B", None).await.ok()?;
        let size = [("Contest 1".to_string(), SizeChoice::Draws(DRAWS))];
        wf.start_round("bench", "B", &size).await.ok()?;
        wf.set_audit_boards("bench", "B", "J", &["Board 1".into(), "Board 2".into()])
            .await
            .ok()?;
        Some(wf)
    })?;
    Some(Prepared { dir, rt, wf })
}

#[divan::bench(sample_count = 10, sample_size = 1)]
fn build_from_database(bencher: divan::Bencher) {
    let Some(p) = prepared() else { return };
    bencher.bench_local(|| {
        let record = p.rt.block_on(p.wf.record_uncached("B")).ok();
        divan::black_box(record.map(|r| r.ballots.len()))
    });
}

#[divan::bench(sample_count = 50, sample_size = 10)]
fn kept(bencher: divan::Bencher) {
    let Some(p) = prepared() else { return };
    bencher.bench_local(|| {
        let record = p.rt.block_on(p.wf.record_shared("B")).ok();
        divan::black_box(record.map(|r| r.ballots.len()))
    });
}

fn main() {
    divan::main();
}
