//! `ballotproof sample`: draw a ballot sample from Arlo-layout manifests with Arlo's sampler and print
//! the retrieval list (table, CSV) or every draw in draw order (JSON).

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, bail};
use clap::Args;
use sampler::consistent::{
    BallotId, Draw, ManifestBatch, Replacement, SampleRequest, draw_sample, group_retrievals,
};
use sampler::python_repr::BatchKey;
use serde::Serialize;

use records::Manifest;

use crate::input::{ManifestArg, check_unique_names, read_manifest};
use crate::render::{Format, Table, human_cmp, write_json};

#[derive(Debug, Args)]
pub struct SampleArgs {
    /// The public random seed, exactly as published (any text; digits are usual).
    #[arg(long)]
    pub seed: String,
    /// A ballot manifest in Arlo's CSV layout, as PATH or JURISDICTION=PATH; repeat for each
    /// jurisdiction in the contest.
    #[arg(long = "manifest", required = true, value_name = "[JURISDICTION=]PATH")]
    pub manifests: Vec<ManifestArg>,
    /// Number of draws in this round (a ballot drawn twice counts twice).
    #[arg(long)]
    pub size: u64,
    /// Draws made in earlier rounds; this round continues the same sequence after them.
    #[arg(long, default_value_t = 0, value_name = "K")]
    pub already_drawn: u64,
    /// Sample without replacement (the non-CVR stratum of a hybrid audit); the default is with
    /// replacement, as Arlo samples every other audit type.
    #[arg(long)]
    pub without_replacement: bool,
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

/// Where a batch is, for the retrieval list.
pub struct BatchInfo {
    pub jurisdiction: String,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub batch: String,
}

/// Every ballot of some jurisdictions' manifests, keyed as Arlo keys them, with where each batch is.
pub struct SampleFrame {
    pub batches: Vec<ManifestBatch>,
    info: HashMap<BatchKey, BatchInfo>,
}

impl SampleFrame {
    /// From (jurisdiction name, manifest) pairs: batch key `(jurisdiction, tabulator or None, batch)`
    /// as in Arlo's `compute_sample_ballots` (RLA-MATH §1.2).
    pub fn new(manifests: &[(String, Manifest)]) -> SampleFrame {
        let mut batches = Vec::new();
        let mut info = HashMap::new();
        for (jurisdiction, manifest) in manifests {
            for batch in &manifest.batches {
                let key = BatchKey::arlo(jurisdiction, batch.tabulator.as_deref(), &batch.name);
                batches.push(ManifestBatch::new(key.clone(), batch.ballots));
                info.insert(
                    key,
                    BatchInfo {
                        jurisdiction: jurisdiction.clone(),
                        container: batch.container.clone(),
                        tabulator: batch.tabulator.clone(),
                        batch: batch.name.clone(),
                    },
                );
            }
        }
        SampleFrame { batches, info }
    }

    pub fn total_ballots(&self) -> u64 {
        self.batches.iter().map(ManifestBatch::pool_size).sum()
    }

    pub fn lookup(&self, ballot: &BallotId) -> anyhow::Result<&BatchInfo> {
        self.info.get(&ballot.batch).with_context(|| {
            format!(
                "internal error: drawn batch {} is not in any manifest",
                ballot.batch.repr()
            )
        })
    }

    /// One row per ballot to retrieve, sorted the way Arlo sorts retrieval lists (container,
    /// tabulator, batch by human order, then position), jurisdictions first.
    pub fn retrieval_table(&self, draws: &[Draw]) -> anyhow::Result<Table> {
        let mut rows = Vec::new();
        for r in group_retrievals(draws) {
            let info = self.lookup(&r.ballot)?;
            rows.push((info, r));
        }
        let text = |s: &Option<String>| s.clone().unwrap_or_default();
        rows.sort_by(|(a, ra), (b, rb)| {
            human_cmp(&a.jurisdiction, &b.jurisdiction)
                .then_with(|| human_cmp(&text(&a.container), &text(&b.container)))
                .then_with(|| human_cmp(&text(&a.tabulator), &text(&b.tabulator)))
                .then_with(|| human_cmp(&a.batch, &b.batch))
                .then_with(|| ra.ballot.position.cmp(&rb.ballot.position))
        });
        let mut table = Table::new([
            "Jurisdiction",
            "Container",
            "Tabulator",
            "Batch Name",
            "Ballot Number",
            "Ticket Numbers",
            "Times Drawn",
        ])
        .right_align(&[4, 6]);
        for (info, r) in rows {
            table.push([
                info.jurisdiction.clone(),
                text(&info.container),
                text(&info.tabulator),
                info.batch.clone(),
                r.ballot.position.to_string(),
                r.ticket_numbers.join(", "),
                r.multiplicity().to_string(),
            ]);
        }
        Ok(table)
    }
}

/// One draw as `--format json` prints it.
#[derive(Debug, Serialize)]
struct DrawJson<'a> {
    ticket_number: &'a str,
    jurisdiction: &'a str,
    tabulator: Option<&'a str>,
    batch: &'a str,
    ballot_position: u64,
    generation: u64,
}

pub fn run(args: &SampleArgs, out: &mut impl Write) -> anyhow::Result<()> {
    if args.seed.is_empty() {
        bail!("--seed is empty; give the published random seed");
    }
    if args.size == 0 {
        bail!("--size is 0; give the number of ballots to draw in this round (1 or more)");
    }
    check_unique_names(
        "jurisdiction",
        args.manifests.iter().map(|m| m.jurisdiction.as_str()),
    )
    .context("each --manifest must be for a different jurisdiction (JURISDICTION=PATH)")?;

    let manifests = args
        .manifests
        .iter()
        .map(|arg| Ok((arg.jurisdiction.clone(), read_manifest(&arg.path)?)))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let frame = SampleFrame::new(&manifests);
    let total = frame.total_ballots();
    if total == 0 {
        bail!("the manifests hold no ballots; check the \"Number of Ballots\" column");
    }
    let replacement = if args.without_replacement {
        Replacement::Without
    } else {
        Replacement::With
    };
    let request = SampleRequest::arlo(&args.seed, args.size, args.already_drawn, replacement);
    let draws = draw_sample(&frame.batches, &request)?;

    match args.format {
        Format::Json => {
            let rows = draws
                .iter()
                .map(|d| {
                    let b = frame.lookup(&d.ballot)?;
                    Ok(DrawJson {
                        ticket_number: &d.ticket_number,
                        jurisdiction: &b.jurisdiction,
                        tabulator: b.tabulator.as_deref(),
                        batch: &b.batch,
                        ballot_position: d.ballot.position,
                        generation: d.generation,
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            write_json(out, &rows)?;
        }
        Format::Table | Format::Csv => {
            let table = frame.retrieval_table(&draws)?;
            if args.format == Format::Csv {
                table.write_csv(out)?;
            } else {
                let distinct = table.rows.len();
                writeln!(
                    out,
                    "Retrieval list: {} draws of {} ballots ({} distinct) in {} batches; seed {:?}{}",
                    draws.len(),
                    total,
                    distinct,
                    frame.batches.len(),
                    args.seed,
                    if args.already_drawn > 0 {
                        format!(", continuing after {} earlier draws", args.already_drawn)
                    } else {
                        String::new()
                    }
                )?;
                writeln!(out)?;
                write!(out, "{}", table.to_text())?;
            }
        }
    }
    Ok(())
}
