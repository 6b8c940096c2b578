//! `ballotproof verify-audit EXPORT_DIR`: recompute a published audit's sample and risk offline and
//! check them, and every reading, against the published record and the signed election log.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use crate::render::write_json;

#[derive(Debug, Args)]
pub struct VerifyAuditArgs {
    /// The export directory (`audit export DIR`, or the demo's `export/`).
    pub dir: PathBuf,
    /// Print one JSON document.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &VerifyAuditArgs, out: &mut impl Write) -> anyhow::Result<()> {
    match audit::verify::verify_export(&args.dir) {
        Ok(v) => {
            if args.json {
                write_json(
                    out,
                    &serde_json::json!({
                        "verified": true, "audit": v.audit, "log_size": v.log_size,
                        "log_entries_of_audit": v.log_entries_of_audit, "files": v.files,
                        "rounds": v.rounds, "draws": v.draws, "risks": v.risks, "readings": v.readings,
                    }),
                )?;
            } else {
                writeln!(
                    out,
                    "Verified audit {:?} from {}:",
                    v.audit,
                    args.dir.display()
                )?;
                writeln!(
                    out,
                    "  the election log verifies against its signed checkpoint ({} entries, {} of this audit)",
                    v.log_size, v.log_entries_of_audit
                )?;
                writeln!(
                    out,
                    "  the seed matches its commitment and the log; {} uploaded file(s) match their logged hashes",
                    v.files
                )?;
                writeln!(
                    out,
                    "  {} round(s): the {} draws recomputed from the seed and manifests match the published and logged samples",
                    v.rounds, v.draws
                )?;
                writeln!(
                    out,
                    "  {} reading(s) match the log; {} risk measurement(s) recomputed match the published and logged values",
                    v.readings, v.risks
                )?;
            }
            Ok(())
        }
        Err(problems) => {
            if args.json {
                write_json(
                    out,
                    &serde_json::json!({"verified": false, "problems": problems}),
                )?;
            }
            bail!(
                "the export in {} does not verify:\n  {}",
                args.dir.display(),
                problems.join("\n  ")
            )
        }
    }
}
