//! Hart Verity cast-vote records: one XML file per ballot card (`<Cvr>` with `Contests/Contest/
//! Options/Option{Name, Id, Value}`, `Undervotes`, `WriteInData`, `BatchSequence`, `BatchNumber`,
//! `CvrGuid`), usually zipped, with or without the `http://tempuri.org/CVRDesign.xsd` namespace
//! and XML declaration (arlo#2381) — elements are matched by local name, so both read the same —
//! and optionally a scanned-ballot-information CSV that gives each CvrGuid its tabulator
//! (`Workstation`) and imprinted id (`UniqueIdentifier`).
//!
//! As Arlo reads them (`api/cvrs.py::parse_hart_cvrs`, `util/hart_parse.py`): the batch is
//! BatchNumber, the record id BatchSequence, the imprinted id UniqueIdentifier (else CvrGuid); a
//! write-in option counts for "Write-In"; Hart files do not say how many votes a contest allows,
//! so 1 is assumed. A contest element with neither an option nor an undervote records nothing
//! about the card and is not counted as on it (Arlo's fixtures write contests that are not on a
//! card that way); one with `<Undervotes>` is on the card, undervoted (SHANGRLA's test file).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};

use quick_xml::events::Event;

use crate::csvutil::{self, Source, cell, get, line_of};
use crate::cvr::CvrFile;
use crate::model::{Card, CardSink, Contests, Origin};
use crate::problem::Diagnostics;

/// The scanned-ballot-information files, indexed by CvrGuid.
#[derive(Debug, Default)]
pub struct HartScans {
    by_guid: HashMap<Box<str>, (u32, Box<str>)>,
    workstations: Vec<String>,
}

impl HartScans {
    pub fn new() -> HartScans {
        HartScans::default()
    }

    pub fn len(&self) -> usize {
        self.by_guid.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_guid.is_empty()
    }

    /// The tabulator (Workstation) and imprinted id (UniqueIdentifier) of a CVR.
    pub fn get(&self, guid: &str) -> Option<(&str, &str)> {
        let (w, id) = self.by_guid.get(guid)?;
        Some((self.workstations.get(*w as usize)?.as_str(), id))
    }
}

/// Reads a scanned-ballot-information CSV (`#FormatVersion 1`, then a `#`-prefixed header with
/// CvrId, UniqueIdentifier and Workstation) into `scans`. Returns the rows read.
pub fn read_scanned_ballots<R: Read>(
    source: Source<'_>,
    input: R,
    scans: &mut HartScans,
    diagnostics: &mut Diagnostics,
) -> Option<u64> {
    let mut input = BufReader::new(input);
    let mut first = String::new();
    if input.read_line(&mut first).is_err() || !first.contains("#FormatVersion") {
        diagnostics.error("hart-scans-header", source.at(1, None), "the first line should be \"#FormatVersion 1\"; this is not a Hart scanned ballot information file");
        return None;
    }
    let mut reader = csvutil::reader(input);
    let mut row = csv::ByteRecord::new();
    let headers: Vec<String> = match reader.read_byte_record(&mut row) {
        Ok(true) => row.iter().map(csvutil::text).collect(),
        Ok(false) => {
            diagnostics.error(
                "hart-scans-header",
                source.whole(),
                "the file has no header row after #FormatVersion",
            );
            return None;
        }
        Err(err) => {
            csvutil::report_csv_error(&source, &err, diagnostics);
            return None;
        }
    };
    let find = |n: &str| csvutil::find_header(&headers, n);
    let (Some(guid), Some(unique), Some(station)) =
        (find("CvrId"), find("UniqueIdentifier"), find("Workstation"))
    else {
        diagnostics.error(
            "hart-scans-header",
            source.at(2, None),
            "the header needs the columns CvrId, UniqueIdentifier and Workstation",
        );
        return None;
    };
    let mut rows = 0;
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
        // The header line is line 2 of the file, so every line number is one more than csv's.
        let line = line_of(&row) + 1;
        let g = csvutil::text(get(&row, Some(guid)));
        let u = csvutil::text(get(&row, Some(unique)));
        let w = csvutil::text(get(&row, Some(station)));
        let w_index = match scans.workstations.iter().position(|x| *x == w) {
            Some(i) => i as u32,
            None => {
                scans.workstations.push(w.clone());
                scans.workstations.len() as u32 - 1
            }
        };
        if let Some((w0, u0)) = scans.by_guid.get(g.as_str()) {
            if *w0 != w_index || **u0 != *u {
                diagnostics.error("hart-scans-conflict", source.at(line, None), format!("CVR {g:?} is listed again with a different Workstation or UniqueIdentifier; the scanned ballot information files disagree — export them again"));
            }
            continue;
        }
        scans
            .by_guid
            .insert(g.into_boxed_str(), (w_index, u.into_boxed_str()));
        rows += 1;
    }
    Some(rows)
}

