//! Dominion Democracy Suite CSV cast-vote-record exports.
//!
//! Four header rows: (1) election name and software version; (2) the contest over each choice
//! column, `NAME (Vote For=N)` or, for ranked contests, `NAME (Number of positions=N, Number of
//! ranks=R)`; (3) the choice, `NAME(r)` in ranked contests; (4) `CvrNumber, TabulatorNum, BatchId,
//! RecordId, ImprintedId, [CountingGroup,] PrecinctPortion, BallotType` and party labels. Then one
//! row per card, ids often written `="…"` so spreadsheets keep them as text, and each choice cell
//! 1 (marked), 0 (not marked) or blank (contest not on this card). Arlo
//! (`api/cvrs.py::parse_dominion_cvrs`) and ColoradoRLA (`csv/DominionCVRExportParser.java`) read
//! the same layout.

use std::io::Read;

use crate::csvutil::{self, Source, cell, get, line_of, number, put};
use crate::model::{CardSink, ChoiceId, Contest, ContestId, Contests, Origin};
use crate::problem::Diagnostics;
use crate::{Card, cvr::CvrFile};

/// One choice column: which contest (index into the file's contests), which choice, which rank.
#[derive(Debug, Clone, Copy)]
struct ChoiceColumn {
    contest: usize,
    choice: ChoiceId,
    rank: u32,
}

/// A contest of this file with its first and last column.
#[derive(Debug, Clone)]
struct FileContest {
    id: ContestId,
    columns: std::ops::Range<usize>,
}

/// Splits `NAME (Vote For=N)` or `NAME (Number of positions=N, Number of ranks=R)` into the name,
/// votes allowed and ranks.
pub(crate) fn parse_contest_header(header: &str) -> Option<(String, u32, u32)> {
    let header = header.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(rest) = header.strip_suffix(')') {
        if let Some((name, n)) = rest.rsplit_once(" (Vote For=") {
            return Some((name.trim().to_string(), n.trim().parse().ok()?, 0));
        }
        if let Some((name, spec)) = rest.rsplit_once(" (Number of positions=")
            && let Some((positions, ranks)) = spec.split_once(", Number of ranks=")
        {
            return Some((
                name.trim().to_string(),
                positions.trim().parse().ok()?,
                ranks.trim().parse().ok()?,
            ));
        }
    }
    None
}

/// Splits a ranked choice header `NAME(r)` into the name and rank.
fn parse_ranked_choice(header: &str) -> Option<(&str, u32)> {
    let rest = header.trim().strip_suffix(')')?;
    let (name, rank) = rest.rsplit_once('(')?;
    Some((name.trim_end(), rank.parse().ok()?))
}

