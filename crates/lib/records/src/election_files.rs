//! The election's other upload files: Arlo's batch tallies ("candidate totals by batch"),
//! jurisdictions file and standardized contests, and Colorado's canonical contest list with the
//! contest-name standardization it is for.
//!
//! These files are small (bounded by batches, jurisdictions and contests), so they are read whole.

use std::collections::{HashMap, HashSet};
use std::io::Read;

use crate::csvutil::{self, Source, cell, line_of};
use crate::manifest::parse_count;
use crate::problem::Diagnostics;

fn read_rows<R: Read>(
    source: &Source<'_>,
    input: R,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<(u64, Vec<String>)>> {
    let mut reader = csvutil::reader(input);
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {
                if record.iter().all(|f| cell(f).is_empty()) {
                    continue;
                }
                let mut cells: Vec<String> = record.iter().map(csvutil::text).collect();
                if let Some(first) = cells.first_mut()
                    && let Some(rest) = first.strip_prefix('\u{feff}')
                {
                    *first = rest.to_string();
                }
                rows.push((line_of(&record), cells));
            }
            Ok(false) => return Some(rows),
            Err(err) => {
                csvutil::report_csv_error(source, &err, diagnostics);
                if err.is_io_error() {
                    return None;
                }
            }
        }
    }
}

fn is_total(s: &str) -> bool {
    let s = s.trim().trim_end_matches(':').to_lowercase();
    matches!(s.as_str(), "total" | "totals" | "grand total" | "sum") || s.starts_with("total ")
}

/// One batch's votes in a batch-tally file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TallyBatch {
    pub tabulator: Option<String>,
    pub name: String,
    /// Votes per choice, in the order of [`BatchTallies::choices`].
    pub votes: Vec<u64>,
    pub line: u64,
}

/// Arlo's "candidate totals by batch" file for one contest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchTallies {
    /// The contest, taken from Arlo's file name `<Jurisdiction> - <Contest> - candidate totals by
    /// batch.csv` when it has that form.
    pub contest: Option<String>,
    pub choices: Vec<String>,
    pub batches: Vec<TallyBatch>,
}

impl BatchTallies {
    /// Total votes per choice.
    pub fn totals(&self) -> Vec<(String, u64)> {
        self.choices
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    c.clone(),
                    self.batches
                        .iter()
                        .map(|b| b.votes.get(i).copied().unwrap_or(0))
                        .sum(),
                )
            })
            .collect()
    }
}

/// The contest named by Arlo's batch-tally file name, if it has that form.
pub fn contest_from_tally_file_name(name: &str) -> Option<String> {
    let stem = name.rsplit(['/', '\\']).next()?;
    let stem = stem.strip_suffix(".csv").unwrap_or(stem);
    let rest = stem.strip_suffix(" - candidate totals by batch")?;
    let (_, contest) = rest.split_once(" - ")?;
    Some(contest.to_string())
}

