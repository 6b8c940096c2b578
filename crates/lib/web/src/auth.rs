//! Extractors that authorize: each handler takes one, and each calls [`accounts::permits`] with
//! the action its area needs, so a handler cannot be written without an authorization check.
//! A request without a (full) session gets "log in"; one whose role does not fit gets "not
//! allowed".

use std::collections::HashMap;

use accounts::service::BoardLogin;
use accounts::{Action, permits};
use axum::extract::{FromRequestParts, Path};
use axum::http::Method;
use axum::http::request::Parts;

use crate::error::WebError;
use crate::security::RequestCtx;
use crate::state::AppState;

fn ctx(parts: &Parts) -> Result<RequestCtx, WebError> {
    parts
        .extensions
        .get::<RequestCtx>()
        .cloned()
        .ok_or_else(|| WebError::Internal("the security layer did not run".into()))
}

fn check(ctx: &RequestCtx, action: Action<'_>) -> Result<(), WebError> {
    if permits(&ctx.principal, action) {
        return Ok(());
    }
    if ctx.principal.roles.is_empty() {
        Err(WebError::LoginRequired)
    } else {
        Err(WebError::Forbidden)
    }
}

/// Anyone, logged in or not (the public observer's pages, the login forms).
pub struct Anyone(pub RequestCtx);

impl FromRequestParts<AppState> for Anyone {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        let c = ctx(parts)?;
        check(&c, Action::ViewPublic)?;
        Ok(Anyone(c))
    }
}

/// A login between its password and its second factor (or enrolment).
pub struct Pending(pub RequestCtx, pub String);

impl FromRequestParts<AppState> for Pending {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        let c = ctx(parts)?;
        match (&c.session, &c.token) {
            (Some(s), Some(t)) if !s.is_full() => {
                let t = t.clone();
                Ok(Pending(c, t))
            }
            _ => Err(WebError::LoginRequired),
        }
    }
}

/// Anyone logged in (their own session: log out).
pub struct Member(pub RequestCtx, pub String);

impl FromRequestParts<AppState> for Member {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        let c = ctx(parts)?;
        check(&c, Action::OwnSession)?;
        let t = c.token.clone().ok_or(WebError::LoginRequired)?;
        Ok(Member(c, t))
    }
}

/// The state administrator's area.
pub struct StateAdmin(pub RequestCtx);

impl FromRequestParts<AppState> for StateAdmin {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        let c = ctx(parts)?;
        check(&c, Action::AdministerAudits)?;
        Ok(StateAdmin(c))
    }
}

/// The state administrator's user management.
pub struct UserAdmin(pub RequestCtx);

impl FromRequestParts<AppState> for UserAdmin {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        let c = ctx(parts)?;
        check(&c, Action::ManageUsers)?;
        Ok(UserAdmin(c))
    }
}

/// Support staff's read-only view (with the risk measured before a round ends).
pub struct Support(pub RequestCtx);

impl FromRequestParts<AppState> for Support {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        let c = ctx(parts)?;
        check(&c, Action::ViewProvisionalRisk)?;
        Ok(Support(c))
    }
}

/// A jurisdiction's pages: `{audit}` and `{jurisdiction}` from the path; reading needs
/// `ViewJurisdiction`, every other method `ManageJurisdiction`.
pub struct Jurisdiction {
    pub ctx: RequestCtx,
    pub audit: String,
    pub jurisdiction: String,
}

impl FromRequestParts<AppState> for Jurisdiction {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let c = ctx(parts)?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::NotFound("that page".into()))?;
        let (Some(audit), Some(jurisdiction)) = (params.get("audit"), params.get("jurisdiction"))
        else {
            return Err(WebError::NotFound("that page".into()));
        };
        let action = if parts.method == Method::GET || parts.method == Method::HEAD {
            Action::ViewJurisdiction {
                audit,
                jurisdiction,
            }
        } else {
            Action::ManageJurisdiction {
                audit,
                jurisdiction,
            }
        };
        check(&c, action)?;
        Ok(Jurisdiction {
            audit: audit.clone(),
            jurisdiction: jurisdiction.clone(),
            ctx: c,
        })
    }
}

/// An audit board's pages: its own board only.
pub struct Board {
    pub ctx: RequestCtx,
    pub login: BoardLogin,
    pub token: String,
}

impl FromRequestParts<AppState> for Board {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        let c = ctx(parts)?;
        let login = c.session.as_ref().and_then(|s| s.board.clone()).ok_or(
            if c.principal.roles.is_empty() {
                WebError::LoginRequired
            } else {
                WebError::Forbidden
            },
        )?;
        check(
            &c,
            Action::EnterBallots {
                audit: &login.audit,
                jurisdiction: &login.jurisdiction,
                board: &login.board,
            },
        )?;
        let token = c.token.clone().ok_or(WebError::LoginRequired)?;
        Ok(Board {
            ctx: c,
            login,
            token,
        })
    }
}
