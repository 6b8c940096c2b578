//! The account flows over an [`AccountStore`]: creating users, logging in (password, then the
//! TOTP code or a recovery code, or TOTP enrolment for a first login), sessions, logging out
//! (here or everywhere), and audit-board credentials. Every change is one store transaction with
//! its election-log entries (kinds `auth.*`); the caller appends the outbox to the log after
//! (`audit::Workflow::flush`). No entry holds a password, code, secret or session id.
//!
//! The time is always passed in (`now_ms`, milliseconds since 1970), so tests can move it.

use serde_json::{Value, json};
use store::{
    AccountStore, GrantRow, LogRecord, LoginAttemptRow, NewBoardCredential, NewSession, NewUser,
    SessionRow, SessionUpdate, UserRow, UserUpdate,
};

use crate::field_key::{FieldKey, session_totp_aad, user_totp_aad};
use crate::password::{self, HashCost};
use crate::policy::{AddressPolicy, LoginPolicy, SessionPolicy};
use crate::role::{Principal, Role};
use crate::{AccountError, Result, secret, totp};

/// The issuer authenticator apps show.
pub const TOTP_ISSUER: &str = "ballotproof";
/// How many recovery codes a user gets.
pub const RECOVERY_CODES: usize = 10;

/// Where a login stands after the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginStep {
    /// Enter the code from the authenticator app (or a recovery code).
    SecondFactor,
    /// First login of an administrator: set up the authenticator app.
    Enrol,
}

/// A live session: who it is and its CSRF token.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    pub session: SessionRow,
    pub principal: Principal,
    /// The user's email (None for an audit board).
    pub email: Option<String>,
    /// The audit board's credential (None for a user).
    pub board: Option<BoardLogin>,
}

impl SessionInfo {
    pub fn stage(&self) -> &str {
        &self.session.stage
    }
    pub fn is_full(&self) -> bool {
        self.session.stage == "full"
    }
    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }
}

/// An audit board's login: which board, which round, its members once entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardLogin {
    pub audit: String,
    pub jurisdiction: String,
    pub board: String,
    pub round: i64,
    pub members: Option<(String, String)>,
}

/// A credential issued for an audit board, to print once.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCredential {
    /// The passphrase to type, or the token of the one-time link (`/board/link/TOKEN`).
    pub secret: String,
    pub kind: CredentialKind,
}

impl std::fmt::Debug for IssuedCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "IssuedCredential({:?}, ..)", self.kind)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// Typed at the board login page; usable for the whole round (both members may log in from
    /// their own device).
    Passphrase,
    /// A link that logs in once.
    Link,
}

impl CredentialKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CredentialKind::Passphrase => "passphrase",
            CredentialKind::Link => "link",
        }
    }
}

/// The account flows.
pub struct Accounts<'a, S: AccountStore> {
    store: &'a S,
    cost: HashCost,
    pub login_policy: LoginPolicy,
    pub address_policy: AddressPolicy,
    pub session_policy: SessionPolicy,
    /// Encrypts TOTP secrets at rest; needed by the flows that set or check a second factor.
    field_key: Option<FieldKey>,
}

fn record(kind: &str, actor: &str, now_ms: i64, body: Value) -> LogRecord {
    LogRecord {
        kind: kind.into(),
        actor: actor.into(),
        time_ms: now_ms,
        sha256: None,
        body: body.to_string(),
    }
}

/// The election log's name for a user.
pub fn user_actor(email: &str) -> String {
    format!("user:{email}")
}

fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn roles_of(grants: &[GrantRow]) -> Vec<Role> {
    grants
        .iter()
        .filter_map(|g| Role::from_grant(&g.role, &g.audit, &g.jurisdiction))
        .collect()
}

