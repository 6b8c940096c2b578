//! Election records: ballot manifests, cast-vote records (CVRs) and batch tallies from every
//! vendor's exports, streamed into one typed model, with problems that name the file, line (or zip
//! member and JSON path) and column and say how to fix them.
//!
//! This crate reads bytes and readers it is given; it does not open files itself, so the same
//! parsers serve the command line, the web upload and the fuzzers. Parsers never panic: any input
//! yields either a value (with warnings) or the problems found in one pass.
//!
//! CVR readers stream: each card is handed to a [`CardSink`] as it is read, so memory is bounded by
//! the number of contests and batches (see [`reconcile`](mod@reconcile) for the two compact
//! per-card structures).
//! The formats that are large per card are read by small purpose-built scanners rather than
//! general parsers: Dominion JSON by `json` (in place, a session at a time), Hart XML by `xml`,
//! and zip archives member by member by [`zipstream`] (see docs/PERFORMANCE.md).
//!
//! [`inspect()`] takes any mix of files, each optionally of a named jurisdiction
//! ([`Input::in_jurisdiction`]): a jurisdiction's CVRs are reconciled with its own manifests.

pub mod clearballot;
pub mod csvutil;
pub mod cvr;
pub mod detect;
pub mod dominion_csv;
pub mod dominion_json;
pub mod election_files;
pub mod ess;
pub mod generate;
pub mod hart;
pub mod inspect;
mod json;
pub mod manifest;
pub mod model;
pub mod problem;
pub mod reconcile;
pub mod tally;
mod xml;
pub mod zipstream;

pub use csvutil::Source;
pub use cvr::CvrFile;
pub use detect::{Format, detect};
pub use inspect::{
    FileReport, Input, Inspection, JurisdictionReport, Options, Report, inspect, inspect_with,
};
pub use manifest::{
    Batch, Manifest, ManifestLayout, parse_arlo_manifest, parse_manifest_csv, parse_manifest_xlsx,
};
pub use model::{Card, CardSink, ChoiceId, Contest, ContestId, Contests, Mark, Origin};
pub use problem::{Diagnostics, Location, Parsed, Problem, Problems, Severity};
pub use reconcile::{CardCounter, PositionIndex, Reconciliation, reconcile};
pub use tally::{ContestSummary, Tally};
