//! Inspecting a mix of election files in one pass: recognise each (zip members included), read
//! definitions first (manifests, contest lists, Dominion's JSON manifests), then the indexes CVRs
//! are joined with (ES&S ballots files, Hart scanned ballot information), then stream every CVR
//! through the tally and the batch counter, then batch tallies; reconcile; summarise.
//!
//! The caller opens the files and passes readers; nothing here touches the file system. Zip
//! archives are read member by member from the stream (never by loading their central directory,
//! which for a million Hart files would not fit the memory budget); a zip inside a zip is read into
//! memory first.

use std::collections::{BTreeMap, HashSet};
use std::io::{self, Cursor, Read, Seek, SeekFrom};

use crate::csvutil::Source;
use crate::cvr::CvrFile;
use crate::detect::{Format, detect, format_names};
use crate::dominion_json::{DominionNames, read_dominion_json};
use crate::election_files::{
    BatchTallies, CanonicalList, Jurisdiction, StandardContest, Standardization,
    read_batch_tallies, read_canonical_list, read_jurisdictions, read_standardized_contests,
};
use crate::ess::{EssBallots, read_ess_ballots, read_ess_cvr};
use crate::hart::{HartReader, HartScans, read_scanned_ballots};
use crate::manifest::{Manifest, parse_manifest_csv, parse_manifest_xlsx};
use crate::model::{CardSink, Contests};
use crate::problem::{Diagnostics, Location, Problem};
use crate::reconcile::{CardCounter, Reconciliation, describe_batch, reconcile};
use crate::tally::{ContestSummary, Tally};
use crate::zipstream::ZipStream;
use crate::{clearballot, dominion_csv};

/// A reader that can go back to the start (files, in-memory buffers).
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// One file to inspect.
pub struct Input<'a> {
    /// The name shown in messages (usually the path as given).
    pub name: String,
    pub reader: Box<dyn ReadSeek + 'a>,
    /// The format, when the user said it (`--format`); otherwise recognised from the content.
    pub format: Option<Format>,
    /// The jurisdiction (county, town) the file belongs to; empty when not said. Each
    /// jurisdiction's CVRs are reconciled with its own manifests, and its CVR ids and batches are
    /// its own (two counties may both have a tabulator 1 with a batch 1).
    pub jurisdiction: String,
}

impl<'a> Input<'a> {
    pub fn new(name: impl Into<String>, reader: impl ReadSeek + 'a) -> Input<'a> {
        Input {
            name: name.into(),
            reader: Box::new(reader),
            format: None,
            jurisdiction: String::new(),
        }
    }

    pub fn bytes(name: impl Into<String>, bytes: Vec<u8>) -> Input<'static> {
        Input {
            name: name.into(),
            reader: Box::new(Cursor::new(bytes)),
            format: None,
            jurisdiction: String::new(),
        }
    }

    /// The same input, read as `format`.
    pub fn with_format(mut self, format: Format) -> Input<'a> {
        self.format = Some(format);
        self
    }

    /// The same input, belonging to jurisdiction `name`.
    pub fn in_jurisdiction(mut self, name: impl Into<String>) -> Input<'a> {
        self.jurisdiction = name.into().trim().to_string();
        self
    }
}

/// What was made of one input file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileReport {
    pub path: String,
    /// The format's name (`dominion-csv`, `zip`, …), or `unknown`.
    pub format: String,
    /// One line for the clerk: what the file is and what it holds.
    pub description: String,
    /// False when nothing could be read from the file (unopenable, unrecognisable).
    pub readable: bool,
    /// The jurisdiction it was given for; empty when none was.
    pub jurisdiction: String,
}

/// What one jurisdiction's files hold, and how its CVRs reconcile with its manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct JurisdictionReport {
    /// As given with `JURISDICTION=PATH`; empty for files given without one.
    pub name: String,
    pub cards: u64,
    /// Batches in its manifests, or in its CVRs when it has no manifest.
    pub batches: u64,
    pub ballots_in_manifests: u64,
    /// Present when the jurisdiction has both manifests and CVRs.
    pub reconciliation: Option<Reconciliation>,
}

