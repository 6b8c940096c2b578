//! The screens, one module per area. Each handler takes an authorizing extractor
//! ([`crate::auth`]), calls the audit workflow or the account flows, and renders a template.
//! Shared pieces (tables of rounds and retrieval lists, redirects) live here.

pub mod admin;
pub mod board;
pub mod jurisdiction;
pub mod login;
pub mod public;
pub mod support;

use accounts::Role;
use audit::AuditRecord;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::Anyone;
use crate::error::WebError;
use crate::templates::{Table, encode};

pub type Result<T> = std::result::Result<T, WebError>;

/// The start page: each user's own area.
pub async fn home(Anyone(ctx): Anyone) -> Response {
    let target = match ctx.principal.roles.first() {
        Some(Role::StateAdmin) => "/admin".to_string(),
        Some(Role::Support) => "/support".to_string(),
        Some(Role::JurisdictionAdmin {
            audit,
            jurisdiction,
        }) => format!("/jurisdiction/{}/{}", encode(audit), encode(jurisdiction)),
        Some(Role::AuditBoard { .. }) => "/board".to_string(),
        None => match &ctx.session {
            Some(s) if s.stage() == "second_factor" => "/login/totp".to_string(),
            Some(s) if s.stage() == "enrol" => "/login/enrol".to_string(),
            _ => "/public".to_string(),
        },
    };
    Redirect::to(&target).into_response()
}

const HTMX: &str = include_str!("../../static/htmx.min.js");
const UPLOAD_JS: &str = include_str!("../../static/upload.js");
const BUSY_JS: &str = include_str!("../../static/busy.js");
const CSS: &str = include_str!("../../static/app.css");

/// The application's own static files (htmx 4.0.1 from npm `htmx.org`, vendored; no CDN).
pub async fn static_file(_: Anyone, Path(file): Path<String>) -> Result<Response> {
    let (body, kind) = match file.as_str() {
        "htmx.min.js" => (HTMX, "text/javascript; charset=utf-8"),
        "upload.js" => (UPLOAD_JS, "text/javascript; charset=utf-8"),
        "busy.js" => (BUSY_JS, "text/javascript; charset=utf-8"),
        "app.css" => (CSS, "text/css; charset=utf-8"),
        _ => return Err(WebError::NotFound(format!("the file {file:?}"))),
    };
    Ok((
        [
            (header::CONTENT_TYPE, kind),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response())
}

pub async fn not_found() -> WebError {
    WebError::NotFound("There is no page at this address".into())
}

/// A 303 to `to` (after a form).
pub fn see_other(to: &str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_string())]).into_response()
}

/// One line about an audit for lists.
pub fn audit_line(r: &store::AuditRow) -> String {
    format!(
        "{}, {}, risk limit {}, {}",
        r.audit_type.replace('_', " "),
        r.math.replace('_', " "),
        r.risk_limit,
        r.status.replace('_', " ")
    )
}

/// Each round's draws and risk per contest.
pub fn rounds_table(record: &AuditRecord) -> Table {
    let mut t = Table::new(
        "rounds",
        &[
            "Round",
            "Contest",
            "Draws",
            "Risk (p-value)",
            "Risk limit met?",
        ],
        "No round has started yet.",
    );
    for r in &record.rounds {
        for c in &r.contests {
            t.rows.push(vec![
                r.number.to_string(),
                c.contest.clone(),
                c.sample_size.to_string(),
                c.p_value
                    .map(audit::report::format_p)
                    .unwrap_or_else(|| "round in progress".into()),
                match c.risk_limit_met {
                    Some(true) => "yes".into(),
                    Some(false) => "no".into(),
                    None => String::new(),
                },
            ]);
        }
    }
    t
}

/// The retrieval list of `jurisdiction` (all when None) for the latest round, without personal
/// data: where each ballot is, its tickets, its audit board's name.
pub fn retrieval_table(record: &AuditRecord, jurisdiction: Option<&str>) -> Table {
    let mut t = Table::new(
        "retrieval-list",
        &[
            "Jurisdiction",
            "Container",
            "Tabulator",
            "Batch",
            "Ballot position",
            "Tickets",
            "Audit board",
            "Status",
        ],
        "No ballots drawn yet.",
    );
    let round = record.rounds.last().map_or(0, |r| r.number);
    for b in record
        .ballots
        .iter()
        .filter(|b| jurisdiction.is_none_or(|j| b.jurisdiction == j))
        .filter(|b| b.draws.iter().any(|d| d.round == round))
    {
        t.rows.push(vec![
            b.jurisdiction.clone(),
            b.container.clone().unwrap_or_default(),
            b.tabulator.clone().unwrap_or_default(),
            b.batch.clone(),
            b.position.to_string(),
            b.draws
                .iter()
                .map(|d| d.ticket.clone())
                .collect::<Vec<_>>()
                .join(" "),
            b.audit_board.clone().unwrap_or_default(),
            b.status.replace('_', " "),
        ]);
    }
    for b in record
        .batches
        .iter()
        .filter(|b| jurisdiction.is_none_or(|j| b.jurisdiction == j))
        .filter(|b| b.draws.iter().any(|d| d.round == round))
    {
        t.rows.push(vec![
            b.jurisdiction.clone(),
            b.container.clone().unwrap_or_default(),
            b.tabulator.clone().unwrap_or_default(),
            b.batch.clone(),
            "whole batch".into(),
            b.draws
                .iter()
                .map(|d| d.ticket.clone())
                .collect::<Vec<_>>()
                .join(" "),
            b.audit_board.clone().unwrap_or_default(),
            b.status.replace('_', " "),
        ]);
    }
    t
}

/// The risk chart of an audit ("" before any round ended).
pub fn chart(record: &AuditRecord) -> String {
    let series = crate::chart::series(record);
    if series.is_empty() {
        return String::new();
    }
    let limit = record.risk_limit.parse().unwrap_or(0.05);
    crate::chart::svg(&series, limit)
}

/// Reads `NAME=COUNT` lines.
pub fn name_counts(text: &str) -> Result<Vec<(String, u64)>> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (name, count) = l.rsplit_once('=').ok_or_else(|| {
                WebError::BadRequest(format!("{l:?} is not NAME=COUNT (e.g. Ana Alvarez=120)"))
            })?;
            let count = count.trim().parse().map_err(|_| {
                WebError::BadRequest(format!("{:?} in {l:?} is not a whole number", count.trim()))
            })?;
            Ok((name.trim().to_string(), count))
        })
        .collect()
}
