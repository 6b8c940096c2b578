//! Benchmarks for audit uploads: reading a generated Dominion CSV export into the audit's packed
//! card rows (`read_cvrs`, no database), and the whole `Workflow::upload` — reading, storing the
//! file in the log's artifact store, inserting every card in one SQLite transaction, logging.
//! The 500,000-card figures (time and peak memory) in docs/PERFORMANCE.md come from
//! `ballotproof audit upload` measured with /usr/bin/time -v.

use std::sync::OnceLock;

mod common;

use audit::UploadKind;
use audit::workflow::{NamedFile, Upload};
use records::generate::{self, Spec};

fn spec() -> Spec {
    Spec {
        seed: 1,
        cards: 50_000,
        contests: 20,
        tabulators: 4,
        batch_size: 250,
    }
}

/// The export and its manifest, generated once.
fn files() -> &'static (Vec<u8>, Vec<u8>) {
    static DATA: OnceLock<(Vec<u8>, Vec<u8>)> = OnceLock::new();
    DATA.get_or_init(|| {
        let (mut cvrs, mut manifest) = (Vec::new(), Vec::new());
        let _ = generate::write_dominion_csv(&spec(), &mut cvrs);
        let _ = generate::write_manifest(&spec(), false, &mut manifest);
        (cvrs, manifest)
    })
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn read_cvrs_50k(bencher: divan::Bencher) {
    let (cvrs, manifest) = files();
    let manifest = audit::upload::read_manifest("manifest.csv", manifest);
    let store::UploadData::Manifest(rows) = manifest.data else {
        return;
    };
    let manifest = audit::upload::manifest_from_rows("manifest", &rows);
    bencher.bench(|| {
        let parsed = audit::upload::read_cvrs(&[NamedFile::new("cvrs.csv", cvrs)], Some(&manifest));
        divan::black_box(parsed.report.accepted)
    });
}

/// A fresh audit with its manifest uploaded, in a new data directory.
fn fresh(n: usize) -> Option<common::BenchAudit> {
    common::comparison_audit(&format!("upload-{n}"), &files().1)
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn workflow_upload_50k(bencher: divan::Bencher) {
    let (cvrs, _) = files();
    let mut n = 0;
    bencher
        .with_inputs(|| {
            n += 1;
            fresh(n)
        })
        .bench_local_values(|f| {
            let Some(f) = f else { return false };
            let files = [NamedFile::new("cvrs.csv", cvrs)];
            let accepted = f
                .rt
                .block_on(f.wf.upload("bench", "B", "J", &Upload::new(UploadKind::Cvrs, &files)))
                .is_ok_and(|r| r.accepted);
            divan::black_box(accepted)
        });
}

fn main() {
    divan::main();
}