/// Reads a Dominion CSV export, handing each card to `sink`. Returns `None` when the file cannot
/// be read as a Dominion export at all (the reasons are in `diagnostics`).
pub fn read_dominion_csv<R: Read>(
    source: Source<'_>,
    input: R,
    contests: &mut Contests,
    sink: &mut dyn CardSink,
    diagnostics: &mut Diagnostics,
) -> Option<CvrFile> {
    let mut reader = csvutil::reader(input);
    let mut rows: Vec<csv::ByteRecord> = Vec::with_capacity(4);
    for _ in 0..4 {
        let mut record = csv::ByteRecord::new();
        match reader.read_byte_record(&mut record) {
            Ok(true) => rows.push(record),
            Ok(false) => {
                diagnostics.error(
                    "dominion-header",
                    source.whole(),
                    "the file ends before the four header rows of a Dominion CVR export (election, contests, choices, column names); export the CVRs again",
                );
                return None;
            }
            Err(err) => {
                csvutil::report_csv_error(&source, &err, diagnostics);
                return None;
            }
        }
    }
    let (Some(title), Some(contest_row), Some(choice_row), Some(header_row)) =
        (rows.first(), rows.get(1), rows.get(2), rows.get(3))
    else {
        return None;
    };
    let mut file = CvrFile::new("Dominion CSV CVR export");
    file.election = Some(csvutil::text(title.get(0).unwrap_or(b"")));
    file.version = title.get(1).map(csvutil::text).filter(|v| !v.is_empty());

    let Some(first_contest_column) = contest_row.iter().position(|c| !cell(c).is_empty()) else {
        diagnostics.error(
            "dominion-header",
            source.at(line_of(contest_row), None),
            "the second row should name the contest over each choice column, like \"Mayor (Vote For=1)\", but it is empty; this is not a Dominion CVR export, or its header rows were deleted",
        );
        return None;
    };

    // Contests: runs of equal headers in row 2.
    let mut file_contests: Vec<FileContest> = Vec::new();
    let mut columns: Vec<ChoiceColumn> = Vec::new();
    let mut ok = true;
    let contest_line = line_of(contest_row);
    let mut i = first_contest_column;
    let width = contest_row.len();
    while i < width {
        let header = csvutil::text(contest_row.get(i).unwrap_or(b""));
        let mut end = i + 1;
        while end < width && csvutil::text(contest_row.get(end).unwrap_or(b"")) == header {
            end += 1;
        }
        if header.is_empty() {
            // Trailing empty header cells: not contest columns.
            i = end;
            continue;
        }
        let at = source.at(contest_line, Some(i as u64 + 1));
        let Some((name, votes_allowed, ranks)) = parse_contest_header(&header) else {
            diagnostics.error(
                "dominion-contest-header",
                at,
                format!(
                    "contest header {header:?} is not in Dominion's form \"Contest Name (Vote For=1)\" or \"Contest Name (Number of positions=1, Number of ranks=3)\"; export the CVRs again without editing the header rows"
                ),
            );
            ok = false;
            i = end;
            continue;
        };
        if file_contests
            .iter()
            .any(|c| contests.get(c.id).is_some_and(|d| d.name == name))
        {
            diagnostics.error(
                "dominion-contest-header",
                at.clone(),
                format!(
                    "contest {name:?} appears in two separate groups of columns; each contest's choices must be side by side — export the CVRs again"
                ),
            );
            ok = false;
        }
        let mut contest = Contest::new(&name, votes_allowed, ranks, &source.label());
        let mut ranks_of: Vec<u32> = Vec::new();
        for c in i..end {
            let choice = csvutil::text(choice_row.get(c).unwrap_or(b""));
            let (choice_name, rank) = if ranks > 0 {
                match parse_ranked_choice(&choice) {
                    Some((n, r)) if r >= 1 && r <= ranks => (n.to_string(), r),
                    _ => {
                        diagnostics.error(
                            "dominion-choice-header",
                            source.at(line_of(choice_row), Some(c as u64 + 1)),
                            format!(
                                "choice header {choice:?} of ranked contest {name:?} should be \"NAME(rank)\" with a rank from 1 to {ranks}; export the CVRs again"
                            ),
                        );
                        ok = false;
                        (choice, 1)
                    }
                }
            } else {
                (choice, 1)
            };
            if choice_name.is_empty() {
                diagnostics.error(
                    "dominion-choice-header",
                    source.at(line_of(choice_row), Some(c as u64 + 1)),
                    format!("the choice over column {} of contest {name:?} is empty; every choice column needs its choice's name on the third row", c + 1),
                );
                ok = false;
            }
            if !contest.choices.contains(&choice_name) {
                contest.choices.push(choice_name.clone());
            }
            ranks_of.push(rank);
        }
        let names: Vec<String> = (i..end)
            .map(|c| {
                let raw = csvutil::text(choice_row.get(c).unwrap_or(b""));
                if ranks > 0 {
                    parse_ranked_choice(&raw)
                        .map(|(n, _)| n.to_string())
                        .unwrap_or(raw)
                } else {
                    raw
                }
            })
            .collect();
        let (id, _) = contests.define(contest, &at, diagnostics);
        let index = file_contests.len();
        for (name, rank) in names.iter().zip(ranks_of) {
            let choice = contests.choice(id, name);
            columns.push(ChoiceColumn {
                contest: index,
                choice,
                rank,
            });
        }
        file_contests.push(FileContest {
            id,
            columns: (columns.len() - (end - i))..columns.len(),
        });
        file.contests.push(id);
        i = end;
    }

    let headers: Vec<String> = header_row
        .iter()
        .take(first_contest_column)
        .map(csvutil::text)
        .collect();
    let find = |name: &str| csvutil::find_header(&headers, name);
    let cvr_number = find("CvrNumber");
    let tabulator = find("TabulatorNum");
    let batch = find("BatchId");
    let record = find("RecordId");
    let imprinted = find("ImprintedId").or_else(|| find("UniqueVotingIdentifier"));
    let counting_group = find("CountingGroup").or_else(|| find("NotCountingGroup"));
    for (name, index) in [
        ("CvrNumber", cvr_number),
        ("TabulatorNum", tabulator),
        ("BatchId", batch),
        ("RecordId", record),
    ] {
        if index.is_none() {
            diagnostics.error(
                "dominion-columns",
                source.at(line_of(header_row), None),
                format!(
                    "the fourth row has no {name:?} column before the first contest column; a Dominion CVR export needs CvrNumber, TabulatorNum, BatchId and RecordId — export the CVRs again with those columns"
                ),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }

    let mut record_buf = csv::ByteRecord::new();
    let mut card = Card::default();
    loop {
        match reader.read_byte_record(&mut record_buf) {
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
        let row = &record_buf;
        let line = line_of(row);
        if row.iter().all(|f| cell(f).is_empty()) {
            continue;
        }
        card.clear();
        put(&mut card.cvr_id, row, cvr_number);
        put(&mut card.tabulator, row, tabulator);
        put(&mut card.batch, row, batch);
        put(&mut card.imprinted_id, row, imprinted);
        put(&mut card.counting_group, row, counting_group);
        let raw_record = get(row, record);
        card.record_id = number(raw_record);
        if card.record_id.is_none() {
            diagnostics.error(
                "dominion-record-id",
                source.at(line, record.map(|r| r as u64 + 1)),
                format!(
                    "RecordId is {:?}; it must be a whole number (the card's place in its batch) — export the CVRs again",
                    String::from_utf8_lossy(raw_record)
                ),
            );
        }
        if card.batch.is_empty() {
            diagnostics.error(
                "dominion-batch",
                source.at(line, batch.map(|b| b as u64 + 1)),
                "BatchId is empty; every card must name its batch — export the CVRs again",
            );
        }
        for fc in &file_contests {
            let Some(contest) = contests.get(fc.id) else {
                continue;
            };
            let cells = fc
                .columns
                .clone()
                .map(|c| row.get(first_contest_column + c).map(cell).unwrap_or(b""));
            let blanks = cells.clone().filter(|c| c.is_empty()).count();
            if blanks == fc.columns.len() {
                continue; // not on this card
            }
            if blanks > 0 {
                diagnostics.warning(
                    "dominion-partial-contest",
                    source.at(line, None),
                    format!(
                        "contest {:?} has values in only some of its columns on this row; blank cells are read as 0 — check the export",
                        contest.name
                    ),
                );
            }
            card.open_contest(fc.id);
            for (offset, value) in cells.enumerate() {
                let Some(column) = columns.get(fc.columns.start + offset) else {
                    continue;
                };
                debug_assert_eq!(file_contests.get(column.contest).map(|c| c.id), Some(fc.id));
                match value {
                    b"" | b"0" => {}
                    b"1" => card.mark(column.choice, column.rank),
                    other => match number(other) {
                        Some(0) => {}
                        Some(_) => card.mark(column.choice, column.rank),
                        None => diagnostics.error(
                            "dominion-mark",
                            source.at(line, Some((first_contest_column + fc.columns.start + offset) as u64 + 1)),
                            format!(
                                "the mark for {:?} in contest {:?} is {:?}; marks must be 1, 0 or blank — export the CVRs again with plain numbers",
                                contest.choices.get(column.choice as usize).map(String::as_str).unwrap_or("?"),
                                contest.name,
                                String::from_utf8_lossy(other)
                            ),
                        ),
                    },
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
    use crate::model::CollectCards;

    #[test]
    fn contest_headers() {
        assert_eq!(
            parse_contest_header("Mayor (Vote For=2)"),
            Some(("Mayor".into(), 2, 0))
        );
        assert_eq!(
            parse_contest_header("Bellingen Mayoral (Number of positions=1, Number of ranks=3)"),
            Some(("Bellingen Mayoral".into(), 1, 3))
        );
        assert_eq!(
            parse_contest_header("Amendment T\n(CONSTITUTIONAL) (Vote For=1)"),
            Some(("Amendment T (CONSTITUTIONAL)".into(), 1, 0))
        );
        assert_eq!(parse_contest_header("Mayor"), None);
        assert_eq!(
            parse_ranked_choice("ALLAN Steve(2)"),
            Some(("ALLAN Steve", 2))
        );
    }

    #[test]
    fn reads_ranked_columns_and_counts_overvotes() {
        let text = "E,5.10\n,,,,,\"R (Number of positions=1, Number of ranks=2)\",\"R (Number of positions=1, Number of ranks=2)\",\"R (Number of positions=1, Number of ranks=2)\",\"R (Number of positions=1, Number of ranks=2)\"\n,,,,,A(1),B(1),A(2),B(2)\nCvrNumber,TabulatorNum,BatchId,RecordId,ImprintedId,,,,\n1,1,1,1,1-1-1,1,0,0,1\n2,1,1,2,1-1-2,1,1,0,0\n";
        let mut contests = Contests::new();
        let mut cards = CollectCards::default();
        let mut d = Diagnostics::new();
        let f = read_dominion_csv(
            Source::new("r.csv"),
            text.as_bytes(),
            &mut contests,
            &mut cards,
            &mut d,
        )
        .unwrap();
        assert_eq!(f.cards, 2);
        assert!(!d.has_errors(), "{:?}", d.into_problems());
        let c = contests.get(0).unwrap();
        assert_eq!((c.ranks, c.choices.len()), (2, 2));
        assert_eq!(cards.0[0].marks.len(), 2);
        assert_eq!(cards.0[0].marks[1].rank, 2);
        assert_eq!(cards.0[1].contests[0].overvotes, 1);
    }
}
