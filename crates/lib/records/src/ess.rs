//! ES&S cast-vote records: a CVR file with one column per contest holding the chosen choice (or
//! `overvote`, `undervote`, blank when the contest is not on the card), and one or more "ballots"
//! files that give each Cast Vote Record its batch and tabulator.
//!
//! As Arlo joins them (`api/cvrs.py::parse_ess_cvrs`): a ballots file may start with five
//! metadata rows (`Ballots`, election code, county, date, blank) and end with `Total : N`; its
//! `Tabulator CVR` is either ten digits — four of tabulator, six of record id — or sixteen hex
//! digits imprinted on the ballot (record id = value / 10¹⁰), in which case a `Machine` column names
//! the tabulator. The CVR file's contest columns are those after the last known metadata column.
//! Files with a `Tabulator CVR` column are ballots files (arlo#1905, PR #1952).
//!
//! The ballots files are indexed by Cast Vote Record before the CVR file streams past: about 40
//! bytes per card, the one ES&S structure that grows with the number of cards.

use std::collections::HashMap;
use std::io::Read;

use crate::csvutil::{self, Source, cell, get, line_of, number};
use crate::cvr::CvrFile;
use crate::model::{Card, CardSink, Contests, Origin};
use crate::problem::{Diagnostics, Location};

/// The CVR file's metadata columns Arlo knows; contest columns follow the last of them.
const KNOWN_METADATA: [&str; 8] = [
    "Election ID",
    "Audit Number",
    "Tabulator CVR",
    "Cast Vote Record",
    "Batch",
    "Ballot Status",
    "Precinct",
    "Ballot Style",
];

#[derive(Debug, Clone)]
struct Entry {
    tabulator: u32,
    batch: u32,
    record_id: Option<u64>,
    imprinted: Box<str>,
    matched: bool,
    file: u32,
    line: u64,
}

/// The ballots files, indexed by Cast Vote Record number.
#[derive(Debug, Default)]
pub struct EssBallots {
    by_cvr: HashMap<u64, Entry>,
    names: Vec<String>,
    name_index: HashMap<String, u32>,
    files: Vec<String>,
}

impl EssBallots {
    pub fn new() -> EssBallots {
        EssBallots::default()
    }

    pub fn len(&self) -> usize {
        self.by_cvr.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_cvr.is_empty()
    }

    fn intern(&mut self, name: &str) -> u32 {
        if let Some(&i) = self.name_index.get(name) {
            return i;
        }
        let i = self.names.len() as u32;
        self.names.push(name.to_string());
        self.name_index.insert(name.to_string(), i);
        i
    }

    fn name(&self, i: u32) -> &str {
        self.names.get(i as usize).map(String::as_str).unwrap_or("")
    }

    /// Ballots listed in a ballots file but missing from the CVR file; call after the CVR file.
    pub fn report_unmatched(&self, diagnostics: &mut Diagnostics) {
        let mut unmatched: Vec<(&u64, &Entry)> =
            self.by_cvr.iter().filter(|(_, e)| !e.matched).collect();
        unmatched.sort_by_key(|(n, _)| **n);
        for (n, e) in unmatched {
            let file = self
                .files
                .get(e.file as usize)
                .map(String::as_str)
                .unwrap_or("");
            diagnostics.error(
                "ess-unmatched-ballot",
                Location::at(file, e.line, None),
                format!(
                    "Cast Vote Record {n} is in this ballots file but not in the CVR file; the CVR file and the ballots files must list exactly the same ballots — export them together again"
                ),
            );
        }
    }
}

/// True when a CSV's first line marks it as an ES&S ballots file rather than the CVR file.
pub fn is_ballots_file(first_line: &str) -> bool {
    first_line.starts_with("Ballots") || first_line.contains("Tabulator CVR")
}