impl<'a, S: AccountStore> Accounts<'a, S> {
    pub fn new(store: &'a S, cost: HashCost) -> Accounts<'a, S> {
        Accounts {
            store,
            cost,
            login_policy: LoginPolicy::default(),
            address_policy: AddressPolicy::default(),
            session_policy: SessionPolicy::default(),
            field_key: None,
        }
    }

    /// With the data directory's field-encryption key (see [`crate::field_key`]).
    pub fn with_field_key(mut self, key: FieldKey) -> Accounts<'a, S> {
        self.field_key = Some(key);
        self
    }

    fn key(&self) -> Result<&FieldKey> {
        self.field_key.as_ref().ok_or_else(|| {
            AccountError::Key(
                "the field-encryption key is not loaded, so second factors cannot be set or checked here"
                    .into(),
            )
        })
    }

    /// Creates a user with roles; the password is checked for length and hashed.
    pub async fn create_user(
        &self,
        actor: &str,
        email: &str,
        password: &str,
        roles: &[Role],
        now_ms: i64,
    ) -> Result<i64> {
        let email = normalize_email(email);
        if !email.contains('@') || email.len() < 3 || email.chars().any(char::is_whitespace) {
            return Err(AccountError::Invalid(format!(
                "{email:?} is not an email address"
            )));
        }
        if roles.is_empty() {
            return Err(AccountError::Invalid("give the user a role".into()));
        }
        if roles.iter().any(|r| matches!(r, Role::AuditBoard { .. })) {
            return Err(AccountError::Invalid(
                "audit boards log in with a passphrase or link, not a user account".into(),
            ));
        }
        password::check_new_password(password)?;
        let hash = password::hash(password, self.cost)?;
        let grants: Vec<(String, String, String)> = roles.iter().map(Role::grant).collect();
        let log = vec![record(
            "auth.user_created",
            actor,
            now_ms,
            json!({"user": email, "roles": roles.iter().map(Role::describe).collect::<Vec<_>>()}),
        )];
        Ok(self
            .store
            .create_user(
                &NewUser {
                    email: email.clone(),
                    password_hash: hash,
                    created_at: now_ms,
                    created_by: actor.into(),
                },
                &grants,
                &log,
            )
            .await?)
    }

    /// Every user with their roles.
    pub async fn users(&self) -> Result<Vec<(UserRow, Vec<Role>)>> {
        let mut out = Vec::new();
        for u in self.store.users().await? {
            let roles = roles_of(&self.store.grants(u.id).await?);
            out.push((u, roles));
        }
        Ok(out)
    }

    async fn user_named(&self, email: &str) -> Result<UserRow> {
        let email = normalize_email(email);
        self.store
            .user_by_email(&email)
            .await?
            .ok_or_else(|| AccountError::Invalid(format!("there is no user {email:?}")))
    }

    /// Disables (or re-enables) a user; disabling ends their sessions.
    pub async fn set_disabled(
        &self,
        actor: &str,
        email: &str,
        disabled: bool,
        now_ms: i64,
    ) -> Result<()> {
        let u = self.user_named(email).await?;
        let log = vec![record(
            "auth.permission",
            actor,
            now_ms,
            json!({"user": u.email, "change": if disabled { "disabled" } else { "enabled" }}),
        )];
        self.store
            .update_user(u.id, &UserUpdate::Disabled(disabled), &log)
            .await?;
        Ok(())
    }

    /// Removes a user's second factor and recovery codes (a lost phone); they enrol again.
    pub async fn reset_mfa(&self, actor: &str, email: &str, now_ms: i64) -> Result<()> {
        let u = self.user_named(email).await?;
        let log = vec![record(
            "auth.mfa_reset",
            actor,
            now_ms,
            json!({"user": u.email}),
        )];
        self.store
            .update_user(u.id, &UserUpdate::ResetMfa, &log)
            .await?;
        Ok(())
    }

