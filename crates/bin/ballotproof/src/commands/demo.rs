//! `ballotproof demo`: the main job on a bundled example election — round-one sample sizes for every
//! method, the ballot sample drawn from the public seed, and a batch sample for a batch-comparison
//! audit — printed as readable tables.
//!
//! The example election (three counties, a statewide and two local contests) is compiled into the
//! binary from `examples/example-election/`, so the demo runs anywhere with no files and no setup.

use std::io::Write;

use anyhow::{Context, bail};
use clap::Args;
use records::Manifest;
use rla_math::macro_batch::{MacroContest, MacroOptions, Observed as MacroObserved, ReportedBatch};
use rla_math::plan::{self, Method};
use rla_math::{Contest, RiskLimit};
use sampler::consistent::{Replacement, SampleRequest, draw_sample, group_retrievals};
use sampler::ppeb::{PpebBatch, draw_ppeb_sample};
use sampler::python_repr::BatchKey;
use serde::Deserialize;

use super::contest_args::{chance, describe, thousands};
use super::sample::SampleFrame;
use crate::render::Table;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The risk limit for the demo audit, as a fraction (0.05) or percent (5%).
    #[arg(long, default_value = "5%", value_parser = super::contest_args::parse_risk_limit)]
    pub risk_limit: RiskLimit,
    /// Rows of the retrieval list to print (the rest is counted).
    #[arg(long, default_value_t = 15)]
    pub rows: usize,
}

/// The bundled files, by name.
const FILES: &[(&str, &str)] = &[
    (
        "election.json",
        include_str!("../../../../../examples/example-election/election.json"),
    ),
    (
        "Adams - ballot manifest.csv",
        include_str!("../../../../../examples/example-election/Adams - ballot manifest.csv"),
    ),
    (
        "Baker - ballot manifest.csv",
        include_str!("../../../../../examples/example-election/Baker - ballot manifest.csv"),
    ),
    (
        "Clark - ballot manifest.csv",
        include_str!("../../../../../examples/example-election/Clark - ballot manifest.csv"),
    ),
    (
        "Adams - Governor - candidate totals by batch.csv",
        include_str!(
            "../../../../../examples/example-election/Adams - Governor - candidate totals by batch.csv"
        ),
    ),
    (
        "Baker - Governor - candidate totals by batch.csv",
        include_str!(
            "../../../../../examples/example-election/Baker - Governor - candidate totals by batch.csv"
        ),
    ),
    (
        "Clark - Governor - candidate totals by batch.csv",
        include_str!(
            "../../../../../examples/example-election/Clark - Governor - candidate totals by batch.csv"
        ),
    ),
];

fn bundled(name: &str) -> anyhow::Result<&'static str> {
    FILES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
        .with_context(|| format!("the demo data has no file {name:?}"))
}

#[derive(Debug, Deserialize)]
struct Election {
    name: String,
    seed: String,
    contests: Vec<ContestSpec>,
    jurisdictions: Vec<JurisdictionSpec>,
}

#[derive(Debug, Deserialize)]
struct ContestSpec {
    name: String,
    jurisdictions: Vec<String>,
    votes_allowed: u32,
    num_winners: usize,
    ballots: u64,
    votes: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Deserialize)]
struct JurisdictionSpec {
    name: String,
    manifest: String,
}

