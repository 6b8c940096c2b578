//! Helpers shared by the CSV readers: where a record is, Excel's `="…"` text cells, and turning
//! CSV errors into problems a clerk can act on.

use std::io::Read;

use crate::problem::{Diagnostics, Location};

/// Where the file being read is: its name, and the zip member when it came from an archive.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub file: &'a str,
    pub member: Option<&'a str>,
}

impl<'a> Source<'a> {
    pub fn new(file: &'a str) -> Source<'a> {
        Source { file, member: None }
    }

    pub fn in_member(file: &'a str, member: Option<&'a str>) -> Source<'a> {
        Source { file, member }
    }

    pub fn whole(&self) -> Location {
        Location::file(self.file).in_member(self.member)
    }

    pub fn at(&self, line: u64, column: Option<u64>) -> Location {
        Location::at(self.file, line, column).in_member(self.member)
    }

    /// The name shown for the file in summaries: the member inside an archive, or the file.
    pub fn label(&self) -> String {
        Location::file(self.file)
            .in_member(self.member)
            .file_and_member()
    }
}

/// A CSV reader that accepts rows of any length (vendor exports pad or trim rows freely).
pub fn reader<R: Read>(input: R) -> csv::Reader<R> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(input)
}

/// The 1-based line where a record starts.
pub fn line_of(record: &csv::ByteRecord) -> u64 {
    record.position().map(|p| p.line()).unwrap_or(0)
}

/// A cell's text without surrounding spaces and without Excel's `="…"` wrapper, which Dominion
/// exports put around ids so spreadsheets keep leading zeros.
pub fn cell(raw: &[u8]) -> &[u8] {
    let t = raw.trim_ascii();
    if let Some(inner) = t.strip_prefix(b"=\"").and_then(|r| r.strip_suffix(b"\"")) {
        return inner.trim_ascii();
    }
    if let Some(inner) = t.strip_prefix(b"=") {
        return inner.trim_ascii();
    }
    t
}

/// A cell as text; invalid UTF-8 is replaced (and reported by the caller where it matters).
pub fn text(raw: &[u8]) -> String {
    String::from_utf8_lossy(cell(raw)).into_owned()
}

/// The cell at `index`, or an empty cell when the row is shorter.
pub fn get(record: &csv::ByteRecord, index: Option<usize>) -> &[u8] {
    index.and_then(|i| record.get(i)).map(cell).unwrap_or(b"")
}

/// Appends the cell at `index` to `out` (cleared first).
pub fn put(out: &mut String, record: &csv::ByteRecord, index: Option<usize>) {
    out.clear();
    let raw = get(record, index);
    match std::str::from_utf8(raw) {
        Ok(s) => out.push_str(s),
        Err(_) => out.push_str(&String::from_utf8_lossy(raw)),
    }
}

/// A whole number in a cell, if it is one.
pub fn number(raw: &[u8]) -> Option<u64> {
    if raw.is_empty() || raw.len() > 19 || !raw.iter().all(u8::is_ascii_digit) {
        return None;
    }
    raw.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Reports a CSV error (bad quoting, invalid UTF-8 in a header) at its line.
pub fn report_csv_error(source: &Source<'_>, err: &csv::Error, diagnostics: &mut Diagnostics) {
    let location = match err.position() {
        Some(p) => source.at(p.line(), None),
        None => source.whole(),
    };
    let message = match err.kind() {
        csv::ErrorKind::Io(e) => format!("the file could not be read ({e})"),
        _ => format!(
            "the file could not be read as CSV ({err}); check the quoting on this line, or re-export the file"
        ),
    };
    diagnostics.error("csv", location, message);
}

/// Finds the index of a header, ignoring case, spaces and a leading `#`.
pub fn find_header(headers: &[String], name: &str) -> Option<usize> {
    headers.iter().position(|h| {
        h.trim()
            .trim_start_matches('#')
            .trim()
            .eq_ignore_ascii_case(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excel_text_cells_lose_their_wrapper() {
        assert_eq!(cell(b"=\"0012\""), b"0012");
        assert_eq!(cell(b" 7 "), b"7");
        assert_eq!(cell(b"=\"\""), b"");
        assert_eq!(number(b"0012"), Some(12));
        assert_eq!(number(b"99999999999999999999"), None);
        assert_eq!(number(b"1a"), None);
    }
}
