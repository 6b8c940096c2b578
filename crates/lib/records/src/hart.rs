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

use crate::csvutil::{self, Source, cell, get, line_of};
use crate::cvr::CvrFile;
use crate::model::{Card, CardSink, ContestId, Contests, Origin};
use crate::problem::Diagnostics;
use crate::xml::{self, Event, Scanner};

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

/// Reusable buffers for reading many Hart XML files: after the first few cards, reading one
/// allocates nothing.
#[derive(Debug, Default)]
pub struct HartReader {
    card: Card,
    /// The elements open while scanning (see [`crate::xml::Scanner`]).
    open: Vec<xml::OpenName>,
    contest_name: String,
    /// The options of the contest being read: their names one after another in `option_names`,
    /// each as a range of it with its value.
    option_names: String,
    options: Vec<(usize, usize, u32)>,
    option_name: String,
    option_value: Option<u32>,
    write_in: bool,
    under: u32,
    over: Option<u32>,
    text: String,
    batch_sequence: String,
    /// The contests of the last cards by their place on the card, to find a contest's id by
    /// comparing its name rather than hashing it (cards of one style list the same contests).
    recent: Vec<(String, ContestId)>,
    /// Contests finished on the current card.
    contests_on_card: usize,
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
        self.card.clear();
        self.batch_sequence.clear();
        self.text.clear();
        self.contests_on_card = 0;
        let mut field = Field::None;
        let mut saw_cvr = false;
        let mut open = std::mem::take(&mut self.open);
        let mut scanner = Scanner::new(document, &mut open);
        let failure = loop {
            scanner.keep_text = field != Field::None;
            let event = match scanner.next() {
                Ok(e) => e,
                Err(err) => {
                    break Some(format!(
                        "the XML could not be read ({}) near byte {}; the file is damaged — export it again",
                        err.message, err.at
                    ));
                }
            };
            match event {
                Event::Start(name) => {
                    // `parent` is now the element just opened; its parent is one below.
                    field = field_of(scanner.grandparent(), name);
                    match name {
                        b"Cvr" => saw_cvr = true,
                        b"Contest" => {
                            self.contest_name.clear();
                            self.option_names.clear();
                            self.options.clear();
                            self.under = 0;
                            self.over = None;
                        }
                        b"Option" => {
                            self.option_name.clear();
                            self.option_value = None;
                            self.write_in = false;
                        }
                        b"WriteInData" => self.write_in = true,
                        _ => {}
                    }
                    self.text.clear();
                }
                Event::Empty(b"WriteInData") => self.write_in = true,
                Event::Empty(_) => {}
                Event::Text(raw) if field != Field::None => {
                    if let Err(why) = xml::push_text(raw, &mut self.text) {
                        break Some(format!(
                            "the XML could not be read ({why}); the file is damaged — export it again"
                        ));
                    }
                }
                Event::CData(raw) if field != Field::None => match std::str::from_utf8(raw) {
                    Ok(t) => self.text.push_str(t),
                    Err(_) => {
                        break Some(
                            "the XML could not be read (the text is not UTF-8); the file is damaged — export it again"
                                .to_string(),
                        );
                    }
                },
                Event::Text(_) | Event::CData(_) => {}
                Event::End(name) => {
                    let text = self.text.trim();
                    match field {
                        Field::ContestName => set(&mut self.contest_name, text),
                        Field::OptionName => set(&mut self.option_name, text),
                        Field::OptionValue => self.option_value = text.parse().ok(),
                        Field::Undervotes => self.under = text.parse().unwrap_or(0),
                        Field::Overvotes => self.over = text.parse().ok(),
                        Field::BatchSequence => set(&mut self.batch_sequence, text),
                        Field::BatchNumber => set(&mut self.card.batch, text),
                        Field::CvrGuid => set(&mut self.card.cvr_id, text),
                        Field::None => {}
                    }
                    field = Field::None;
                    self.text.clear();
                    match name {
                        b"Option" => {
                            let start = self.option_names.len();
                            if self.write_in || self.option_name.is_empty() {
                                self.option_names.push_str("Write-In");
                            } else {
                                self.option_names.push_str(&self.option_name);
                            }
                            let value = self.option_value.unwrap_or(1);
                            self.options.push((start, self.option_names.len(), value));
                        }
                        b"Contest" => self.finish_contest(&source, contests, file),
                        _ => {}
                    }
                }
                Event::Eof => break None,
            }
        };
        self.open = open;
        if let Some(message) = failure {
            diagnostics.error("hart-xml", source.whole(), message);
            return false;
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
                card.imprinted_id.push_str(&card.cvr_id);
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

    fn finish_contest(&mut self, source: &Source<'_>, contests: &mut Contests, file: &mut CvrFile) {
        if self.options.is_empty() && self.under == 0 && self.over.unwrap_or(0) == 0 {
            return;
        }
        let place = self.contests_on_card;
        self.contests_on_card += 1;
        let id = match self.recent.get(place) {
            Some((name, id)) if *name == self.contest_name => *id,
            _ => {
                let id = match contests.id_of(&self.contest_name) {
                    Some(id) => id,
                    None => contests.contest_seen(&self.contest_name, &source.label()),
                };
                if self.recent.len() <= place {
                    self.recent.resize(place + 1, (String::new(), 0));
                }
                if let Some(slot) = self.recent.get_mut(place) {
                    slot.0.clear();
                    slot.0.push_str(&self.contest_name);
                    slot.1 = id;
                }
                id
            }
        };
        file.mentions(id);
        self.card.open_contest(id);
        for &(start, end, value) in &self.options {
            if value > 0 {
                let name = self.option_names.get(start..end).unwrap_or("");
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

/// Which field's text an element holds, from its name and its parent's.
fn field_of(parent: Option<&[u8]>, name: &[u8]) -> Field {
    match (parent, name) {
        (Some(b"Contest"), b"Name") => Field::ContestName,
        (Some(b"Option"), b"Name") => Field::OptionName,
        (Some(b"Option"), b"Value") => Field::OptionValue,
        (Some(b"Contest"), b"Undervotes") => Field::Undervotes,
        (Some(b"Contest"), b"Overvotes") => Field::Overvotes,
        (Some(b"Cvr"), b"BatchSequence") => Field::BatchSequence,
        (Some(b"Cvr"), b"BatchNumber") => Field::BatchNumber,
        (Some(b"Cvr"), b"CvrGuid") => Field::CvrGuid,
        _ => Field::None,
    }
}

/// Replaces `target`'s text, keeping its buffer.
fn set(target: &mut String, text: &str) {
    target.clear();
    target.push_str(text);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::CollectCards;

    /// A choice name with an entity reads whole, spaces kept (the quick-xml reader trimmed each
    /// piece of text around the entity, giving "Smith&Jones").
    #[test]
    fn names_with_entities_keep_their_spaces() {
        let doc = br#"<?xml version="1.0" encoding="utf-8"?>
<Cvr xmlns="http://tempuri.org/CVRDesign.xsd"><Contests><Contest><Name> Council &amp; Board </Name>
<Options><Option><Name>Smith &amp; Jones</Name><Value>1</Value></Option></Options></Contest></Contests>
<BatchSequence>4</BatchSequence><BatchNumber>7</BatchNumber><CvrGuid>g</CvrGuid></Cvr>"#;
        let (mut contests, mut file, mut sink, mut d) = (
            Contests::new(),
            CvrFile::new("Hart"),
            CollectCards::default(),
            Diagnostics::new(),
        );
        let ok = HartReader::new().read(
            Source::new("c.xml"),
            doc.as_slice(),
            &HartScans::new(),
            "T",
            &mut contests,
            &mut file,
            &mut sink,
            &mut d,
        );
        assert!(ok && !d.has_errors());
        let contest = contests.get(0).unwrap();
        assert_eq!(contest.name, "Council & Board");
        assert_eq!(contest.choices, ["Smith & Jones"]);
        let card = &sink.0[0];
        assert_eq!(
            (card.batch.as_str(), card.record_id, card.cvr_id.as_str()),
            ("7", Some(4), "g")
        );
    }
}
