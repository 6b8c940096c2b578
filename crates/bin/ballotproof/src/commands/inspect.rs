//! `ballotproof inspect [JURISDICTION=]PATH...`: recognise a mix of election files (manifests,
//! CVRs from any vendor, tallies, contest lists; zips too), and print what was recognised, the
//! reported results per contest, the reconciliation of CVRs with manifests (per jurisdiction when
//! the files name them), and every problem found.
//!
//! For a ranked (instant-runoff) contest it also shows what RAIRE would audit, from the irv
//! crate: the IRV winner, the number of assertions, the overall difficulty and the smallest
//! assertion margin, computed from the cards' preference orders (records aggregates identical
//! orders while streaming, so memory is bounded by distinct orders, not cards).
//!
//! Exit codes: 0 when there are no errors, 1 when the files were read but have errors, 2 when a
//! file cannot be read at all.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anyhow::bail;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use records::{ContestSummary, Format, Input, Report, Severity};
use serde::Serialize;
use serde::ser::SerializeMap;

use crate::render::{Table, write_json};

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Files to inspect: ballot manifests (CSV, xlsx), CVR exports (Dominion CSV/JSON, ES&S, Hart,
    /// ClearBallot), batch tallies, jurisdictions, standardized contests, canonical lists, or zips
    /// of them. Write JURISDICTION=PATH to say whose file it is: each jurisdiction's CVRs are then
    /// reconciled with its own manifests, and reported on their own.
    #[arg(required = true, value_name = "[JURISDICTION=]PATH")]
    pub paths: Vec<FileArg>,
    /// Read files as format F instead of recognising them (e.g. dominion-csv, ess-cvr,
    /// ess-ballots, hart-xml, manifest; `--format help` lists them all). `--format F` applies to
    /// every PATH; `--format F:PATH` to that PATH only, and may be repeated (it wins over a plain
    /// `--format F` for its file).
    #[arg(long, value_name = "F|F:PATH")]
    pub format: Vec<String>,
    /// Print one JSON document instead of tables.
    #[arg(long)]
    pub json: bool,
}

/// A file to inspect, as `PATH` or `JURISDICTION=PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileArg {
    /// Empty when the file was given without a jurisdiction.
    pub jurisdiction: String,
    pub path: PathBuf,
}

impl std::str::FromStr for FileArg {
    type Err = String;

    /// Splits at the first `=` unless the whole argument is an existing file, so that a path
    /// containing `=` still works.
    fn from_str(arg: &str) -> Result<Self, Self::Err> {
        if arg.is_empty() {
            return Err("give a file as PATH or JURISDICTION=PATH".into());
        }
        if !Path::new(arg).exists()
            && let Some((jurisdiction, path)) = arg.split_once('=')
        {
            if jurisdiction.trim().is_empty() || path.is_empty() {
                return Err(format!(
                    "{arg:?}: write JURISDICTION=PATH with both parts, e.g. \"Adams County=cvrs.csv\""
                ));
            }
            return Ok(FileArg {
                jurisdiction: jurisdiction.trim().to_string(),
                path: PathBuf::from(path),
            });
        }
        Ok(FileArg {
            jurisdiction: String::new(),
            path: PathBuf::from(arg),
        })
    }
}

fn format_named(name: &str) -> anyhow::Result<Format> {
    match Format::from_name(name) {
        Some(f) => Ok(f),
        None => bail!(
            "--format {name:?} is not a format ballotproof reads; use one of: {}",
            records::detect::format_names()
        ),
    }
}

/// The format each PATH is to be read as (`None`: recognise it), from the `--format` options.
fn formats_for(args: &InspectArgs) -> anyhow::Result<Vec<Option<Format>>> {
    let paths: Vec<&Path> = args.paths.iter().map(|p| p.path.as_path()).collect();
    formats_for_paths(&args.format, &paths)
}

