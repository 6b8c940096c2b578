//! Ballot manifests in Arlo's CSV layout: `Container`?, `Tabulator`?, `Batch Name`, `Number of Ballots`,
//! `CVR`? (column names matched case-insensitively, in any order).
//!
//! A manifest says where every paper ballot is stored, batch by batch; the sampler numbers ballots
//! within each batch from 1, so a wrong count or a duplicated batch would send an audit board to the
//! wrong ballot. That is why every row is checked and every problem is reported with its line and
//! column: a total row left at the bottom, a duplicate batch, a negative or non-numeric count.

use std::collections::HashMap;

use crate::problem::{Location, Parsed, Problem, Problems};

/// One batch of ballots as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub name: String,
    pub ballots: u64,
    /// The manifest's `CVR` column (hybrid audits): whether this batch has cast-vote records.
    pub has_cvrs: Option<bool>,
    /// The line of the manifest this batch came from, for messages.
    pub line: u64,
}

/// A parsed ballot manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The file name or label the manifest was read from, used in messages.
    pub source: String,
    pub batches: Vec<Batch>,
}

impl Manifest {
    pub fn total_ballots(&self) -> u64 {
        self.batches.iter().map(|b| b.ballots).sum()
    }

    /// True when the manifest has a `Tabulator` column.
    pub fn has_tabulators(&self) -> bool {
        self.batches.iter().any(|b| b.tabulator.is_some())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Container,
    Tabulator,
    BatchName,
    NumberOfBallots,
    Cvr,
}

impl Column {
    fn from_header(header: &str) -> Option<Column> {
        let normalized = header.split_whitespace().collect::<Vec<_>>().join(" ");
        match normalized.to_lowercase().as_str() {
            "container" => Some(Column::Container),
            "tabulator" => Some(Column::Tabulator),
            "batch name" => Some(Column::BatchName),
            "number of ballots" => Some(Column::NumberOfBallots),
            "cvr" => Some(Column::Cvr),
            _ => None,
        }
    }

    fn title(self) -> &'static str {
        match self {
            Column::Container => "Container",
            Column::Tabulator => "Tabulator",
            Column::BatchName => "Batch Name",
            Column::NumberOfBallots => "Number of Ballots",
            Column::Cvr => "CVR",
        }
    }
}

/// Parses a manifest in Arlo's CSV layout. `source` names the file in every message.
///
/// Returns the manifest with any warnings, or every problem found when at least one is an error.
pub fn parse_arlo_manifest(source: &str, bytes: &[u8]) -> Result<Parsed<Manifest>, Problems> {
    let mut problems = Vec::new();
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.byte_records();

    let header = loop {
        match records.next() {
            None => {
                return Err(Problems(vec![Problem::error(
                    Location::file(source),
                    "the manifest is empty; it needs a header row (Batch Name, Number of Ballots, and optionally Container, Tabulator, CVR) and one row per batch",
                )]));
            }
            Some(Err(err)) => return Err(Problems(vec![csv_problem(source, &err)])),
            Some(Ok(record)) if is_blank(&record) => continue,
            Some(Ok(record)) => break record,
        }
    };
    let header_line = line_of(&header);
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(header.len());
    let mut seen: HashMap<Column, usize> = HashMap::new();
    for (i, raw) in header.iter().enumerate() {
        let text = String::from_utf8_lossy(raw);
        let column = Column::from_header(&text);
        if let Some(c) = column {
            if let Some(first) = seen.insert(c, i) {
                problems.push(Problem::error(
                    Location::at(source, header_line, Some(i as u64 + 1)),
                    format!(
                        "column {:?} appears twice (also column {}); keep only one",
                        c.title(),
                        first + 1
                    ),
                ));
            }
        } else if !text.trim().is_empty() {
            problems.push(Problem::warning(
                Location::at(source, header_line, Some(i as u64 + 1)),
                format!(
                    "column {:?} is not part of a ballot manifest and is ignored",
                    text.trim()
                ),
            ));
        }
        columns.push(column);
    }
    for required in [Column::BatchName, Column::NumberOfBallots] {
        if !seen.contains_key(&required) {
            problems.push(Problem::error(
                Location::at(source, header_line, None),
                format!(
                    "missing column {:?}; a ballot manifest needs the columns \"Batch Name\" and \"Number of Ballots\" (\"Container\", \"Tabulator\" and \"CVR\" are optional){}",
                    required.title(),
                    other_layout_hint(&header)
                ),
            ));
        }
    }
    if problems
        .iter()
        .any(|p| p.severity == crate::Severity::Error)
    {
        return Err(Problems(problems));
    }

    let mut batches: Vec<Batch> = Vec::new();
    let mut first_line_of: HashMap<(Option<String>, String), u64> = HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(err) => {
                problems.push(csv_problem(source, &err));
                continue;
            }
        };
        if is_blank(&record) {
            continue;
        }
        let line = line_of(&record);
        if record.len() != header.len() {
            problems.push(Problem::error(
                Location::at(source, line, None),
                format!(
                    "this row has {} fields but the header has {}; check for a missing or extra comma",
                    record.len(),
                    header.len()
                ),
            ));
            continue;
        }
        if let Some(batch) = parse_row(source, line, &record, &columns, &mut problems) {
            if is_total_row(&batch) {
                problems.push(Problem::error(
                    Location::at(source, line, None),
                    format!(
                        "this row looks like a total row ({:?}); a manifest lists batches only, so delete this row",
                        batch.name
                    ),
                ));
                continue;
            }
            let key = (batch.tabulator.clone(), batch.name.clone());
            if let Some(first) = first_line_of.get(&key) {
                problems.push(Problem::error(
                    Location::at(source, line, None),
                    format!(
                        "batch {} is listed twice (first on line {first}); each batch must appear once — merge the rows or correct the batch name",
                        describe(&batch)
                    ),
                ));
                continue;
            }
            first_line_of.insert(key, line);
            batches.push(batch);
        }
    }
    if batches.is_empty() && problems.is_empty() {
        problems.push(Problem::error(
            Location::file(source),
            "the manifest has a header but no batches; add one row per batch",
        ));
    }
    if problems
        .iter()
        .any(|p| p.severity == crate::Severity::Error)
    {
        return Err(Problems(problems));
    }
    Ok(Parsed {
        value: Manifest {
            source: source.to_string(),
            batches,
        },
        warnings: problems,
    })
}