/// Which element's text is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    None,
    ContestName,
    OptionName,
    OptionValue,
    Undervotes,
    Overvotes,
    BatchSequence,
    BatchNumber,
    CvrGuid,
}

/// Reusable buffers for reading many Hart XML files.
#[derive(Debug, Default)]
pub struct HartReader {
    buf: Vec<u8>,
    card: Card,
    stack: Vec<String>,
    contest_name: String,
    options: Vec<(String, u32)>,
    option_name: String,
    option_value: Option<u32>,
    write_in: bool,
    under: u32,
    over: Option<u32>,
    text: String,
    batch_sequence: String,
    /// The document, read whole (Hart files are a few kilobytes) into a buffer reused per card.
    document: Vec<u8>,
}

impl HartReader {
    pub fn new() -> HartReader {
        HartReader::default()
    }

    /// Reads one Hart CVR XML document and hands its card to `sink`. `tabulator` names the
    /// tabulator when the files do not (Arlo uses the zip file's name when there are several).
    /// Returns false when the document could not be read (the reason is in `diagnostics`).
    #[allow(clippy::too_many_arguments)]
    pub fn read<R: Read>(
        &mut self,
        source: Source<'_>,
        input: R,
        scans: &HartScans,
        tabulator: &str,
        contests: &mut Contests,
        file: &mut CvrFile,
        sink: &mut dyn CardSink,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        let mut input = input;
        let mut document = std::mem::take(&mut self.document);
        document.clear();
        if let Err(err) = input.read_to_end(&mut document) {
            diagnostics.error(
                "hart-xml",
                source.whole(),
                format!("the file could not be read ({err})"),
            );
            self.document = document;
            return false;
        }
        let ok = self.read_document(
            source,
            &document,
            scans,
            tabulator,
            contests,
            file,
            sink,
            diagnostics,
        );
        self.document = document;
        ok
    }

