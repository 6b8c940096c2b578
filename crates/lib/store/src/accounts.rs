//! The web application's accounts in the audit database: users, role grants, recovery codes,
//! sessions, login attempts (per email and per network address) and audit-board credentials ([`AccountStore`]), on the same database
//! and the same outbox as the audit, so every login, failed login, lockout, logout, permission
//! change and credential issued is appended to the election log with the acting user, in the same
//! transaction as the change.
//!
//! The store keeps values; what they mean (roles, stages, policies) is the `accounts` crate's.
//! Rows that hold secrets or their hashes redact them in `Debug`.

use std::fmt;
use std::future::Future;

use crate::{LogRecord, StoreResult};

pub type UserId = i64;

/// A user to create.
#[derive(Clone, PartialEq, Eq)]
pub struct NewUser {
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub created_at: i64,
    pub created_by: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("email", &self.email)
            .field("created_by", &self.created_by)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_last_step: Option<i64>,
    pub disabled: bool,
    pub created_at: i64,
    pub created_by: String,
}

impl fmt::Debug for UserRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("email", &self.email)
            .field("totp_enrolled", &self.totp_secret.is_some())
            .field("disabled", &self.disabled)
            .finish_non_exhaustive()
    }
}

/// A role given to a user; `audit` and `jurisdiction` are empty for state-wide roles.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct GrantRow {
    pub id: i64,
    pub user_id: UserId,
    pub role: String,
    pub audit: String,
    pub jurisdiction: String,
    pub granted_at: i64,
    pub granted_by: String,
}

/// A change to a user.
#[derive(Clone, PartialEq, Eq)]
pub enum UserUpdate {
    Disabled(bool),
    PasswordHash(String),
    /// Confirms TOTP enrolment with the secret and the step of the code that confirmed it.
    TotpEnrolled {
        secret: String,
        step: i64,
    },
    /// Removes the second factor and the recovery codes and ends the user's sessions: the user
    /// enrols again at the next login.
    ResetMfa,
}

impl fmt::Debug for UserUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UserUpdate::Disabled(d) => write!(f, "Disabled({d})"),
            UserUpdate::PasswordHash(_) => write!(f, "PasswordHash(..)"),
            UserUpdate::TotpEnrolled { step, .. } => write!(f, "TotpEnrolled {{ step: {step} }}"),
            UserUpdate::ResetMfa => write!(f, "ResetMfa"),
        }
    }
}

#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    pub id_sha256: String,
    pub user_id: Option<UserId>,
    pub board_credential_id: Option<i64>,
    pub stage: String,
    pub csrf_token: String,
    pub created_at: i64,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("user_id", &self.user_id)
            .field("board_credential_id", &self.board_credential_id)
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SessionRow {
    pub id_sha256: String,
    pub user_id: Option<UserId>,
    pub board_credential_id: Option<i64>,
    pub stage: String,
    pub csrf_token: String,
    pub pending_totp: Option<String>,
    pub members: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
}

impl fmt::Debug for SessionRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRow")
            .field("user_id", &self.user_id)
            .field("board_credential_id", &self.board_credential_id)
            .field("stage", &self.stage)
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .finish_non_exhaustive()
    }
}

/// A change to a session.
#[derive(Clone, PartialEq, Eq)]
pub enum SessionUpdate {
    Stage(String),
    PendingTotp(Option<String>),
    Members(String),
}

