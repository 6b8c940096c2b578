//! What the audit benchmarks share: a workflow on a fresh data directory (removed on drop) with a
//! ballot-comparison audit "B" (Kaplan–Markov, 5 %) and its one jurisdiction "J", manifest
//! uploaded.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use audit::workflow::{AuditSpec, NamedFile, SeedInput, Upload};
use audit::{AuditType, Math, UploadKind, Workflow};
use store::SqliteStore;

pub struct BenchAudit {
    pub dir: std::path::PathBuf,
    pub rt: tokio::runtime::Runtime,
    pub wf: Workflow<SqliteStore>,
}

impl Drop for BenchAudit {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The audit in a new directory named after `tag`; `None` if any step fails (the benchmark then
/// measures nothing rather than panicking).
pub fn comparison_audit(tag: &str, manifest: &[u8]) -> Option<BenchAudit> {
    let dir = std::env::temp_dir().join(format!("ballotproof-bench-{tag}-{}", std::process::id()));
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
        let files = [NamedFile::new("manifest.csv", manifest)];
        wf.upload(
            "bench",
            "B",
            "J",
            &Upload::new(UploadKind::Manifest, &files),
        )
        .await
        .ok()?;
        Some(wf)
    })?;
    Some(BenchAudit { dir, rt, wf })
}