/// Totals of one batch-tally file.
#[derive(Debug, Clone, PartialEq)]
pub struct TallyReport {
    pub file: String,
    pub contest: Option<String>,
    pub batches: u64,
    pub votes: Vec<(String, u64)>,
}

/// Everything `inspect` found.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub files: Vec<FileReport>,
    /// CVR cards read.
    pub cards: u64,
    /// Batches in the manifests, or in the CVRs when no manifest was given (summed over the
    /// jurisdictions).
    pub batches: u64,
    pub ballots_in_manifests: u64,
    pub contests: Vec<ContestSummary>,
    /// Present when both manifests and CVRs were given; with several jurisdictions, the sum of
    /// theirs.
    pub reconciliation: Option<Reconciliation>,
    /// One entry per jurisdiction named with the files (a single unnamed one when none was).
    pub jurisdictions: Vec<JurisdictionReport>,
    pub tallies: Vec<TallyReport>,
    pub problems: Vec<Problem>,
}

impl Report {
    pub fn has_errors(&self) -> bool {
        self.problems
            .iter()
            .any(|p| p.severity == crate::Severity::Error)
    }

    /// True when some file could not be read at all.
    pub fn has_unreadable_files(&self) -> bool {
        self.files.iter().any(|f| !f.readable)
    }
}

/// What a caller embedding [`inspect`] adds: a sink that receives every CVR card too (the audit
/// keeps its own compact rows), manifests it already holds, and the formats it accepts.
#[derive(Default)]
pub struct Options<'s> {
    /// Receives every card after the tally and the batch counter have.
    pub sink: Option<&'s mut dyn CardSink>,
    /// Manifests known already (an audit's stored manifest), for the files given without a
    /// jurisdiction: the CVRs are reconciled with them.
    pub manifests: Vec<Manifest>,
    /// When set, only files of these formats (and zips of them) are read. A file of another
    /// format is an error saying what it is, followed by the advice given here; a zip member of
    /// another format is skipped with a warning.
    pub only: Option<(Vec<Format>, String)>,
}

/// What [`inspect_with`] found: the report, and what a caller needs to use the cards it was
/// handed — the contest registry their ids index, and each jurisdiction's finished batch
/// counter, which numbers ballots as Arlo does ([`CardCounter::positions`]).
pub struct Inspection {
    pub report: Report,
    pub contests: Contests,
    /// One per jurisdiction, in the order of `report.jurisdictions`.
    pub counters: Vec<CardCounter>,
}

/// The sink of callers that want none.
struct NoSink;

impl CardSink for NoSink {
    fn card(
        &mut self,
        _: &crate::model::Origin<'_>,
        _: &Contests,
        _: &crate::model::Card,
        _: &mut Diagnostics,
    ) {
    }
}

/// A file to read: a whole input, or a member of an archive.
#[derive(Debug, Clone)]
struct Unit {
    format: Format,
    archive: Option<usize>,
}

/// An input (or nested archive) with what was recognised in it.
struct Container<'a> {
    name: String,
    reader: Box<dyn ReadSeek + 'a>,
    is_zip: bool,
    /// Index of the top-level input this belongs to (for the file report).
    top: usize,
    /// Per member: its format (None when skipped). Kept compact: one byte-sized entry per member.
    member_formats: Vec<Option<Format>>,
}

/// What belongs to one jurisdiction: its manifests, the indexes its CVRs are joined with, and its
/// cards' batches and ids. Contests and their totals are the election's, shared by all.
struct Group {
    name: String,
    manifests: Vec<Manifest>,
    names: DominionNames,
    ess: EssBallots,
    ess_cvr_read: bool,
    hart_scans: HartScans,
    hart_tabulator_from_archive: bool,
    counter: CardCounter,
}

impl Group {
    fn new(name: &str) -> Group {
        Group {
            name: name.to_string(),
            manifests: Vec::new(),
            names: DominionNames::new(),
            ess: EssBallots::new(),
            ess_cvr_read: false,
            hart_scans: HartScans::new(),
            hart_tabulator_from_archive: false,
            counter: CardCounter::new(),
        }
    }

    /// "" or " of jurisdiction X", for messages.
    fn of(&self) -> String {
        if self.name.is_empty() {
            String::new()
        } else {
            format!(" of jurisdiction {:?}", self.name)
        }
    }
}

