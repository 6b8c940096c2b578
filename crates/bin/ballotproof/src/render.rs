//! Rendering results for people and scripts: aligned text tables, CSV and JSON.
//!
//! The table writer is ours rather than a crate's because it only pads columns: no terminal
//! detection, colours or wrapping, so the output is stable for snapshot tests and pipes.

use std::io::{self, Write};

/// Output formats shared by the commands that print lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// A table: a header row and data rows of the same width.
#[derive(Debug, Default)]
pub struct Table {
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns (by index) whose cells are right-aligned, such as counts.
    pub right_aligned: Vec<usize>,
}

impl Table {
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Table {
        Table {
            header: header.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            right_aligned: Vec::new(),
        }
    }

    pub fn right_align(mut self, columns: &[usize]) -> Table {
        self.right_aligned = columns.to_vec();
        self
    }

    pub fn push<S: Into<String>>(&mut self, row: impl IntoIterator<Item = S>) {
        self.rows.push(row.into_iter().map(Into::into).collect());
    }

    /// Aligned text with a rule under the header.
    pub fn to_text(&self) -> String {
        let width = |i: usize| {
            std::iter::once(&self.header)
                .chain(&self.rows)
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.header.len()).map(width).collect();
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let mut text = String::new();
            for (i, w) in widths.iter().enumerate() {
                let cell = cells.get(i).map(String::as_str).unwrap_or("");
                let pad = w.saturating_sub(cell.chars().count());
                if i > 0 {
                    text.push_str("  ");
                }
                if self.right_aligned.contains(&i) {
                    text.push_str(&" ".repeat(pad));
                    text.push_str(cell);
                } else {
                    text.push_str(cell);
                    text.push_str(&" ".repeat(pad));
                }
            }
            out.push_str(text.trim_end());
            out.push('\n');
        };
        line(&self.header);
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(&rule);
        for row in &self.rows {
            line(row);
        }
        out
    }

    /// RFC 4180 CSV with a header row.
    pub fn write_csv(&self, out: impl Write) -> io::Result<()> {
        let mut writer = csv::Writer::from_writer(out);
        writer.write_record(&self.header)?;
        for row in &self.rows {
            writer.write_record(row)?;
        }
        writer.flush()
    }
}

/// Writes `value` as pretty JSON followed by a newline.
pub fn write_json(out: &mut impl Write, value: &impl serde::Serialize) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// Compares strings the way people sort batch names: digit runs by value ("Batch 2" < "Batch 10").
pub fn human_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    human_key(a).cmp(&human_key(b))
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Chunk {
    Number(u128, usize),
    Text(String),
}

fn human_key(s: &str) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut rest = s;
    while let Some(c) = rest.chars().next() {
        let is_digit = c.is_ascii_digit();
        let end = rest
            .find(|d: char| d.is_ascii_digit() != is_digit)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        chunks.push(if is_digit {
            // Leading zeros break ties so that "007" and "7" stay distinct and ordered.
            Chunk::Number(run.parse().unwrap_or(u128::MAX), run.len())
        } else {
            Chunk::Text(run.to_lowercase())
        });
        rest = tail;
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_pads_and_right_aligns() {
        let mut t = Table::new(["Batch", "Ballots"]).right_align(&[1]);
        t.push(["Batch 1", "7"]);
        t.push(["B", "1234"]);
        assert_eq!(
            t.to_text(),
            "Batch    Ballots\n-------  -------\nBatch 1        7\nB           1234\n"
        );
    }

    #[test]
    fn human_sort_orders_numbers_by_value() {
        let mut v = vec!["Batch 10", "Batch 2", "batch 1", "Batch 02"];
        v.sort_by(|a, b| human_cmp(a, b));
        assert_eq!(v, vec!["batch 1", "Batch 2", "Batch 02", "Batch 10"]);
    }
}