impl ContestSpec {
    fn contest(&self) -> anyhow::Result<Contest> {
        let choices = self
            .votes
            .iter()
            .map(|(name, v)| {
                v.as_u64()
                    .map(|n| (name.clone(), n))
                    .with_context(|| format!("votes for {name:?} are not a whole number"))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Contest::new(
            &self.name,
            choices,
            self.ballots,
            self.num_winners,
            self.votes_allowed,
        )?)
    }
}

pub fn run(args: &DemoArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let election: Election = serde_json::from_str(bundled("election.json")?)
        .context("the bundled election.json is not valid")?;
    let mut manifests: Vec<(String, Manifest)> = Vec::new();
    for j in &election.jurisdictions {
        let parsed = records::parse_arlo_manifest(&j.manifest, bundled(&j.manifest)?.as_bytes())
            .map_err(|problems| anyhow::anyhow!("{problems}"))?;
        manifests.push((j.name.clone(), parsed.value));
    }
    let risk_limit = args.risk_limit;

    writeln!(out, "ballotproof demo: {}", election.name)?;
    writeln!(
        out,
        "{} jurisdictions, {} ballot cards in the manifests; public random seed {}",
        manifests.len(),
        thousands(manifests.iter().map(|(_, m)| m.total_ballots()).sum()),
        election.seed
    )?;
    writeln!(out)?;
    writeln!(out, "1. Round-one sample sizes, every method")?;
    writeln!(out)?;
    for spec in &election.contests {
        let contest = spec.contest()?;
        writeln!(out, "{}", describe(&contest, risk_limit))?;
        let mut table =
            Table::new(["Method", "Option", "Ballots", "Chance to finish"]).right_align(&[2, 3]);
        let mut unavailable = Vec::new();
        for method in Method::ALL {
            match plan::sample_size_options(method, &contest, risk_limit, None) {
                Ok(options) => {
                    for o in options {
                        table.push([
                            method.title().to_string(),
                            o.label,
                            thousands(o.size),
                            o.completion_probability.map(chance).unwrap_or_default(),
                        ]);
                    }
                }
                Err(err) => unavailable.push(format!("{}: not available: {err}", method.title())),
            }
        }
        if let Some(batches) = batch_contest(spec, &contest, &manifests)? {
            let size = batches.sample_size(risk_limit, &MacroObserved::default())?;
            table.push([
                "MACRO (batch comparison)".to_string(),
                "batches".to_string(),
                format!("{size} of {}", batches.batches().len()),
                String::new(),
            ]);
        }
        write!(out, "{}", table.to_text())?;
        for line in unavailable {
            writeln!(out, "{line}")?;
        }
        writeln!(out)?;
    }

    let governor = election
        .contests
        .first()
        .context("the bundled election has no contests")?;
    let contest = governor.contest()?;
    let in_contest: Vec<(String, Manifest)> = manifests
        .iter()
        .filter(|(j, _)| governor.jurisdictions.contains(j))
        .cloned()
        .collect();
    let frame = SampleFrame::new(&in_contest);
    let km = plan::sample_size_options(Method::SuperSimple, &contest, risk_limit, None)?;
    let size = km
        .first()
        .map(|o| o.size)
        .context("no Kaplan-Markov estimate")?;
    let request = SampleRequest::arlo(&election.seed, size, 0, Replacement::With);
    let draws = draw_sample(&frame.batches, &request)?;
    let retrievals = group_retrievals(&draws).len();
    writeln!(
        out,
        "2. Round-one ballot sample for {:?}: ballot comparison, Kaplan-Markov estimate of {} draws",
        contest.name(),
        size
    )?;
    writeln!(
        out,
        "   Arlo's sampler on seed {} over {} ballots in {} batches: {} ballots to retrieve",
        election.seed,
        thousands(frame.total_ballots()),
        frame.batches.len(),
        retrievals
    )?;
    writeln!(out)?;
    let mut table = frame.retrieval_table(&draws)?;
    let hidden = table.rows.len().saturating_sub(args.rows);
    table.rows.truncate(args.rows);
    write!(out, "{}", table.to_text())?;
    if hidden > 0 {
        let manifest_args: Vec<String> = election
            .jurisdictions
            .iter()
            .filter(|j| governor.jurisdictions.contains(&j.name))
            .map(|j| {
                format!(
                    "--manifest \"{}=examples/example-election/{}\"",
                    j.name, j.manifest
                )
            })
            .collect();
        writeln!(out, "… and {hidden} more. The whole list:")?;
        writeln!(
            out,
            "  ballotproof sample --seed {} --size {size} {}",
            election.seed,
            manifest_args.join(" ")
        )?;
    }
    writeln!(out)?;

    if let Some(batches) = batch_contest(governor, &contest, &manifests)? {
        let n = batches.sample_size(risk_limit, &MacroObserved::default())?;
        let weights = batches.ppeb_weights()?;
        let keys = batch_keys(governor, &manifests);
        let ppeb: Vec<PpebBatch> = keys
            .iter()
            .zip(&weights)
            .map(|((j, b), &weight)| PpebBatch {
                key: BatchKey::arlo_batch(j, b),
                weight,
            })
            .collect();
        let drawn = draw_ppeb_sample(&election.seed, &ppeb, n, &[])?;
        // One row per batch to tally, with every ticket that drew it (a batch drawn twice counts twice
        // in the risk but is counted once by the audit board).
        let mut rows: Vec<(usize, Vec<&str>)> = Vec::new();
        for d in &drawn {
            match rows.iter_mut().find(|(b, _)| *b == d.batch) {
                Some((_, tickets)) => tickets.push(&d.ticket_number),
                None => rows.push((d.batch, vec![&d.ticket_number])),
            }
        }
        rows.sort_by(|(a, _), (b, _)| {
            let (ka, kb) = (keys.get(*a), keys.get(*b));
            ka.map(|k| &k.0).cmp(&kb.map(|k| &k.0)).then_with(|| {
                crate::render::human_cmp(
                    ka.map_or("", |k| k.1.as_str()),
                    kb.map_or("", |k| k.1.as_str()),
                )
            })
        });
        writeln!(
            out,
            "3. Batch-comparison alternative for {:?}: MACRO needs {n} draws from {} batches, with probability proportional to each batch's error bound (Arlo's PPEB): {} batches to hand-count",
            contest.name(),
            batches.batches().len(),
            rows.len()
        )?;
        writeln!(out)?;
        let mut table = Table::new([
            "Jurisdiction",
            "Batch Name",
            "Ticket Numbers",
            "Times Drawn",
        ])
        .right_align(&[3]);
        for (batch, tickets) in &rows {
            let (j, b) = keys
                .get(*batch)
                .cloned()
                .context("internal error: PPEB drew a batch that is not in the list")?;
            table.push([j, b, tickets.join(", "), tickets.len().to_string()]);
        }
        write!(out, "{}", table.to_text())?;
        writeln!(out)?;
    }
    writeln!(
        out,
        "Every number above can be re-derived: the sample from the seed and the manifests with Arlo's sampler, the sizes with Arlo, athena, r2b2 or SHANGRLA (run `cargo run --release -p conformance -- ../shared/vectors/rla/` to check ballotproof against them)."
    )?;
    Ok(())
}

/// (jurisdiction, batch name) of every batch in the contest's universe, jurisdiction by jurisdiction in
/// manifest order, as Arlo lists batches for PPEB.
fn batch_keys(spec: &ContestSpec, manifests: &[(String, Manifest)]) -> Vec<(String, String)> {
    manifests
        .iter()
        .filter(|(j, _)| spec.jurisdictions.contains(j))
        .flat_map(|(j, m)| m.batches.iter().map(move |b| (j.clone(), b.name.clone())))
        .collect()
}

/// The contest as MACRO sees it, when the bundled data has its candidate totals by batch.
fn batch_contest(
    spec: &ContestSpec,
    contest: &Contest,
    manifests: &[(String, Manifest)],
) -> anyhow::Result<Option<MacroContest>> {
    let mut batches = Vec::new();
    for (j, manifest) in manifests
        .iter()
        .filter(|(j, _)| spec.jurisdictions.contains(j))
    {
        let short = j.split_whitespace().next().unwrap_or(j);
        let file = format!("{short} - {} - candidate totals by batch.csv", spec.name);
        let Ok(text) = bundled(&file) else {
            return Ok(None);
        };
        let tallies = read_batch_tallies(&file, text, contest)?;
        for batch in &manifest.batches {
            let votes = tallies
                .iter()
                .find(|(name, _)| *name == batch.name)
                .map(|(_, v)| v.clone())
                .with_context(|| format!("{file} has no row for batch {:?}", batch.name))?;
            batches.push(ReportedBatch::new(
                format!("{j} / {}", batch.name),
                votes,
                batch.ballots,
            ));
        }
    }
    Ok(Some(MacroContest::new(
        contest,
        MacroOptions::default(),
        batches,
    )?))
}

/// Arlo's "candidate totals by batch" CSV (`Batch Name`, then one column per choice) for the bundled
/// demo data, votes in the contest's choice order.
fn read_batch_tallies(
    file: &str,
    text: &str,
    contest: &Contest,
) -> anyhow::Result<Vec<(String, Vec<u64>)>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers()?.clone();
    let columns: Vec<usize> = contest
        .choices()
        .iter()
        .map(|c| {
            headers
                .iter()
                .position(|h| h == c.name)
                .with_context(|| format!("{file} has no column for {:?}", c.name))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record?;
        let name = record.get(0).unwrap_or_default().to_string();
        let votes = columns
            .iter()
            .map(|&i| {
                record
                    .get(i)
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .with_context(|| {
                        format!("{file}: batch {name:?} has a vote count that is not a number")
                    })
            })
            .collect::<anyhow::Result<Vec<u64>>>()?;
        rows.push((name, votes));
    }
    if rows.is_empty() {
        bail!("{file} has no batches");
    }
    Ok(rows)
}
