//! Ballot manifests: Arlo's CSV (`Container`?, `Tabulator`?, `Batch Name`, `Number of Ballots`,
//! `CVR`?), ColoradoRLA's (`CountyID,ScannerID,BatchID,NumBallots,StorageLocation`), Colorado's 2024
//! county layout (`County,Tabulator,Batch,# of Ballots,Location`, often with a UTF-8 BOM), and Excel
//! workbooks such as San Francisco's (`Tray #, Tabulator Number, Batch Number, Total Ballots,
//! VBMCart.Cart number`). Column names are matched case-insensitively, in any order.
//!
//! A manifest says where every paper ballot is stored, batch by batch; the sampler numbers ballots
//! within each batch from 1, so a wrong count or a duplicated batch would send an audit board to the
//! wrong ballot. That is why every row is checked and every problem is reported with its line and
//! column: a total row left at the bottom (arlo#697), a duplicate batch, a negative or non-numeric
//! count.

use std::collections::HashMap;
use std::io::Cursor;

use crate::problem::{Location, Parsed, Problem, Problems, Severity};

/// One batch of ballots as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// The county (ColoradoRLA's CountyID), when the manifest names it.
    pub jurisdiction: Option<String>,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub name: String,
    pub ballots: u64,
    /// The manifest's `CVR` column (hybrid audits): whether this batch has cast-vote records.
    pub has_cvrs: Option<bool>,
    /// Where the batch is stored (ColoradoRLA's StorageLocation, San Francisco's cart).
    pub location: Option<String>,
    /// The line (spreadsheet row) of the manifest this batch came from, for messages.
    pub line: u64,
}

/// The column layout a manifest was recognised as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManifestLayout {
    Arlo,
    ColoradoRla,
    Colorado2024,
    SanFrancisco,
    /// Recognised columns from more than one layout.
    Mixed,
}

impl ManifestLayout {
    pub fn describe(self) -> &'static str {
        match self {
            ManifestLayout::Arlo => "Arlo ballot manifest",
            ManifestLayout::ColoradoRla => "ColoradoRLA ballot manifest",
            ManifestLayout::Colorado2024 => "Colorado county ballot manifest",
            ManifestLayout::SanFrancisco => "San Francisco (Excel) ballot manifest",
            ManifestLayout::Mixed => "ballot manifest",
        }
    }
}

/// A parsed ballot manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Manifest {
    /// The file name or label the manifest was read from, used in messages.
    pub source: String,
    pub layout: ManifestLayout,
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
    Jurisdiction,
    Container,
    Tabulator,
    BatchName,
    NumberOfBallots,
    Cvr,
    Location,
}

/// Which header names are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dialect {
    /// Arlo's names only (what `ballotproof sample` documents).
    Arlo,
    /// Every layout ballotproof knows.
    Any,
}

impl Column {
    fn from_header(header: &str, dialect: Dialect) -> Option<(Column, ManifestLayout)> {
        use ManifestLayout::*;
        let normalized = header.split_whitespace().collect::<Vec<_>>().join(" ");
        let arlo = match normalized.to_lowercase().as_str() {
            "container" => Some(Column::Container),
            "tabulator" => Some(Column::Tabulator),
            "batch name" => Some(Column::BatchName),
            "number of ballots" => Some(Column::NumberOfBallots),
            "cvr" => Some(Column::Cvr),
            _ => None,
        };
        if let Some(c) = arlo {
            return Some((c, Arlo));
        }
        if dialect == Dialect::Arlo {
            return None;
        }
        let other = match normalized.to_lowercase().as_str() {
            "countyid" => (Column::Jurisdiction, ColoradoRla),
            "scannerid" | "tabulatornum" => (Column::Tabulator, ColoradoRla),
            "batchid" => (Column::BatchName, ColoradoRla),
            "numballots" => (Column::NumberOfBallots, ColoradoRla),
            "storagelocation" => (Column::Location, ColoradoRla),
            "county" => (Column::Jurisdiction, Colorado2024),
            "batch" => (Column::BatchName, Colorado2024),
            "# of ballots" => (Column::NumberOfBallots, Colorado2024),
            "location" => (Column::Location, Colorado2024),
            "tray #" | "tray" => (Column::Container, SanFrancisco),
            "tabulator number" => (Column::Tabulator, SanFrancisco),
            "batch number" => (Column::BatchName, SanFrancisco),
            "total ballots" => (Column::NumberOfBallots, SanFrancisco),
            "vbmcart.cart number" | "cart number" => (Column::Location, SanFrancisco),
            _ => return None,
        };
        Some(other)
    }

