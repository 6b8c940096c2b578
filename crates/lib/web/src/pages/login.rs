//! Logging in (password, then the authenticator code or first-login enrolment, then recovery
//! codes), and logging out here or everywhere.

use axum::extract::{Form, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Result, see_other};
use crate::auth::{Anyone, Member, Pending};
use crate::error::WebError;
use crate::security::set_cookie;
use crate::state::AppState;
use crate::templates::{Chrome, Enrol, Login, Recovery, Totp, render_page};

pub async fn form(_: Anyone) -> Response {
    render_page(&Login {
        c: Chrome::current(),
        error: None,
        email: String::new(),
    })
    .into_response()
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

fn with_session(state: &AppState, mut response: Response, token: &str, max_age: i64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&set_cookie(
        state,
        state.session_cookie(),
        token,
        Some(max_age),
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub async fn submit(
    State(state): State<AppState>,
    Anyone(ctx): Anyone,
    Form(f): Form<LoginForm>,
) -> Response {
    let accounts = state.accounts();
    let result = match state.address_blocked(&ctx.remote).await {
        Some(refused) => Err(refused),
        None => {
            accounts
                .login_password(&f.email, &f.password, &ctx.remote, state.now_ms())
                .await
        }
    };
    if matches!(
        result,
        Err(accounts::AccountError::BadCredentials | accounts::AccountError::Locked { .. })
    ) {
        state.address_failed(&ctx.remote).await;
    }
    match result {
        Ok((token, step)) => {
            let to = match step {
                accounts::LoginStep::SecondFactor => "/login/totp",
                accounts::LoginStep::Enrol => "/login/enrol",
            };
            let age = accounts.session_policy.absolute_ms / 1000;
            with_session(&state, see_other(to), &token, age)
        }
        Err(e) => {
            let status = match e {
                accounts::AccountError::Locked { .. }
                | accounts::AccountError::AddressBlocked { .. } => StatusCode::TOO_MANY_REQUESTS,
                accounts::AccountError::BadCredentials => StatusCode::UNAUTHORIZED,
                _ => return WebError::from(e).into_response(),
            };
            (
                status,
                render_page(&Login {
                    c: Chrome::current(),
                    error: Some(e.to_string()),
                    email: f.email,
                }),
            )
                .into_response()
        }
    }
}

pub async fn totp_form(Pending(ctx, _): Pending) -> Response {
    if ctx.session.as_ref().is_some_and(|s| s.stage() == "enrol") {
        return see_other("/login/enrol");
    }
    render_page(&Totp {
        c: Chrome::current(),
        error: None,
    })
    .into_response()
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
}

pub async fn totp_submit(
    State(state): State<AppState>,
    Pending(ctx, token): Pending,
    Form(f): Form<CodeForm>,
) -> Response {
    let result = match state.address_blocked(&ctx.remote).await {
        Some(refused) => Err(refused),
        None => {
            state
                .accounts()
                .second_factor(&token, &f.code, &ctx.remote, state.now_ms())
                .await
        }
    };
    if matches!(result, Err(accounts::AccountError::BadCode)) {
        state.address_failed(&ctx.remote).await;
    }
    match result {
        Ok(()) => see_other("/"),
        Err(
            e @ (accounts::AccountError::BadCode
            | accounts::AccountError::Locked { .. }
            | accounts::AccountError::AddressBlocked { .. }),
        ) => {
            let status = if !matches!(e, accounts::AccountError::BadCode) {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNAUTHORIZED
            };
            (
                status,
                render_page(&Totp {
                    c: Chrome::current(),
                    error: Some(e.to_string()),
                }),
            )
                .into_response()
        }
        Err(e) => WebError::from(e).into_response(),
    }
}

async fn enrol_page(state: &AppState, token: &str, error: Option<String>) -> Result<Response> {
    let (secret, uri) = state.accounts().enrolment(token, state.now_ms()).await?;
    let qr = accounts::totp::qr_svg(&uri).unwrap_or_default();
    let status = if error.is_some() {
        StatusCode::UNAUTHORIZED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        render_page(&Enrol {
            c: Chrome::current(),
            error,
            secret,
            uri,
            qr,
        }),
    )
        .into_response())
}

pub async fn enrol_form(
    State(state): State<AppState>,
    Pending(ctx, token): Pending,
) -> Result<Response> {
    if ctx.session.as_ref().is_some_and(|s| s.stage() != "enrol") {
        return Ok(see_other("/login/totp"));
    }
    enrol_page(&state, &token, None).await
}

pub async fn enrol_submit(
    State(state): State<AppState>,
    Pending(ctx, token): Pending,
    Form(f): Form<CodeForm>,
) -> Result<Response> {
    match state
        .accounts()
        .finish_enrolment(&token, &f.code, &ctx.remote, state.now_ms())
        .await
    {
        Ok(codes) => Ok(render_page(&Recovery {
            c: Chrome::current(),
            codes,
        })
        .into_response()),
        Err(e @ accounts::AccountError::BadCode) => {
            enrol_page(&state, &token, Some(e.to_string())).await
        }
        Err(e) => Err(e.into()),
    }
}

fn cleared(state: &AppState) -> Response {
    let mut r = see_other("/login");
    if let Ok(v) = HeaderValue::from_str(&set_cookie(state, state.session_cookie(), "", Some(0))) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

pub async fn logout(State(state): State<AppState>, Member(ctx, token): Member) -> Result<Response> {
    state
        .accounts()
        .logout(&token, &ctx.principal.actor, state.now_ms())
        .await?;
    Ok(cleared(&state))
}

pub async fn logout_everywhere(
    State(state): State<AppState>,
    Member(_, token): Member,
) -> Result<Response> {
    state
        .accounts()
        .logout_everywhere(&token, state.now_ms())
        .await?;
    Ok(cleared(&state))
}