    /// Gives a user another role.
    pub async fn grant(&self, actor: &str, email: &str, role: &Role, now_ms: i64) -> Result<()> {
        let u = self.user_named(email).await?;
        let log = vec![record(
            "auth.permission",
            actor,
            now_ms,
            json!({"user": u.email, "change": "granted", "role": role.describe()}),
        )];
        self.store
            .grant_role(u.id, &role.grant(), now_ms, actor, &log)
            .await?;
        Ok(())
    }

    async fn failed(&self, email: &str, remote: &str, reason: &str, now_ms: i64) -> Result<()> {
        let attempts = self
            .store
            .login_attempts(email, self.login_policy.since(now_ms))
            .await?;
        let was_locked = self.login_policy.locked(&attempts, now_ms).is_some();
        let row = LoginAttemptRow {
            email: email.into(),
            succeeded: false,
            remote: remote.into(),
            at: now_ms,
        };
        let mut log = vec![record(
            "auth.login_failed",
            "public",
            now_ms,
            json!({"email": email, "remote": remote, "reason": reason}),
        )];
        let mut with = attempts;
        with.push(row.clone());
        if !was_locked && self.login_policy.locked(&with, now_ms).is_some() {
            log.push(record(
                "auth.lockout",
                "public",
                now_ms,
                json!({"email": email, "remote": remote, "minutes": self.login_policy.lockout_ms / 60_000}),
            ));
        }
        self.store.record_login_attempt(&row, &log).await?;
        Ok(())
    }

    /// Deletes the sessions the policy has ended (called at each login, so the table holds only
    /// live sessions plus those ended since the last login).
    pub async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64> {
        let p = &self.session_policy;
        Ok(self
            .store
            .delete_expired_sessions(
                now_ms - p.idle_ms,
                now_ms - p.absolute_ms,
                now_ms - p.second_factor_ms,
            )
            .await?)
    }

    /// Refuses ([`AccountError::AddressBlocked`]) a login from a network address that has failed
    /// too often lately (see [`crate::policy`]); the caller asks before trying the credentials.
    pub async fn check_address(&self, remote: &str, now_ms: i64) -> Result<()> {
        let p = &self.address_policy;
        let recent = self
            .store
            .address_failures(remote, p.since(now_ms), p.max_failures)
            .await?;
        match p.blocked(&recent, now_ms) {
            Some(ms) => Err(AccountError::AddressBlocked {
                minutes: minutes(ms),
            }),
            None => Ok(()),
        }
    }

    /// Counts a failed login (password, code or board passphrase) from `remote`. The failure
    /// that blocks the address is logged (`auth.address_blocked`) in the same transaction, once
    /// per block; returns true then. Failures that have left the window are deleted in that transaction.
    pub async fn address_failed(&self, remote: &str, now_ms: i64) -> Result<bool> {
        let p = self.address_policy;
        let logged = self
            .store
            .record_address_failure(
                remote,
                now_ms,
                (p.since(now_ms), p.max_failures),
                |earlier| {
                    let was_blocked = p.blocked(earlier, now_ms).is_some();
                    let mut recent = earlier.to_vec();
                    recent.insert(0, now_ms);
                    p.blocked(&recent, now_ms)
                        .filter(|_| !was_blocked)
                        .map(|ms| {
                            record(
                                "auth.address_blocked",
                                "public",
                                now_ms,
                                json!({"remote": remote, "minutes": minutes(ms)}),
                            )
                        })
                        .into_iter()
                        .collect()
                },
            )
            .await?;
        Ok(logged > 0)
    }