fn parse_row(
    source: &str,
    line: u64,
    record: &csv::ByteRecord,
    columns: &[Option<Column>],
    problems: &mut Vec<Problem>,
) -> Option<Batch> {
    let mut batch = Batch {
        container: None,
        tabulator: None,
        name: String::new(),
        ballots: 0,
        has_cvrs: None,
        line,
    };
    let mut ok = true;
    for (i, (raw, column)) in record.iter().zip(columns).enumerate() {
        let Some(column) = column else { continue };
        let at = Location::at(source, line, Some(i as u64 + 1));
        let Ok(text) = std::str::from_utf8(raw) else {
            problems.push(Problem::error(
                at,
                format!(
                    "column {:?} is not valid UTF-8 text; save the file as \"CSV UTF-8\"",
                    column.title()
                ),
            ));
            ok = false;
            continue;
        };
        let text = text.trim();
        match column {
            Column::Container => batch.container = Some(text.to_string()),
            Column::Tabulator => batch.tabulator = Some(text.to_string()),
            Column::BatchName if text.is_empty() => {
                problems.push(Problem::error(
                    at,
                    "\"Batch Name\" is empty; give every batch a name",
                ));
                ok = false;
            }
            Column::BatchName => batch.name = text.to_string(),
            Column::NumberOfBallots => match parse_count(text) {
                Ok(n) => batch.ballots = n,
                Err(why) => {
                    problems.push(Problem::error(
                        at,
                        format!("\"Number of Ballots\" is {text:?}: {why}"),
                    ));
                    ok = false;
                }
            },
            Column::Cvr => match text.to_ascii_lowercase().as_str() {
                "y" | "yes" => batch.has_cvrs = Some(true),
                "n" | "no" => batch.has_cvrs = Some(false),
                _ => {
                    problems.push(Problem::error(
                        at,
                        format!("\"CVR\" is {text:?}; write Y if the batch has cast-vote records, N if not"),
                    ));
                    ok = false;
                }
            },
        }
    }
    ok.then_some(batch)
}

/// A whole number of ballots, 0 or more; thousands separators (`1,234`) are accepted because
/// spreadsheets add them.
fn parse_count(text: &str) -> Result<u64, &'static str> {
    if text.is_empty() {
        return Err("it must be a whole number of ballots, 0 or more; fill it in");
    }
    if text.starts_with('-') {
        return Err("a batch cannot hold a negative number of ballots; correct the count");
    }
    let digits: String = if text.contains(',') {
        let groups: Vec<&str> = text.split(',').collect();
        let well_formed = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups[1..].iter().all(|g| g.len() == 3);
        if !well_formed {
            return Err("it must be a whole number such as 1234 or 1,234; correct the count");
        }
        groups.concat()
    } else {
        text.to_string()
    };
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(
            "it must be a whole number of ballots, 0 or more, with no letters, decimals or spaces; correct the count",
        );
    }
    digits
        .parse::<u64>()
        .map_err(|_| "the number is too large to be a count of ballots; correct the count")
}

fn is_total_row(batch: &Batch) -> bool {
    let is_total = |s: &str| {
        let s = s.trim().trim_end_matches(':').to_lowercase();
        matches!(s.as_str(), "total" | "totals" | "grand total" | "sum")
    };
    is_total(&batch.name)
        || batch.tabulator.as_deref().is_some_and(is_total)
        || batch.container.as_deref().is_some_and(is_total)
}