/// Reads a batch-tally file: `Batch Name`, optionally `Tabulator`/`Container`, then one column per
/// choice with whole-number vote counts.
pub fn read_batch_tallies<R: Read>(
    source: Source<'_>,
    input: R,
    diagnostics: &mut Diagnostics,
) -> Option<BatchTallies> {
    let rows = read_rows(&source, input, diagnostics)?;
    let mut rows = rows.into_iter();
    let Some((header_line, header)) = rows.next() else {
        diagnostics.error("tallies-header", source.whole(), "the file is empty; a batch tally file has a header row (Batch Name, then one column per choice) and one row per batch");
        return None;
    };
    let Some(name_col) = csvutil::find_header(&header, "Batch Name") else {
        diagnostics.error("tallies-header", source.at(header_line, None), "the header has no \"Batch Name\" column; a batch tally file has Batch Name, then one column per choice");
        return None;
    };
    let tab_col = csvutil::find_header(&header, "Tabulator");
    let container_col = csvutil::find_header(&header, "Container");
    let choice_cols: Vec<usize> = (0..header.len())
        .filter(|&i| Some(i) != Some(name_col) && Some(i) != tab_col && Some(i) != container_col)
        .filter(|&i| header.get(i).is_some_and(|h| !h.is_empty()))
        .collect();
    if choice_cols.is_empty() {
        diagnostics.error(
            "tallies-header",
            source.at(header_line, None),
            "the header names no choices; add one column per choice after Batch Name",
        );
        return None;
    }
    let choices: Vec<String> = choice_cols
        .iter()
        .filter_map(|&i| header.get(i).cloned())
        .collect();
    let mut batches: Vec<TallyBatch> = Vec::new();
    let mut seen: HashMap<(Option<String>, String), u64> = HashMap::new();
    for (line, row) in rows {
        let name = row.get(name_col).cloned().unwrap_or_default();
        let tabulator = tab_col.and_then(|c| row.get(c).cloned());
        if is_total(&name) || tabulator.as_deref().is_some_and(is_total) {
            diagnostics.error("tallies-total-row", source.at(line, None), format!("this row looks like a total row ({name:?}); a batch tally file lists batches only, so delete this row"));
            continue;
        }
        if name.is_empty() {
            diagnostics.error(
                "tallies-batch",
                source.at(line, Some(name_col as u64 + 1)),
                "\"Batch Name\" is empty; give every batch a name",
            );
            continue;
        }
        let mut votes = Vec::with_capacity(choice_cols.len());
        for (k, &c) in choice_cols.iter().enumerate() {
            let text = row.get(c).map(String::as_str).unwrap_or("");
            match parse_count(text) {
                Ok(n) => votes.push(n),
                Err(why) => {
                    diagnostics.error(
                        "tallies-count",
                        source.at(line, Some(c as u64 + 1)),
                        format!(
                            "the votes for {:?} are {text:?}: {}",
                            choices.get(k).map(String::as_str).unwrap_or("?"),
                            why.replace("ballots", "votes")
                        ),
                    );
                    votes.push(0);
                }
            }
        }
        let key = (tabulator.clone(), name.clone());
        if let Some(first) = seen.get(&key) {
            diagnostics.error("tallies-duplicate", source.at(line, None), format!("batch {name:?} is listed twice (first on line {first}); each batch must appear once"));
            continue;
        }
        seen.insert(key, line);
        batches.push(TallyBatch {
            tabulator,
            name,
            votes,
            line,
        });
    }
    Some(BatchTallies {
        contest: contest_from_tally_file_name(source.member.unwrap_or(source.file)),
        choices,
        batches,
    })
}

/// One row of Arlo's jurisdictions file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jurisdiction {
    pub name: String,
    pub admin_email: String,
    pub expected_ballots: Option<u64>,
    pub line: u64,
}

/// Reads Arlo's jurisdictions file: `Jurisdiction, Admin Email[, Expected Number of Ballots]`.
pub fn read_jurisdictions<R: Read>(
    source: Source<'_>,
    input: R,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<Jurisdiction>> {
    let rows = read_rows(&source, input, diagnostics)?;
    let mut rows = rows.into_iter();
    let (header_line, header) = rows.next()?;
    let (Some(name_col), Some(email_col)) = (
        csvutil::find_header(&header, "Jurisdiction"),
        csvutil::find_header(&header, "Admin Email"),
    ) else {
        diagnostics.error(
            "jurisdictions-header",
            source.at(header_line, None),
            "a jurisdictions file needs the columns \"Jurisdiction\" and \"Admin Email\"",
        );
        return None;
    };
    let expected_col = csvutil::find_header(&header, "Expected Number of Ballots");
    let mut out: Vec<Jurisdiction> = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for (line, row) in rows {
        let name = row.get(name_col).cloned().unwrap_or_default();
        let email = row.get(email_col).cloned().unwrap_or_default();
        if name.is_empty() {
            diagnostics.error(
                "jurisdictions-name",
                source.at(line, Some(name_col as u64 + 1)),
                "the jurisdiction's name is empty; fill it in",
            );
            continue;
        }
        if !email.contains('@') {
            diagnostics.error(
                "jurisdictions-email",
                source.at(line, Some(email_col as u64 + 1)),
                format!(
                    "{email:?} is not an email address; give the jurisdiction administrator's email"
                ),
            );
        }
        let expected_ballots = match expected_col
            .and_then(|c| row.get(c))
            .filter(|t| !t.is_empty())
        {
            Some(t) => match parse_count(t) {
                Ok(n) => Some(n),
                Err(why) => {
                    diagnostics.error(
                        "jurisdictions-expected",
                        source.at(line, expected_col.map(|c| c as u64 + 1)),
                        format!("\"Expected Number of Ballots\" is {t:?}: {why}"),
                    );
                    None
                }
            },
            None => None,
        };
        if let Some(first) = seen.get(&name.to_lowercase()) {
            diagnostics.error(
                "jurisdictions-duplicate",
                source.at(line, None),
                format!(
                    "jurisdiction {name:?} is listed twice (first on line {first}); list each once"
                ),
            );
            continue;
        }
        seen.insert(name.to_lowercase(), line);
        out.push(Jurisdiction {
            name,
            admin_email: email,
            expected_ballots,
            line,
        });
    }
    Some(out)
}

/// One row of Arlo's standardized contests file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardContest {
    pub name: String,
    /// The jurisdictions voting on it; `None` means all.
    pub jurisdictions: Option<Vec<String>>,
    pub line: u64,
}

