//! Benchmarks for the audit record that every page showing an audit needs: building it from the
//! database (`Workflow::record_uncached`, a few dozen queries plus one CVR lookup per sampled
//! ballot) and getting the kept one (`Workflow::record_shared` when nothing changed: the audit
//! row and a pointer copy). A ballot-comparison audit of 50,000 cards in 200 batches, 20
//! contests, with a first round of 400 draws.

mod common;

use std::sync::OnceLock;

use audit::workflow::{ContestSpec, NamedFile, Upload};
use audit::{SizeChoice, UploadKind};
use common::BenchAudit;
use records::generate::{self, Spec};

const DRAWS: u64 = 400;

/// The audit in round one, prepared once for all benchmarks.
fn prepared() -> Option<&'static BenchAudit> {
    static AUDIT: OnceLock<Option<BenchAudit>> = OnceLock::new();
    AUDIT.get_or_init(prepare).as_ref()
}

fn prepare() -> Option<BenchAudit> {
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
    let audit = common::comparison_audit("record", &manifest)?;
    let wf = &audit.wf;
    audit.rt.block_on(async {
        let files = [NamedFile::new("cvrs.csv", &cvrs)];
        wf.upload("bench", "B", "J", &Upload::new(UploadKind::Cvrs, &files))
            .await
            .ok()?;
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
            .ok()
    })?;
    Some(audit)
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