    fn title(self) -> &'static str {
        match self {
            Column::Jurisdiction => "County",
            Column::Container => "Container",
            Column::Tabulator => "Tabulator",
            Column::BatchName => "Batch Name",
            Column::NumberOfBallots => "Number of Ballots",
            Column::Cvr => "CVR",
            Column::Location => "Location",
        }
    }
}

/// A manifest row: its line (1-based) and cells (`None` when not valid UTF-8).
struct Row {
    line: u64,
    cells: Vec<Option<String>>,
}

impl Row {
    fn is_blank(&self) -> bool {
        self.cells
            .iter()
            .all(|c| c.as_deref().is_none_or(|t| t.trim().is_empty()))
    }
}

/// Parses a manifest in Arlo's CSV layout. `source` names the file in every message.
///
/// Returns the manifest with any warnings, or every problem found when at least one is an error.
pub fn parse_arlo_manifest(source: &str, bytes: &[u8]) -> Result<Parsed<Manifest>, Problems> {
    let rows = csv_rows(source, bytes)?;
    parse_rows(source, rows, Dialect::Arlo)
}

/// Parses a CSV ballot manifest in any layout ballotproof knows (Arlo, ColoradoRLA, Colorado
/// 2024, San Francisco's columns).
pub fn parse_manifest_csv(source: &str, bytes: &[u8]) -> Result<Parsed<Manifest>, Problems> {
    let rows = csv_rows(source, bytes)?;
    parse_rows(source, rows, Dialect::Any)
}

/// Parses the first worksheet of an Excel (`.xlsx`) ballot manifest. Row numbers in messages are
/// the spreadsheet's.
pub fn parse_manifest_xlsx(source: &str, bytes: &[u8]) -> Result<Parsed<Manifest>, Problems> {
    use calamine::{Data, Reader, Xlsx};
    let fail = |why: String| {
        Problems(vec![Problem::error(
            Location::file(source),
            format!(
                "the workbook could not be read ({why}); save it again from Excel as .xlsx, or export the manifest as CSV"
            ),
        )])
    };
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| fail(e.to_string()))?;
    let range = match workbook.worksheet_range_at(0) {
        Some(Ok(range)) => range,
        Some(Err(e)) => return Err(fail(e.to_string())),
        None => return Err(fail("it has no worksheet".to_string())),
    };
    let (first_row, first_col) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, cells)| Row {
            line: u64::from(first_row) + i as u64 + 1,
            cells: std::iter::repeat_n(Some(String::new()), first_col as usize)
                .chain(cells.iter().map(|cell| {
                    Some(match cell {
                        Data::Empty => String::new(),
                        Data::String(s) => s.clone(),
                        Data::Int(n) => n.to_string(),
                        // Spreadsheets store whole counts as floats; 116.0 is "116".
                        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => {
                            format!("{}", *f as i64)
                        }
                        Data::Float(f) => f.to_string(),
                        Data::Bool(b) => b.to_string(),
                        Data::DateTime(d) => d.as_f64().to_string(),
                        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
                        Data::Error(e) => format!("#{e:?}"),
                    })
                }))
                .collect(),
        })
        .collect();
    parse_rows(source, rows, Dialect::Any)
}

fn csv_rows(source: &str, bytes: &[u8]) -> Result<Vec<Row>, Problems> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for record in reader.byte_records() {
        match record {
            Ok(record) => rows.push(Row {
                line: record.position().map(|p| p.line()).unwrap_or(0),
                cells: record
                    .iter()
                    .map(|f| std::str::from_utf8(f).ok().map(str::to_string))
                    .collect(),
            }),
            Err(err) => problems.push(csv_problem(source, &err)),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(Problems(problems))
    }
}