    /// The first step of a login. Returns the new session's token (for the cookie) and what
    /// comes next. A locked account is refused even with the right password.
    pub async fn login_password(
        &self,
        email: &str,
        password: &str,
        remote: &str,
        now_ms: i64,
    ) -> Result<(String, LoginStep)> {
        self.delete_expired_sessions(now_ms).await?;
        let email = normalize_email(email);
        let attempts = self
            .store
            .login_attempts(&email, self.login_policy.since(now_ms))
            .await?;
        if let Some(ms) = self.login_policy.locked(&attempts, now_ms) {
            // Logged, but not counted: refusals during a lockout do not extend it (or anyone
            // could keep an administrator locked out by trying forever).
            self.store
                .log_only(&[record(
                    "auth.login_failed",
                    "public",
                    now_ms,
                    json!({"email": email, "remote": remote, "reason": "account locked"}),
                )])
                .await?;
            return Err(AccountError::Locked {
                minutes: (ms + 59_999) / 60_000,
            });
        }
        let user = self.store.user_by_email(&email).await?;
        let Some(user) = user else {
            password::dummy_verify(self.cost);
            self.failed(&email, remote, "unknown email", now_ms).await?;
            return Err(self.after_failure(&email, now_ms).await?);
        };
        if !password::verify(password, &user.password_hash) {
            self.failed(&email, remote, "wrong password", now_ms)
                .await?;
            return Err(self.after_failure(&email, now_ms).await?);
        }
        if user.disabled {
            self.failed(&email, remote, "account disabled", now_ms)
                .await?;
            return Err(AccountError::BadCredentials);
        }
        let step = if user.totp_secret.is_some() {
            LoginStep::SecondFactor
        } else {
            LoginStep::Enrol
        };
        let token = secret::token()?;
        let stage = match step {
            LoginStep::SecondFactor => "second_factor",
            LoginStep::Enrol => "enrol",
        };
        let log = vec![record(
            "auth.password_accepted",
            &user_actor(&user.email),
            now_ms,
            json!({"remote": remote, "next": stage}),
        )];
        self.store
            .create_session(
                &NewSession {
                    id_sha256: secret::sha256(&token),
                    user_id: Some(user.id),
                    board_credential_id: None,
                    stage: stage.into(),
                    csrf_token: secret::token()?,
                    created_at: now_ms,
                },
                &log,
            )
            .await?;
        Ok((token, step))
    }

    /// The error after a failure: locked if this failure locked the account.
    async fn after_failure(&self, email: &str, now_ms: i64) -> Result<AccountError> {
        let attempts = self
            .store
            .login_attempts(email, self.login_policy.since(now_ms))
            .await?;
        Ok(match self.login_policy.locked(&attempts, now_ms) {
            Some(ms) => AccountError::Locked {
                minutes: (ms + 59_999) / 60_000,
            },
            None => AccountError::BadCredentials,
        })
    }

    /// The session behind a cookie's token, if it is alive; marks it used now. An expired session
    /// is deleted.
    pub async fn session(&self, token: &str, now_ms: i64) -> Result<SessionInfo> {
        let hash = secret::sha256(token);
        let Some(s) = self.store.session(&hash).await? else {
            return Err(AccountError::SessionExpired);
        };
        if !self.session_policy.alive(&s, now_ms) {
            self.store.delete_session(&hash, &[]).await?;
            return Err(AccountError::SessionExpired);
        }
        let info = if let Some(uid) = s.user_id {
            let u = self.store.user(uid).await?;
            if u.disabled {
                self.store.delete_session(&hash, &[]).await?;
                return Err(AccountError::SessionExpired);
            }
            let roles = if s.stage == "full" {
                roles_of(&self.store.grants(uid).await?)
            } else {
                Vec::new()
            };
            SessionInfo {
                principal: Principal {
                    actor: user_actor(&u.email),
                    user_id: Some(uid),
                    roles,
                },
                email: Some(u.email),
                board: None,
                session: s,
            }
        } else if let Some(cid) = s.board_credential_id {
            let c = self.store.board_credential(cid).await?;
            if c.revoked_at.is_some() {
                self.store.delete_session(&hash, &[]).await?;
                return Err(AccountError::SessionExpired);
            }
            let members = s
                .members
                .as_deref()
                .and_then(|m| serde_json::from_str::<(String, String)>(m).ok());
            let actor = match &members {
                Some((a, b)) => format!(
                    "board:{}/{}/{} ({a}, {b})",
                    c.audit, c.jurisdiction, c.board
                ),
                None => format!("board:{}/{}/{}", c.audit, c.jurisdiction, c.board),
            };
            SessionInfo {
                principal: Principal {
                    actor,
                    user_id: None,
                    roles: vec![Role::AuditBoard {
                        audit: c.audit.clone(),
                        jurisdiction: c.jurisdiction.clone(),
                        board: c.board.clone(),
                    }],
                },
                email: None,
                board: Some(BoardLogin {
                    audit: c.audit,
                    jurisdiction: c.jurisdiction,
                    board: c.board,
                    round: c.round,
                    members,
                }),
                session: s,
            }
        } else {
            return Err(AccountError::SessionExpired);
        };
        if self.session_policy.needs_touch(&info.session, now_ms) {
            self.store.touch_session(&hash, now_ms).await?;
        }
        Ok(info)
    }

