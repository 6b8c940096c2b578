//! Recognising what kind of election file a file is, from its name and first bytes, with a clear
//! message when it cannot tell — and the names `--format` accepts to say it explicitly.
//!
//! Vendor formats drift (arlo#2381: ES&S files with a "Tabulator CVR" column misdetected, Hart XML
//! without its namespace header), so detection looks at content, not only at file names, and never
//! guesses between two plausible kinds: it names both and asks for `--format`.

use std::fmt;

/// A kind of file ballotproof reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Format {
    /// Ballot manifest CSV: Arlo, ColoradoRLA or Colorado county layout.
    Manifest,
    /// Ballot manifest as an Excel workbook.
    XlsxManifest,
    DominionCsv,
    /// Dominion JSON `CvrExport*.json`.
    DominionJson,
    /// Dominion JSON `ContestManifest.json`, `CandidateManifest.json`, … (id → name tables).
    DominionJsonManifest,
    EssCvr,
    EssBallots,
    /// Hart CVR XML, one file per ballot card.
    HartXml,
    /// Hart scanned-ballot-information CSV (`#FormatVersion 1`).
    HartScannedBallots,
    ClearBallot,
    /// Arlo's candidate totals by batch.
    BatchTallies,
    Jurisdictions,
    StandardizedContests,
    /// Colorado's canonical contest list.
    CanonicalList,
    /// A zip archive: its members are recognised one by one.
    Zip,
    /// RAIRE ranked-choice problem or assertions JSON: recognised, read by the IRV tools.
    RaireJson,
    /// Colorado RLA reports (discrepancy report, targeted contests, seed): recognised, not
    /// election records.
    ColoradoReport,
}

