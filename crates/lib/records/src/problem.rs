//! Problems found in an uploaded file: where (file, line, column), how serious, and what to do.
//!
//! Parsers collect every problem in one pass rather than stopping at the first, because a clerk
//! fixing a file wants the whole list at once.

use std::fmt;

use thiserror::Error;

/// Errors stop a file from being used; warnings are shown but do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Warning,
    Error,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        })
    }
}

/// Where a problem is: the file, and inside it the zip member, line, column and JSON path when
/// they are known. Lines and columns are 1-based, as a spreadsheet shows them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Location {
    pub file: String,
    /// The file inside a zip archive (`file` is then the archive).
    pub member: Option<String>,
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// Where in a JSON document, such as `Sessions[12].Original.Cards[0]`.
    pub path: Option<String>,
}

impl Location {
    pub fn file(file: &str) -> Location {
        Location {
            file: file.to_string(),
            ..Location::default()
        }
    }

    pub fn at(file: &str, line: u64, column: Option<u64>) -> Location {
        Location {
            file: file.to_string(),
            line: Some(line),
            column,
            ..Location::default()
        }
    }

    /// The same place inside zip member `member`.
    pub fn in_member(mut self, member: Option<&str>) -> Location {
        self.member = member.map(str::to_string);
        self
    }

    /// The same place at JSON path `path`.
    pub fn with_path(mut self, path: impl Into<String>) -> Location {
        self.path = Some(path.into());
        self
    }

    /// The file, and the zip member after a `!` when there is one: `cvrs.zip!Tabulator1/1.xml`.
    pub fn file_and_member(&self) -> String {
        match &self.member {
            Some(member) => format!("{}!{member}", self.file),
            None => self.file.clone(),
        }
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file_and_member())?;
        if let Some(line) = self.line {
            write!(f, ", line {line}")?;
        }
        if let Some(column) = self.column {
            write!(f, ", column {column}")?;
        }
        if let Some(path) = &self.path {
            write!(f, ", at {path}")?;
        }
        Ok(())
    }
}

/// One problem: a sentence that says what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    pub location: Location,
    pub message: String,
}

impl Problem {
    pub fn error(location: Location, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            location,
            message: message.into(),
        }
    }

    pub fn warning(location: Location, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Warning,
            location,
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.location, self.severity, self.message)
    }
}

/// A parsed value with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Parsed<T> {
    pub value: T,
    pub warnings: Vec<Problem>,
}

/// Every problem found in a file that could not be used; at least one is an error.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(|p| p.severity == Severity::Error)
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

/// A collector for the problems of a long file: keeps every distinct kind of problem but at most
/// [`Diagnostics::PER_KIND`] examples of each, and counts the rest, so that a systematic error on a
/// million rows neither floods the clerk nor uses memory in proportion to the rows.
#[derive(Debug, Default)]
pub struct Diagnostics {
    problems: Vec<Problem>,
    /// How many problems of each kind were reported, with the severity of the kind.
    counts: Vec<(&'static str, u64, Severity)>,
    /// Said before each message while set (`Jurisdiction "Adams"`).
    context: Option<String>,
}

impl Diagnostics {
    /// Examples kept of each kind of problem.
    pub const PER_KIND: u64 = 20;

    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    /// Starts (or with `None` ends) saying `context` before every message, as `context: message`
    /// — for problems whose own text cannot tell which of several jurisdictions they are about.
    pub fn set_context(&mut self, context: Option<String>) {
        self.context = context;
    }

    /// Records a problem of kind `kind` (a short fixed label such as `"unknown-batch"`).
    pub fn push(&mut self, kind: &'static str, mut problem: Problem) {
        if let Some(context) = &self.context {
            problem.message = format!("{context}: {}", problem.message);
        }
        let count = match self.counts.iter_mut().find(|(k, _, _)| *k == kind) {
            Some((_, n, severity)) => {
                *n += 1;
                *severity = (*severity).max(problem.severity);
                *n
            }
            None => {
                self.counts.push((kind, 1, problem.severity));
                1
            }
        };
        if count <= Self::PER_KIND {
            self.problems.push(problem);
        }
    }

    pub fn error(&mut self, kind: &'static str, location: Location, message: impl Into<String>) {
        self.push(kind, Problem::error(location, message));
    }

    pub fn warning(&mut self, kind: &'static str, location: Location, message: impl Into<String>) {
        self.push(kind, Problem::warning(location, message));
    }

    /// Adds every problem of a finished parse (they are already complete lists).
    pub fn extend(&mut self, kind: &'static str, problems: impl IntoIterator<Item = Problem>) {
        for problem in problems {
            self.push(kind, problem);
        }
    }

    pub fn has_errors(&self) -> bool {
        self.counts.iter().any(|(_, _, s)| *s == Severity::Error)
    }

    pub fn error_count(&self) -> u64 {
        self.counts
            .iter()
            .filter(|(_, _, s)| *s == Severity::Error)
            .map(|(_, n, _)| n)
            .sum()
    }

    /// The problems kept, followed by one line per kind whose further examples were left out.
    pub fn into_problems(self) -> Vec<Problem> {
        let mut problems = self.problems;
        for (kind, n, severity) in self.counts {
            if n > Self::PER_KIND {
                problems.push(Problem {
                    severity,
                    location: Location::default(),
                    message: format!(
                        "{} more problems of the kind \"{kind}\" were found and are not listed; fix the ones above and check again",
                        n - Self::PER_KIND
                    ),
                });
            }
        }
        problems
    }
}