struct State {
    diagnostics: Diagnostics,
    contests: Contests,
    jurisdictions: Vec<Jurisdiction>,
    /// Standardized contests with the file (and zip member) that lists them.
    standard_contests: Vec<(Location, StandardContest)>,
    canonical: Option<CanonicalList>,
    hart: HartReader,
    hart_files: BTreeMap<usize, CvrFile>,
    tally: Tally,
    tallies: Vec<(String, usize, BatchTallies)>,
    /// What each top-level input yielded, for its description.
    notes: Vec<Vec<String>>,
    groups: Vec<Group>,
    /// The group of each top-level input.
    group_of: Vec<usize>,
}

impl State {
    fn group(&self, top: usize) -> usize {
        self.group_of.get(top).copied().unwrap_or(0)
    }
}

const HEAD: usize = 64 * 1024;

fn read_head(reader: &mut dyn Read, limit: usize) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(limit.min(8192));
    reader.take(limit as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// Streams the members of a zip in order, calling `f(index, name, reader)` for each; returns a
/// sentence when the archive cannot be read.
fn each_member(
    reader: &mut dyn ReadSeek,
    f: &mut dyn FnMut(usize, &str, &mut dyn Read) -> io::Result<()>,
) -> Result<(), String> {
    reader.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
    let mut zip = ZipStream::new(reader);
    let mut index = 0;
    loop {
        let header = zip
            .next_member()
            .map_err(|e| format!("member {} could not be read ({e})", index + 1))?;
        let Some(header) = header else {
            return Ok(());
        };
        if !header.is_dir {
            // Whatever `f` leaves unread is skipped by the next `next_member`.
            f(index, &header.name, &mut zip.member())
                .map_err(|e| format!("{}: {e}", header.name))?;
        }
        index += 1;
    }
}

fn stem(name: &str) -> &str {
    let base = name.rsplit(['/', '\\', '!']).next().unwrap_or(name);
    base.rsplit_once('.').map_or(base, |(s, _)| s)
}

/// Reads and checks every input. Never panics; problems are in the report.
pub fn inspect(inputs: Vec<Input<'_>>) -> Report {
    inspect_with(inputs, Options::default()).report
}

/// [`inspect`], with a caller's sink, known manifests and accepted formats ([`Options`]).
pub fn inspect_with(inputs: Vec<Input<'_>>, options: Options<'_>) -> Inspection {
    let Options {
        sink,
        manifests,
        only,
    } = options;
    let mut no_sink = NoSink;
    let extra: &mut dyn CardSink = match sink {
        Some(s) => s,
        None => &mut no_sink,
    };
    let mut files: Vec<FileReport> = Vec::new();
    let mut containers: Vec<Container<'_>> = Vec::new();
    let mut units: Vec<Unit> = Vec::new();
    let mut state = State {
        diagnostics: Diagnostics::new(),
        contests: Contests::new(),
        jurisdictions: Vec::new(),
        standard_contests: Vec::new(),
        canonical: None,
        hart: HartReader::new(),
        hart_files: BTreeMap::new(),
        tally: Tally::new(),
        tallies: Vec::new(),
        notes: Vec::new(),
        groups: Vec::new(),
        group_of: Vec::new(),
    };
    if !manifests.is_empty() {
        let mut group = Group::new("");
        group.manifests = manifests;
        state.groups.push(group);
    }

    // Survey: what is each file, and each member of each archive.
    for (top, mut input) in inputs.into_iter().enumerate() {
        state.notes.push(Vec::new());
        let group = match state
            .groups
            .iter()
            .position(|g| g.name == input.jurisdiction)
        {
            Some(g) => g,
            None => {
                state.groups.push(Group::new(&input.jurisdiction));
                state.groups.len() - 1
            }
        };
        state.group_of.push(group);
        let jurisdiction = input.jurisdiction.clone();
        let name = input.name.clone();
        let head = input
            .reader
            .seek(SeekFrom::Start(0))
            .and_then(|_| read_head(&mut input.reader, HEAD));
        let head = match head {
            Ok(h) => h,
            Err(e) => {
                state.diagnostics.error(
                    "unreadable",
                    Location::file(&name),
                    format!("the file could not be read ({e})"),
                );
                files.push(FileReport {
                    path: name,
                    format: "unknown".into(),
                    description: "could not be read".into(),
                    readable: false,
                    jurisdiction,
                });
                continue;
            }
        };
        let format = match input.format {
            Some(f) => Ok(f),
            None => detect(&name, &head),
        };
        let format = match format {
            Ok(f) => f,
            Err(why) => {
                state.diagnostics.error("unrecognised", Location::file(&name), format!("cannot tell what kind of file this is: {why}; if it is an election file, say which with --format (one of: {})", format_names()));
                files.push(FileReport {
                    path: name,
                    format: "unknown".into(),
                    description: "not recognised".into(),
                    readable: false,
                    jurisdiction,
                });
                continue;
            }
        };
        if let Some((formats, advice)) = &only
            && format != Format::Zip
            && !formats.contains(&format)
        {
            state.diagnostics.error(
                "format-not-accepted",
                Location::file(&name),
                format!("this is {}; {advice}", format.describe()),
            );
            files.push(FileReport {
                path: name,
                format: format.name().into(),
                description: format.describe().into(),
                readable: true,
                jurisdiction,
            });
            continue;
        }
        files.push(FileReport {
            path: name.clone(),
            format: format.name().into(),
            description: format.describe().into(),
            readable: true,
            jurisdiction,
        });
        if format == Format::Zip {
            survey_zip(
                &mut containers,
                &mut units,
                &mut state,
                name,
                input.reader,
                top,
                &mut files,
                only.as_ref(),
            );
        } else {
            let index = containers.len();
            containers.push(Container {
                name,
                reader: input.reader,
                is_zip: false,
                top,
                member_formats: Vec::new(),
            });
            units.push(Unit {
                format,
                archive: Some(index),
            });
        }
    }
    // Arlo names the tabulator of Hart cards after their zip when a jurisdiction gives several.
    let hart_archives: HashSet<usize> = units
        .iter()
        .filter(|u| u.format == Format::HartXml)
        .filter_map(|u| {
            u.archive
                .filter(|&a| containers.get(a).is_some_and(|c| c.is_zip))
        })
        .collect();
    for (g, group) in state.groups.iter_mut().enumerate() {
        let archives = hart_archives
            .iter()
            .filter(|&&a| {
                containers
                    .get(a)
                    .and_then(|c| state.group_of.get(c.top))
                    .is_some_and(|&cg| cg == g)
            })
            .count();
        group.hart_tabulator_from_archive = archives > 1;
    }

    // Phases: definitions, indexes, CVRs, tallies.
    let phases: [&[Format]; 4] = [
        &[
            Format::Manifest,
            Format::XlsxManifest,
            Format::Jurisdictions,
            Format::StandardizedContests,
            Format::CanonicalList,
            Format::DominionJsonManifest,
        ],
        &[Format::EssBallots, Format::HartScannedBallots],
        &[
            Format::DominionCsv,
            Format::DominionJson,
            Format::EssCvr,
            Format::HartXml,
            Format::ClearBallot,
        ],
        &[
            Format::BatchTallies,
            Format::RaireJson,
            Format::ColoradoReport,
        ],
    ];
    for phase in phases {
        for (ci, container) in containers.iter_mut().enumerate() {
            let wanted: Vec<&Unit> = units
                .iter()
                .filter(|u| u.archive == Some(ci) && phase.contains(&u.format))
                .collect();
            if wanted.is_empty() {
                continue;
            }
            if container.is_zip {
                let formats = container.member_formats.clone();
                let name = container.name.clone();
                let top = container.top;
                let result = each_member(&mut container.reader, &mut |index, member, reader| {
                    let Some(Some(format)) = formats.get(index) else {
                        return Ok(());
                    };
                    if !phase.contains(format) {
                        return Ok(());
                    }
                    read_unit(
                        &mut state,
                        &mut *extra,
                        *format,
                        top,
                        &name,
                        Some(member),
                        ci,
                        reader,
                    );
                    Ok(())
                });
                if let Err(why) = result {
                    state.diagnostics.error(
                        "zip",
                        Location::file(&name),
                        format!(
                            "the archive could not be read to the end: {why}; re-create the zip"
                        ),
                    );
                }
            } else {
                let Some(unit) = wanted.first() else { continue };
                let format = unit.format;
                let name = container.name.clone();
                let top = container.top;
                if let Err(e) = container.reader.seek(SeekFrom::Start(0)) {
                    state.diagnostics.error(
                        "unreadable",
                        Location::file(&name),
                        format!("the file could not be read ({e})"),
                    );
                    continue;
                }
                read_unit(
                    &mut state,
                    &mut *extra,
                    format,
                    top,
                    &name,
                    None,
                    ci,
                    &mut container.reader,
                );
            }
        }
    }
    finish(state, files)
}

#[allow(clippy::too_many_arguments)]
fn survey_zip<'a>(
    containers: &mut Vec<Container<'a>>,
    units: &mut Vec<Unit>,
    state: &mut State,
    name: String,
    mut reader: Box<dyn ReadSeek + 'a>,
    top: usize,
    files: &mut [FileReport],
    only: Option<&(Vec<Format>, String)>,
) {
    let index = containers.len();
    let mut formats: Vec<Option<Format>> = Vec::new();
    let mut nested: Vec<(String, Vec<u8>)> = Vec::new();
    let mut counts: BTreeMap<Format, u64> = BTreeMap::new();
    let result = each_member(&mut reader, &mut |i, member, r| {
        while formats.len() < i {
            formats.push(None);
        }
        let lower = member.to_lowercase();
        if lower.ends_with(".zip") {
            let mut bytes = Vec::new();
            r.read_to_end(&mut bytes)?;
            nested.push((member.to_string(), bytes));
            formats.push(None);
            return Ok(());
        }
        let base = lower.rsplit('/').next().unwrap_or(&lower);
        if base.starts_with('.') || lower.starts_with("__macosx/") {
            formats.push(None);
            return Ok(());
        }
        // Hart exports hold one XML per card: recognise those by name to keep the survey quick.
        let format = if lower.ends_with(".xml") {
            Ok(Format::HartXml)
        } else {
            let head = read_head(r, HEAD)?;
            detect(member, &head)
        };
        match format {
            Ok(f) if only.is_some_and(|(formats, _)| !formats.contains(&f)) => {
                state.diagnostics.warning(
                    "zip-member",
                    Location::file(&name).in_member(Some(member)),
                    format!(
                        "this member of the archive is skipped: it is {}, which is not read here",
                        f.describe()
                    ),
                );
                formats.push(None);
            }
            Ok(f) => {
                *counts.entry(f).or_default() += 1;
                formats.push(Some(f));
                if f != Format::HartXml {
                    units.push(Unit {
                        format: f,
                        archive: Some(index),
                    });
                }
            }
            Err(why) => {
                state.diagnostics.warning(
                    "zip-member",
                    Location::file(&name).in_member(Some(member)),
                    format!("this member of the archive is skipped: {why}"),
                );
                formats.push(None);
            }
        }
        Ok(())
    });
    if let Err(why) = result {
        state.diagnostics.error("zip", Location::file(&name), format!("the archive could not be read: {why}; re-create the zip (ballotproof reads stored and deflated members)"));
        if let Some(f) = files.get_mut(top) {
            f.readable = counts.values().sum::<u64>() > 0;
        }
    }
    if counts.contains_key(&Format::HartXml) {
        units.push(Unit {
            format: Format::HartXml,
            archive: Some(index),
        });
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(f, n)| format!("{n} × {}", f.describe()))
        .collect();
    if let Some(f) = files.get_mut(top) {
        f.description = if summary.is_empty() {
            "zip archive with no election files".to_string()
        } else {
            format!("zip archive: {}", summary.join(", "))
        };
    }
    containers.push(Container {
        name: name.clone(),
        reader,
        is_zip: true,
        top,
        member_formats: formats,
    });
    for (member, bytes) in nested {
        let nested_name = format!("{name}!{member}");
        survey_zip(
            containers,
            units,
            state,
            nested_name,
            Box::new(Cursor::new(bytes)),
            top,
            files,
            only,
        );
    }
}

