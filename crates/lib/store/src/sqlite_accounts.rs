//! [`AccountStore`] on SQLite, in the dialect PostgreSQL shares (see [`crate::sql`]).

use crate::accounts::*;
use crate::sqlite::write_log;
use crate::{LogRecord, SqliteStore, StoreError, StoreResult};

const USER_COLUMNS: &str = "SELECT id, email, password_hash, totp_secret, totp_last_step, disabled, created_at, created_by FROM users";
const USER_INSERT: &str = "INSERT INTO users (email, password_hash, disabled, created_at, created_by) VALUES ($1, $2, FALSE, $3, $4) RETURNING id";
const GRANT_INSERT: &str = "INSERT INTO role_grants (user_id, role, audit, jurisdiction, granted_at, granted_by) VALUES ($1, $2, $3, $4, $5, $6)";
const GRANTS: &str = "SELECT id, user_id, role, audit, jurisdiction, granted_at, granted_by FROM role_grants WHERE user_id = $1 ORDER BY id";
const SESSION_COLUMNS: &str = "SELECT id_sha256, user_id, board_credential_id, stage, csrf_token, pending_totp, members, created_at, last_seen_at FROM sessions WHERE id_sha256 = $1";
const CREDENTIAL_COLUMNS: &str = "SELECT id, audit, jurisdiction, board, round, kind, secret_sha256, created_at, created_by, used_at, revoked_at FROM board_credentials";

fn user_query(filter: &'static str) -> String {
    format!("{USER_COLUMNS} {filter}")
}

/// The newest failed logins from an address in the window, newest first.
const ADDRESS_FAILURES: &str = "SELECT at FROM login_address_failures WHERE remote = $1 AND at >= $2 ORDER BY at DESC, id DESC LIMIT $3";