    #[allow(clippy::too_many_arguments)]
    fn read_document(
        &mut self,
        source: Source<'_>,
        document: &[u8],
        scans: &HartScans,
        tabulator: &str,
        contests: &mut Contests,
        file: &mut CvrFile,
        sink: &mut dyn CardSink,
        diagnostics: &mut Diagnostics,
    ) -> bool {
        let mut reader = quick_xml::Reader::from_reader(document);
        reader.config_mut().trim_text(true);
        self.card.clear();
        self.stack.clear();
        self.batch_sequence.clear();
        let mut field = Field::None;
        let mut saw_cvr = false;
        let label = source.label();
        loop {
            self.buf.clear();
            let event = match reader.read_event_into(&mut self.buf) {
                Ok(e) => e,
                Err(err) => {
                    diagnostics.error("hart-xml", source.whole(), format!("the XML could not be read ({err}) near byte {}; the file is damaged — export it again", reader.buffer_position()));
                    return false;
                }
            };
            match event {
                Event::Start(e) => {
                    let name = e.local_name().as_ref().to_string();
                    let parent = self.stack.last().map(String::as_str);
                    field = match (parent, name.as_str()) {
                        (Some("Contest"), "Name") => Field::ContestName,
                        (Some("Option"), "Name") => Field::OptionName,
                        (Some("Option"), "Value") => Field::OptionValue,
                        (Some("Contest"), "Undervotes") => Field::Undervotes,
                        (Some("Contest"), "Overvotes") => Field::Overvotes,
                        (Some("Cvr"), "BatchSequence") => Field::BatchSequence,
                        (Some("Cvr"), "BatchNumber") => Field::BatchNumber,
                        (Some("Cvr"), "CvrGuid") => Field::CvrGuid,
                        _ => Field::None,
                    };
                    match name.as_str() {
                        "Cvr" => saw_cvr = true,
                        "Contest" => {
                            self.contest_name.clear();
                            self.options.clear();
                            self.under = 0;
                            self.over = None;
                        }
                        "Option" => {
                            self.option_name.clear();
                            self.option_value = None;
                            self.write_in = false;
                        }
                        "WriteInData" => self.write_in = true,
                        _ => {}
                    }
                    self.text.clear();
                    self.stack.push(name);
                }
                Event::Empty(e) if e.local_name().as_ref() == "WriteInData" => {
                    self.write_in = true;
                }
                Event::Text(t) if field != Field::None => self.text.push_str(&t),
                Event::CData(t) if field != Field::None => self.text.push_str(&t),
                Event::GeneralRef(r) if field != Field::None => {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        self.text.push(c);
                    }
                    self.text.push_str(match &*r {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
                Event::End(e) => {
                    let text = self.text.trim();
                    match field {
                        Field::ContestName => self.contest_name = text.to_string(),
                        Field::OptionName => self.option_name = text.to_string(),
                        Field::OptionValue => self.option_value = text.parse().ok(),
                        Field::Undervotes => self.under = text.parse().unwrap_or(0),
                        Field::Overvotes => self.over = text.parse().ok(),
                        Field::BatchSequence => self.batch_sequence = text.to_string(),
                        Field::BatchNumber => self.card.batch = text.to_string(),
                        Field::CvrGuid => self.card.cvr_id = text.to_string(),
                        Field::None => {}
                    }
                    field = Field::None;
                    self.text.clear();
                    match e.local_name().as_ref() {
                        "Option" => {
                            let name = if self.write_in || self.option_name.is_empty() {
                                "Write-In".to_string()
                            } else {
                                std::mem::take(&mut self.option_name)
                            };
                            self.options.push((name, self.option_value.unwrap_or(1)));
                        }
                        "Contest" => self.finish_contest(&label, contests, file),
                        _ => {}
                    }
                    self.stack.pop();
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if !saw_cvr {
            diagnostics.error(
                "hart-xml",
                source.whole(),
                "this XML file has no <Cvr> element; it is not a Hart CVR",
            );
            return false;
        }
        let card = &mut self.card;
        card.record_id = csvutil::number(self.batch_sequence.as_bytes());
        if card.record_id.is_none() {
            diagnostics.error("hart-batch-sequence", source.whole(), format!("BatchSequence is {:?}; it must be a whole number (the card's place in its batch) — export the CVRs again", self.batch_sequence));
        }
        if card.batch.is_empty() {
            diagnostics.error("hart-batch", source.whole(), "the CVR has no BatchNumber; every card must name its batch — export the CVRs again");
        }
        match scans.get(&card.cvr_id) {
            Some((station, unique)) => {
                card.tabulator.push_str(station);
                card.imprinted_id.push_str(unique);
            }
            None => {
                card.tabulator.push_str(tabulator);
                card.imprinted_id.push_str(&card.cvr_id.clone());
            }
        }
        file.cards += 1;
        let origin = Origin {
            file: source.file,
            member: source.member,
            line: None,
            session: None,
        };
        sink.card(&origin, contests, &self.card, diagnostics);
        true
    }

    fn finish_contest(&mut self, label: &str, contests: &mut Contests, file: &mut CvrFile) {
        if self.options.is_empty() && self.under == 0 && self.over.unwrap_or(0) == 0 {
            return;
        }
        let id = contests.contest_seen(&self.contest_name, label);
        file.mentions(id);
        self.card.open_contest(id);
        for (name, value) in &self.options {
            if *value > 0 {
                let choice = contests.choice(id, name);
                self.card.mark(choice, 1);
            }
        }
        let allowed = contests.get(id).map_or(1, |c| c.votes_allowed);
        let marks = self.card.last_marks().len() as u32;
        let over = match self.over {
            Some(n) => n,
            None => u32::from(marks > allowed),
        };
        let under = if self.under > 0 {
            self.under
        } else if over == 0 {
            allowed.saturating_sub(marks)
        } else {
            0
        };
        self.card.set_counts(over, under);
    }
}
