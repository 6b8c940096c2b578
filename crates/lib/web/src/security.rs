//! The middleware every request passes, in one place so no route can skip it:
//!
//! 1. **Session**: the session cookie is looked up ([`accounts::Accounts::session`]); an expired
//!    one is removed. The principal (anonymous if none) goes into the request's context.
//! 2. **CSRF** on every method but GET/HEAD/OPTIONS: the request must be same-origin by
//!    `Sec-Fetch-Site` (when the browser sends it) and `Origin` (its host must be the `Host`),
//!    **and** carry the CSRF token — the session's, or before login the `bp_csrf` cookie's
//!    (double submit) — in the `csrf` form field (the first field of a multipart form) or the
//!    `X-CSRF-Token` header (htmx), compared in constant time.
//! 3. A fresh **CSP nonce** per response and the security headers (CSP with `default-src
//!    'self'`, no inline script or style, `frame-ancestors 'none'`; nosniff; referrers only within
//!    this origin (`same-origin`: with `no-referrer` browsers send `Origin: null` on forms, which
//!    the CSRF check must refuse);
//!    permissions off; HSTS over TLS; `no-store` for pages).
//! 4. After a state-changing request, the store's outbox is appended to the **election log**
//!    (`Workflow::flush`) before the response leaves, so every login, failure and change is in
//!    the log when the user sees it done.
//! 5. A **request log** line (method, the route's pattern — never the path, which may hold a
//!    one-time link — status, time).

use std::time::Instant;

use accounts::{Principal, SessionInfo, secret};
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::WebError;
use crate::state::AppState;

/// What the middleware learned about a request; handlers and templates read it.
#[derive(Clone, Debug)]
pub struct RequestCtx {
    pub nonce: String,
    /// The token forms must carry.
    pub csrf: String,
    pub principal: Principal,
    pub session: Option<SessionInfo>,
    /// The session cookie's value (the token), for logout and the login steps.
    pub token: Option<String>,
    pub remote: String,
}

tokio::task_local! {
    /// The current request's context, for templates rendered anywhere (error pages included).
    pub static CURRENT: RequestCtx;
}

/// The current request's nonce and CSRF token (empty outside a request).
pub fn current() -> (String, String) {
    CURRENT
        .try_with(|c| (c.nonce.clone(), c.csrf.clone()))
        .unwrap_or_default()
}

/// The value of cookie `name`.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Strict, Path=/, Secure over TLS.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> String {
    let mut c = format!("{name}={value}; Path=/; HttpOnly; SameSite=Strict");
    if state.secure_cookies() {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

fn same_origin(headers: &HeaderMap) -> Result<(), WebError> {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if let Some(site) = site
        && site != "same-origin"
    {
        return Err(WebError::Csrf(
            "This form was sent from another site (Sec-Fetch-Site), so it was refused.",
        ));
    }
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => {
            let origin_host = origin
                .split_once("://")
                .map(|(_, rest)| rest)
                .unwrap_or("")
                .trim_end_matches('/');
            if Some(origin_host) != host {
                return Err(WebError::Csrf(
                    "This form was sent from another site (its Origin is not this server), so it was refused.",
                ));
            }
            Ok(())
        }
        None if site.is_some() => Ok(()),
        None => Err(WebError::Csrf(
            "The browser did not say which site sent this form (no Origin or Sec-Fetch-Site), so it was refused.",
        )),
    }
}

/// The `csrf` field of a URL-encoded or multipart body, or the `X-CSRF-Token` header.
fn presented_token(headers: &HeaderMap, body: &[u8]) -> Option<String> {
    if let Some(t) = headers.get("x-csrf-token").and_then(|v| v.to_str().ok()) {
        return Some(t.to_string());
    }
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if kind.starts_with("application/x-www-form-urlencoded") {
        return body
            .split(|b| *b == b'&')
            .filter_map(|kv| {
                let mut it = kv.splitn(2, |b| *b == b'=');
                Some((it.next()?, it.next()?))
            })
            .find(|(k, _)| *k == b"csrf")
            .and_then(|(_, v)| std::str::from_utf8(v).ok().map(str::to_string));
    }
    if kind.starts_with("multipart/form-data") {
        // Browsers send fields in document order; forms put `csrf` first.
        let marker: &[u8] = b"name=\"csrf\"";
        let at = body
            .windows(marker.len())
            .take(4096)
            .position(|w| w == marker)?;
        let rest = body.get(at..)?;
        let start = rest.windows(4).position(|w| w == b"\r\n\r\n")? + 4;
        let value = rest.get(start..)?;
        let end = value.windows(2).position(|w| w == b"\r\n")?;
        return std::str::from_utf8(value.get(..end)?)
            .ok()
            .map(str::to_string);
    }
    None
}

