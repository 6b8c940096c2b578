//! Reading uploaded files through `records`: ballot manifests, cast-vote records and batch tallies
//! become the rows the store keeps, with a validation report (every problem with file, line and
//! column) that is stored with the upload and shown to the clerk.
//!
//! Pure: bytes in, rows and report out. CVRs stream through `records`' readers into a compact
//! sink; positions are Arlo's (the rank of the record id in its batch, `records::PositionIndex`).

use std::collections::HashMap;

use records::csvutil::Source;
use records::{Card, CardSink, Contests, Diagnostics, Format, Manifest, Origin, Problem, Severity};
use serde::{Deserialize, Serialize};
use store::{BatchTallyRow, CvrCard, CvrCards, CvrContestRow, ManifestBatchRow, UploadData};

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

/// Keeps what the audit needs of each card: where it is and its marks, packed
/// ([`store::CvrCards`]); `marks` is reused from card to card.
#[derive(Default)]
struct CardRows {
    cards: CvrCards,
    marks: String,
}

impl CardSink for CardRows {
    fn card(&mut self, _: &Origin<'_>, _: &Contests, card: &Card, _: &mut Diagnostics) {
        use std::fmt::Write as _;
        let marks = &mut self.marks;
        marks.clear();
        for (i, (on_card, card_marks)) in card.contest_marks().enumerate() {
            if i > 0 {
                marks.push(';');
            }
            let _ = write!(marks, "{}:", on_card.contest);
            for (k, m) in card_marks.iter().enumerate() {
                if k > 0 {
                    marks.push(',');
                }
                let _ = write!(marks, "{}", m.choice);
            }
        }
        self.cards.push(&CvrCard {
            tabulator: &card.tabulator,
            batch: &card.batch,
            record_id: card.record_id.and_then(|r| i64::try_from(r).ok()),
            position: None,
            imprinted_id: &card.imprinted_id,
            cvr_id: &card.cvr_id,
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

/// The formats of a CVR export's files: the CVRs and what vendors export with them.
pub const CVR_FORMATS: [Format; 8] = [
    Format::DominionCsv,
    Format::DominionJson,
    Format::DominionJsonManifest,
    Format::EssCvr,
    Format::EssBallots,
    Format::HartXml,
    Format::HartScannedBallots,
    Format::ClearBallot,
];

/// Reads a CVR export — one or more files of any vendor's format, or zips of them — through
/// `records`' readers, and reconciles it with the jurisdiction's manifest when one is given.
/// Every card goes to a compact row with its position as Arlo numbers it.
pub fn read_cvrs(files: &[NamedFile<'_>], manifest: Option<&Manifest>) -> ParsedUpload {
    let upload_name = display_name(files);
    let mut rows = CardRows::default();
    let inputs = files
        .iter()
        .map(|f| {
            let input = records::Input::new(f.name, std::io::Cursor::new(f.bytes));
            match f.format {
                Some(format) => input.with_format(format),
                None => input,
            }
        })
        .collect();
    let inspection = records::inspect_with(
        inputs,
        records::Options {
            sink: Some(&mut rows),
            manifests: manifest.cloned().into_iter().collect(),
            only: Some((
                CVR_FORMATS.to_vec(),
                "a CVR upload takes the files of a CVR export (Dominion CSV or JSON with its manifests, ES&S CVR and ballots files, Hart XML and scanned ballot information, ClearBallot); upload ballot manifests and batch tallies as their own kind".into(),
            )),
        },
    );
    let records::Inspection {
        report,
        contests,
        counters,
    } = inspection;
    let mut diagnostics = Diagnostics::new();
    diagnostics.extend("cvrs", report.problems.clone());
    let cards = report.cards;
    if cards == 0 && !diagnostics.has_errors() {
        diagnostics.error(
            "no-cards",
            records::Location::file(&upload_name),
            "these files hold no cast-vote records; upload the CVR export itself (with its manifests, ballots or scanned-ballot files when the vendor exports them)",
        );
    }
    if manifest.is_none() {
        diagnostics.warning(
            "no-manifest",
            records::Location::file(&upload_name),
            "no ballot manifest is uploaded for this jurisdiction yet, so the CVRs were not reconciled with it; upload the manifest first",
        );
    }
    // One jurisdiction: the one counter numbers its ballots.
    if let Some(counter) = counters.first() {
        let positions = counter.positions();
        for i in 0..rows.cards.len() {
            let position = rows.cards.get(i).and_then(|card| {
                card.record_id
                    .and_then(|r| u64::try_from(r).ok())
                    .and_then(|r| positions.position(card.tabulator, card.batch, r))
                    .and_then(|p| i64::try_from(p).ok())
            });
            rows.cards.set_position(i, position);
        }
    }
    // Hart CVRs without the scanned ballot information name no tabulator: a card takes the
    // manifest's tabulator of its batch when only one tabulator has a batch of that name, so the
    // sampled ballot (keyed by the manifest's tabulator and batch) finds it.
    if let Some(m) = manifest {
        let mut tabulator_of: HashMap<&str, Option<&str>> = HashMap::new();
        for b in &m.batches {
            let t = b.tabulator.as_deref().filter(|t| !t.is_empty());
            tabulator_of
                .entry(b.name.as_str())
                .and_modify(|seen| {
                    if *seen != t {
                        *seen = None;
                    }
                })
                .or_insert(t);
        }
        rows.cards.rename_tabulators(|tabulator, batch| {
            if !tabulator.is_empty() {
                return None;
            }
            tabulator_of
                .get(batch)
                .copied()
                .flatten()
                .map(str::to_string)
        });
    }
    let reported: Vec<UploadedFile> = report
        .files
        .iter()
        .zip(files)
        .map(|(r, f)| UploadedFile {
            name: f.name.to_string(),
            format: r.format.clone(),
            size: f.bytes.len() as u64,
            sha256: String::new(),
        })
        .collect();
    let mut formats: Vec<&str> = Vec::new();
    for f in &report.files {
        if !formats.contains(&f.format.as_str()) {
            formats.push(&f.format);
        }
    }
    let format = if formats.is_empty() {
        "unknown".to_string()
    } else {
        formats.join("+")
    };
    let batches = report.jurisdictions.first().map_or(0, |j| {
        counters
            .first()
            .map_or(j.batches, |c| c.batches().len() as u64)
    });
    let described = match formats.as_slice() {
        [one] => Format::from_name(one).map_or("CVR export", Format::describe),
        _ => "CVR export",
    };
    let mut summary = vec![format!("{described}: {cards} cards in {batches} batches")];
    let summaries = report.contests;
    let mut contest_rows = Vec::new();
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