#[allow(clippy::too_many_arguments)]
fn read_unit(
    state: &mut State,
    extra: &mut dyn CardSink,
    format: Format,
    top: usize,
    file: &str,
    member: Option<&str>,
    container: usize,
    reader: &mut dyn Read,
) {
    let source = Source::in_member(file, member);
    let label = source.label();
    let g = state.group(top);
    let Some(group) = state.groups.get_mut(g) else {
        return;
    };
    let note: Option<String> =
        match format {
            Format::Manifest | Format::XlsxManifest => {
                let mut bytes = Vec::new();
                if let Err(e) = reader.read_to_end(&mut bytes) {
                    state.diagnostics.error(
                        "unreadable",
                        source.whole(),
                        format!("the file could not be read ({e})"),
                    );
                    return;
                }
                let parsed = if format == Format::XlsxManifest {
                    parse_manifest_xlsx(&label, &bytes)
                } else {
                    parse_manifest_csv(&label, &bytes)
                };
                match parsed {
                    Ok(p) => {
                        state.diagnostics.extend("manifest", p.warnings);
                        let m = p.value;
                        let note = format!(
                            "{}: {} batches, {} ballots",
                            m.layout.describe(),
                            m.batches.len(),
                            m.total_ballots()
                        );
                        group.manifests.push(m);
                        Some(note)
                    }
                    Err(problems) => {
                        state.diagnostics.extend("manifest", problems.0);
                        Some("ballot manifest with errors".to_string())
                    }
                }
            }
            Format::Jurisdictions => read_jurisdictions(source, reader, &mut state.diagnostics)
                .map(|j| {
                    let note = format!("jurisdictions file: {} jurisdictions", j.len());
                    state.jurisdictions.extend(j);
                    note
                }),
            Format::StandardizedContests => {
                read_standardized_contests(source, reader, &mut state.diagnostics).map(|c| {
                    let note = format!("standardized contests: {} contests", c.len());
                    let file = source.whole();
                    state
                        .standard_contests
                        .extend(c.into_iter().map(|sc| (file.clone(), sc)));
                    note
                })
            }
            Format::CanonicalList => read_canonical_list(source, reader, &mut state.diagnostics)
                .map(|c| {
                    let note = format!(
                        "canonical contest list: {} rows, {} contests",
                        c.rows.len(),
                        c.contest_names(None).len()
                    );
                    state.canonical = Some(c);
                    note
                }),
            Format::DominionJsonManifest => group
                .names
                .read_manifest(source, reader, &mut state.diagnostics)
                .map(|(kind, n)| format!("Dominion {kind:?} manifest: {n} entries")),
            Format::EssBallots => {
                read_ess_ballots(source, reader, &mut group.ess, &mut state.diagnostics)
                    .map(|n| format!("ES&S ballots file: {n} ballots"))
            }
            Format::HartScannedBallots => read_scanned_ballots(
                source,
                reader,
                &mut group.hart_scans,
                &mut state.diagnostics,
            )
            .map(|n| format!("Hart scanned ballot information: {n} CVRs")),
            Format::DominionCsv | Format::DominionJson | Format::EssCvr | Format::ClearBallot => {
                let mut ours = (&mut state.tally, &mut group.counter);
                let mut sink = (&mut ours, extra);
                let sink: &mut dyn CardSink = &mut sink;
                let file = match format {
                    Format::DominionCsv => dominion_csv::read_dominion_csv(
                        source,
                        reader,
                        &mut state.contests,
                        sink,
                        &mut state.diagnostics,
                    ),
                    Format::ClearBallot => clearballot::read_clearballot(
                        source,
                        reader,
                        &mut state.contests,
                        sink,
                        &mut state.diagnostics,
                    ),
                    Format::EssCvr => {
                        group.ess_cvr_read = true;
                        read_ess_cvr(
                            source,
                            reader,
                            &mut state.contests,
                            &mut group.ess,
                            sink,
                            &mut state.diagnostics,
                        )
                    }
                    _ => read_dominion_json(
                        source,
                        reader,
                        &mut group.names,
                        &mut state.contests,
                        sink,
                        &mut state.diagnostics,
                    ),
                };
                file.map(|f| describe_cvr_file(&f))
            }
            Format::HartXml => {
                let tabulator = if group.hart_tabulator_from_archive {
                    stem(file).to_string()
                } else {
                    String::new()
                };
                let _ = container;
                let file_summary = state
                    .hart_files
                    .entry(top)
                    .or_insert_with(|| CvrFile::new("Hart CVR XML"));
                let mut ours = (&mut state.tally, &mut group.counter);
                let mut sink = (&mut ours, extra);
                state.hart.read(
                    source,
                    reader,
                    &group.hart_scans,
                    &tabulator,
                    &mut state.contests,
                    file_summary,
                    &mut sink,
                    &mut state.diagnostics,
                );
                None
            }
            Format::BatchTallies => {
                read_batch_tallies(source, reader, &mut state.diagnostics).map(|t| {
                    let note = format!(
                        "batch tallies{}: {} batches, {} choices",
                        t.contest
                            .as_deref()
                            .map(|c| format!(" for {c:?}"))
                            .unwrap_or_default(),
                        t.batches.len(),
                        t.choices.len()
                    );
                    state.tallies.push((label.clone(), g, t));
                    note
                })
            }
            Format::RaireJson | Format::ColoradoReport => {
                state.diagnostics.warning(
                    "not-a-record",
                    source.whole(),
                    format!(
                        "recognised as {}; inspect does not use it",
                        format.describe()
                    ),
                );
                Some(format.describe().to_string())
            }
            Format::Zip => None,
        };
    if let Some(note) = note
        && let Some(notes) = state.notes.get_mut(top)
    {
        notes.push(if member.is_some() {
            format!("{label}: {note}")
        } else {
            note
        });
    }
}

