//! Reading uploaded files through `records`: ballot manifests, cast-vote records and batch tallies
//! become the rows the store keeps, with a validation report (every problem with file, line and
//! column) that is stored with the upload and shown to the clerk.
//!
//! Pure: bytes in, rows and report out. CVRs stream through `records`' readers into a compact
//! sink; positions are Arlo's (the rank of the record id in its batch, `records::PositionIndex`).

use records::csvutil::Source;
use records::{
    Card, CardCounter, CardSink, Contests, Diagnostics, Format, Manifest, Origin, Problem,
    Severity, Tally,
};
use serde::{Deserialize, Serialize};
use store::{BatchTallyRow, CvrCardRow, CvrContestRow, ManifestBatchRow, UploadData};

/// One problem of an upload, as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemText {
    /// `error` or `warning`.
    pub severity: String,
    /// File, line, column.
    pub location: String,
    pub message: String,
}

/// One file of an upload, as the person uploading it named it.
#[derive(Clone, Copy)]
pub struct NamedFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    /// The file's format when the uploader says it (`--format`); otherwise recognised from its
    /// name and first bytes.
    pub format: Option<Format>,
}

impl<'a> NamedFile<'a> {
    pub fn new(name: &'a str, bytes: &'a [u8]) -> NamedFile<'a> {
        NamedFile {
            name,
            bytes,
            format: None,
        }
    }
}

impl std::fmt::Debug for NamedFile<'_> {
    /// The bytes are not printed: an export can be hundreds of megabytes.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NamedFile")
            .field("name", &self.name)
            .field("size", &self.bytes.len())
            .field("format", &self.format)
            .finish()
    }
}

/// One file of an upload, as reported and logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadedFile {
    pub name: String,
    /// The recognised format (`dominion-csv`, `zip`, …), or `unknown`.
    pub format: String,
    pub size: u64,
    /// Hex SHA-256 (filled in by the workflow when it stores the file).
    pub sha256: String,
}

/// The name an upload of these files is shown and stored under: the file's name, or the first
/// names and how many more.
pub fn display_name(files: &[NamedFile<'_>]) -> String {
    match files {
        [] => String::new(),
        [one] => one.name.to_string(),
        [a, b] => format!("{}, {}", a.name, b.name),
        [a, rest @ ..] => format!("{} and {} more files", a.name, rest.len()),
    }
}

/// What validating an upload found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// The upload's name ([`display_name`]).
    pub file_name: String,
    /// Every file of the upload.
    #[serde(default)]
    pub files: Vec<UploadedFile>,
    /// The recognised format.
    pub format: String,
    pub accepted: bool,
    /// What the file holds, one line each (batches and ballots, cards, contest totals).
    pub summary: Vec<String>,
    pub problems: Vec<ProblemText>,
}

impl ValidationReport {
    pub fn errors(&self) -> impl Iterator<Item = &ProblemText> {
        self.problems.iter().filter(|p| p.severity == "error")
    }
}

/// A parsed upload: the report, and the rows to store when it is accepted.
#[derive(Debug, Clone)]
pub struct ParsedUpload {
    pub report: ValidationReport,
    pub data: UploadData,
    /// For batch tallies: the contest they are for.
    pub contest: String,
}

fn problems(list: Vec<Problem>) -> Vec<ProblemText> {
    list.into_iter()
        .map(|p| ProblemText {
            severity: match p.severity {
                Severity::Error => "error".into(),
                Severity::Warning => "warning".into(),
            },
            location: p.location.to_string(),
            message: p.message,
        })
        .collect()
}

fn finish(
    file_name: &str,
    files: Vec<UploadedFile>,
    format: &str,
    summary: Vec<String>,
    diagnostics: Diagnostics,
    data: UploadData,
    contest: String,
) -> ParsedUpload {
    let accepted = !diagnostics.has_errors();
    ParsedUpload {
        report: ValidationReport {
            file_name: file_name.to_string(),
            files,
            format: format.to_string(),
            accepted,
            summary,
            problems: problems(diagnostics.into_problems()),
        },
        data: if accepted { data } else { UploadData::Rejected },
        contest,
    }
}