impl fmt::Debug for SessionUpdate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionUpdate::Stage(s) => write!(f, "Stage({s})"),
            SessionUpdate::PendingTotp(_) => write!(f, "PendingTotp(..)"),
            SessionUpdate::Members(m) => write!(f, "Members({m})"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LoginAttemptRow {
    pub email: String,
    pub succeeded: bool,
    pub remote: String,
    pub at: i64,
}

#[derive(Clone, PartialEq, Eq)]
pub struct NewBoardCredential {
    pub audit: String,
    pub jurisdiction: String,
    pub board: String,
    pub round: i64,
    /// `passphrase` or `link`.
    pub kind: String,
    pub secret_sha256: String,
    pub created_at: i64,
    pub created_by: String,
}

impl fmt::Debug for NewBoardCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewBoardCredential")
            .field("audit", &self.audit)
            .field("jurisdiction", &self.jurisdiction)
            .field("board", &self.board)
            .field("round", &self.round)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BoardCredentialRow {
    pub id: i64,
    pub audit: String,
    pub jurisdiction: String,
    pub board: String,
    pub round: i64,
    pub kind: String,
    pub secret_sha256: String,
    pub created_at: i64,
    pub created_by: String,
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl fmt::Debug for BoardCredentialRow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoardCredentialRow")
            .field("id", &self.id)
            .field("audit", &self.audit)
            .field("jurisdiction", &self.jurisdiction)
            .field("board", &self.board)
            .field("round", &self.round)
            .field("kind", &self.kind)
            .field("used_at", &self.used_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// Accounts, sessions and credentials. Each changing method is one transaction with its log
/// entries (which may be empty only where noted: touching a session is not an event).
pub trait AccountStore: Send + Sync {
    /// Creates a user with its first role grants.
    fn create_user(
        &self,
        user: &NewUser,
        grants: &[(String, String, String)],
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<UserId>> + Send;
    fn user(&self, id: UserId) -> impl Future<Output = StoreResult<UserRow>> + Send;
    fn user_by_email(
        &self,
        email: &str,
    ) -> impl Future<Output = StoreResult<Option<UserRow>>> + Send;
    fn users(&self) -> impl Future<Output = StoreResult<Vec<UserRow>>> + Send;
    fn update_user(
        &self,
        id: UserId,
        update: &UserUpdate,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Accepts a TOTP step for the user if it is later than the last accepted one; false if not
    /// (a replayed code). Atomic, so two requests with the same code cannot both pass.
    fn accept_totp_step(
        &self,
        id: UserId,
        step: i64,
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    /// Replaces a user's TOTP secret `stored` by `sealed` (the same secret, encrypted: the last
    /// accepted step stays), with `log`; false (and nothing written) if the secret is no longer
    /// `stored` (reset or enrolled again meanwhile).
    fn reseal_totp_secret(
        &self,
        id: UserId,
        stored: &str,
        sealed: &str,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    fn grants(&self, user: UserId) -> impl Future<Output = StoreResult<Vec<GrantRow>>> + Send;
    fn grant_role(
        &self,
        user: UserId,
        grant: &(String, String, String),
        at: i64,
        by: &str,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn revoke_role(
        &self,
        grant: i64,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Replaces the user's recovery codes (by their SHA-256).
    fn set_recovery_codes(
        &self,
        user: UserId,
        code_sha256: &[String],
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Uses an unused recovery code: true (and `log` written) if it was there and unused.
    fn use_recovery_code(
        &self,
        user: UserId,
        code_sha256: &str,
        at: i64,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<bool>> + Send;
    fn unused_recovery_codes(&self, user: UserId) -> impl Future<Output = StoreResult<i64>> + Send;

    fn record_login_attempt(
        &self,
        attempt: &LoginAttemptRow,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The attempts for `email` at or after `since`, oldest first.
    fn login_attempts(
        &self,
        email: &str,
        since: i64,
    ) -> impl Future<Output = StoreResult<Vec<LoginAttemptRow>>> + Send;

    /// Records a failed login (password, second-factor code or board passphrase) from a network
    /// address, for the per-address limit. `log_for` gets the times of the newest `limit`
    /// earlier failures from `remote` at or after `since` (newest first), read in the same
    /// transaction, and returns the entries to log with this one (the block's entry when this
    /// failure starts one): two failures at once cannot both see the address unblocked and both
    /// log its block. Failures of every address before `since` have left the window and are
    /// deleted in the same transaction (housekeeping, not logged). Returns how many entries were
    /// logged.
    fn record_address_failure(
        &self,
        remote: &str,
        at: i64,
        window: (i64, usize),
        log_for: impl FnOnce(&[i64]) -> Vec<LogRecord> + Send,
    ) -> impl Future<Output = StoreResult<usize>> + Send;
    /// The times of the newest `limit` failed logins from `remote` at or after `since`, newest
    /// first.
    fn address_failures(
        &self,
        remote: &str,
        since: i64,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<i64>>> + Send;

    fn create_session(
        &self,
        session: &NewSession,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn session(
        &self,
        id_sha256: &str,
    ) -> impl Future<Output = StoreResult<Option<SessionRow>>> + Send;
    /// Marks the session used now (no log entry: this is not an event).
    fn touch_session(
        &self,
        id_sha256: &str,
        at: i64,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn update_session(
        &self,
        id_sha256: &str,
        update: &SessionUpdate,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    fn delete_session(
        &self,
        id_sha256: &str,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Ends every session of a user ("log out everywhere"); returns how many.
    fn delete_user_sessions(
        &self,
        user: UserId,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Deletes the sessions that can no longer be used: idle since before `idle_before`, created
    /// before `absolute_before`, or still short of their second factor and created before
    /// `pending_before`. Returns how many. Housekeeping: nothing to log.
    fn delete_expired_sessions(
        &self,
        idle_before: i64,
        absolute_before: i64,
        pending_before: i64,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Issues a board credential; earlier unused credentials of the same board and round are
    /// revoked in the same transaction.
    fn create_board_credential(
        &self,
        credential: &NewBoardCredential,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<i64>> + Send;
    fn board_credential(
        &self,
        id: i64,
    ) -> impl Future<Output = StoreResult<BoardCredentialRow>> + Send;
    fn board_credential_by_secret(
        &self,
        secret_sha256: &str,
    ) -> impl Future<Output = StoreResult<Option<BoardCredentialRow>>> + Send;
    /// Writes log entries that go with no other change (a refused board login).
    fn log_only(&self, log: &[LogRecord]) -> impl Future<Output = StoreResult<()>> + Send;
    /// Marks a one-time credential used: true if it was unused (and `log` is written).
    fn use_board_credential(
        &self,
        id: i64,
        at: i64,
        log: &[LogRecord],
    ) -> impl Future<Output = StoreResult<bool>> + Send;
}
