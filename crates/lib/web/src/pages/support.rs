//! Support staff's read-only view: every audit's risk per round, and for a round in progress the
//! risk measured so far from the entries made (Arlo issue #1550) — which administrators do not
//! see until the round ends, so that no one is tempted to stop a round on partial results.

use axum::extract::State;
use axum::response::{IntoResponse, Response};

use super::Result;
use crate::auth::Support;
use crate::state::AppState;
use crate::templates::{Chrome, SupportPage, render_page};

pub async fn home(State(state): State<AppState>, _: Support) -> Result<Response> {
    let wf = state.wf();
    let mut tables = Vec::new();
    for a in wf.audits().await? {
        let record = wf.record_shared(&a.name).await?;
        let mut t = super::rounds_table(&record);
        t.id = String::new();
        for risk in wf.provisional_risk(&a.name).await? {
            t.rows.push(vec![
                format!("{} (so far)", record.rounds.last().map_or(0, |r| r.number)),
                risk.contest.clone(),
                risk.draws.to_string(),
                audit::report::format_p(risk.p_value),
                if risk.risk_limit_met {
                    "would be met".into()
                } else {
                    "not yet".into()
                },
            ]);
        }
        tables.push((a.name.clone(), t));
    }
    Ok(render_page(&SupportPage {
        c: Chrome::current(),
        tables,
    })
    .into_response())
}