/// The format each path is to be read as, from `--format F` (every file) and `--format F:PATH`
/// options (that file; it wins over `F`). Shared with `audit upload`.
pub(super) fn formats_for_paths(
    options: &[String],
    paths: &[&Path],
) -> anyhow::Result<Vec<Option<Format>>> {
    let mut all: Option<Format> = None;
    let mut per_file: Vec<(Format, PathBuf)> = Vec::new();
    for option in options {
        // Format names have no ':', so the first ':' ends the name ("C:\x.csv" stays whole).
        match option.split_once(':') {
            Some((name, path)) if Format::from_name(name.trim()).is_some() => {
                per_file.push((format_named(name.trim())?, PathBuf::from(path)));
            }
            _ => {
                let format = format_named(option.trim())?;
                if all.is_some_and(|f| f != format) {
                    bail!(
                        "--format is given twice for every file; give one --format F, and F:PATH for the files that differ"
                    );
                }
                all = Some(format);
            }
        }
    }
    for (format, path) in &per_file {
        if !paths.iter().any(|p| p == path) {
            bail!(
                "--format {}:{} names a file that is not among the files given; write the PATH exactly as given",
                format.name(),
                path.display()
            );
        }
    }
    Ok(paths
        .iter()
        .map(|p| {
            per_file
                .iter()
                .rev()
                .find(|(_, path)| path == p)
                .map(|(f, _)| *f)
                .or(all)
        })
        .collect())
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
    let formats = formats_for(args)?;
    let mut inputs = Vec::new();
    let mut unreadable = Vec::new();
    let total: u64 = args
        .paths
        .iter()
        .filter_map(|p| std::fs::metadata(&p.path).ok())
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
    for (arg, format) in args.paths.iter().zip(formats) {
        let name = arg.path.display().to_string();
        match File::open(&arg.path) {
            Ok(file) => {
                let mut input = Input::new(
                    name,
                    Progress {
                        inner: io::BufReader::with_capacity(1 << 16, file),
                        bar: bar.clone(),
                    },
                )
                .in_jurisdiction(arg.jurisdiction.as_str());
                input.format = format;
                inputs.push(input);
            }
            Err(e) => unreadable.push((
                arg.jurisdiction.clone(),
                format!("{name}: cannot open the file ({e})"),
            )),
        }
    }
    let mut report = records::inspect(inputs);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    for (i, (jurisdiction, why)) in unreadable.iter().enumerate() {
        let path = why.split(": cannot open").next().unwrap_or("").to_string();
        report.files.insert(
            i.min(report.files.len()),
            records::FileReport {
                path: path.clone(),
                format: "unknown".into(),
                description: "could not be opened".into(),
                readable: false,
                jurisdiction: jurisdiction.clone(),
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
    let named = named_jurisdictions(report);
    if named {
        let mut files = Table::new(["Jurisdiction", "File", "Format", "What was found"]);
        for f in &report.files {
            files.push([
                f.jurisdiction.clone(),
                f.path.clone(),
                f.format.clone(),
                f.description.clone(),
            ]);
        }
        s.push_str(&files.to_text());
    } else {
        let mut files = Table::new(["File", "Format", "What was found"]);
        for f in &report.files {
            files.push([f.path.clone(), f.format.clone(), f.description.clone()]);
        }
        s.push_str(&files.to_text());
    }
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
        match raire(c) {
            None => {}
            Some(Ok(r)) => s.push_str(&format!(
                "  IRV (RAIRE): winner {}; {} assertions; overall difficulty {:.2} (ballots ÷ smallest assertion margin); smallest assertion margin {}\n",
                r.winner, r.assertions, r.difficulty, r.min_margin
            )),
            Some(Err(why)) => s.push_str(&format!("  IRV (RAIRE): not computed: {why}\n")),
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
    if named {
        for j in &report.jurisdictions {
            let name = if j.name.is_empty() {
                "(no jurisdiction given)".to_string()
            } else {
                j.name.clone()
            };
            s.push_str(&format!(
                "{name}: {} CVR cards; {} batches; {} ballots in manifests\n  {}",
                j.cards,
                j.batches,
                j.ballots_in_manifests,
                describe_reconciliation(j.reconciliation.as_ref())
            ));
        }
    } else {
        s.push_str(&describe_reconciliation(report.reconciliation.as_ref()));
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

/// What RAIRE audits for one ranked contest.
#[derive(Debug, Clone, PartialEq, Serialize)]
struct Raire {
    winner: String,
    assertions: usize,
    /// Under raire-rs's "one on margin" measure: the contest's ballots divided by the smallest
    /// assertion margin (the reciprocal of the smallest diluted margin), the usual proxy for a
    /// ballot-comparison audit's effort.
    difficulty: f64,
    min_margin: u64,
}

/// RAIRE's assertions for a ranked contest (None for a plurality contest), or why they could
/// not be found (a tie for the win, too many candidates, the search's work limit).
fn raire(c: &ContestSummary) -> Option<Result<Raire, String>> {
    if c.ranks == 0 || c.ranking_choices.is_empty() {
        return None;
    }
    let groups = c.rankings.iter().map(|(order, n)| irv::RankedBallots {
        count: *n,
        ranking: order.iter().map(|&i| irv::Candidate::new(i)).collect(),
    });
    let result = irv::Profile::new(c.ranking_choices.len(), groups).and_then(|profile| {
        let measure = irv::DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: c.ballots,
        };
        irv::find_assertions(&profile, &measure, None, irv::SearchLimits::default())
    });
    Some(match result {
        Ok(a) => Ok(Raire {
            winner: c
                .ranking_choices
                .get(a.winner.index())
                .cloned()
                .unwrap_or_else(|| a.winner.to_string()),
            assertions: a.assertions.len(),
            difficulty: a.difficulty,
            min_margin: a.min_margin,
        }),
        Err(e) => Err(e.to_string()),
    })
}

/// True when some file was given as JURISDICTION=PATH.
fn named_jurisdictions(report: &Report) -> bool {
    report.jurisdictions.iter().any(|j| !j.name.is_empty())
}

fn describe_reconciliation(r: Option<&records::Reconciliation>) -> String {
    match r {
        Some(r) => format!(
            "Reconciliation: {} of {} CVR batches found in the manifests; {} with a different count; {} manifest batches without CVRs; {} CVR batches not in any manifest; {} cards vs {} ballots\n",
            r.matched_batches,
            r.cvr_batches,
            r.count_mismatches,
            r.batches_without_cvrs,
            r.batches_not_in_manifest,
            r.cvr_cards,
            r.manifest_ballots
        ),
        None => "Reconciliation: not done (it needs both a ballot manifest and CVRs)\n".to_string(),
    }
}

/// `--json`: exactly the shape issue 4 specifies, plus, when files name their jurisdictions, each
/// file's `jurisdiction` and a `jurisdictions` list.
#[derive(Serialize)]
struct JsonReport<'a> {
    files: Vec<JsonFile<'a>>,
    cards: u64,
    batches: u64,
    ballots_in_manifests: u64,
    contests: Vec<JsonContest<'a>>,
    problems: Vec<JsonProblem>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    jurisdictions: Vec<JsonJurisdiction<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    format: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    jurisdiction: &'a str,
}

#[derive(Serialize)]
struct JsonJurisdiction<'a> {
    name: &'a str,
    cards: u64,
    batches: u64,
    ballots_in_manifests: u64,
    reconciliation: Option<JsonReconciliation>,
}

#[derive(Serialize)]
struct JsonReconciliation {
    matched_batches: u64,
    cvr_batches: u64,
    count_mismatches: u64,
    batches_without_cvrs: u64,
    batches_not_in_manifest: u64,
    cvr_cards: u64,
    manifest_ballots: u64,
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
    /// Ranked contests only: RAIRE's winner, assertions, difficulty and smallest margin, or the
    /// reason they could not be found.
    #[serde(skip_serializing_if = "Option::is_none")]
    irv: Option<JsonIrv>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum JsonIrv {
    Found(Raire),
    NotFound { error: String },
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
                    jurisdiction: &f.jurisdiction,
                })
                .collect(),
            jurisdictions: if named_jurisdictions(report) {
                report
                    .jurisdictions
                    .iter()
                    .map(|j| JsonJurisdiction {
                        name: &j.name,
                        cards: j.cards,
                        batches: j.batches,
                        ballots_in_manifests: j.ballots_in_manifests,
                        reconciliation: j.reconciliation.as_ref().map(|r| JsonReconciliation {
                            matched_batches: r.matched_batches,
                            cvr_batches: r.cvr_batches,
                            count_mismatches: r.count_mismatches,
                            batches_without_cvrs: r.batches_without_cvrs,
                            batches_not_in_manifest: r.batches_not_in_manifest,
                            cvr_cards: r.cvr_cards,
                            manifest_ballots: r.manifest_ballots,
                        }),
                    })
                    .collect()
            } else {
                Vec::new()
            },
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
                    irv: raire(c).map(|r| match r {
                        Ok(found) => JsonIrv::Found(found),
                        Err(error) => JsonIrv::NotFound { error },
                    }),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(paths: &[&str], formats: &[&str]) -> InspectArgs {
        InspectArgs {
            paths: paths.iter().map(|p| p.parse().unwrap()).collect(),
            format: formats.iter().map(|f| f.to_string()).collect(),
            json: false,
        }
    }

    #[test]
    fn file_arguments_and_formats() {
        let a: FileArg = "Adams County=/no/such/cvrs.csv".parse().unwrap();
        assert_eq!(
            (a.jurisdiction.as_str(), a.path.as_path()),
            ("Adams County", Path::new("/no/such/cvrs.csv"))
        );
        assert!("=x.csv".parse::<FileArg>().is_err());
        let a = args(
            &["Adams=C:\\cvrs.csv", "m.csv", "t.csv"],
            &["manifest", "dominion-csv:C:\\cvrs.csv"],
        );
        assert_eq!(
            formats_for(&a).unwrap(),
            [
                Some(Format::DominionCsv),
                Some(Format::Manifest),
                Some(Format::Manifest)
            ]
        );
        assert_eq!(formats_for(&args(&["x.csv"], &[])).unwrap(), [None]);
        assert!(formats_for(&args(&["x.csv"], &["manifest", "zip"])).is_err());
        assert!(formats_for(&args(&["x.csv"], &["nope:x.csv"])).is_err());
    }

    fn ranked(rankings: Vec<(Vec<u32>, u64)>, choices: &[&str]) -> ContestSummary {
        ContestSummary {
            name: "Mayor".into(),
            votes_allowed: 3,
            votes_allowed_assumed: false,
            ranks: 3,
            votes: Vec::new(),
            ballots: rankings.iter().map(|r| r.1).sum(),
            overvoted_cards: 0,
            undervotes: 0,
            winners: Vec::new(),
            margin: None,
            diluted_margin: None,
            notes: Vec::new(),
            rankings,
            ranking_choices: choices.iter().map(|c| c.to_string()).collect(),
        }
    }

    /// 40 × A>B, 35 × B>A, 25 × C>B (100 ballots): C is out first and B wins 60–40. The tightest
    /// step RAIRE must confirm is B outlasting C (35 first preferences against 25, margin 10), so
    /// the overall difficulty is 100 / 10.
    #[test]
    fn raire_for_a_ranked_contest() {
        let c = ranked(
            vec![(vec![0, 1], 40), (vec![1, 0], 35), (vec![2, 1], 25)],
            &["A", "B", "C"],
        );
        let r = raire(&c).unwrap().unwrap();
        assert_eq!((r.winner.as_str(), r.min_margin), ("B", 10));
        assert!((r.difficulty - 10.0).abs() < 1e-12);
        // A tie for the win is reported, not guessed.
        let tied = ranked(vec![(vec![0], 5), (vec![1], 5)], &["A", "B"]);
        assert!(raire(&tied).unwrap().is_err());
        // Plurality contests have none.
        assert!(raire(&ContestSummary { ranks: 0, ..c }).is_none());
    }
}