/// Reads a ballot manifest (Arlo, ColoradoRLA, Colorado county CSV, or an Excel workbook).
pub fn read_manifest(file_name: &str, bytes: &[u8]) -> ParsedUpload {
    let mut diagnostics = Diagnostics::new();
    let xlsx = file_name.to_lowercase().ends_with(".xlsx");
    let parsed = if xlsx {
        records::parse_manifest_xlsx(file_name, bytes)
    } else {
        records::parse_manifest_csv(file_name, bytes)
    };
    match parsed {
        Ok(parsed) => {
            diagnostics.extend("manifest", parsed.warnings);
            let m = parsed.value;
            let summary = vec![format!(
                "{}: {} batches, {} ballots",
                m.layout.describe(),
                m.batches.len(),
                m.total_ballots()
            )];
            let rows = manifest_rows(&m);
            let format = if xlsx { "xlsx-manifest" } else { "manifest" };
            finish(
                file_name,
                one_file(file_name, bytes, format),
                format,
                summary,
                diagnostics,
                UploadData::Manifest(rows),
                String::new(),
            )
        }
        Err(errors) => {
            diagnostics.extend("manifest", errors.0);
            finish(
                file_name,
                one_file(file_name, bytes, "manifest"),
                "manifest",
                vec!["ballot manifest with errors".into()],
                diagnostics,
                UploadData::Rejected,
                String::new(),
            )
        }
    }
}

fn one_file(name: &str, bytes: &[u8], format: &str) -> Vec<UploadedFile> {
    vec![UploadedFile {
        name: name.to_string(),
        format: format.to_string(),
        size: bytes.len() as u64,
        sha256: String::new(),
    }]
}

fn manifest_rows(m: &Manifest) -> Vec<ManifestBatchRow> {
    m.batches
        .iter()
        .enumerate()
        .map(|(i, b)| ManifestBatchRow {
            idx: i as i64,
            container: b.container.clone(),
            tabulator: b.tabulator.clone(),
            name: b.name.clone(),
            ballots: i64::try_from(b.ballots).unwrap_or(i64::MAX),
            has_cvrs: b.has_cvrs,
        })
        .collect()
}

/// The stored manifest rows as `records` sees a manifest, for reconciling CVRs with it.
pub fn manifest_from_rows(source: &str, rows: &[ManifestBatchRow]) -> Manifest {
    Manifest {
        source: source.to_string(),
        layout: records::ManifestLayout::Arlo,
        batches: rows
            .iter()
            .map(|r| records::Batch {
                jurisdiction: None,
                container: r.container.clone(),
                tabulator: r.tabulator.clone(),
                name: r.name.clone(),
                ballots: u64::try_from(r.ballots).unwrap_or(0),
                has_cvrs: r.has_cvrs,
                location: None,
                line: r.idx as u64 + 2,
            })
            .collect(),
    }
}

/// Keeps what the audit needs of each card: where it is and its marks, compactly.
#[derive(Default)]
struct CardRows {
    cards: Vec<CvrCardRow>,
}

impl CardSink for CardRows {
    fn card(&mut self, _: &Origin<'_>, _: &Contests, card: &Card, _: &mut Diagnostics) {
        let mut marks = String::new();
        for (i, (on_card, card_marks)) in card.contest_marks().enumerate() {
            if i > 0 {
                marks.push(';');
            }
            marks.push_str(&on_card.contest.to_string());
            marks.push(':');
            for (k, m) in card_marks.iter().enumerate() {
                if k > 0 {
                    marks.push(',');
                }
                marks.push_str(&m.choice.to_string());
            }
        }
        self.cards.push(CvrCardRow {
            tabulator: card.tabulator.clone(),
            batch: card.batch.clone(),
            record_id: card.record_id.and_then(|r| i64::try_from(r).ok()),
            position: None,
            imprinted_id: card.imprinted_id.clone(),
            cvr_id: card.cvr_id.clone(),
            marks,
        });
    }
}

/// Decodes a card's `marks` text into (upload contest index, choice indexes).
pub fn decode_marks(marks: &str) -> Vec<(usize, Vec<usize>)> {
    marks
        .split(';')
        .filter(|s| !s.is_empty())
        .filter_map(|part| {
            let (contest, choices) = part.split_once(':')?;
            let contest = contest.parse().ok()?;
            let choices = choices
                .split(',')
                .filter(|c| !c.is_empty())
                .filter_map(|c| c.parse().ok())
                .collect();
            Some((contest, choices))
        })
        .collect()
}

