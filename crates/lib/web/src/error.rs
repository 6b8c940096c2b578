//! The one error type of the web layer. It renders a page that says what went wrong and what to
//! do, with the right status; internal details go to the log, never to the page.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::templates::ErrorPage;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    /// Not logged in (or the session ended): log in.
    #[error("you need to log in to see this page")]
    LoginRequired,
    /// Logged in, but not allowed.
    #[error("your account is not allowed to do this")]
    Forbidden,
    #[error("{0}")]
    NotFound(String),
    /// A form failed the CSRF check.
    #[error("{0}")]
    Csrf(&'static str),
    /// The request is wrong; the message says how to fix it.
    #[error("{0}")]
    BadRequest(String),
    /// The step does not fit the audit's state.
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooMany(String),
    #[error("{0}")]
    Startup(String),
    /// Something failed inside; details are logged only.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<audit::AuditError> for WebError {
    fn from(e: audit::AuditError) -> WebError {
        use audit::AuditError as A;
        match e {
            A::Invalid(m) => WebError::BadRequest(m),
            A::NotFound(m) => WebError::NotFound(format!("{m} was not found")),
            A::State(m) => WebError::Conflict(m),
            A::Store(store::StoreError::Conflict(m)) => WebError::Conflict(m),
            A::Store(store::StoreError::NotFound { what }) => {
                WebError::NotFound(format!("{what} was not found"))
            }
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<accounts::AccountError> for WebError {
    fn from(e: accounts::AccountError) -> WebError {
        use accounts::AccountError as A;
        match e {
            A::SessionExpired => WebError::LoginRequired,
            A::Locked { .. } => WebError::TooMany(e.to_string()),
            A::BadCredentials | A::BadCode | A::BadBoardCredential | A::Invalid(_) => {
                WebError::BadRequest(e.to_string())
            }
            A::Store(store::StoreError::Conflict(m)) => WebError::Conflict(m),
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<store::StoreError> for WebError {
    fn from(e: store::StoreError) -> WebError {
        WebError::from(audit::AuditError::Store(e))
    }
}

impl WebError {
    pub fn status(&self) -> StatusCode {
        match self {
            WebError::LoginRequired => StatusCode::UNAUTHORIZED,
            WebError::Forbidden | WebError::Csrf(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadRequest(_) => StatusCode::BAD_REQUEST,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::Startup(_) | WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// (title, what went wrong, what to do).
    fn explain(&self) -> (&'static str, String, String) {
        match self {
            WebError::LoginRequired => (
                "Please log in",
                "You are not logged in, or your session has ended (after 30 minutes without use, or 12 hours after login).".into(),
                "Log in again; audit boards use their passphrase.".into(),
            ),
            WebError::Forbidden => (
                "Not allowed",
                "Your account's role does not allow this page or action. Jurisdiction administrators see only their own jurisdiction, and audit boards only their own ballots.".into(),
                "If you need access, ask a state administrator.".into(),
            ),
            WebError::NotFound(m) => ("Not found", m.clone(), "Check the address, or go back to the start page.".into()),
            WebError::Csrf(m) => (
                "Form refused",
                (*m).to_string(),
                "Go back, reload the page and submit the form again.".into(),
            ),
            WebError::BadRequest(m) => ("Please check what you entered", m.clone(), "Go back, correct it and try again.".into()),
            WebError::Conflict(m) => ("Not possible now", m.clone(), "Go back to the audit's page to see where it stands.".into()),
            WebError::TooMany(m) => ("Too many attempts", m.clone(), "Wait, then try again.".into()),
            WebError::Startup(m) => ("The server cannot start", m.clone(), "Fix the problem above and start it again.".into()),
            WebError::Internal(_) => (
                "Something went wrong",
                "The server could not complete this request. Nothing was changed unless the page you come back to shows it.".into(),
                "Try again; if it keeps happening, tell your administrator the time it happened (the server's log has the details).".into(),
            ),
        }
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self {
            tracing::error!(error = %detail, "request failed");
        }
        let (title, what, todo) = self.explain();
        let page = ErrorPage {
            c: crate::templates::Chrome::current(),
            title,
            what: &what,
            todo: &todo,
            login: matches!(self, WebError::LoginRequired),
        };
        (self.status(), crate::templates::render_page(&page)).into_response()
    }
}
