//! Who may use ballotproof's web application and what each may do: users and roles, the one
//! permission check every route goes through, argon2id passwords, the TOTP second factor with
//! recovery codes, audit-board passphrases and one-time links, sessions, and the login lockout
//! policy.
//!
//! * [`role`]: roles, principals, actions and [`role::permits`] — **the only place** that decides
//!   whether a request may proceed (deny by default). New areas (voter-roll protection, software
//!   integrity) add actions there.
//! * [`password`]: argon2id hashing with OWASP's parameters.
//! * [`totp`]: RFC 6238 codes through totp-rs, refusing a step already accepted.
//! * [`secret`]: random tokens (session ids, CSRF tokens, recovery codes, passphrases), their
//!   SHA-256 and constant-time comparison.
//! * [`policy`]: lockout and session timeouts as pure functions of the clock passed in.
//! * [`service`]: the flows (create a user, log in, enrol TOTP, sessions, board credentials) over
//!   a [`store::AccountStore`], each change with its election-log entries.
//!
//! **Architecture Invariant:** `role`, `password`, `totp`, `secret` and `policy` read no clock and
//! touch no database: the time is an argument. Secrets never reach a log entry or `Debug` output.

pub mod password;
pub mod policy;
pub mod role;
pub mod secret;
pub mod service;
pub mod totp;

pub use role::{Action, Principal, Role, permits};
pub use service::{Accounts, LoginStep, SessionInfo};

/// Why an account operation failed. Messages are for the person at the keyboard; none reveals
/// whether an email exists (login failures all read the same).
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the email or password is not right; check them and try again")]
    BadCredentials,
    #[error(
        "this account is locked after too many failed logins; try again in {minutes} minute(s) or ask a state administrator"
    )]
    Locked { minutes: i64 },
    #[error(
        "that code is not right or was already used; wait for the next code in your authenticator app, or use a recovery code"
    )]
    BadCode,
    #[error(
        "that passphrase or link is not valid (it may be used, replaced or mistyped); ask your jurisdiction administrator for a new one"
    )]
    BadBoardCredential,
    #[error("your session has ended; log in again")]
    SessionExpired,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error("cannot compute a password hash: {0}")]
    Hash(String),
    #[error("the system's random source failed: {0}")]
    Random(String),
}

pub type Result<T> = std::result::Result<T, AccountError>;