impl Format {
    /// Every format with the name `--format` accepts.
    pub const ALL: [Format; 17] = [
        Format::Manifest,
        Format::XlsxManifest,
        Format::DominionCsv,
        Format::DominionJson,
        Format::DominionJsonManifest,
        Format::EssCvr,
        Format::EssBallots,
        Format::HartXml,
        Format::HartScannedBallots,
        Format::ClearBallot,
        Format::BatchTallies,
        Format::Jurisdictions,
        Format::StandardizedContests,
        Format::CanonicalList,
        Format::Zip,
        Format::RaireJson,
        Format::ColoradoReport,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Format::Manifest => "manifest",
            Format::XlsxManifest => "xlsx-manifest",
            Format::DominionCsv => "dominion-csv",
            Format::DominionJson => "dominion-json",
            Format::DominionJsonManifest => "dominion-json-manifest",
            Format::EssCvr => "ess-cvr",
            Format::EssBallots => "ess-ballots",
            Format::HartXml => "hart-xml",
            Format::HartScannedBallots => "hart-scanned-ballots",
            Format::ClearBallot => "clearballot",
            Format::BatchTallies => "batch-tallies",
            Format::Jurisdictions => "jurisdictions",
            Format::StandardizedContests => "standardized-contests",
            Format::CanonicalList => "canonical-list",
            Format::Zip => "zip",
            Format::RaireJson => "raire-json",
            Format::ColoradoReport => "colorado-report",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Format::Manifest => "ballot manifest (CSV)",
            Format::XlsxManifest => "ballot manifest (Excel workbook)",
            Format::DominionCsv => "Dominion CSV cast-vote records",
            Format::DominionJson => "Dominion JSON cast-vote records (CvrExport)",
            Format::DominionJsonManifest => {
                "Dominion JSON manifest (contest/candidate/group names)"
            }
            Format::EssCvr => "ES&S cast-vote record file",
            Format::EssBallots => "ES&S ballots file (batch and tabulator of each CVR)",
            Format::HartXml => "Hart CVR XML",
            Format::HartScannedBallots => "Hart scanned ballot information",
            Format::ClearBallot => "ClearBallot CSV cast-vote records",
            Format::BatchTallies => "batch tallies (candidate totals by batch)",
            Format::Jurisdictions => "jurisdictions file",
            Format::StandardizedContests => "standardized contests file",
            Format::CanonicalList => "canonical contest list",
            Format::Zip => "zip archive",
            Format::RaireJson => {
                "RAIRE ranked-choice data (read by the IRV tools, not an election record)"
            }
            Format::ColoradoReport => {
                "Colorado RLA report (an audit output, not an election record)"
            }
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// True for the kinds that hold cast-vote records.
    pub fn is_cvr(self) -> bool {
        matches!(
            self,
            Format::DominionCsv
                | Format::DominionJson
                | Format::EssCvr
                | Format::HartXml
                | Format::ClearBallot
        )
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The names `--format` accepts, for messages.
pub fn format_names() -> String {
    Format::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Recognises a file from its name and its first bytes (a few kilobytes are enough).
///
/// Returns the format, or a sentence saying why it could not decide.
pub fn detect(name: &str, head: &[u8]) -> Result<Format, String> {
    let lower = name.to_lowercase();
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        let is_xlsx = lower.ends_with(".xlsx")
            || contains(head, b"[Content_Types].xml") && contains(head, b"xl/");
        return Ok(if is_xlsx || lower.ends_with(".xlsx") {
            Format::XlsxManifest
        } else {
            Format::Zip
        });
    }
    let trimmed = head.trim_ascii_start();
    if trimmed.starts_with(b"<") {
        if contains(head, b"<Cvr") {
            return Ok(Format::HartXml);
        }
        return Err(
            "it is XML, but not a Hart CVR (no <Cvr> element); ballotproof reads Hart CVR XML only"
                .to_string(),
        );
    }
    if trimmed.starts_with(b"{") || trimmed.starts_with(b"[") {
        return detect_json(&lower, head);
    }
    if head.is_empty() {
        return Err("the file is empty".to_string());
    }
    if head.iter().take(4096).any(|&b| b == 0) {
        return Err("it is a binary file, not CSV, JSON, XML, zip or xlsx".to_string());
    }
    detect_csv(&lower, head)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn detect_json(lower: &str, head: &[u8]) -> Result<Format, String> {
    if contains(head, b"\"Sessions\"") {
        return Ok(Format::DominionJson);
    }
    if contains(head, b"\"List\"") {
        return Ok(Format::DominionJsonManifest);
    }
    if contains(head, b"\"votes\"")
        && (contains(head, b"\"prefs\"") || contains(head, b"\"num_candidates\""))
        || contains(head, b"\"solution\"")
        || contains(head, b"\"assertions\"")
        || contains(head, b"\"difficulty\"")
    {
        return Ok(Format::RaireJson);
    }
    if lower.contains("cvrexport") {
        return Ok(Format::DominionJson);
    }
    Err("it is JSON, but neither a Dominion CVR export (no \"Sessions\"), a Dominion manifest (no \"List\") nor RAIRE data".to_string())
}

fn detect_csv(lower: &str, head: &[u8]) -> Result<Format, String> {
    let text = String::from_utf8_lossy(head);
    let first_line = text
        .lines()
        .next()
        .unwrap_or("")
        .trim_start_matches('\u{feff}');
    if first_line.starts_with("#FormatVersion") {
        return Ok(Format::HartScannedBallots);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(head);
    let rows: Vec<Vec<String>> = reader
        .records()
        .take(6)
        .filter_map(Result::ok)
        .map(|r| r.iter().map(|c| c.trim().to_string()).collect())
        .collect();
    let row = |i: usize| rows.get(i).cloned().unwrap_or_default();
    let has = |r: &[String], name: &str| r.iter().any(|c| c.eq_ignore_ascii_case(name));
    let first = row(0);
    let first_cell = first.first().cloned().unwrap_or_default();

    let mut candidates: Vec<Format> = Vec::new();
    if crate::ess::is_ballots_file(first_line) {
        candidates.push(Format::EssBallots);
    } else if has(&first, "Cast Vote Record") {
        candidates.push(Format::EssCvr);
    }
    if has(&first, "RowNumber") && first.iter().any(|c| c.starts_with("Choice_")) {
        candidates.push(Format::ClearBallot);
    }
    let second = row(1);
    if second
        .iter()
        .any(|c| c.contains("(Vote For=") || c.contains("(Number of positions="))
        || has(&row(3), "CvrNumber")
    {
        candidates.push(Format::DominionCsv);
    }
    let names: Vec<String> = first.iter().map(|c| c.to_lowercase()).collect();
    let named = |n: &str| names.iter().any(|c| c == n);
    let manifest_count = named("number of ballots")
        || named("numballots")
        || named("# of ballots")
        || named("total ballots");
    let manifest_batch =
        named("batch name") || named("batchid") || named("batch") || named("batch number");
    let colorado_positional = names.len() == 5
        && matches!(
            names.first().map(String::as_str),
            Some("county" | "countyid")
        )
        && names.get(2).is_some_and(|n| n.starts_with("batch"));
    if (manifest_count && manifest_batch) || colorado_positional {
        candidates.push(Format::Manifest);
    } else if named("batch name") && names.len() >= 2 {
        candidates.push(Format::BatchTallies);
    }
    if named("jurisdiction") && named("admin email") {
        candidates.push(Format::Jurisdictions);
    }
    if named("contest name") && named("jurisdictions") {
        candidates.push(Format::StandardizedContests);
    }
    if first_cell.starts_with("Canonical List")
        || named("contestchoices")
        || has(&row(1), "ContestChoices")
    {
        candidates.push(Format::CanonicalList);
    }
    if first_cell.contains("Discrepancy Report")
        || first_cell == "Targeted Contests"
        || (first.len() == 1 && first_cell.eq_ignore_ascii_case("seed"))
        || named("imprinted_id")
    {
        candidates.push(Format::ColoradoReport);
    }
    match candidates.as_slice() {
        [one] => Ok(*one),
        [] => Err(format!(
            "its first row ({}) matches none of the layouts ballotproof knows{}",
            first
                .iter()
                .take(6)
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            if lower.ends_with(".csv") {
                ""
            } else {
                " (and it is not zip, xlsx, JSON or XML)"
            }
        )),
        several => Err(format!(
            "it could be any of: {}",
            several
                .iter()
                .map(|f| format!("{} ({})", f.name(), f.describe()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_layouts_by_content() {
        assert_eq!(
            detect("m.csv", b"Tabulator,Batch Name,Number of Ballots\nA,B,1\n"),
            Ok(Format::Manifest)
        );
        assert_eq!(
            detect(
                "x",
                b"\xEF\xBB\xBFCounty,Tabulator,Batch,# of Ballots,Location\n"
            ),
            Ok(Format::Manifest)
        );
        assert_eq!(
            detect("t.csv", b"Batch Name,Alice,Bob\nB1,1,2\n"),
            Ok(Format::BatchTallies)
        );
        assert_eq!(
            detect("c.xml", b"<?xml version=\"1.0\"?>\n<Cvr>"),
            Ok(Format::HartXml)
        );
        assert_eq!(
            detect("e.json", b"{\"Version\":\"5\",\"Sessions\":[]}"),
            Ok(Format::DominionJson)
        );
        assert_eq!(
            detect("cvr.csv", b"Cast Vote Record,Precinct,Ballot Style,Mayor\n"),
            Ok(Format::EssCvr)
        );
        assert_eq!(
            detect("b.csv", b"Cast Vote Record,Batch,Tabulator CVR\n"),
            Ok(Format::EssBallots)
        );
        let err = detect("x.csv", b"foo,bar\n1,2\n").unwrap_err();
        assert!(err.contains("\"foo\", \"bar\""), "{err}");
        assert!(detect("x", b"").is_err());
    }

    #[test]
    fn every_format_name_round_trips() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
    }
}
