//! The audit board's screens: login with the printed passphrase or one-time link, the two
//! members' names, then ballot by ballot — where the ballot is (container, tabulator, batch,
//! position) and its ticket numbers, a choice per contest (votes, blank, can't agree, contest not
//! on ballot), review before submit, "ballot not found", next ballot — batch tallies for batch
//! audits, and sign-off by both members. Keyboard-friendly: every control is a native input, the
//! first field or the submit button has focus, and "Enter next ballot" has access key N.

use audit::record::BallotRecord;
use audit::workflow::BallotRef;
use audit::{AuditRecord, BallotEntry, ContestReading, Interpretation};
use axum::extract::{Form, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Result, see_other};
use crate::auth::{Anyone, Board};
use crate::error::WebError;
use crate::security::set_cookie;
use crate::state::AppState;
use crate::templates::{BoardBallot, BoardHome, BoardLogin, Chrome, ContestForm, render_page};

pub async fn login_form(_: Anyone) -> Response {
    render_page(&BoardLogin {
        c: Chrome::current(),
        error: None,
        action: "/board/login".into(),
        link: false,
    })
    .into_response()
}

#[derive(Deserialize)]
pub struct PassphraseForm {
    passphrase: String,
}

async fn log_in(
    state: &AppState,
    secret: &str,
    kind: accounts::service::CredentialKind,
    remote: &str,
    action: String,
) -> Response {
    let accounts = state.accounts();
    let result = match state.address_blocked(remote).await {
        Some(refused) => Err(refused),
        None => {
            accounts
                .board_login(secret, kind, remote, state.now_ms())
                .await
        }
    };
    if matches!(result, Err(accounts::AccountError::BadBoardCredential)) {
        state.address_failed(remote).await;
    }
    match result {
        Ok(token) => {
            let mut r = see_other("/board");
            if let Ok(v) = HeaderValue::from_str(&set_cookie(
                state,
                state.session_cookie(),
                &token,
                Some(accounts.session_policy.absolute_ms / 1000),
            )) {
                r.headers_mut().append(header::SET_COOKIE, v);
            }
            r
        }
        Err(e @ accounts::AccountError::BadBoardCredential) => (
            StatusCode::UNAUTHORIZED,
            render_page(&BoardLogin {
                c: Chrome::current(),
                error: Some(e.to_string()),
                link: action != "/board/login",
                action,
            }),
        )
            .into_response(),
        Err(e) => WebError::from(e).into_response(),
    }
}

pub async fn login_submit(
    State(state): State<AppState>,
    Anyone(ctx): Anyone,
    Form(f): Form<PassphraseForm>,
) -> Response {
    log_in(
        &state,
        &f.passphrase,
        accounts::service::CredentialKind::Passphrase,
        &ctx.remote,
        "/board/login".into(),
    )
    .await
}

/// The one-time link's page: a button, so that link previews and prefetchers do not use it up.
pub async fn link_form(_: Anyone, Path(token): Path<String>) -> Response {
    render_page(&BoardLogin {
        c: Chrome::current(),
        error: None,
        action: format!("/board/link/{}", crate::templates::encode(&token)),
        link: true,
    })
    .into_response()
}

pub async fn link_submit(
    State(state): State<AppState>,
    Anyone(ctx): Anyone,
    Path(token): Path<String>,
) -> Response {
    let action = format!("/board/link/{}", crate::templates::encode(&token));
    log_in(
        &state,
        &token,
        accounts::service::CredentialKind::Link,
        &ctx.remote,
        action,
    )
    .await
}

/// The board's ballots of its round, in retrieval order.
fn ballots<'r>(record: &'r AuditRecord, b: &Board) -> Vec<&'r BallotRecord> {
    record
        .ballots
        .iter()
        .filter(|x| {
            x.jurisdiction == b.login.jurisdiction
                && x.audit_board.as_deref() == Some(b.login.board.as_str())
                && i64::try_from(x.first_round).ok() == Some(b.login.round)
        })
        .collect()
}

fn place(x: &BallotRecord) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &x.container {
        parts.push(format!("container {c}"));
    }
    if let Some(t) = &x.tabulator {
        parts.push(format!("tabulator {t}"));
    }
    parts.push(format!("batch {}", x.batch));
    parts.push(format!("ballot {}", x.position));
    parts.join(", ")
}

pub async fn home(State(state): State<AppState>, b: Board) -> Result<Response> {
    home_page(&state, &b, None).await
}