    /// The second step: a TOTP code, or a recovery code (single use). A wrong code counts as a
    /// failed login towards the lockout.
    pub async fn second_factor(
        &self,
        token: &str,
        code: &str,
        remote: &str,
        now_ms: i64,
    ) -> Result<()> {
        let info = self.session(token, now_ms).await?;
        let (Some(uid), "second_factor") = (info.session.user_id, info.stage()) else {
            return Err(AccountError::SessionExpired);
        };
        let user = self.store.user(uid).await?;
        let attempts = self
            .store
            .login_attempts(&user.email, self.login_policy.since(now_ms))
            .await?;
        if let Some(ms) = self.login_policy.locked(&attempts, now_ms) {
            return Err(AccountError::Locked {
                minutes: (ms + 59_999) / 60_000,
            });
        }
        let actor = user_actor(&user.email);
        let hash = secret::sha256(token);
        let normalized = secret::normalize_code(code);
        let method = if normalized.len() == 16 {
            let log = vec![record(
                "auth.recovery_code_used",
                &actor,
                now_ms,
                json!({"remote": remote}),
            )];
            self.store
                .use_recovery_code(uid, &secret::sha256(&normalized), now_ms, &log)
                .await?
                .then_some("recovery code")
        } else {
            let secret_b32 = match &user.totp_secret {
                Some(sealed) => self.key()?.open(&user_totp_aad(uid), sealed)?,
                None => String::new(),
            };
            match totp::check(&secret_b32, code, to_secs(now_ms), user.totp_last_step) {
                Ok(step) if self.store.accept_totp_step(uid, step).await? => Some("totp"),
                _ => None,
            }
        };
        if method == Some("totp") {
            // The code proves the secret is in use: keep it encrypted from now on.
            self.encrypt_legacy_totp_secret(&user, &actor, now_ms)
                .await?;
        }
        let Some(method) = method else {
            self.failed(&user.email, remote, "wrong second factor", now_ms)
                .await?;
            return Err(match self.after_failure(&user.email, now_ms).await? {
                AccountError::BadCredentials => AccountError::BadCode,
                locked => locked,
            });
        };
        self.succeed(&hash, &user, remote, method, now_ms).await
    }

    async fn succeed(
        &self,
        hash: &str,
        user: &UserRow,
        remote: &str,
        method: &str,
        now_ms: i64,
    ) -> Result<()> {
        let log = vec![record(
            "auth.login",
            &user_actor(&user.email),
            now_ms,
            json!({"remote": remote, "second_factor": method}),
        )];
        self.store
            .record_login_attempt(
                &LoginAttemptRow {
                    email: user.email.clone(),
                    succeeded: true,
                    remote: remote.into(),
                    at: now_ms,
                },
                &[],
            )
            .await?;
        self.store
            .update_session(hash, &SessionUpdate::Stage("full".into()), &log)
            .await?;
        Ok(())
    }