/// The security middleware (see the module docs).
pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "(no route)".into());
    let response = handle(&state, request, next).await;
    let response = match response {
        Ok(r) => r,
        Err((e, ctx)) => match ctx {
            Some(ctx) => CURRENT.scope(ctx, async { e.into_response() }).await,
            None => e.into_response(),
        },
    };
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        ms = started.elapsed().as_millis() as u64,
        "request"
    );
    response
}

type Failure = (WebError, Option<RequestCtx>);

async fn handle(state: &AppState, request: Request, next: Next) -> Result<Response, Failure> {
    let nonce = secret::token()
        .map_err(|e| (WebError::Internal(e.to_string()), None))?
        .get(..32)
        .unwrap_or_default()
        .to_string();
    let (mut parts, body) = request.into_parts();
    let now = state.now_ms();
    let token = cookie(&parts.headers, state.session_cookie());
    let session = match &token {
        Some(t) => state.accounts().session(t, now).await.ok(),
        None => None,
    };
    let pre = cookie(&parts.headers, state.pre_cookie());
    let (csrf, new_pre) = match (&session, &pre) {
        (Some(s), _) => (s.csrf().to_string(), None),
        (None, Some(p)) if p.len() == 64 => (p.clone(), None),
        _ => {
            let t = secret::token().map_err(|e| (WebError::Internal(e.to_string()), None))?;
            (t.clone(), Some(t))
        }
    };
    let remote = parts
        .extensions
        .get::<axum::extract::ConnectInfo<crate::server::Peer>>()
        .map(|c| c.0.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let ctx = RequestCtx {
        nonce: nonce.clone(),
        csrf: csrf.clone(),
        principal: session
            .as_ref()
            .map(|s| s.principal.clone())
            .unwrap_or_else(Principal::anonymous),
        token: session.as_ref().and(token.clone()),
        session,
        remote,
    };
    let unsafe_method = !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    let body = if unsafe_method {
        let bytes: Bytes = axum::body::to_bytes(body, state.max_upload())
            .await
            .map_err(|_| {
                (
                    WebError::BadRequest(format!(
                        "the request is too large (more than {} MB) or was cut off",
                        state.max_upload() / (1024 * 1024)
                    )),
                    Some(ctx.clone()),
                )
            })?;
        if let Err(e) = same_origin(&parts.headers) {
            return Err((e, Some(ctx)));
        }
        let presented = presented_token(&parts.headers, &bytes);
        let expected = match (&ctx.session, &pre) {
            (Some(s), _) => Some(s.csrf().to_string()),
            (None, Some(p)) => Some(p.clone()),
            (None, None) => None,
        };
        match (presented, expected) {
            (Some(p), Some(e)) if secret::same(&p, &e) => {}
            _ => {
                return Err((
                    WebError::Csrf(
                        "This form's security token is missing or out of date (it changes when you log in or out).",
                    ),
                    Some(ctx),
                ));
            }
        }
        Body::from(bytes)
    } else {
        body
    };
    parts.extensions.insert(ctx.clone());
    let request = Request::from_parts(parts, body);
    let mut response = CURRENT.scope(ctx.clone(), next.run(request)).await;
    if unsafe_method && let Err(e) = state.wf().flush().await {
        tracing::error!(error = %e, "appending to the election log failed");
        return Err((WebError::Internal(format!("election log: {e}")), Some(ctx)));
    }
    let headers = response.headers_mut();
    add_headers(headers, &nonce, state.secure_cookies());
    if let Some(t) = new_pre
        && let Ok(v) = HeaderValue::from_str(&set_cookie(state, state.pre_cookie(), &t, None))
    {
        headers.append(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// The Content-Security-Policy for a response with this nonce.
pub fn csp(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

fn add_headers(headers: &mut HeaderMap, nonce: &str, tls: bool) {
    let cached = headers.contains_key(header::CACHE_CONTROL);
    let mut set = |name: &'static str, value: &str| {
        if let Ok(v) = HeaderValue::from_str(value) {
            headers.insert(name, v);
        }
    };
    set("content-security-policy", &csp(nonce));
    set("x-content-type-options", "nosniff");
    // Not `no-referrer`: under it browsers send `Origin: null` with every form, and the CSRF
    // check refuses them all. `same-origin` still keeps paths (a one-time board link) from
    // leaving the site.
    set("referrer-policy", "same-origin");
    set(
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    );
    set("x-frame-options", "DENY");
    set("cross-origin-opener-policy", "same-origin");
    if tls {
        set(
            "strict-transport-security",
            "max-age=31536000; includeSubDomains",
        );
    }
    if !cached {
        set("cache-control", "no-store");
    }
}
