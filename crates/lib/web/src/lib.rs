//! ballotproof's web application: a server-rendered, role-based UI over the audit workflow
//! (`audit::Workflow`, the same functions the command line calls), for state administrators,
//! jurisdiction administrators, audit boards, support staff and the public.
//!
//! * [`routes`]: every route in one list (method, path, who may use it, handler); the router and
//!   the tests are built from it, so a route cannot miss the authorization or CSRF tests.
//! * [`security`]: the middleware every request passes: session lookup, CSRF (a per-session token
//!   compared in constant time **and** a same-origin `Origin`/`Sec-Fetch-Site`), a fresh CSP
//!   nonce and the security headers, appending the election log after each change, and request
//!   logs without secrets.
//! * [`auth`]: extractors, one per kind of user, that call [`accounts::permits`]; every handler
//!   takes one, so a handler cannot forget authorization.
//! * [`pages`]: the screens, one module per area; [`chart`]: the risk chart as SVG.
//! * [`error`]: the one error type, rendered as a page that says what went wrong and what to do.
//! * [`server`]: binding, TLS (rustls with the ring provider) and clean shutdown.
//!
//! # Contract for browser tests (kept stable)
//! * `ballotproof serve --data-dir D --port 0` prints `Listening on http://127.0.0.1:PORT/` as
//!   its first line of standard output, then serves until Ctrl-C or SIGTERM.
//! * `ballotproof user add EMAIL --role state-admin --password-stdin --data-dir D` creates a user.
//! * Login: `/login`, form `#login-form` with fields `email`, `password`, button "Log in";
//!   then `/login/enrol` (first login: the secret is the text of `#totp-secret`; field `code`,
//!   button "Confirm") or `/login/totp` (field `code`, button "Continue"). Recovery codes after
//!   enrolment are in `#recovery-codes`.
//! * Audit boards: `/board/login`, field `passphrase`, button "Start"; members form fields
//!   `member1`, `member2`; ballots at `/board/ballots/N`.
//! * Field names of the other forms are the workflow's (`name`, `audit_type`, `math`,
//!   `risk_limit`, `seed`, `kind`, `file`, `names`, …); buttons carry visible text.

pub mod auth;
pub mod chart;
pub mod error;
pub mod pages;
pub mod routes;
pub mod security;
pub mod server;
pub mod state;
mod templates;

pub use server::{Config, serve};
pub use state::AppState;