/// Reads Arlo's standardized contests file: `Contest Name, Jurisdictions` (`all` or a
/// comma-separated list).
pub fn read_standardized_contests<R: Read>(
    source: Source<'_>,
    input: R,
    diagnostics: &mut Diagnostics,
) -> Option<Vec<StandardContest>> {
    let rows = read_rows(&source, input, diagnostics)?;
    let mut rows = rows.into_iter();
    let (header_line, header) = rows.next()?;
    let (Some(name_col), Some(j_col)) = (
        csvutil::find_header(&header, "Contest Name"),
        csvutil::find_header(&header, "Jurisdictions"),
    ) else {
        diagnostics.error(
            "contests-header",
            source.at(header_line, None),
            "a standardized contests file needs the columns \"Contest Name\" and \"Jurisdictions\"",
        );
        return None;
    };
    let mut out: Vec<StandardContest> = Vec::new();
    let mut seen = HashSet::new();
    for (line, row) in rows {
        let name = row.get(name_col).cloned().unwrap_or_default();
        let list = row.get(j_col).cloned().unwrap_or_default();
        if name.is_empty() {
            diagnostics.error(
                "contests-name",
                source.at(line, Some(name_col as u64 + 1)),
                "the contest name is empty; fill it in",
            );
            continue;
        }
        if !seen.insert(name.clone()) {
            diagnostics.error(
                "contests-duplicate",
                source.at(line, None),
                format!("contest {name:?} is listed twice; list each once"),
            );
            continue;
        }
        let jurisdictions = if list.trim().eq_ignore_ascii_case("all") {
            None
        } else {
            let names: Vec<String> = list
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect();
            if names.is_empty() {
                diagnostics.error("contests-jurisdictions", source.at(line, Some(j_col as u64 + 1)), format!("contest {name:?} lists no jurisdictions; write \"all\" or a comma-separated list"));
            }
            Some(names)
        };
        out.push(StandardContest {
            name,
            jurisdictions,
            line,
        });
    }
    Some(out)
}

/// One row of Colorado's canonical contest list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CanonicalContest {
    pub county: String,
    pub contest: String,
    pub choices: Vec<String>,
}

/// Colorado's canonical list: the contest and choice names every county's CVRs are standardized to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CanonicalList {
    pub rows: Vec<CanonicalContest>,
}

/// How a contest name compares with the canonical list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standardization {
    /// The name is canonical.
    Exact,
    /// The name differs only in case or spacing from this canonical name.
    Respell(String),
    /// Not in the list; the closest canonical name, if any is close.
    Unknown(Option<String>),
}