impl AccountStore for SqliteStore {
    async fn create_user(
        &self,
        user: &NewUser,
        grants: &[(String, String, String)],
        log: &[LogRecord],
    ) -> StoreResult<UserId> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(USER_INSERT)
            .bind(&user.email)
            .bind(&user.password_hash)
            .bind(user.created_at)
            .bind(&user.created_by)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "a user with the email {:?} already exists",
                    user.email
                )),
                other => other,
            })?;
        for (role, audit, jurisdiction) in grants {
            sqlx::query(GRANT_INSERT)
                .bind(id)
                .bind(role)
                .bind(audit)
                .bind(jurisdiction)
                .bind(user.created_at)
                .bind(&user.created_by)
                .execute(&mut *tx)
                .await?;
        }
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn user(&self, id: UserId) -> StoreResult<UserRow> {
        sqlx::query_as(sqlx::AssertSqlSafe(user_query("WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: format!("user {id}"),
            })
    }

    async fn user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
        Ok(
            sqlx::query_as(sqlx::AssertSqlSafe(user_query("WHERE email = $1")))
                .bind(email)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn users(&self) -> StoreResult<Vec<UserRow>> {
        Ok(
            sqlx::query_as(sqlx::AssertSqlSafe(user_query("ORDER BY email")))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn update_user(
        &self,
        id: UserId,
        update: &UserUpdate,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = match update {
            UserUpdate::Disabled(d) => {
                sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                    .bind(d)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
            }
            UserUpdate::PasswordHash(h) => {
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(h)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
            }
            UserUpdate::TotpEnrolled { secret, step } => {
                sqlx::query("UPDATE users SET totp_secret = $1, totp_last_step = $2 WHERE id = $3")
                    .bind(secret)
                    .bind(step)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
            }
            UserUpdate::ResetMfa => {
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query(
                    "UPDATE users SET totp_secret = NULL, totp_last_step = NULL WHERE id = $1",
                )
                .bind(id)
                .execute(&mut *tx)
                .await?
            }
        };
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound {
                what: format!("user {id}"),
            });
        }
        if matches!(update, UserUpdate::Disabled(true)) {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn accept_totp_step(&self, id: UserId, step: i64) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)")
            .bind(step)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn reseal_totp_secret(
        &self,
        id: UserId,
        stored: &str,
        sealed: &str,
        log: &[LogRecord],
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done =
            sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2 AND totp_secret = $3")
                .bind(sealed)
                .bind(id)
                .bind(stored)
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn grants(&self, user: UserId) -> StoreResult<Vec<GrantRow>> {
        Ok(sqlx::query_as(GRANTS)
            .bind(user)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn grant_role(
        &self,
        user: UserId,
        grant: &(String, String, String),
        at: i64,
        by: &str,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(GRANT_INSERT)
            .bind(user)
            .bind(&grant.0)
            .bind(&grant.1)
            .bind(&grant.2)
            .bind(at)
            .bind(by)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn revoke_role(&self, grant: i64, log: &[LogRecord]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM role_grants WHERE id = $1")
            .bind(grant)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_recovery_codes(
        &self,
        user: UserId,
        code_sha256: &[String],
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        for code in code_sha256 {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_sha256) VALUES ($1, $2)")
                .bind(user)
                .bind(code)
                .execute(&mut *tx)
                .await?;
        }
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_recovery_code(
        &self,
        user: UserId,
        code_sha256: &str,
        at: i64,
        log: &[LogRecord],
    ) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE recovery_codes SET used_at = $1 WHERE user_id = $2 AND code_sha256 = $3 AND used_at IS NULL")
            .bind(at)
            .bind(user)
            .bind(code_sha256)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn unused_recovery_codes(&self, user: UserId) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL",
        )
        .bind(user)
        .fetch_one(&self.pool)
        .await?)
    }

    async fn record_login_attempt(
        &self,
        attempt: &LoginAttemptRow,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO login_attempts (email, succeeded, remote, at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&attempt.email)
        .bind(attempt.succeeded)
        .bind(&attempt.remote)
        .bind(attempt.at)
        .execute(&mut *tx)
        .await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn login_attempts(&self, email: &str, since: i64) -> StoreResult<Vec<LoginAttemptRow>> {
        Ok(sqlx::query_as(
            "SELECT email, succeeded, remote, at FROM login_attempts WHERE email = $1 AND at >= $2 ORDER BY id",
        )
        .bind(email)
        .bind(since)
        .fetch_all(&self.pool)
        .await?)
    }

    async fn record_address_failure(
        &self,
        remote: &str,
        at: i64,
        (since, limit): (i64, usize),
        log_for: impl FnOnce(&[i64]) -> Vec<LogRecord> + Send,
    ) -> StoreResult<usize> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_address_failures WHERE at < $1")
            .bind(since)
            .execute(&mut *tx)
            .await?;
        let earlier: Vec<i64> = sqlx::query_scalar(ADDRESS_FAILURES)
            .bind(remote)
            .bind(since)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&mut *tx)
            .await?;
        let log = log_for(&earlier);
        sqlx::query("INSERT INTO login_address_failures (remote, at) VALUES ($1, $2)")
            .bind(remote)
            .bind(at)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, None, &log).await?;
        tx.commit().await?;
        Ok(log.len())
    }

    async fn address_failures(
        &self,
        remote: &str,
        since: i64,
        limit: usize,
    ) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(ADDRESS_FAILURES)
            .bind(remote)
            .bind(since)
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await?)
    }

    async fn create_session(&self, session: &NewSession, log: &[LogRecord]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO sessions (id_sha256, user_id, board_credential_id, stage, csrf_token, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $6)")
            .bind(&session.id_sha256)
            .bind(session.user_id)
            .bind(session.board_credential_id)
            .bind(&session.stage)
            .bind(&session.csrf_token)
            .bind(session.created_at)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn session(&self, id_sha256: &str) -> StoreResult<Option<SessionRow>> {
        Ok(sqlx::query_as(SESSION_COLUMNS)
            .bind(id_sha256)
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn touch_session(&self, id_sha256: &str, at: i64) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_sha256 = $2")
            .bind(at)
            .bind(id_sha256)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn update_session(
        &self,
        id_sha256: &str,
        update: &SessionUpdate,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let query = match update {
            SessionUpdate::Stage(s) => {
                sqlx::query("UPDATE sessions SET stage = $1 WHERE id_sha256 = $2").bind(s.clone())
            }
            SessionUpdate::PendingTotp(p) => {
                sqlx::query("UPDATE sessions SET pending_totp = $1 WHERE id_sha256 = $2")
                    .bind(p.clone())
            }
            SessionUpdate::Members(m) => {
                sqlx::query("UPDATE sessions SET members = $1 WHERE id_sha256 = $2").bind(m.clone())
            }
        };
        query.bind(id_sha256).execute(&mut *tx).await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_session(&self, id_sha256: &str, log: &[LogRecord]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE id_sha256 = $1")
            .bind(id_sha256)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn delete_expired_sessions(
        &self,
        idle_before: i64,
        absolute_before: i64,
        pending_before: i64,
    ) -> StoreResult<u64> {
        let done = sqlx::query(
            "DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2 OR (stage <> 'full' AND created_at < $3)",
        )
        .bind(idle_before)
        .bind(absolute_before)
        .bind(pending_before)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    async fn delete_user_sessions(&self, user: UserId, log: &[LogRecord]) -> StoreResult<u64> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    async fn create_board_credential(
        &self,
        c: &NewBoardCredential,
        log: &[LogRecord],
    ) -> StoreResult<i64> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE board_credentials SET revoked_at = $1 WHERE audit = $2 AND jurisdiction = $3 AND board = $4 AND round = $5 AND revoked_at IS NULL")
            .bind(c.created_at)
            .bind(&c.audit)
            .bind(&c.jurisdiction)
            .bind(&c.board)
            .bind(c.round)
            .execute(&mut *tx)
            .await?;
        let id: i64 = sqlx::query_scalar("INSERT INTO board_credentials (audit, jurisdiction, board, round, kind, secret_sha256, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(&c.audit)
            .bind(&c.jurisdiction)
            .bind(&c.board)
            .bind(c.round)
            .bind(&c.kind)
            .bind(&c.secret_sha256)
            .bind(c.created_at)
            .bind(&c.created_by)
            .fetch_one(&mut *tx)
            .await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn board_credential(&self, id: i64) -> StoreResult<BoardCredentialRow> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CREDENTIAL_COLUMNS} WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("board credential {id}"),
        })
    }

    async fn board_credential_by_secret(
        &self,
        secret_sha256: &str,
    ) -> StoreResult<Option<BoardCredentialRow>> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CREDENTIAL_COLUMNS} WHERE secret_sha256 = $1"
        )))
        .bind(secret_sha256)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn log_only(&self, log: &[LogRecord]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn use_board_credential(&self, id: i64, at: i64, log: &[LogRecord]) -> StoreResult<bool> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE board_credentials SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND revoked_at IS NULL")
            .bind(at)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        write_log(&mut tx, None, log).await?;
        tx.commit().await?;
        Ok(true)
    }
}
