//! A jurisdiction administrator's page: uploads with their validation report shown at once,
//! audit boards and their printed credentials, the retrieval list (page and CSV), offline
//! tallies. Only the jurisdiction's own administrator may change anything here (the
//! [`Jurisdiction`] extractor); state administrators and support staff may read it.

use accounts::service::{BoardLogin, CredentialKind};
use audit::UploadKind;
use audit::upload::NamedFile;
use audit::workflow::Upload;
use axum::extract::{Form, Multipart, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Result, name_counts, retrieval_table, see_other};
use crate::auth::Jurisdiction;
use crate::error::WebError;
use crate::state::AppState;
use crate::templates::{Chrome, Credential, JurisdictionPage, Table, encode, render_page};

/// An upload's time as "YYYY-MM-DD HH:MM UTC", from the election log's RFC 3339 formatter.
fn time(ms: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0).unsigned_abs());
    let stamp = ledger::entry::rfc3339(at); // 2024-02-29T23:59:59.999Z
    let (date, clock) = stamp.split_once('T').unwrap_or((&stamp, ""));
    format!("{date} {} UTC", clock.get(..5).unwrap_or(clock))
}

async fn render(
    state: &AppState,
    j: &Jurisdiction,
    message: Option<String>,
    report: Option<audit::ValidationReport>,
) -> Result<Response> {
    let wf = state.wf();
    let a = wf.audit(&j.audit).await?;
    let record = wf.record_shared(&j.audit).await?;
    let jrow = store::Store::jurisdictions(wf.store(), a.id)
        .await?
        .into_iter()
        .find(|x| x.name == j.jurisdiction)
        .ok_or_else(|| {
            WebError::NotFound(format!(
                "jurisdiction {:?} in audit {:?}",
                j.jurisdiction, j.audit
            ))
        })?;
    let mut uploads = Table::new(
        "uploads",
        &["Kind", "File", "Format", "Result", "Summary", "When", "By"],
        "Nothing uploaded yet.",
    );
    for u in store::Store::uploads(wf.store(), a.id)
        .await?
        .iter()
        .filter(|u| u.jurisdiction_id == jrow.id)
        .rev()
    {
        let summary: Vec<String> = serde_json::from_str(&u.summary).unwrap_or_default();
        uploads.rows.push(vec![
            u.kind.replace('_', " "),
            u.file_name.clone(),
            u.format.clone(),
            match (u.accepted, u.replaced_at) {
                (false, _) => "rejected".into(),
                (true, Some(_)) => "replaced".into(),
                (true, None) => "current".into(),
            },
            summary.first().cloned().unwrap_or_default(),
            time(u.uploaded_at),
            u.uploaded_by.clone(),
        ]);
    }
    let round = record
        .rounds
        .last()
        .filter(|r| !r.ended)
        .map_or(0, |r| r.number);
    let mut boards = Table::new(
        "boards",
        &[
            "Board",
            "Ballots or batches",
            "Entered",
            "Members",
            "Signed off",
        ],
        if round > 0 {
            "No audit boards yet: set them up below."
        } else {
            "Audit boards are set up once a round starts."
        },
    );
    let mut board_names = Vec::new();
    for b in record
        .audit_boards
        .iter()
        .filter(|b| b.jurisdiction == j.jurisdiction && b.round == round)
    {
        let mine = record
            .ballots
            .iter()
            .filter(|x| {
                x.jurisdiction == j.jurisdiction
                    && x.audit_board.as_deref() == Some(&b.name)
                    && x.first_round == round
            })
            .map(|x| x.status.as_str())
            .chain(
                record
                    .batches
                    .iter()
                    .filter(|x| {
                        x.jurisdiction == j.jurisdiction
                            && x.audit_board.as_deref() == Some(&b.name)
                            && x.first_round == round
                    })
                    .map(|x| x.status.as_str()),
            )
            .collect::<Vec<_>>();
        boards.rows.push(vec![
            b.name.clone(),
            mine.len().to_string(),
            mine.iter()
                .filter(|s| **s != "not_audited")
                .count()
                .to_string(),
            b.members
                .as_ref()
                .map(|(x, y)| format!("{x}, {y}"))
                .unwrap_or_default(),
            if b.signed_off { "yes" } else { "no" }.into(),
        ]);
        board_names.push(b.name.clone());
    }
    let can_manage = accounts::permits(
        &j.ctx.principal,
        accounts::Action::ManageJurisdiction {
            audit: &j.audit,
            jurisdiction: &j.jurisdiction,
        },
    );
    let signed_off = record
        .jurisdiction_sign_offs
        .iter()
        .any(|x| x.round == round && x.jurisdiction == j.jurisdiction);
    let boards_done = !board_names.is_empty()
        && record
            .audit_boards
            .iter()
            .filter(|b| b.jurisdiction == j.jurisdiction && b.round == round)
            .all(|b| b.signed_off);
    let in_round = record.rounds.last().is_some_and(|r| !r.ended);
    Ok(render_page(&JurisdictionPage {
        c: Chrome::current(),
        signed_off,
        can_sign_off: can_manage && in_round && boards_done,
        message,
        report,
        uploads,
        can_upload: can_manage && record.seed.is_none() && a.status == "setup",
        round,
        can_set_boards: can_manage && round > 0 && board_names.is_empty(),
        board_names: if can_manage { board_names } else { Vec::new() },
        boards,
        retrieval: if round > 0 {
            retrieval_table(&record, Some(&j.jurisdiction))
        } else {
            Table::new("retrieval-list", &["Ballots"], "No round in progress.")
        },
        audit: j.audit.clone(),
        jurisdiction: j.jurisdiction.clone(),
    })
    .into_response())
}