    /// Encrypts the user's TOTP secret if it was stored in plain text (before secrets were
    /// encrypted at rest), keeping the same secret and last step: one transaction with an
    /// `auth.totp_secret_encrypted` entry (which names the user, not the secret). True if it did.
    async fn encrypt_legacy_totp_secret(
        &self,
        user: &UserRow,
        actor: &str,
        now_ms: i64,
    ) -> Result<bool> {
        let Some(stored) = user
            .totp_secret
            .as_deref()
            .filter(|s| !FieldKey::is_sealed(s))
        else {
            return Ok(false);
        };
        let sealed = self.key()?.seal(&user_totp_aad(user.id), stored)?;
        let log = [record(
            "auth.totp_secret_encrypted",
            actor,
            now_ms,
            json!({"user": user.email}),
        )];
        Ok(self
            .store
            .reseal_totp_secret(user.id, stored, &sealed, &log)
            .await?)
    }

    /// Encrypts every TOTP secret still stored in plain text, each in its own transaction with
    /// its log entry; the server does this at start. Returns how many it encrypted: none once all
    /// are.
    pub async fn encrypt_legacy_totp_secrets(&self, actor: &str, now_ms: i64) -> Result<usize> {
        self.key()?;
        let mut encrypted = 0;
        for user in self.store.users().await? {
            if self
                .encrypt_legacy_totp_secret(&user, actor, now_ms)
                .await?
            {
                encrypted += 1;
            }
        }
        Ok(encrypted)
    }

    /// Enrolment, first half: a new secret for the session, kept until a code from it is entered.
    /// Returns (secret in base32, otpauth URI). Calling it again keeps the same secret.
    pub async fn enrolment(&self, token: &str, now_ms: i64) -> Result<(String, String)> {
        let info = self.session(token, now_ms).await?;
        if info.stage() != "enrol" {
            return Err(AccountError::SessionExpired);
        }
        let hash = secret::sha256(token);
        let secret_b32 = match &info.session.pending_totp {
            Some(sealed) => self.key()?.open(&session_totp_aad(&hash), sealed)?,
            None => {
                let s = totp::new_secret()?;
                let sealed = self.key()?.seal(&session_totp_aad(&hash), &s)?;
                self.store
                    .update_session(&hash, &SessionUpdate::PendingTotp(Some(sealed)), &[])
                    .await?;
                s
            }
        };
        let email = info.email.unwrap_or_default();
        let uri = totp::otpauth_uri(&secret_b32, TOTP_ISSUER, &email);
        Ok((secret_b32, uri))
    }

    /// Enrolment, second half: a code from the new secret confirms it; the login is complete and
    /// the recovery codes are returned (to show once).
    pub async fn finish_enrolment(
        &self,
        token: &str,
        code: &str,
        remote: &str,
        now_ms: i64,
    ) -> Result<Vec<String>> {
        let info = self.session(token, now_ms).await?;
        let (Some(uid), "enrol", Some(pending)) = (
            info.session.user_id,
            info.stage(),
            info.session.pending_totp.clone(),
        ) else {
            return Err(AccountError::SessionExpired);
        };
        let user = self.store.user(uid).await?;
        let hash = secret::sha256(token);
        let pending = self.key()?.open(&session_totp_aad(&hash), &pending)?;
        let step = match totp::check(&pending, code, to_secs(now_ms), None) {
            Ok(step) => step,
            Err(e) => {
                self.failed(&user.email, remote, "wrong enrolment code", now_ms)
                    .await?;
                return Err(e);
            }
        };
        let actor = user_actor(&user.email);
        self.store
            .update_user(
                uid,
                &UserUpdate::TotpEnrolled {
                    secret: self.key()?.seal(&user_totp_aad(uid), &pending)?,
                    step,
                },
                &[record(
                    "auth.mfa_enrolled",
                    &actor,
                    now_ms,
                    json!({"method": "totp"}),
                )],
            )
            .await?;
        let codes = self.new_recovery_codes(uid, &actor, now_ms).await?;
        self.store
            .update_session(&hash, &SessionUpdate::PendingTotp(None), &[])
            .await?;
        self.succeed(&hash, &user, remote, "totp (enrolment)", now_ms)
            .await?;
        Ok(codes)
    }

