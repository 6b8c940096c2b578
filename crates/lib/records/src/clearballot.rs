//! ClearBallot ClearVote CSV cast-vote records.
//!
//! One header row: `RowNumber, BoxID, BoxPosition, BallotID, PrecinctID, BallotStyleID,
//! PrecinctStyleName, ScanComputerName, Status, Remade`, then one column per choice headed
//! `Choice_<id>_<n>:<contest>:Vote For <N>:<choice>:<party>`, cells 1, 0 or blank (contest not on
//! the card). As Arlo reads it (`api/cvrs.py::parse_clearballot_cvrs`): the tabulator is
//! ScanComputerName, the batch BoxID, the record id BoxPosition, and the imprinted id BallotID.

use std::io::Read;

use crate::csvutil::{self, Source, cell, get, line_of, number, put};
use crate::cvr::CvrFile;
use crate::model::{Card, CardSink, ChoiceId, Contest, ContestId, Contests, Origin};
use crate::problem::Diagnostics;

/// Splits a choice header into contest, votes allowed and choice.
fn parse_choice_header(header: &str) -> Option<(String, u32, String)> {
    let parts: Vec<&str> = header.split(':').collect();
    let k = parts.iter().rposition(|p| p.starts_with("Vote For "))?;
    let contest = parts.get(k.checked_sub(1)?)?;
    let votes: u32 = parts
        .get(k)?
        .strip_prefix("Vote For ")?
        .trim()
        .parse()
        .ok()?;
    let choice_parts = parts.get(k + 1..parts.len().checked_sub(1)?)?;
    if choice_parts.is_empty() {
        return None;
    }
    Some((contest.to_string(), votes, choice_parts.join(":")))
}