fn describe_cvr_file(f: &CvrFile) -> String {
    let mut s = format!(
        "{}: {} cards, {} contests",
        f.format,
        f.cards,
        f.contests.len()
    );
    if let Some(e) = f.election.as_deref().filter(|e| !e.is_empty()) {
        s.push_str(&format!("; election {e:?}"));
    }
    if let Some(v) = &f.version {
        s.push_str(&format!(", software {v}"));
    }
    s
}

fn finish(mut state: State, mut files: Vec<FileReport>) -> Inspection {
    let d = &mut state.diagnostics;
    for (top, f) in std::mem::take(&mut state.hart_files) {
        if let Some(notes) = state.notes.get_mut(top) {
            notes.push(describe_cvr_file(&f));
        }
    }
    let mut jurisdictions = Vec::new();
    let known: HashSet<String> = state
        .jurisdictions
        .iter()
        .map(|j| j.name.to_lowercase())
        .collect();
    for group in &mut state.groups {
        if !group.name.is_empty()
            && !known.is_empty()
            && !known.contains(&group.name.to_lowercase())
        {
            d.warning("unknown-jurisdiction", Location::default(), format!("jurisdiction {:?} (given as JURISDICTION=PATH) is not in the jurisdictions file; check its spelling", group.name));
        }
        // Reconciliation's messages name batches, which two counties may share: say whose.
        d.set_context((!group.name.is_empty()).then(|| format!("Jurisdiction {:?}", group.name)));
        if group.ess_cvr_read {
            group.ess.report_unmatched(d);
        } else if !group.ess.is_empty() {
            d.error("ess-no-cvr", Location::default(), "ES&S ballots files were given without the ES&S CVR file they go with; inspect them together");
        }
        group.counter.finish(d);
        let reconciliation = (!group.manifests.is_empty() && group.counter.cards > 0)
            .then(|| reconcile(&group.manifests, &group.counter, d));
        d.set_context(None);
        jurisdictions.push(JurisdictionReport {
            name: group.name.clone(),
            cards: group.counter.cards,
            batches: if group.manifests.is_empty() {
                group.counter.batches().len() as u64
            } else {
                group.manifests.iter().map(|m| m.batches.len() as u64).sum()
            },
            ballots_in_manifests: group.manifests.iter().map(Manifest::total_ballots).sum(),
            reconciliation,
        });
    }
    let reconciliation = jurisdictions
        .iter()
        .filter_map(|j| j.reconciliation.clone())
        .reduce(|mut sum, r| {
            sum.add(&r);
            sum
        });
    // Batch tallies against their jurisdiction's manifests.
    let mut tallies = Vec::new();
    for (file, g, t) in &state.tallies {
        let Some(group) = state.groups.get(*g) else {
            continue;
        };
        if !group.manifests.is_empty() {
            let names: HashSet<&str> = group
                .manifests
                .iter()
                .flat_map(|m| m.batches.iter().map(|b| b.name.as_str()))
                .collect();
            for b in &t.batches {
                if !names.contains(b.name.as_str()) {
                    d.error("tally-batch-not-in-manifest", Location::at(file, b.line, None), format!("{} is not in any ballot manifest{}; batch names in the tallies must match the manifest's Batch Name", describe_batch(b.tabulator.as_deref().unwrap_or(""), &b.name), group.of()));
                }
            }
        }
        tallies.push(TallyReport {
            file: file.clone(),
            contest: t.contest.clone(),
            batches: t.batches.len() as u64,
            votes: t.totals(),
        });
    }
    // Contest names against the canonical list and the standardized contests.
    if let Some(list) = &state.canonical {
        for (_, c) in state.contests.iter() {
            match list.standardize(&c.name, None) {
                Standardization::Exact => {}
                Standardization::Respell(n) => d.warning("contest-standardization", Location::file(&c.defined_in), format!("contest {:?} differs from the canonical name {n:?} only in case or spacing; standardize it to the canonical name", c.name)),
                Standardization::Unknown(Some(n)) => d.warning("contest-standardization", Location::file(&c.defined_in), format!("contest {:?} is not in the canonical list; the closest canonical name is {n:?} — standardize it if that is the same contest", c.name)),
                Standardization::Unknown(None) => d.warning("contest-standardization", Location::file(&c.defined_in), format!("contest {:?} is not in the canonical list and nothing there is close; check the contest name", c.name)),
            }
        }
    }
    for (file, sc) in &state.standard_contests {
        let at = || {
            let mut location = file.clone();
            location.line = Some(sc.line);
            location
        };
        if !state.contests.is_empty() && state.contests.id_of(&sc.name).is_none() {
            d.warning("standard-contest-missing", at(), format!("standardized contest {:?} is not in the CVRs; standardize the CVR's contest name to it", sc.name));
        }
        if !known.is_empty() {
            for j in sc.jurisdictions.iter().flatten() {
                if !known.contains(&j.to_lowercase()) {
                    d.error("standard-contest-jurisdiction", at(), format!("contest {:?} names jurisdiction {j:?}, which is not in the jurisdictions file; correct the name", sc.name));
                }
            }
        }
    }
    let contests = state.tally.summarize(&state.contests);
    for c in &contests {
        if c.votes.iter().map(|v| v.1).sum::<u64>()
            > c.ballots.saturating_mul(u64::from(c.votes_allowed.max(1)))
            && c.ranks == 0
        {
            d.error("votes-above-allowed", Location::file(
                    state
                        .contests
                        .id_of(&c.name)
                        .and_then(|id| state.contests.get(id))
                        .map_or("", |d| d.defined_in.as_str()),
                ), format!("contest {:?} has more votes than its ballots allow ({} ballots × {} votes); the export is inconsistent — export it again", c.name, c.ballots, c.votes_allowed));
        }
    }
    for (i, notes) in state.notes.iter().enumerate() {
        if let Some(f) = files.get_mut(i)
            && !notes.is_empty()
        {
            f.description = if f.format == "zip" {
                format!("{}; {}", f.description, notes.join("; "))
            } else {
                notes.join("; ")
            };
        }
    }
    let report = Report {
        files,
        cards: jurisdictions.iter().map(|j| j.cards).sum(),
        batches: jurisdictions.iter().map(|j| j.batches).sum(),
        ballots_in_manifests: jurisdictions.iter().map(|j| j.ballots_in_manifests).sum(),
        contests,
        reconciliation,
        jurisdictions,
        tallies,
        problems: state.diagnostics.into_problems(),
    };
    Inspection {
        report,
        contests: state.contests,
        counters: state.groups.into_iter().map(|g| g.counter).collect(),
    }
}