/// Reads one ballots file into `ballots`. Returns the number of ballots read, or `None` when the
/// file cannot be read as one.
pub fn read_ess_ballots<R: Read>(
    source: Source<'_>,
    input: R,
    ballots: &mut EssBallots,
    diagnostics: &mut Diagnostics,
) -> Option<u64> {
    let mut reader = csvutil::reader(input);
    let mut row = csv::ByteRecord::new();
    // The header is the first row with a "Cast Vote Record" cell, after optional metadata rows.
    let mut headers: Option<(Vec<String>, u64)> = None;
    for _ in 0..10 {
        match reader.read_byte_record(&mut row) {
            Ok(true) => {
                let cells: Vec<String> = row.iter().map(csvutil::text).collect();
                if csvutil::find_header(&cells, "Cast Vote Record").is_some() {
                    headers = Some((cells, line_of(&row)));
                    break;
                }
            }
            Ok(false) => break,
            Err(err) => {
                csvutil::report_csv_error(&source, &err, diagnostics);
                return None;
            }
        }
    }
    let Some((headers, header_line)) = headers else {
        diagnostics.error("ess-ballots-header", source.whole(), "no header row with a \"Cast Vote Record\" column was found in the first rows; an ES&S ballots file has the columns Cast Vote Record, Batch and Tabulator CVR — export it again");
        return None;
    };
    let find = |name: &str| csvutil::find_header(&headers, name);
    let (cvr_col, batch_col, tab_cvr_col, machine_col) = (
        find("Cast Vote Record"),
        find("Batch"),
        find("Tabulator CVR"),
        find("Machine"),
    );
    if batch_col.is_none() || tab_cvr_col.is_none() {
        diagnostics.error(
            "ess-ballots-header",
            source.at(header_line, None),
            "the ballots file needs the columns \"Batch\" and \"Tabulator CVR\"; export it again",
        );
        return None;
    }
    let file_index = ballots.files.len() as u32;
    ballots.files.push(source.label());
    let mut count = 0;
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                csvutil::report_csv_error(&source, &err, diagnostics);
                if err.is_io_error() {
                    return None;
                }
                continue;
            }
        }
        if row.iter().all(|f| cell(f).is_empty())
            || cell(row.get(0).unwrap_or(b"")).starts_with(b"Total")
        {
            continue;
        }
        let line = line_of(&row);
        let raw_cvr = get(&row, cvr_col);
        let Some(cvr) = number(raw_cvr) else {
            diagnostics.error("ess-cvr-number", source.at(line, cvr_col.map(|c| c as u64 + 1)), format!("Cast Vote Record is {:?}; it must be a whole number — export the ballots file again", String::from_utf8_lossy(raw_cvr)));
            continue;
        };
        let batch = csvutil::text(get(&row, batch_col));
        let tab_cvr = csvutil::text(get(&row, tab_cvr_col));
        let ten_digits = tab_cvr.len() == 10 && tab_cvr.bytes().all(|b| b.is_ascii_digit());
        let (tabulator, record_id) = match machine_col {
            Some(_) => {
                let machine = csvutil::text(get(&row, machine_col));
                let record = if ten_digits {
                    tab_cvr.get(4..).and_then(|r| r.parse().ok())
                } else {
                    u64::from_str_radix(&tab_cvr, 16)
                        .ok()
                        .map(|h| h / 10_000_000_000)
                };
                (machine, record)
            }
            None if ten_digits => (
                tab_cvr.get(..4).unwrap_or("").to_string(),
                tab_cvr.get(4..).and_then(|r| r.parse().ok()),
            ),
            None => (String::new(), None),
        };
        if record_id.is_none() {
            diagnostics.error("ess-tabulator-cvr", source.at(line, tab_cvr_col.map(|c| c as u64 + 1)), format!(
                "Tabulator CVR is {tab_cvr:?} for Cast Vote Record {cvr}; it must be ten digits (four of tabulator, six of ballot number){} — if the file was opened in Excel, leading zeros may have been dropped",
                if machine_col.is_some() { " or a sixteen-character hexadecimal id" } else { "" }
            ));
            continue;
        }
        let entry = Entry {
            tabulator: ballots.intern(&tabulator),
            batch: ballots.intern(&batch),
            record_id,
            imprinted: tab_cvr.into_boxed_str(),
            matched: false,
            file: file_index,
            line,
        };
        if let Some(first) = ballots.by_cvr.get(&cvr) {
            let file = ballots
                .files
                .get(first.file as usize)
                .cloned()
                .unwrap_or_default();
            diagnostics.error("ess-duplicate-cvr", source.at(line, None), format!("Cast Vote Record {cvr} is listed again (first in {file}, line {}); each ballot must be listed once", first.line));
            continue;
        }
        ballots.by_cvr.insert(cvr, entry);
        count += 1;
    }
    Some(count)
}