/// Reads a ClearBallot CSV export, handing each card to `sink`. Returns `None` when the file
/// cannot be read as one (the reasons are in `diagnostics`).
pub fn read_clearballot<R: Read>(
    source: Source<'_>,
    input: R,
    contests: &mut Contests,
    sink: &mut dyn CardSink,
    diagnostics: &mut Diagnostics,
) -> Option<CvrFile> {
    let mut reader = csvutil::reader(input);
    let mut header = csv::ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(true) => {}
        Ok(false) => {
            diagnostics.error("clearballot-header", source.whole(), "the file is empty; a ClearBallot CVR export starts with a header row (RowNumber, BoxID, …, Choice_… columns)");
            return None;
        }
        Err(err) => {
            csvutil::report_csv_error(&source, &err, diagnostics);
            return None;
        }
    }
    let headers: Vec<String> = header.iter().map(csvutil::text).collect();
    let header_line = line_of(&header);
    let Some(first_choice) = headers.iter().position(|h| h.starts_with("Choice_")) else {
        diagnostics.error("clearballot-header", source.at(header_line, None), "no column starts with \"Choice_\"; a ClearBallot CVR export has one Choice_… column per contest choice — export the CVRs again");
        return None;
    };
    let mut file = CvrFile::new("ClearBallot CSV CVR export");
    let mut ok = true;
    // (contest, choice) per choice column, and the file's contests with their column ranges.
    let mut columns: Vec<(ContestId, ChoiceId)> = Vec::new();
    let mut groups: Vec<(ContestId, Vec<usize>)> = Vec::new();
    let mut defs: Vec<Contest> = Vec::new();
    let mut parsed: Vec<(usize, String, String)> = Vec::new();
    for (i, h) in headers.iter().enumerate().skip(first_choice) {
        if h.is_empty() {
            continue;
        }
        let Some((contest, votes, choice)) = parse_choice_header(h) else {
            diagnostics.error("clearballot-header", source.at(header_line, Some(i as u64 + 1)), format!("column header {h:?} is not in ClearBallot's form \"Choice_1_1:Contest:Vote For 1:Choice:Party\"; export the CVRs again without editing the header"));
            ok = false;
            continue;
        };
        match defs.iter_mut().find(|d| d.name == contest) {
            Some(d) => {
                if d.votes_allowed != votes {
                    diagnostics.error("clearballot-header", source.at(header_line, Some(i as u64 + 1)), format!("contest {contest:?} says \"Vote For {votes}\" here but \"Vote For {}\" in an earlier column; export the CVRs again", d.votes_allowed));
                    ok = false;
                }
                d.choices.push(choice.clone());
            }
            None => {
                let mut d = Contest::new(&contest, votes, 0, &source.label());
                d.choices.push(choice.clone());
                defs.push(d);
            }
        }
        parsed.push((i, contest, choice));
    }
    let at = source.at(header_line, None);
    for d in defs {
        let (id, _) = contests.define(d, &at, diagnostics);
        file.mentions(id);
        groups.push((id, Vec::new()));
    }
    let mut column_of: Vec<(usize, usize)> = Vec::new(); // (csv column, index into columns)
    for (i, contest, choice) in &parsed {
        let Some(id) = contests.id_of(contest) else {
            continue;
        };
        let choice = contests.choice(id, choice);
        if let Some(g) = groups.iter_mut().find(|g| g.0 == id) {
            g.1.push(columns.len());
        }
        column_of.push((*i, columns.len()));
        columns.push((id, choice));
    }
    let find = |name: &str| csvutil::find_header(&headers, name);
    let (row_number, box_id, position, ballot_id, scanner) = (
        find("RowNumber"),
        find("BoxID"),
        find("BoxPosition"),
        find("BallotID"),
        find("ScanComputerName"),
    );
    for (name, index) in [
        ("BoxID", box_id),
        ("BoxPosition", position),
        ("BallotID", ballot_id),
        ("ScanComputerName", scanner),
    ] {
        if index.is_none() {
            diagnostics.error("clearballot-columns", source.at(header_line, None), format!("the header has no {name:?} column; a ClearBallot CVR export needs BoxID, BoxPosition, BallotID and ScanComputerName — export the CVRs again"));
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let mut row = csv::ByteRecord::new();
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
        put(&mut card.cvr_id, &row, ballot_id);
        if card.cvr_id.is_empty() {
            put(&mut card.cvr_id, &row, row_number);
        }
        put(&mut card.tabulator, &row, scanner);
        put(&mut card.batch, &row, box_id);
        put(&mut card.imprinted_id, &row, ballot_id);
        card.record_id = number(get(&row, position));
        if card.record_id.is_none() {
            diagnostics.error("clearballot-position", source.at(line, position.map(|p| p as u64 + 1)), format!("BoxPosition is {:?}; it must be a whole number (the card's place in its box) — export the CVRs again", String::from_utf8_lossy(get(&row, position))));
        }
        for (id, cols) in &groups {
            let Some(contest) = contests.get(*id) else {
                continue;
            };
            let value = |k: &usize| {
                column_of
                    .get(*k)
                    .and_then(|(c, _)| row.get(*c))
                    .map(cell)
                    .unwrap_or(b"")
            };
            if cols.iter().all(|k| value(k).is_empty()) {
                continue;
            }
            card.open_contest(*id);
            for k in cols {
                let v = value(k);
                if v == b"1" || number(v).is_some_and(|n| n > 0) {
                    if let Some(&(_, choice)) = columns.get(*k) {
                        card.mark(choice, 1);
                    }
                } else if !(v.is_empty() || v == b"0") {
                    diagnostics.error("clearballot-mark", source.at(line, column_of.get(*k).map(|c| c.0 as u64 + 1)), format!("a mark in contest {:?} is {:?}; marks must be 1, 0 or blank — export the CVRs again", contest.name, String::from_utf8_lossy(v)));
                }
            }
            card.count_over_and_under(contest);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_headers() {
        assert_eq!(
            parse_choice_header("Choice_210_1:Contest 1:Vote For 1:Choice 1-2:Non-Partisan"),
            Some(("Contest 1".into(), 1, "Choice 1-2".into()))
        );
        assert_eq!(
            parse_choice_header("Choice_1_1:A:B:Vote For 2:Yes: No:P"),
            Some(("B".into(), 2, "Yes: No".into()))
        );
        assert_eq!(parse_choice_header("Choice_1"), None);
    }
}
