//! The public observer's pages (no login): audits, status, seed commitment and revealed seed,
//! risk per round with the chart, retrieval lists without personal data, the latest signed
//! checkpoint of the election log and the commands to verify everything offline.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::{Result, audit_line, chart, retrieval_table, rounds_table};
use crate::auth::Anyone;
use crate::error::WebError;
use crate::state::AppState;
use crate::templates::{Chrome, PublicAudit, PublicHome, render_page};

pub async fn home(State(state): State<AppState>, _: Anyone) -> Result<Response> {
    let audits = state.wf().audits().await?;
    Ok(render_page(&PublicHome {
        c: Chrome::current(),
        audits: audits
            .iter()
            .map(|a| (a.name.clone(), audit_line(a)))
            .collect(),
    })
    .into_response())
}

/// The audit record as published: the seed only once revealed, and no audit board member names
/// (personal data).
async fn public_record(state: &AppState, name: &str) -> Result<audit::AuditRecord> {
    let mut record = state.wf().record(name).await?;
    for b in &mut record.audit_boards {
        b.members = None;
    }
    Ok(record)
}

pub async fn audit(
    State(state): State<AppState>,
    _: Anyone,
    Path(name): Path<String>,
) -> Result<Response> {
    let row = state.wf().audit(&name).await?;
    let record = public_record(&state, &name).await?;
    let checkpoint = state
        .wf()
        .with_ledger(|l| l.checkpoint().map(|(_, note)| note))?
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok(render_page(&PublicAudit {
        c: Chrome::current(),
        summary: audit_line(&row),
        commitment: record.seed_commitment.clone(),
        seed: record.seed.clone(),
        salt: record.seed_salt.clone().unwrap_or_default(),
        rounds: rounds_table(&record),
        chart: chart(&record),
        retrieval: retrieval_table(&record, None),
        checkpoint,
        name,
    })
    .into_response())
}

pub async fn audit_json(
    State(state): State<AppState>,
    _: Anyone,
    Path(name): Path<String>,
) -> Result<Response> {
    let record = public_record(&state, &name).await?;
    let json =
        serde_json::to_string_pretty(&record).map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/json"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"audit.json\"",
            ),
        ],
        json,
    )
        .into_response())
}