    /// Sets up a user's authenticator without a login: the secret is returned to whoever created
    /// the account, who hands it over (a demo prints it; an office would not). Returns the
    /// base32 secret, its otpauth URI and the recovery codes. Logged like an enrolment, with the
    /// actor who did it.
    pub async fn enrol_totp_for(
        &self,
        actor: &str,
        email: &str,
        now_ms: i64,
    ) -> Result<(String, String, Vec<String>)> {
        let user = self.user_named(email).await?;
        let secret_b32 = totp::new_secret()?;
        self.store
            .update_user(
                user.id,
                &UserUpdate::TotpEnrolled {
                    secret: self.key()?.seal(&user_totp_aad(user.id), &secret_b32)?,
                    // No code has been used yet: every step from now on is accepted once.
                    step: 0,
                },
                &[record(
                    "auth.mfa_enrolled",
                    actor,
                    now_ms,
                    json!({"user": user.email, "method": "totp (set up by the account's creator)"}),
                )],
            )
            .await?;
        let codes = self.new_recovery_codes(user.id, actor, now_ms).await?;
        let uri = totp::otpauth_uri(&secret_b32, TOTP_ISSUER, &user.email);
        Ok((secret_b32, uri, codes))
    }

    /// Replaces a user's recovery codes; returns the new ones (to show once).
    pub async fn new_recovery_codes(
        &self,
        user: i64,
        actor: &str,
        now_ms: i64,
    ) -> Result<Vec<String>> {
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| secret::recovery_code())
            .collect::<Result<_>>()?;
        let hashes: Vec<String> = codes
            .iter()
            .map(|c| secret::sha256(&secret::normalize_code(c)))
            .collect();
        self.store
            .set_recovery_codes(
                user,
                &hashes,
                &[record(
                    "auth.recovery_codes_issued",
                    actor,
                    now_ms,
                    json!({"count": RECOVERY_CODES}),
                )],
            )
            .await?;
        Ok(codes)
    }

    /// Ends this session.
    pub async fn logout(&self, token: &str, actor: &str, now_ms: i64) -> Result<()> {
        self.store
            .delete_session(
                &secret::sha256(token),
                &[record("auth.logout", actor, now_ms, json!({}))],
            )
            .await?;
        Ok(())
    }

    /// Ends every session of the session's user; returns how many ended.
    pub async fn logout_everywhere(&self, token: &str, now_ms: i64) -> Result<u64> {
        let info = self.session(token, now_ms).await?;
        let Some(uid) = info.session.user_id else {
            self.logout(token, &info.principal.actor, now_ms).await?;
            return Ok(1);
        };
        Ok(self
            .store
            .delete_user_sessions(
                uid,
                &[record(
                    "auth.logout_everywhere",
                    &info.principal.actor,
                    now_ms,
                    json!({}),
                )],
            )
            .await?)
    }

    /// Issues a passphrase or one-time link for an audit board of a round (replacing earlier
    /// ones of that board and round).
    pub async fn issue_board_credential(
        &self,
        actor: &str,
        board: &BoardLogin,
        kind: CredentialKind,
        now_ms: i64,
    ) -> Result<IssuedCredential> {
        let secret_text = match kind {
            CredentialKind::Passphrase => secret::board_passphrase()?,
            CredentialKind::Link => secret::token()?,
        };
        let stored = match kind {
            CredentialKind::Passphrase => secret::sha256(&secret::normalize_code(&secret_text)),
            CredentialKind::Link => secret::sha256(&secret_text),
        };
        let log = vec![record(
            "auth.board_credential_issued",
            actor,
            now_ms,
            json!({"audit": board.audit, "jurisdiction": board.jurisdiction, "board": board.board, "round": board.round, "kind": kind.as_str()}),
        )];
        self.store
            .create_board_credential(
                &NewBoardCredential {
                    audit: board.audit.clone(),
                    jurisdiction: board.jurisdiction.clone(),
                    board: board.board.clone(),
                    round: board.round,
                    kind: kind.as_str().into(),
                    secret_sha256: stored,
                    created_at: now_ms,
                    created_by: actor.into(),
                },
                &log,
            )
            .await?;
        Ok(IssuedCredential {
            secret: secret_text,
            kind,
        })
    }

    /// An audit board logs in with its passphrase or link token; returns the session token.
    pub async fn board_login(
        &self,
        secret_text: &str,
        kind: CredentialKind,
        remote: &str,
        now_ms: i64,
    ) -> Result<String> {
        self.delete_expired_sessions(now_ms).await?;
        let stored = match kind {
            CredentialKind::Passphrase => secret::sha256(&secret::normalize_code(secret_text)),
            CredentialKind::Link => secret::sha256(secret_text.trim()),
        };
        let found = self.store.board_credential_by_secret(&stored).await?;
        let refuse = |reason: &str| {
            record(
                "auth.board_login_failed",
                "public",
                now_ms,
                json!({"remote": remote, "reason": reason}),
            )
        };
        let Some(c) = found.filter(|c| c.kind == kind.as_str()) else {
            self.store
                .log_only(&[refuse("unknown passphrase or link")])
                .await?;
            return Err(AccountError::BadBoardCredential);
        };
        let actor = format!("board:{}/{}/{}", c.audit, c.jurisdiction, c.board);
        let log = vec![record(
            "auth.board_login",
            &actor,
            now_ms,
            json!({"remote": remote, "kind": c.kind, "round": c.round}),
        )];
        if c.revoked_at.is_some() {
            self.store
                .log_only(&[refuse("replaced credential")])
                .await?;
            return Err(AccountError::BadBoardCredential);
        }
        if kind == CredentialKind::Link
            && !self.store.use_board_credential(c.id, now_ms, &[]).await?
        {
            self.store.log_only(&[refuse("link already used")]).await?;
            return Err(AccountError::BadBoardCredential);
        }
        let token = secret::token()?;
        self.store
            .create_session(
                &NewSession {
                    id_sha256: secret::sha256(&token),
                    user_id: None,
                    board_credential_id: Some(c.id),
                    stage: "full".into(),
                    csrf_token: secret::token()?,
                    created_at: now_ms,
                },
                &log,
            )
            .await?;
        Ok(token)
    }

    /// Records the audit board's two members for this session (they sign off by these names).
    pub async fn set_board_members(
        &self,
        token: &str,
        members: (&str, &str),
        now_ms: i64,
    ) -> Result<()> {
        let info = self.session(token, now_ms).await?;
        let (a, b) = (members.0.trim(), members.1.trim());
        if a.is_empty() || b.is_empty() || a == b {
            return Err(AccountError::Invalid(
                "enter both members' names: an audit board is two different people".into(),
            ));
        }
        if info.board.is_none() {
            return Err(AccountError::SessionExpired);
        }
        let log = vec![record(
            "auth.board_members",
            &info.principal.actor,
            now_ms,
            json!({"members": [a, b]}),
        )];
        self.store
            .update_session(
                &secret::sha256(token),
                &SessionUpdate::Members(json!([a, b]).to_string()),
                &log,
            )
            .await?;
        Ok(())
    }
}

/// Milliseconds as whole minutes, rounded up (what a refusal tells people to wait).
fn minutes(ms: i64) -> i64 {
    (ms + 59_999) / 60_000
}

fn to_secs(now_ms: i64) -> u64 {
    u64::try_from(now_ms / 1000).unwrap_or(0)
}