/// Reads a CVR export — one or more files — and reconciles it with the jurisdiction's manifest,
/// when one is given.
pub fn read_cvrs(files: &[NamedFile<'_>], manifest: Option<&Manifest>) -> ParsedUpload {
    let upload_name = display_name(files);
    let mut diagnostics = Diagnostics::new();
    let mut contests = Contests::new();
    let mut tally = Tally::new();
    let mut counter = CardCounter::new();
    let mut rows = CardRows::default();
    let mut reported = Vec::new();
    let mut formats = Vec::new();
    for file in files {
        let head = file
            .bytes
            .get(..file.bytes.len().min(64 * 1024))
            .unwrap_or(file.bytes);
        let format = match file
            .format
            .map_or_else(|| records::detect(file.name, head), Ok)
        {
            Ok(f) => f,
            Err(why) => {
                diagnostics.error(
                    "unrecognised",
                    records::Location::file(file.name),
                    format!("cannot tell what kind of file this is: {why}"),
                );
                reported.push(UploadedFile {
                    name: file.name.to_string(),
                    format: "unknown".into(),
                    size: file.bytes.len() as u64,
                    sha256: String::new(),
                });
                continue;
            }
        };
        reported.push(UploadedFile {
            name: file.name.to_string(),
            format: format.name().to_string(),
            size: file.bytes.len() as u64,
            sha256: String::new(),
        });
        if !formats.contains(&format) {
            formats.push(format);
        }
        let source = Source::new(file.name);
        let mut pair = (&mut tally, &mut counter);
        let mut sink = (&mut pair, &mut rows);
        let read = match format {
            Format::DominionCsv => records::dominion_csv::read_dominion_csv(
                source,
                file.bytes,
                &mut contests,
                &mut sink,
                &mut diagnostics,
            ),
            Format::ClearBallot => records::clearballot::read_clearballot(
                source,
                file.bytes,
                &mut contests,
                &mut sink,
                &mut diagnostics,
            ),
            other => {
                diagnostics.error(
                    "cvr-format",
                    records::Location::file(file.name),
                    format!(
                        "this is {}; audit uploads take Dominion CSV or ClearBallot CSV exports for now — check the others with `ballotproof inspect`",
                        other.describe()
                    ),
                );
                None
            }
        };
        if read.is_none() && !diagnostics.has_errors() {
            diagnostics.error(
                "cvr-format",
                records::Location::file(file.name),
                "the file could not be read as cast-vote records",
            );
        }
    }
    let format = match formats.as_slice() {
        [] => "unknown".to_string(),
        [one] => one.name().to_string(),
        many => many.iter().map(|f| f.name()).collect::<Vec<_>>().join("+"),
    };
    let described = match formats.as_slice() {
        [one] => one.describe().to_string(),
        _ => "CVR export".to_string(),
    };
    counter.finish(&mut diagnostics);
    if let Some(m) = manifest {
        records::reconcile(std::slice::from_ref(m), &counter, &mut diagnostics);
    } else {
        diagnostics.warning(
            "no-manifest",
            records::Location::file(&upload_name),
            "no ballot manifest is uploaded for this jurisdiction yet, so the CVRs were not reconciled with it; upload the manifest first",
        );
    }
    let positions = counter.positions();
    for card in &mut rows.cards {
        card.position = card
            .record_id
            .and_then(|r| u64::try_from(r).ok())
            .and_then(|r| positions.position(&card.tabulator, &card.batch, r))
            .and_then(|p| i64::try_from(p).ok());
    }
    let summaries = tally.summarize(&contests);
    let mut contest_rows = Vec::new();
    let mut summary = vec![format!(
        "{}: {} cards in {} batches",
        described,
        counter.cards,
        counter.batches().len()
    )];
    for (id, c) in contests.iter() {
        let found = summaries.iter().find(|s| s.name == c.name);
        let votes: Vec<u64> = c
            .choices
            .iter()
            .map(|choice| {
                found
                    .and_then(|s| s.votes.iter().find(|(n, _)| n == choice))
                    .map_or(0, |(_, v)| *v)
            })
            .collect();
        let ballots = found.map_or(0, |s| s.ballots);
        summary.push(format!(
            "{}: {} ballots; {}",
            c.name,
            ballots,
            c.choices
                .iter()
                .zip(&votes)
                .map(|(n, v)| format!("{n} {v}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        contest_rows.push(CvrContestRow {
            idx: i64::from(id),
            name: c.name.clone(),
            votes_allowed: i64::from(c.votes_allowed),
            ranks: i64::from(c.ranks),
            choices: serde_json::to_string(&c.choices).unwrap_or_default(),
            votes: serde_json::to_string(&votes).unwrap_or_default(),
            ballots: i64::try_from(ballots).unwrap_or(i64::MAX),
        });
    }
    finish(
        &upload_name,
        reported,
        &format,
        summary,
        diagnostics,
        UploadData::Cvrs {
            contests: contest_rows,
            cards: rows.cards,
        },
        String::new(),
    )
}

/// Reads Arlo's "candidate totals by batch" file for `contest` (or the contest its name gives),
/// checking its batches against the jurisdiction's manifest.
pub fn read_batch_tallies(
    file_name: &str,
    bytes: &[u8],
    contest: Option<&str>,
    manifest: Option<&Manifest>,
) -> ParsedUpload {
    let mut diagnostics = Diagnostics::new();
    let tallies = records::election_files::read_batch_tallies(
        Source::new(file_name),
        bytes,
        &mut diagnostics,
    );
    let Some(tallies) = tallies else {
        return finish(
            file_name,
            one_file(file_name, bytes, "batch-tallies"),
            "batch-tallies",
            vec![],
            diagnostics,
            UploadData::Rejected,
            String::new(),
        );
    };
    let contest = contest
        .map(str::to_string)
        .or_else(|| tallies.contest.clone())
        .unwrap_or_default();
    if contest.is_empty() {
        diagnostics.error(
            "tallies-contest",
            records::Location::file(file_name),
            "say which contest these tallies are for (--contest), or name the file \"<Jurisdiction> - <Contest> - candidate totals by batch.csv\"",
        );
    }
    if let Some(m) = manifest {
        for b in &tallies.batches {
            if !m.batches.iter().any(|mb| mb.name == b.name) {
                diagnostics.error(
                    "tally-batch-not-in-manifest",
                    records::Location::at(file_name, b.line, None),
                    format!(
                        "batch {:?} is not in the jurisdiction's ballot manifest; batch names must match the manifest's Batch Name",
                        b.name
                    ),
                );
            }
        }
    } else {
        diagnostics.error(
            "no-manifest",
            records::Location::file(file_name),
            "upload the jurisdiction's ballot manifest before its batch tallies",
        );
    }
    let choices = serde_json::to_string(&tallies.choices).unwrap_or_default();
    let rows: Vec<BatchTallyRow> = tallies
        .batches
        .iter()
        .enumerate()
        .map(|(i, b)| BatchTallyRow {
            idx: i as i64,
            contest: contest.clone(),
            tabulator: b.tabulator.clone(),
            batch: b.name.clone(),
            choices: choices.clone(),
            votes: serde_json::to_string(&b.votes).unwrap_or_default(),
        })
        .collect();
    let totals = tallies
        .totals()
        .iter()
        .map(|(n, v)| format!("{n} {v}"))
        .collect::<Vec<_>>()
        .join(", ");
    let summary = vec![format!(
        "batch tallies for {contest:?}: {} batches; {totals}",
        tallies.batches.len()
    )];
    finish(
        file_name,
        one_file(file_name, bytes, "batch-tallies"),
        "batch-tallies",
        summary,
        diagnostics,
        UploadData::BatchTallies(rows),
        contest,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_round_trip() {
        assert_eq!(
            decode_marks("0:1;3:;5:0,2"),
            vec![(0, vec![1]), (3, vec![]), (5, vec![0, 2])]
        );
        assert!(decode_marks("").is_empty());
    }

    #[test]
    fn a_manifest_with_a_total_row_is_rejected_with_its_line() {
        let csv = "Batch Name,Number of Ballots\nB1,10\nTotal,10\n";
        let parsed = read_manifest("m.csv", csv.as_bytes());
        assert!(!parsed.report.accepted);
        assert!(matches!(parsed.data, UploadData::Rejected));
        let error = parsed.report.errors().next().unwrap();
        assert!(error.location.contains("m.csv"), "{error:?}");
    }
}