async fn home_page(state: &AppState, b: &Board, message: Option<String>) -> Result<Response> {
    let record = state.wf().record_shared(&b.login.audit).await?;
    let mine = ballots(&record, b);
    let list: Vec<(usize, String, String)> = mine
        .iter()
        .enumerate()
        .map(|(i, x)| (i + 1, place(x), x.status.replace('_', " ")))
        .collect();
    let done = mine.iter().filter(|x| x.status != "not_audited").count();
    let next = mine
        .iter()
        .position(|x| x.status == "not_audited")
        .map(|i| i + 1);
    let mut batches = Vec::new();
    for sb in record.batches.iter().filter(|x| {
        x.jurisdiction == b.login.jurisdiction
            && x.audit_board.as_deref() == Some(b.login.board.as_str())
            && i64::try_from(x.first_round).ok() == Some(b.login.round)
    }) {
        for c in record
            .contests
            .iter()
            .filter(|c| c.jurisdictions.contains(&b.login.jurisdiction))
        {
            batches.push((
                sb.batch.clone(),
                c.name.clone(),
                c.choices.iter().map(|x| x.name.clone()).collect(),
            ));
        }
    }
    let signed_off = record.audit_boards.iter().any(|x| {
        x.jurisdiction == b.login.jurisdiction
            && x.name == b.login.board
            && i64::try_from(x.round).ok() == Some(b.login.round)
            && x.signed_off
    });
    Ok(render_page(&BoardHome {
        c: Chrome::current(),
        board: b.login.board.clone(),
        jurisdiction: b.login.jurisdiction.clone(),
        round: b.login.round,
        message,
        members: b.login.members.clone(),
        signed_off,
        ballots: list,
        done,
        next,
        batches,
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct MembersForm {
    member1: String,
    member2: String,
}

pub async fn members(
    State(state): State<AppState>,
    b: Board,
    Form(f): Form<MembersForm>,
) -> Result<Response> {
    state
        .accounts()
        .set_board_members(&b.token, (&f.member1, &f.member2), state.now_ms())
        .await?;
    Ok(see_other("/board"))
}

fn contest_forms(
    record: &AuditRecord,
    ballot: &BallotRecord,
    chosen: &[ContestReading],
) -> Vec<ContestForm> {
    record
        .contests
        .iter()
        .filter(|c| c.jurisdictions.contains(&ballot.jurisdiction))
        .map(|c| {
            let reading = chosen.iter().find(|r| r.contest == c.name);
            let is = |i: Interpretation| reading.is_some_and(|r| r.interpretation == i);
            let mut options: Vec<(String, String, bool)> = c
                .choices
                .iter()
                .map(|ch| {
                    (
                        format!("vote:{}", ch.name),
                        ch.name.clone(),
                        reading.is_some_and(|r| {
                            r.interpretation == Interpretation::Vote && r.choices.contains(&ch.name)
                        }),
                    )
                })
                .collect();
            options.push((
                "blank".into(),
                "Blank (no vote)".into(),
                is(Interpretation::Blank),
            ));
            options.push((
                "cant_agree".into(),
                "The board cannot agree".into(),
                is(Interpretation::CantAgree),
            ));
            options.push((
                "contest_not_on_ballot".into(),
                "Contest not on this ballot".into(),
                is(Interpretation::ContestNotOnBallot),
            ));
            ContestForm {
                name: c.name.clone(),
                votes_allowed: c.votes_allowed,
                options,
            }
        })
        .collect()
}

fn location(x: &BallotRecord) -> Vec<(String, String)> {
    let mut l = Vec::new();
    if let Some(c) = &x.container {
        l.push(("Container".into(), c.clone()));
    }
    if let Some(t) = &x.tabulator {
        l.push(("Tabulator".into(), t.clone()));
    }
    l.push(("Batch".into(), x.batch.clone()));
    l.push(("Ballot position".into(), x.position.to_string()));
    l.push((
        "Ticket numbers".into(),
        x.draws
            .iter()
            .map(|d| d.ticket.clone())
            .collect::<Vec<_>>()
            .join(", "),
    ));
    l.push(("Status".into(), x.status.replace('_', " ")));
    l
}

fn ballot_at<'r>(
    record: &'r AuditRecord,
    b: &Board,
    n: usize,
) -> Result<(&'r BallotRecord, usize)> {
    let mine = ballots(record, b);
    let total = mine.len();
    n.checked_sub(1)
        .and_then(|i| mine.get(i).copied())
        .map(|x| (x, total))
        .ok_or_else(|| WebError::NotFound(format!("ballot {n} of your board's list")))
}

pub async fn ballot_form(
    State(state): State<AppState>,
    b: Board,
    Path(n): Path<usize>,
) -> Result<Response> {
    if b.login.members.is_none() {
        return Ok(see_other("/board"));
    }
    let record = state.wf().record_shared(&b.login.audit).await?;
    let (ballot, total) = ballot_at(&record, &b, n)?;
    Ok(render_page(&BoardBallot {
        c: Chrome::current(),
        n,
        total,
        location: location(ballot),
        error: None,
        review: false,
        summary: Vec::new(),
        contests: contest_forms(&record, ballot, &ballot.interpretations),
    })
    .into_response())
}

/// Reads the form's readings: per contest, its interpretation and voted choices.
fn readings(
    record: &AuditRecord,
    ballot: &BallotRecord,
    fields: &[(String, String)],
) -> std::result::Result<Vec<ContestReading>, String> {
    let mut out = Vec::new();
    for c in record
        .contests
        .iter()
        .filter(|c| c.jurisdictions.contains(&ballot.jurisdiction))
    {
        let key = format!("c:{}", c.name);
        let values: Vec<&str> = fields
            .iter()
            .filter(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .collect();
        let other = values.iter().find(|v| !v.starts_with("vote:"));
        let votes: Vec<String> = values
            .iter()
            .filter_map(|v| v.strip_prefix("vote:"))
            .map(str::to_string)
            .collect();
        let interpretation = match (other, votes.is_empty()) {
            (Some(v), true) => Interpretation::parse(v).map_err(|e| e.to_string())?,
            (None, false) => Interpretation::Vote,
            (Some(_), false) => {
                return Err(format!(
                    "{}: choose either votes or one of blank / cannot agree / not on ballot",
                    c.name
                ));
            }
            (None, true) => return Err(format!("{}: choose what the ballot shows", c.name)),
        };
        out.push(ContestReading {
            contest: c.name.clone(),
            interpretation,
            choices: votes,
            comment: String::new(),
        });
    }
    Ok(out)
}

pub async fn ballot_submit(
    State(state): State<AppState>,
    b: Board,
    Path(n): Path<usize>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    if b.login.members.is_none() {
        return Err(WebError::Conflict(
            "enter both members' names before entering ballots".into(),
        ));
    }
    let record = state.wf().record_shared(&b.login.audit).await?;
    let (ballot, total) = ballot_at(&record, &b, n)?;
    let action = fields
        .iter()
        .find(|(k, _)| k == "action")
        .map_or("review", |(_, v)| v.as_str());
    let reference = BallotRef {
        jurisdiction: ballot.jurisdiction.clone(),
        tabulator: ballot.tabulator.clone(),
        batch: ballot.batch.clone(),
        position: ballot.position,
    };
    let next = |record: &AuditRecord| {
        let mine = ballots(record, &b);
        mine.iter()
            .enumerate()
            .find(|(i, x)| *i + 1 != n && x.status == "not_audited")
            .map(|(i, _)| format!("/board/ballots/{}", i + 1))
            .unwrap_or_else(|| "/board".into())
    };
    if action == "not_found" {
        state
            .wf()
            .record_ballot(
                &b.ctx.principal.actor,
                &b.login.audit,
                &reference,
                &BallotEntry::NotFound,
            )
            .await?;
        return Ok(see_other(&next(&record)));
    }
    let parsed = readings(&record, ballot, &fields);
    let page = |error: Option<String>, review: bool, chosen: &[ContestReading]| BoardBallot {
        c: Chrome::current(),
        n,
        total,
        location: location(ballot),
        error,
        review,
        summary: chosen
            .iter()
            .map(|r| {
                (
                    r.contest.clone(),
                    match r.interpretation {
                        Interpretation::Vote => r.choices.join(", "),
                        Interpretation::Blank => "blank".into(),
                        Interpretation::CantAgree => "the board cannot agree".into(),
                        Interpretation::ContestNotOnBallot => "not on this ballot".into(),
                    },
                )
            })
            .collect(),
        contests: contest_forms(&record, ballot, chosen),
    };
    let chosen = match parsed {
        Ok(c) => c,
        Err(e) => {
            return Ok((
                StatusCode::BAD_REQUEST,
                render_page(&page(Some(e), false, &[])),
            )
                .into_response());
        }
    };
    match action {
        "submit" => {
            state
                .wf()
                .record_ballot(
                    &b.ctx.principal.actor,
                    &b.login.audit,
                    &reference,
                    &BallotEntry::Read(chosen),
                )
                .await?;
            Ok(see_other(&next(&record)))
        }
        "edit" => Ok(render_page(&page(None, false, &chosen)).into_response()),
        _ => Ok(render_page(&page(None, true, &chosen)).into_response()),
    }
}

pub async fn batch_tally(
    State(state): State<AppState>,
    b: Board,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut votes = Vec::new();
    for (k, v) in &fields {
        if let Some(choice) = k.strip_prefix("vote:") {
            let n: u64 = v.trim().parse().map_err(|_| {
                WebError::BadRequest(format!("{choice}: {v:?} is not a whole number"))
            })?;
            votes.push((choice.to_string(), n));
        }
    }
    state
        .wf()
        .record_batch_tally(
            &b.ctx.principal.actor,
            &b.login.audit,
            &b.login.jurisdiction,
            &get("batch"),
            &get("contest"),
            &votes,
        )
        .await?;
    home_page(&state, &b, Some("Batch tally saved.".into())).await
}

pub async fn sign_off(
    State(state): State<AppState>,
    b: Board,
    Form(f): Form<MembersForm>,
) -> Result<Response> {
    state
        .wf()
        .sign_off(
            &b.ctx.principal.actor,
            &b.login.audit,
            &b.login.jurisdiction,
            &b.login.board,
            (f.member1.trim(), f.member2.trim()),
        )
        .await?;
    home_page(&state, &b, Some("Signed off.".into())).await
}
