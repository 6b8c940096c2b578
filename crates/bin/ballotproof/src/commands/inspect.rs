//! `ballotproof inspect PATH...`: recognise a mix of election files (manifests, CVRs from any
//! vendor, tallies, contest lists; zips too), and print what was recognised, the reported results
//! per contest, the reconciliation of CVRs with manifests, and every problem found.
//!
//! Exit codes: 0 when there are no errors, 1 when the files were read but have errors, 2 when a
//! file cannot be read at all.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use records::{Format, Input, Report, Severity};
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::render::{Table, write_json};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files to inspect: ballot manifests (CSV, xlsx), CVR exports (Dominion CSV/JSON, ES&S, Hart,
    /// ClearBallot), batch tallies, jurisdictions, standardized contests, canonical lists, or zips
    /// of them.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Read every PATH as this format instead of recognising it (e.g. dominion-csv, ess-cvr,
    /// ess-ballots, hart-xml, manifest; `--format help` lists them all).
    #[arg(long, value_name = "F")]
    pub format: Option<String>,
    /// Print one JSON document instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// Files smaller than this are read too quickly for a progress bar to help.
const PROGRESS_THRESHOLD: u64 = 16 * 1024 * 1024;

/// A file that advances a progress bar as it is read.
struct Progress<R> {
    inner: R,
    bar: Option<ProgressBar>,
}

impl<R: Read> Read for Progress<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
        Ok(n)
    }
}

impl<R: Seek> Seek for Progress<R> {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

pub fn run(args: &InspectArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let format = match args.format.as_deref() {
        None => None,
        Some(name) => match Format::from_name(name) {
            Some(f) => Some(f),
            None => bail!(
                "--format {name:?} is not a format ballotproof reads; use one of: {}",
                records::detect::format_names()
            ),
        },
    };
    let mut inputs = Vec::new();
    let mut unreadable = Vec::new();
    let total: u64 = args
        .paths
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum();
    let bar = (io::stderr().is_terminal() && total >= PROGRESS_THRESHOLD).then(|| {
        let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message("reading");
        bar
    });
    for path in &args.paths {
        let name = path.display().to_string();
        match File::open(path) {
            Ok(file) => {
                let mut input = Input::new(
                    name,
                    Progress {
                        inner: io::BufReader::with_capacity(1 << 16, file),
                        bar: bar.clone(),
                    },
                );
                input.format = format;
                inputs.push(input);
            }
            Err(e) => unreadable.push(format!("{name}: cannot open the file ({e})")),
        }
    }
    let mut report = records::inspect(inputs);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    for (i, why) in unreadable.iter().enumerate() {
        let path = why.split(": cannot open").next().unwrap_or("").to_string();
        report.files.insert(
            i.min(report.files.len()),
            records::FileReport {
                path: path.clone(),
                format: "unknown".into(),
                description: "could not be opened".into(),
                readable: false,
            },
        );
        report.problems.insert(
            0,
            records::Problem::error(records::Location::file(&path), why.clone()),
        );
    }
    if args.json {
        write_json(out, &JsonReport::new(&report))?;
    } else {
        write!(out, "{}", render(&report))?;
    }
    out.flush()?;
    let code = if report.has_unreadable_files() {
        2
    } else if report.has_errors() {
        1
    } else {
        0
    };
    if code != 0 {
        // The report is the output; the exit code tells scripts how it went.
        std::process::exit(code);
    }
    Ok(())
}

/// The human-readable report.
pub fn render(report: &Report) -> String {
    let mut s = String::new();
    let mut files = Table::new(["File", "Format", "What was found"]);
    for f in &report.files {
        files.push([f.path.clone(), f.format.clone(), f.description.clone()]);
    }
    s.push_str(&files.to_text());
    s.push('\n');
    s.push_str(&format!(
        "{} CVR cards; {} batches; {} ballots in manifests\n",
        report.cards, report.batches, report.ballots_in_manifests
    ));
    for c in &report.contests {
        s.push('\n');
        let allowed = if c.ranks > 0 {
            format!("ranked, {} ranks", c.ranks)
        } else {
            format!(
                "vote for {}{}",
                c.votes_allowed,
                if c.votes_allowed_assumed {
                    " (assumed)"
                } else {
                    ""
                }
            )
        };
        let winners = if c.winners.is_empty() {
            "no winner".to_string()
        } else {
            format!("winner {}", c.winners.join(", "))
        };
        let margin = match (c.margin, c.diluted_margin) {
            (Some(m), Some(d)) => format!("margin {m} (diluted {:.2}%)", d * 100.0),
            (Some(m), None) => format!("margin {m}"),
            _ => "margin n/a".to_string(),
        };
        s.push_str(&format!(
            "{} — {allowed}; {} ballots; {winners}; {margin}\n",
            c.name, c.ballots
        ));
        let mut t = Table::new(["  Choice", "Votes"]).right_align(&[1]);
        for (choice, votes) in &c.votes {
            t.push([format!("  {choice}"), votes.to_string()]);
        }
        if c.overvoted_cards > 0 {
            t.push([
                "  (overvoted cards)".to_string(),
                c.overvoted_cards.to_string(),
            ]);
        }
        t.push(["  (undervotes)".to_string(), c.undervotes.to_string()]);
        s.push_str(&t.to_text());
        for n in &c.notes {
            s.push_str(&format!("  note: {n}\n"));
        }
    }
    for t in &report.tallies {
        s.push_str(&format!(
            "\nBatch tallies {}{}: {} batches\n",
            t.file,
            t.contest
                .as_deref()
                .map(|c| format!(" ({c})"))
                .unwrap_or_default(),
            t.batches
        ));
        let mut table = Table::new(["  Choice", "Votes"]).right_align(&[1]);
        for (choice, votes) in &t.votes {
            table.push([format!("  {choice}"), votes.to_string()]);
        }
        s.push_str(&table.to_text());
    }
    s.push('\n');
    match &report.reconciliation {
        Some(r) => s.push_str(&format!(
            "Reconciliation: {} of {} CVR batches found in the manifests; {} with a different count; {} manifest batches without CVRs; {} CVR batches not in any manifest; {} cards vs {} ballots\n",
            r.matched_batches,
            r.cvr_batches,
            r.count_mismatches,
            r.batches_without_cvrs,
            r.batches_not_in_manifest,
            r.cvr_cards,
            r.manifest_ballots
        )),
        None => s.push_str("Reconciliation: not done (it needs both a ballot manifest and CVRs)\n"),
    }
    let errors = report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .count();
    let warnings = report.problems.len() - errors;
    s.push_str(&format!(
        "\nProblems: {errors} errors, {warnings} warnings\n"
    ));
    for p in &report.problems {
        s.push_str(&format!("  {p}\n"));
    }
    s
}

/// `--json`: exactly the shape issue 4 specifies.
#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
    cards: u64,
    batches: u64,
    ballots_in_manifests: u64,
    contests: Vec<JsonContest<'a>>,
    problems: Vec<JsonProblem>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    format: &'a str,
}

