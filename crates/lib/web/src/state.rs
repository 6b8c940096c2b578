//! The application's shared state: the audit workflow (over the SQLite store and the election
//! log), the clock, and the settings that decide how secrets are hashed and cookies marked.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use accounts::password::HashCost;
use accounts::{AccountError, Accounts};
use audit::{Clock, Workflow};
use store::SqliteStore;

use crate::error::WebError;

/// The election log's actor for what the server does by itself at start.
pub const STARTUP_ACTOR: &str = "server:startup";

/// Cheap to clone: one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    wf: Workflow<SqliteStore>,
    clock: Clock,
    cost: HashCost,
    secure_cookies: bool,
    data_dir: PathBuf,
    max_upload: usize,
    /// Encrypts TOTP secrets at rest (`DATA_DIR/field-encryption.key`).
    field_key: accounts::field_key::FieldKey,
}

/// How the state is set up.
#[derive(Clone)]
pub struct Settings {
    pub clock: Clock,
    /// Production everywhere but tests.
    pub cost: HashCost,
    /// Marks cookies `Secure` and uses the `__Host-` names (served over TLS, directly or by a
    /// proxy).
    pub secure_cookies: bool,
    /// Largest accepted request body (uploads), bytes.
    pub max_upload: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            clock: audit::workflow::system_clock(),
            cost: HashCost::Production,
            secure_cookies: false,
            max_upload: 512 * 1024 * 1024,
        }
    }
}

impl AppState {
    /// Opens the database and election log in `data_dir` (created if needed).
    pub async fn open(data_dir: &Path, settings: Settings) -> Result<AppState, WebError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            WebError::Startup(format!(
                "cannot create the data directory {}: {e}; choose a writable one with --data-dir",
                data_dir.display()
            ))
        })?;
        let ledger = ledger::Ledger::open(&data_dir.join("ledger"), None).map_err(|e| {
            WebError::Startup(format!(
                "cannot open the election log in {}: {e}",
                data_dir.display()
            ))
        })?;
        let field_key = accounts::field_key::FieldKey::load_or_create(data_dir)
            .map_err(|e| WebError::Startup(e.to_string()))?;
        let store = SqliteStore::open(&data_dir.join(store::DATABASE_FILE))
            .await
            .map_err(|e| WebError::Startup(e.to_string()))?;
        let wf = Workflow::open(store, ledger, settings.clock.clone())
            .await
            .map_err(|e| WebError::Startup(e.to_string()))?;
        let state = AppState(Arc::new(Inner {
            wf,
            clock: settings.clock,
            cost: settings.cost,
            secure_cookies: settings.secure_cookies,
            data_dir: data_dir.to_path_buf(),
            max_upload: settings.max_upload,
            field_key,
        }));
        state.encrypt_legacy_secrets().await?;
        Ok(state)
    }

    /// Encrypts the TOTP secrets stored before encryption at rest (logged, one transaction each;
    /// a login with such a secret would do it too).
    async fn encrypt_legacy_secrets(&self) -> Result<(), WebError> {
        let startup = |e: String| {
            WebError::Startup(format!(
                "cannot encrypt the authenticator secrets stored before encryption: {e}"
            ))
        };
        let encrypted = self
            .accounts()
            .encrypt_legacy_totp_secrets(STARTUP_ACTOR, self.now_ms())
            .await
            .map_err(|e| startup(e.to_string()))?;
        self.0
            .wf
            .flush()
            .await
            .map_err(|e| startup(e.to_string()))?;
        if encrypted > 0 {
            tracing::info!(
                users = encrypted,
                "encrypted authenticator secrets stored in plain text"
            );
        }
        Ok(())
    }

    pub fn wf(&self) -> &Workflow<SqliteStore> {
        &self.0.wf
    }

    pub fn accounts(&self) -> Accounts<'_, SqliteStore> {
        Accounts::new(self.0.wf.store(), self.0.cost).with_field_key(self.0.field_key.clone())
    }

    pub fn now_ms(&self) -> i64 {
        (self.0.clock)()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    /// The refusal for a login attempt from `remote`, if it has failed too often lately (the
    /// failures are in the database: see `accounts::policy`). A database error refuses too.
    pub async fn address_blocked(&self, remote: &str) -> Option<AccountError> {
        self.accounts()
            .check_address(remote, self.now_ms())
            .await
            .err()
    }

    /// Counts a failed login (password, code or board passphrase) from `remote`; the failure that
    /// blocks the address is logged once (the request's middleware appends it to the election
    /// log).
    pub async fn address_failed(&self, remote: &str) {
        let counted = self.accounts().address_failed(remote, self.now_ms()).await;
        if let Err(e) = counted.map_err(WebError::from) {
            tracing::warn!(error = %e, "cannot count a failed login from a network address");
        }
    }

    pub fn secure_cookies(&self) -> bool {
        self.0.secure_cookies
    }

    pub fn data_dir(&self) -> &Path {
        &self.0.data_dir
    }

    pub fn max_upload(&self) -> usize {
        self.0.max_upload
    }

    /// The session cookie's name: `__Host-` (bound to this origin, Secure, Path=/) over TLS.
    pub fn session_cookie(&self) -> &'static str {
        if self.0.secure_cookies {
            "__Host-bp_session"
        } else {
            "bp_session"
        }
    }

    /// The cookie of the login forms' CSRF token (before there is a session).
    pub fn pre_cookie(&self) -> &'static str {
        if self.0.secure_cookies {
            "__Host-bp_csrf"
        } else {
            "bp_csrf"
        }
    }
}
