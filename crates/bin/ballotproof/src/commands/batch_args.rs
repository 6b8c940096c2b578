//! Batch-comparison inputs for the calculator: Arlo's "candidate totals by batch" files and the
//! jurisdictions' ballot manifests, joined into the contest MACRO audits.

use std::collections::HashMap;

use anyhow::{Context, bail};
use clap::Args;
use records::election_files::{BatchTallies, read_batch_tallies};
use records::{Diagnostics, Manifest, Source};
use rla_math::Contest;
use rla_math::macro_batch::{AuditedBatch, MacroContest, MacroOptions, Observed, ReportedBatch};

use crate::input::{ManifestArg, read_manifest};

/// Batch tallies and manifests, for a batch-comparison (MACRO) audit.
#[derive(Debug, Args, Default)]
pub struct BatchArgs {
    /// Reported candidate totals by batch (Arlo's layout: Batch Name, then one column per choice),
    /// as PATH or JURISDICTION=PATH; one file per jurisdiction. Enables MACRO.
    #[arg(long = "batch-tallies", value_name = "[JURISDICTION=]PATH")]
    pub batch_tallies: Vec<ManifestArg>,
    /// The jurisdiction's ballot manifest (ballots per batch), as PATH or JURISDICTION=PATH; needed
    /// with --batch-tallies.
    #[arg(long = "manifest", value_name = "[JURISDICTION=]PATH")]
    pub manifests: Vec<ManifestArg>,
}

/// The contest as a batch-comparison audit sees it.
pub struct BatchContest {
    pub contest: Contest,
    pub macro_contest: MacroContest,
    /// (jurisdiction, batch name) of each batch, in the order MACRO and PPEB list them.
    pub keys: Vec<(String, String)>,
}

impl BatchArgs {
    pub fn given(&self) -> bool {
        !self.batch_tallies.is_empty()
    }

    /// Reads the files and builds the contest: votes are the sums of the batch tallies, ballots the
    /// sum of the jurisdictions' manifests (unless `ballots` is given), winners as `winners` says.
    pub fn load(
        &self,
        name: &str,
        ballots: Option<u64>,
        winners: &[String],
        num_winners: usize,
        votes_allowed: u32,
    ) -> anyhow::Result<BatchContest> {
        if self.manifests.is_empty() {
            bail!(
                "--batch-tallies needs the jurisdictions' ballot manifests too (--manifest [JURISDICTION=]PATH)"
            );
        }
        let manifests: HashMap<String, Manifest> = self
            .manifests
            .iter()
            .map(|m| Ok((m.jurisdiction.clone(), read_manifest(&m.path)?)))
            .collect::<anyhow::Result<_>>()?;
        let mut choices: Option<Vec<String>> = None;
        let mut batches = Vec::new();
        let mut keys = Vec::new();
        let mut contest_ballots = 0u64;
        for arg in &self.batch_tallies {
            let tallies = read_tallies(arg)?;
            match &choices {
                None => choices = Some(tallies.choices.clone()),
                Some(c) if *c != tallies.choices => bail!(
                    "{}: its choices {:?} differ from the first batch tally file's {:?}; every jurisdiction's file must list the same choices",
                    arg.path.display(),
                    tallies.choices,
                    c
                ),
                Some(_) => {}
            }
            let manifest = manifests.get(&arg.jurisdiction).with_context(|| {
                format!(
                    "no --manifest for jurisdiction {:?}; give it as --manifest \"{}=PATH\"",
                    arg.jurisdiction, arg.jurisdiction
                )
            })?;
            let votes_of: HashMap<&str, &Vec<u64>> = tallies
                .batches
                .iter()
                .map(|b| (b.name.as_str(), &b.votes))
                .collect();
            for batch in &manifest.batches {
                let votes = votes_of.get(batch.name.as_str()).with_context(|| {
                    format!(
                        "{}: batch {:?} of the manifest has no row; list every batch of the manifest, with 0 votes where the contest is not on its ballots",
                        arg.path.display(),
                        batch.name
                    )
                })?;
                contest_ballots += batch.ballots;
                batches.push(ReportedBatch::new(
                    format!("{} / {}", arg.jurisdiction, batch.name),
                    (*votes).clone(),
                    batch.ballots,
                ));
                keys.push((arg.jurisdiction.clone(), batch.name.clone()));
            }
            let in_manifest: std::collections::HashSet<&str> =
                manifest.batches.iter().map(|b| b.name.as_str()).collect();
            if let Some(extra) = tallies
                .batches
                .iter()
                .find(|b| !in_manifest.contains(b.name.as_str()))
            {
                bail!(
                    "{}, line {}: batch {:?} is not in the jurisdiction's manifest; correct the batch name or the manifest",
                    arg.path.display(),
                    extra.line,
                    extra.name
                );
            }
        }
        let choices = choices.context("no --batch-tallies given")?;
        let totals: Vec<(String, u64)> = choices
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let sum = batches
                    .iter()
                    .filter_map(|b: &ReportedBatch| b.tally.as_ref().and_then(|t| t.votes.get(i)))
                    .sum();
                (c.clone(), sum)
            })
            .collect();
        let ballots = ballots.unwrap_or(contest_ballots);
        let contest = if winners.is_empty() {
            Contest::new(name, totals, ballots, num_winners, votes_allowed)
        } else {
            let names: Vec<&str> = winners.iter().map(String::as_str).collect();
            Contest::with_winners(name, totals, ballots, &names, votes_allowed)
        }
        .context("the batch tallies do not add up")?;
        let macro_contest = MacroContest::new(&contest, MacroOptions::default(), batches)?;
        Ok(BatchContest {
            contest,
            macro_contest,
            keys,
        })
    }
}