#[derive(Serialize)]
struct JsonContest<'a> {
    name: &'a str,
    votes_allowed: u32,
    winners: &'a [String],
    votes: Votes<'a>,
    ballots: u64,
    margin: Option<u64>,
    diluted_margin: Option<f64>,
}

/// Votes per choice as a JSON object, most votes first.
struct Votes<'a>(&'a [(String, u64)]);

impl Serialize for Votes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (choice, n) in self.0 {
            map.serialize_entry(choice, n)?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonProblem {
    severity: String,
    path: String,
    line: Option<u64>,
    column: Option<u64>,
    message: String,
}

impl<'a> JsonReport<'a> {
    fn new(report: &'a Report) -> JsonReport<'a> {
        JsonReport {
            files: report
                .files
                .iter()
                .map(|f| JsonFile {
                    path: &f.path,
                    format: &f.format,
                })
                .collect(),
            cards: report.cards,
            batches: report.batches,
            ballots_in_manifests: report.ballots_in_manifests,
            contests: report
                .contests
                .iter()
                .map(|c| JsonContest {
                    name: &c.name,
                    votes_allowed: c.votes_allowed,
                    winners: &c.winners,
                    votes: Votes(&c.votes),
                    ballots: c.ballots,
                    margin: c.margin,
                    diluted_margin: c.diluted_margin,
                })
                .collect(),
            problems: report
                .problems
                .iter()
                .map(|p| JsonProblem {
                    severity: p.severity.to_string(),
                    path: p.location.file_and_member(),
                    line: p.location.line,
                    column: p.location.column,
                    message: match &p.location.path {
                        Some(path) => format!("at {path}: {}", p.message),
                        None => p.message.clone(),
                    },
                })
                .collect(),
        }
    }
}