/// Reads the canonical list: an optional title row, then `CountyName, ContestName, ContestChoices`
/// with the choices comma-joined in one field.
pub fn read_canonical_list<R: Read>(
    source: Source<'_>,
    input: R,
    diagnostics: &mut Diagnostics,
) -> Option<CanonicalList> {
    let rows = read_rows(&source, input, diagnostics)?;
    let Some(h) = rows
        .iter()
        .take(3)
        .position(|(_, r)| csvutil::find_header(r, "ContestName").is_some())
    else {
        diagnostics.error("canonical-header", source.whole(), "no header row with CountyName, ContestName and ContestChoices was found; this is not a canonical contest list");
        return None;
    };
    let header = &rows.get(h)?.1;
    let county = csvutil::find_header(header, "CountyName");
    let contest = csvutil::find_header(header, "ContestName")?;
    let choices = csvutil::find_header(header, "ContestChoices");
    let mut list = CanonicalList::default();
    for (line, row) in rows.iter().skip(h + 1) {
        let name = row.get(contest).cloned().unwrap_or_default();
        if name.is_empty() {
            diagnostics.warning(
                "canonical-row",
                source.at(*line, Some(contest as u64 + 1)),
                "this row has no contest name and is ignored",
            );
            continue;
        }
        list.rows.push(CanonicalContest {
            county: county.and_then(|c| row.get(c)).cloned().unwrap_or_default(),
            contest: name,
            choices: choices
                .and_then(|c| row.get(c))
                .map(|s| {
                    s.split(',')
                        .map(|c| c.trim().to_string())
                        .filter(|c| !c.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    Some(list)
}

fn normalize(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Sørensen–Dice similarity of the character bigrams of two normalized names (0 to 1).
fn similarity(a: &str, b: &str) -> f64 {
    let bigrams = |s: &str| -> Vec<(char, char)> {
        let chars: Vec<char> = s.chars().collect();
        chars
            .windows(2)
            .filter_map(|w| Some((*w.first()?, *w.get(1)?)))
            .collect()
    };
    let (x, mut y) = (bigrams(a), bigrams(b));
    if x.is_empty() || y.is_empty() {
        return if a == b { 1.0 } else { 0.0 };
    }
    let total = x.len() + y.len();
    let mut common = 0;
    for g in &x {
        if let Some(i) = y.iter().position(|h| h == g) {
            y.swap_remove(i);
            common += 1;
        }
    }
    2.0 * common as f64 / total as f64
}

impl CanonicalList {
    /// Distinct contest names, for a county when given.
    pub fn contest_names(&self, county: Option<&str>) -> Vec<&str> {
        let mut names: Vec<&str> = self
            .rows
            .iter()
            .filter(|r| county.is_none_or(|c| r.county.eq_ignore_ascii_case(c)))
            .map(|r| r.contest.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    /// Compares a contest name from a CVR with the canonical names (of `county`, when given).
    pub fn standardize(&self, name: &str, county: Option<&str>) -> Standardization {
        let names = self.contest_names(county);
        if names.contains(&name) {
            return Standardization::Exact;
        }
        let wanted = normalize(name);
        if let Some(n) = names.iter().find(|n| normalize(n) == wanted) {
            return Standardization::Respell((*n).to_string());
        }
        let best = names
            .iter()
            .map(|n| (similarity(&wanted, &normalize(n)), *n))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        Standardization::Unknown(best.filter(|(s, _)| *s >= 0.6).map(|(_, n)| n.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_file_names_name_the_contest() {
        assert_eq!(
            contest_from_tally_file_name(
                "x/Waurika - Minister of Farming - candidate totals by batch.csv"
            ),
            Some("Minister of Farming".to_string())
        );
        assert_eq!(contest_from_tally_file_name("tallies.csv"), None);
    }

    #[test]
    fn standardization_suggests_the_canonical_name() {
        let list = CanonicalList {
            rows: vec![CanonicalContest {
                county: "Adams".into(),
                contest: "Presidential Electors".into(),
                choices: vec![],
            }],
        };
        assert_eq!(
            list.standardize("Presidential Electors", None),
            Standardization::Exact
        );
        assert_eq!(
            list.standardize("presidential  electors", None),
            Standardization::Respell("Presidential Electors".into())
        );
        assert_eq!(
            list.standardize("Presidential Elector", None),
            Standardization::Unknown(Some("Presidential Electors".into()))
        );
        assert_eq!(
            list.standardize("Mayor", None),
            Standardization::Unknown(None)
        );
    }
}