impl BatchContest {
    /// Hand counts of sampled batches, matched to the contest's batches; `times_drawn` gives a
    /// batch's draws when it is more than 1 (keys `JURISDICTION/BATCH`).
    pub fn observed(
        &self,
        audited: &[ManifestArg],
        times_drawn: &HashMap<String, u32>,
    ) -> anyhow::Result<Observed> {
        let mut observed = Observed::default();
        let choices: Vec<&str> = self
            .contest
            .choices()
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        for arg in audited {
            let tallies = read_tallies(arg)?;
            let columns: Vec<usize> = choices
                .iter()
                .map(|c| {
                    tallies
                        .choices
                        .iter()
                        .position(|t| t == c)
                        .with_context(|| {
                            format!("{}: no column for choice {c:?}", arg.path.display())
                        })
                })
                .collect::<anyhow::Result<_>>()?;
            for b in &tallies.batches {
                let index = self
                    .keys
                    .iter()
                    .position(|(j, name)| *j == arg.jurisdiction && *name == b.name)
                    .with_context(|| {
                        format!(
                            "{}, line {}: batch {:?} is not one of the contest's batches in jurisdiction {:?}",
                            arg.path.display(),
                            b.line,
                            b.name,
                            arg.jurisdiction
                        )
                    })?;
                let key = format!("{}/{}", arg.jurisdiction, b.name);
                observed.audited.push(AuditedBatch {
                    batch: index,
                    times_drawn: times_drawn.get(&key).copied().unwrap_or(1),
                    votes: columns
                        .iter()
                        .map(|&i| b.votes.get(i).copied().unwrap_or(0))
                        .collect(),
                });
            }
        }
        Ok(observed)
    }
}

fn read_tallies(arg: &ManifestArg) -> anyhow::Result<BatchTallies> {
    let label = arg.path.display().to_string();
    let file = std::fs::File::open(&arg.path)
        .with_context(|| format!("cannot read batch tallies {label}"))?;
    let mut diagnostics = Diagnostics::new();
    let tallies = read_batch_tallies(
        Source::new(&label),
        std::io::BufReader::new(file),
        &mut diagnostics,
    );
    let has_errors = diagnostics.has_errors();
    let problems = diagnostics.into_problems();
    match tallies {
        Some(t) if !has_errors => {
            for p in &problems {
                eprintln!("{p}");
            }
            Ok(t)
        }
        _ => bail!(
            "{}",
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        ),
    }
}