/// Reads the ES&S CVR file, joining each row with its entry in `ballots` (read first).
pub fn read_ess_cvr<R: Read>(
    source: Source<'_>,
    input: R,
    contests: &mut Contests,
    ballots: &mut EssBallots,
    sink: &mut dyn CardSink,
    diagnostics: &mut Diagnostics,
) -> Option<CvrFile> {
    let mut reader = csvutil::reader(input);
    let mut row = csv::ByteRecord::new();
    match reader.read_byte_record(&mut row) {
        Ok(true) => {}
        Ok(false) => {
            diagnostics.error("ess-header", source.whole(), "the file is empty; an ES&S CVR file starts with a header row (Cast Vote Record, Precinct, Ballot Style, then one column per contest)");
            return None;
        }
        Err(err) => {
            csvutil::report_csv_error(&source, &err, diagnostics);
            return None;
        }
    }
    let headers: Vec<String> = row.iter().map(csvutil::text).collect();
    let header_line = line_of(&row);
    let Some(last_meta) = headers
        .iter()
        .rposition(|h| KNOWN_METADATA.iter().any(|k| h.eq_ignore_ascii_case(k)))
    else {
        diagnostics.error("ess-header", source.at(header_line, None), "the header has none of ES&S's columns (Cast Vote Record, Precinct, Ballot Style, …); this is not an ES&S CVR file");
        return None;
    };
    let Some(cvr_col) = csvutil::find_header(&headers, "Cast Vote Record") else {
        diagnostics.error(
            "ess-header",
            source.at(header_line, None),
            "the header has no \"Cast Vote Record\" column; export the CVR file again",
        );
        return None;
    };
    let mut file = CvrFile::new("ES&S CSV CVR export");
    let contest_cols: Vec<(usize, u32)> = headers
        .iter()
        .enumerate()
        .skip(last_meta + 1)
        .filter(|(_, h)| !h.is_empty())
        .map(|(i, h)| (i, contests.contest_seen(h, &source.label())))
        .collect();
    for &(_, id) in &contest_cols {
        file.mentions(id);
    }
    if ballots.is_empty() {
        diagnostics.error("ess-no-ballots", source.whole(), "no ES&S ballots file was given with this CVR file; the ballots files say which batch and tabulator each Cast Vote Record belongs to — inspect them together");
    }
    let mut card = Card::default();
    loop {
        match reader.read_byte_record(&mut row) {
            Ok(true) => {}
            Ok(false) => break,
            Err(err) => {
                csvutil::report_csv_error(&source, &err, diagnostics);
                if err.is_io_error() {
                    return None;
                }
                continue;
            }
        }
        if row.iter().all(|f| cell(f).is_empty()) {
            continue;
        }
        let line = line_of(&row);
        card.clear();
        let raw = get(&row, Some(cvr_col));
        let Some(cvr) = number(raw) else {
            diagnostics.error("ess-cvr-number", source.at(line, Some(cvr_col as u64 + 1)), format!("Cast Vote Record is {:?}; it must be a whole number — export the CVR file again", String::from_utf8_lossy(raw)));
            continue;
        };
        card.cvr_id.push_str(&cvr.to_string());
        if let Some(entry) = ballots.by_cvr.get_mut(&cvr) {
            entry.matched = true;
            let e = entry.clone();
            card.tabulator.push_str(ballots.name(e.tabulator));
            card.batch.push_str(ballots.name(e.batch));
            card.record_id = e.record_id;
            card.imprinted_id.push_str(&e.imprinted);
        } else if !ballots.is_empty() {
            diagnostics.error("ess-unmatched-cvr", source.at(line, Some(cvr_col as u64 + 1)), format!("Cast Vote Record {cvr} is not in any ballots file; the CVR file and the ballots files must list exactly the same ballots — export them together again"));
        }
        for &(c, id) in &contest_cols {
            let value = csvutil::text(get(&row, Some(c)));
            match value.as_str() {
                "" => {}
                "overvote" => {
                    card.open_contest(id);
                    card.set_counts(1, 0);
                }
                "undervote" => {
                    card.open_contest(id);
                    card.set_counts(0, 1);
                }
                choice => {
                    let choice = contests.choice(id, choice);
                    card.open_contest(id);
                    card.mark(choice, 1);
                }
            }
        }
        file.cards += 1;
        let origin = Origin {
            file: source.file,
            member: source.member,
            line: Some(line),
            session: None,
        };
        sink.card(&origin, contests, &card, diagnostics);
    }
    Some(file)
}