fn parse_rows(
    source: &str,
    rows: Vec<Row>,
    dialect: Dialect,
) -> Result<Parsed<Manifest>, Problems> {
    let mut problems = Vec::new();
    let mut rows = rows.into_iter().filter(|r| !r.is_blank());
    let Some(header) = rows.next() else {
        return Err(Problems(vec![Problem::error(
            Location::file(source),
            "the manifest is empty; it needs a header row (Batch Name, Number of Ballots, and optionally Container, Tabulator, CVR) and one row per batch",
        )]));
    };
    let header_line = header.line;
    let mut columns: Vec<Option<Column>> = Vec::with_capacity(header.cells.len());
    let mut seen: HashMap<Column, usize> = HashMap::new();
    let mut layouts: Vec<ManifestLayout> = Vec::new();
    let header_texts: Vec<String> = header
        .cells
        .iter()
        .map(|c| c.as_deref().unwrap_or("").trim().to_string())
        .collect();
    // Colorado's tool reads the five columns by position; Boulder's 2023 IRV manifest calls the
    // fourth "RecordId" although it holds ballot counts.
    let colorado_positional = dialect == Dialect::Any
        && header_texts.len() == 5
        && matches!(
            header_texts.first().map(|h| h.to_lowercase()).as_deref(),
            Some("county" | "countyid")
        );
    for (i, text) in header_texts.iter().enumerate() {
        let mut found = Column::from_header(text, dialect);
        if found.is_none() && colorado_positional && text.eq_ignore_ascii_case("recordid") && i == 3
        {
            problems.push(Problem::warning(
                Location::at(source, header_line, Some(i as u64 + 1)),
                "column 4 is headed \"RecordId\"; Colorado's tool reads the fourth column of a county manifest as the number of ballots, so it is read that way here — check that it holds ballot counts and rename it \"# of Ballots\"",
            ));
            found = Some((Column::NumberOfBallots, ManifestLayout::Colorado2024));
        }
        let column = found.map(|(c, layout)| {
            if !layouts.contains(&layout) {
                layouts.push(layout);
            }
            c
        });
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
        } else if !text.is_empty() {
            problems.push(Problem::warning(
                Location::at(source, header_line, Some(i as u64 + 1)),
                format!("column {text:?} is not part of a ballot manifest and is ignored"),
            ));
        }
        columns.push(column);
    }
    let layout = match layouts.as_slice() {
        [one] => *one,
        [ManifestLayout::Arlo, ManifestLayout::ColoradoRla]
        | [ManifestLayout::ColoradoRla, ManifestLayout::Arlo] => ManifestLayout::ColoradoRla,
        [ManifestLayout::Colorado2024, ManifestLayout::Arlo]
        | [ManifestLayout::Arlo, ManifestLayout::Colorado2024] => ManifestLayout::Colorado2024,
        _ => ManifestLayout::Mixed,
    };
    for required in [Column::BatchName, Column::NumberOfBallots] {
        if !seen.contains_key(&required) {
            problems.push(Problem::error(
                Location::at(source, header_line, None),
                format!(
                    "missing column {:?}; a ballot manifest needs the columns \"Batch Name\" and \"Number of Ballots\" (\"Container\", \"Tabulator\" and \"CVR\" are optional){}",
                    required.title(),
                    other_layout_hint(&header_texts, dialect)
                ),
            ));
        }
    }
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(Problems(problems));
    }

    let mut batches: Vec<Batch> = Vec::new();
    type Key = (Option<String>, Option<String>, String);
    let mut first_line_of: HashMap<Key, u64> = HashMap::new();
    for row in rows {
        let line = row.line;
        if row.cells.len() != header.cells.len() {
            let extra_blank = row.cells.len() > header.cells.len()
                && row.cells[header.cells.len()..]
                    .iter()
                    .all(|c| c.as_deref().is_some_and(|t| t.trim().is_empty()));
            if !extra_blank {
                problems.push(Problem::error(
                    Location::at(source, line, None),
                    format!(
                        "this row has {} fields but the header has {}; check for a missing or extra comma",
                        row.cells.len(),
                        header.cells.len()
                    ),
                ));
                continue;
            }
        }
        if let Some(batch) = parse_row(source, &row, &columns, &mut problems) {
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
            let key = (
                batch.jurisdiction.clone(),
                batch.tabulator.clone(),
                batch.name.clone(),
            );
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
    // A total row without the word "total": the last row's count is the sum of all the others.
    if let Some((last, others)) = batches.split_last()
        && others.len() >= 2
        && last.ballots > 0
        && last.ballots == others.iter().map(|b| b.ballots).sum::<u64>()
    {
        problems.push(Problem::warning(
            Location::at(source, last.line, None),
            format!(
                "the last row's count ({}) is the sum of all the other rows; if it is a total row, delete it",
                last.ballots
            ),
        ));
    }
    if batches.is_empty() && problems.is_empty() {
        problems.push(Problem::error(
            Location::file(source),
            "the manifest has a header but no batches; add one row per batch",
        ));
    }
    if problems.iter().any(|p| p.severity == Severity::Error) {
        return Err(Problems(problems));
    }
    Ok(Parsed {
        value: Manifest {
            source: source.to_string(),
            layout,
            batches,
        },
        warnings: problems,
    })
}

fn parse_row(
    source: &str,
    row: &Row,
    columns: &[Option<Column>],
    problems: &mut Vec<Problem>,
) -> Option<Batch> {
    let line = row.line;
    let mut batch = Batch {
        jurisdiction: None,
        container: None,
        tabulator: None,
        name: String::new(),
        ballots: 0,
        has_cvrs: None,
        location: None,
        line,
    };
    let mut ok = true;
    for (i, (cell, column)) in row.cells.iter().zip(columns).enumerate() {
        let Some(column) = column else { continue };
        let at = Location::at(source, line, Some(i as u64 + 1));
        let Some(text) = cell else {
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
            Column::Jurisdiction => batch.jurisdiction = Some(text.to_string()),
            Column::Container => batch.container = Some(text.to_string()),
            Column::Tabulator => batch.tabulator = Some(text.to_string()),
            Column::Location => batch.location = Some(text.to_string()),
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
pub(crate) fn parse_count(text: &str) -> Result<u64, &'static str> {
    if text.is_empty() {
        return Err("it must be a whole number of ballots, 0 or more; fill it in");
    }
    if text.starts_with('-') {
        return Err("a batch cannot hold a negative number of ballots; correct the count");
    }
    let digits: String = if text.contains(',') {
        let groups: Vec<&str> = text.split(',').collect();
        let well_formed = groups.first().is_some_and(|g| (1..=3).contains(&g.len()))
            && groups.iter().skip(1).all(|g| g.len() == 3);
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
        || batch.jurisdiction.as_deref().is_some_and(is_total)
}

fn describe(batch: &Batch) -> String {
    match &batch.tabulator {
        Some(t) => format!("{:?} on tabulator {:?}", batch.name, t),
        None => format!("{:?}", batch.name),
    }
}

/// A hint when the header belongs to another manifest layout ballotproof knows of.
fn other_layout_hint(names: &[String], dialect: Dialect) -> &'static str {
    let names: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    if dialect == Dialect::Arlo && names.iter().any(|n| n == "numballots") {
        " (this looks like a ColoradoRLA manifest: rename BatchID to \"Batch Name\", NumBallots to \"Number of Ballots\" and ScannerID to \"Tabulator\", or use `ballotproof inspect`, which reads it as it is)"
    } else if dialect == Dialect::Arlo && names.iter().any(|n| n == "# of ballots") {
        " (this looks like a Colorado county manifest: rename Batch to \"Batch Name\" and \"# of Ballots\" to \"Number of Ballots\")"
    } else {
        ""
    }
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

    #[test]
    fn colorado_layouts_are_read_by_name_and_position() {
        let m = parse_manifest_csv(
            "co.csv",
            b"CountyID,ScannerID,BatchID,NumBallots,StorageLocation\nArapahoe,\"10\",\"2\",25,Bin 22\n",
        )
        .unwrap();
        assert_eq!(m.value.layout, ManifestLayout::ColoradoRla);
        let b = &m.value.batches[0];
        assert_eq!(
            (
                b.jurisdiction.as_deref(),
                b.tabulator.as_deref(),
                b.name.as_str(),
                b.ballots,
                b.location.as_deref()
            ),
            (Some("Arapahoe"), Some("10"), "2", 25, Some("Bin 22"))
        );
        let m = parse_manifest_csv(
            "b.csv",
            "\u{feff}County,TabulatorNum,BatchId,RecordId,Location\nBoulder,101,1,148,\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(m.value.batches[0].ballots, 148);
        assert!(m.warnings[0].message.contains("RecordId"));
    }

    #[test]
    fn sum_row_without_the_word_total_is_a_warning() {
        let m = parse("Batch Name,Number of Ballots\nA,3\nB,4\nC,7\n").unwrap();
        assert!(m.warnings[0].message.contains("sum of all the other rows"));
    }
}