fn describe(batch: &Batch) -> String {
    match &batch.tabulator {
        Some(t) => format!("{:?} on tabulator {:?}", batch.name, t),
        None => format!("{:?}", batch.name),
    }
}

/// A hint when the header belongs to another manifest layout ballotproof knows of.
fn other_layout_hint(header: &csv::ByteRecord) -> &'static str {
    let names: Vec<String> = header
        .iter()
        .map(|h| String::from_utf8_lossy(h).trim().to_lowercase())
        .collect();
    if names.iter().any(|n| n == "numballots") {
        " (this looks like a ColoradoRLA manifest: rename BatchID to \"Batch Name\", NumBallots to \"Number of Ballots\" and ScannerID to \"Tabulator\")"
    } else if names.iter().any(|n| n == "# of ballots") {
        " (this looks like a Colorado county manifest: rename Batch to \"Batch Name\" and \"# of Ballots\" to \"Number of Ballots\")"
    } else {
        ""
    }
}

fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}

fn line_of(record: &csv::ByteRecord) -> u64 {
    record.position().map(|p| p.line()).unwrap_or(0)
}

fn csv_problem(source: &str, err: &csv::Error) -> Problem {
    let location = match err.position() {
        Some(p) => Location::at(source, p.line(), None),
        None => Location::file(source),
    };
    Problem::error(
        location,
        format!("the file could not be read as CSV ({err}); check quoting on this line"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Parsed<Manifest>, Problems> {
        parse_arlo_manifest("m.csv", text.as_bytes())
    }

    #[test]
    fn parses_all_columns_in_any_order_and_case() {
        let m = parse("\u{feff}number of ballots, batch name ,Tabulator,Container,CVR\n1,234,B1,T1,Box 1,Y\n0,B2,T1,Box 2,n\n")
            .err();
        // "1,234" unquoted is two fields: the row has too many fields.
        assert!(m.is_some());
        let m = parse("Number of Ballots,Batch Name,Tabulator,Container,CVR\n\"1,234\",B1,T1,Box 1,Y\n0,B2,T1,Box 2,n\n")
            .unwrap();
        assert_eq!(m.value.batches.len(), 2);
        assert_eq!(m.value.batches[0].ballots, 1234);
        assert_eq!(m.value.batches[0].tabulator.as_deref(), Some("T1"));
        assert_eq!(m.value.batches[0].container.as_deref(), Some("Box 1"));
        assert_eq!(m.value.batches[0].has_cvrs, Some(true));
        assert_eq!(m.value.batches[1].has_cvrs, Some(false));
        assert_eq!(m.value.total_ballots(), 1234);
    }

    #[test]
    fn reports_every_problem_with_line_and_column() {
        let err =
            parse("Batch Name,Number of Ballots\nB1,-3\n,4\nB3,x\nB1,5\nB5,2,9\n").unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("m.csv, line 2, column 2: error: \"Number of Ballots\" is \"-3\""),
            "{text}"
        );
        assert!(
            text.contains("m.csv, line 3, column 1: error: \"Batch Name\" is empty"),
            "{text}"
        );
        assert!(text.contains("m.csv, line 4, column 2"), "{text}");
        assert!(
            text.contains("m.csv, line 6: error: this row has 3 fields"),
            "{text}"
        );
        assert_eq!(err.errors().count(), 4, "{text}");
    }

    #[test]
    fn rejects_duplicate_batches_and_total_rows() {
        let err =
            parse("Tabulator,Batch Name,Number of Ballots\nT1,B1,3\nT2,B1,4\nT1,B1,5\n,Total,12\n")
                .unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains(
                "line 4: error: batch \"B1\" on tabulator \"T1\" is listed twice (first on line 2)"
            ),
            "{text}"
        );
        assert!(
            text.contains("line 5: error: this row looks like a total row"),
            "{text}"
        );
    }

    #[test]
    fn missing_columns_name_the_fix_and_spot_other_layouts() {
        let err = parse("CountyID,ScannerID,BatchID,NumBallots,StorageLocation\nA,1,2,3,x\n")
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("missing column \"Batch Name\""), "{text}");
        assert!(text.contains("ColoradoRLA manifest"), "{text}");
    }

    #[test]
    fn empty_and_header_only_files_are_errors() {
        assert!(parse("").is_err());
        assert!(parse("Batch Name,Number of Ballots\n\n").is_err());
    }

    #[test]
    fn unknown_columns_are_warnings() {
        let m = parse("Batch Name,Number of Ballots,Notes\nB1,3,shelf 4\n").unwrap();
        assert_eq!(m.warnings.len(), 1);
        assert!(
            m.warnings[0]
                .to_string()
                .contains("\"Notes\" is not part of a ballot manifest")
        );
    }
}
