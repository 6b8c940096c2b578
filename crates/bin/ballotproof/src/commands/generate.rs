//! `ballotproof generate`: write a synthetic election's exports in a vendor's format, deterministic
//! from a seed, for benchmarks, tests and demonstrations (no downloaded data needed).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};
use records::generate::{self, Spec};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GenFormat {
    DominionCsv,
    DominionJson,
    Ess,
    Hart,
    Clearballot,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The vendor format to write.
    #[arg(long, value_enum)]
    pub format: GenFormat,
    /// Number of ballot cards.
    #[arg(long, default_value_t = 1000)]
    pub cards: u64,
    /// Number of contests (one is ranked and one vote-for-2 where the format allows).
    #[arg(long, default_value_t = 20)]
    pub contests: u32,
    #[arg(long, default_value_t = 4)]
    pub tabulators: u32,
    #[arg(long, default_value_t = 250)]
    pub batch_size: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Directory to write into (created if missing); a ballot manifest is written beside the CVRs.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

fn create(dir: &Path, name: &str) -> anyhow::Result<BufWriter<File>> {
    let path = dir.join(name);
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    Ok(BufWriter::with_capacity(1 << 16, file))
}

pub fn run(args: &GenerateArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let spec = Spec {
        seed: args.seed,
        cards: args.cards,
        contests: args.contests,
        tabulators: args.tabulators.max(1),
        batch_size: args.batch_size.max(1),
    };
    let dir = &args.out;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut written = vec!["manifest.csv".to_string()];
    generate::write_manifest(
        &spec,
        args.format == GenFormat::Ess,
        &mut create(dir, "manifest.csv")?,
    )?;
    match args.format {
        GenFormat::DominionCsv => {
            generate::write_dominion_csv(&spec, &mut create(dir, "cvrs.csv")?)?;
            written.push("cvrs.csv".into());
        }
        GenFormat::DominionJson => {
            generate::write_dominion_json_manifests(
                &spec,
                &mut create(dir, "ContestManifest.json")?,
                &mut create(dir, "CandidateManifest.json")?,
                &mut create(dir, "CountingGroupManifest.json")?,
            )?;
            generate::write_dominion_json(&spec, &mut create(dir, "CvrExport_0.json")?)?;
            written.extend(
                [
                    "ContestManifest.json",
                    "CandidateManifest.json",
                    "CountingGroupManifest.json",
                    "CvrExport_0.json",
                ]
                .map(String::from),
            );
        }
        GenFormat::Ess => {
            generate::write_ess(
                &spec,
                &mut create(dir, "cvr.csv")?,
                &mut create(dir, "ballots.csv")?,
            )?;
            written.extend(["cvr.csv", "ballots.csv"].map(String::from));
        }
        GenFormat::Hart => {
            let file = create(dir, "hart-cvrs.zip")?;
            let mut file = generate::write_hart_zip(&spec, true, file)?;
            file.flush()?;
            written.push("hart-cvrs.zip".into());
        }
        GenFormat::Clearballot => {
            generate::write_clearballot(&spec, &mut create(dir, "cvrs.csv")?)?;
            written.push("cvrs.csv".into());
        }
    }
    writeln!(
        out,
        "wrote {} cards in {} batches to {}: {}",
        spec.cards,
        spec.batches(),
        dir.display(),
        written.join(", ")
    )?;
    Ok(())
}