pub async fn page(State(state): State<AppState>, j: Jurisdiction) -> Result<Response> {
    render(&state, &j, None, None).await
}

pub async fn upload(
    State(state): State<AppState>,
    j: Jurisdiction,
    mut multipart: Multipart,
) -> Result<Response> {
    let mut kind = None;
    let mut contest = String::new();
    // A vendor export can be several files (Dominion JSON with its manifests, ES&S CVRs with
    // ballots files, Hart zips with scanned-ballot information): the form takes them all.
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| WebError::BadRequest(format!("the upload was cut off or malformed: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "kind" => kind = Some(UploadKind::parse(&field.text().await.unwrap_or_default())?),
            "contest" => contest = field.text().await.unwrap_or_default().trim().to_string(),
            "file" => {
                let file_name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|e| WebError::BadRequest(format!("the file was cut off: {e}")))?;
                if !bytes.is_empty() {
                    files.push((file_name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| WebError::BadRequest("choose the kind of file".into()))?;
    if files.is_empty() {
        return Err(WebError::BadRequest("choose a file to upload".into()));
    }
    let named: Vec<NamedFile<'_>> = files
        .iter()
        .map(|(name, bytes)| NamedFile::new(name, bytes))
        .collect();
    let report = state
        .wf()
        .upload(
            &j.ctx.principal.actor,
            &j.audit,
            &j.jurisdiction,
            &Upload {
                kind,
                files: &named,
                contest: (!contest.is_empty()).then_some(contest.as_str()),
            },
        )
        .await?;
    let accepted = report.accepted;
    let response = render(&state, &j, None, Some(report)).await?;
    Ok(if accepted {
        response
    } else {
        (axum::http::StatusCode::UNPROCESSABLE_ENTITY, response).into_response()
    })
}

#[derive(Deserialize)]
pub struct BoardsForm {
    names: String,
}

pub async fn set_boards(
    State(state): State<AppState>,
    j: Jurisdiction,
    Form(f): Form<BoardsForm>,
) -> Result<Response> {
    let names: Vec<String> = f
        .names
        .lines()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect();
    state
        .wf()
        .set_audit_boards(&j.ctx.principal.actor, &j.audit, &j.jurisdiction, &names)
        .await?;
    Ok(see_other(&format!(
        "/jurisdiction/{}/{}#b-h",
        encode(&j.audit),
        encode(&j.jurisdiction)
    )))
}

/// The county administrator signs off the county's work in the current round.
pub async fn sign_off(State(state): State<AppState>, j: Jurisdiction) -> Result<Response> {
    state
        .wf()
        .sign_off_jurisdiction(&j.ctx.principal.actor, &j.audit, &j.jurisdiction)
        .await?;
    Ok(see_other(&format!(
        "/jurisdiction/{}/{}#so-h",
        encode(&j.audit),
        encode(&j.jurisdiction)
    )))
}

#[derive(Deserialize)]
pub struct CredentialForm {
    board: String,
    kind: String,
}

pub async fn issue_credential(
    State(state): State<AppState>,
    headers: HeaderMap,
    j: Jurisdiction,
    Form(f): Form<CredentialForm>,
) -> Result<Response> {
    let record = state.wf().record_shared(&j.audit).await?;
    let round = record
        .rounds
        .last()
        .filter(|r| !r.ended)
        .map(|r| r.number)
        .ok_or_else(|| WebError::Conflict("no round is in progress".into()))?;
    if !record
        .audit_boards
        .iter()
        .any(|b| b.jurisdiction == j.jurisdiction && b.round == round && b.name == f.board)
    {
        return Err(WebError::NotFound(format!(
            "audit board {:?} of {} in round {round}",
            f.board, j.jurisdiction
        )));
    }
    let kind = if f.kind == "link" {
        CredentialKind::Link
    } else {
        CredentialKind::Passphrase
    };
    let round = i64::try_from(round).unwrap_or(i64::MAX);
    let issued = state
        .accounts()
        .issue_board_credential(
            &j.ctx.principal.actor,
            &BoardLogin {
                audit: j.audit.clone(),
                jurisdiction: j.jurisdiction.clone(),
                board: f.board.clone(),
                round,
                members: None,
            },
            kind,
            state.now_ms(),
        )
        .await?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let origin = format!(
        "{}://{host}",
        if state.secure_cookies() {
            "https"
        } else {
            "http"
        }
    );
    let secret = match kind {
        CredentialKind::Link => format!("{origin}/board/link/{}", issued.secret),
        CredentialKind::Passphrase => issued.secret.clone(),
    };
    Ok(render_page(&Credential {
        c: Chrome::current(),
        audit: j.audit.clone(),
        jurisdiction: j.jurisdiction.clone(),
        board: f.board,
        round,
        is_link: kind == CredentialKind::Link,
        secret,
        origin,
    })
    .into_response())
}

pub async fn retrieval_csv(State(state): State<AppState>, j: Jurisdiction) -> Result<Response> {
    let record = state.wf().record_shared(&j.audit).await?;
    let round = record.rounds.last().map_or(0, |r| r.number);
    let csv = audit::report::retrieval_list(&record, &j.jurisdiction, round);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"retrieval-list-round-{round}.csv\""),
            ),
        ],
        csv,
    )
        .into_response())
}

#[derive(Deserialize)]
pub struct OfflineForm {
    contest: String,
    votes: String,
}

pub async fn offline_tally(
    State(state): State<AppState>,
    j: Jurisdiction,
    Form(f): Form<OfflineForm>,
) -> Result<Response> {
    let votes = name_counts(&f.votes)?;
    state
        .wf()
        .record_offline_tally(
            &j.ctx.principal.actor,
            &j.audit,
            &j.jurisdiction,
            f.contest.trim(),
            &votes,
            None,
        )
        .await?;
    render(&state, &j, Some("Offline tally recorded.".into()), None).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn upload_times_are_minutes_in_utc() {
        assert_eq!(super::time(0), "1970-01-01 00:00 UTC");
        assert_eq!(super::time(1_709_251_199_999), "2024-02-29 23:59 UTC");
        assert_eq!(super::time(951_782_400_000), "2000-02-29 00:00 UTC");
    }
}
