//! The application's shared state: the audit workflow (over the SQLite store and the election
//! log), the clock, and the settings that decide how secrets are hashed and cookies marked.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use accounts::password::HashCost;
use accounts::policy::AddressLimit;
use accounts::{AccountError, Accounts};
use audit::{Clock, Workflow};
use store::SqliteStore;

use crate::error::WebError;

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
    /// Failed logins per network address (in memory; see `accounts::policy`).
    address_limit: std::sync::Mutex<AddressLimit>,
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
        Ok(AppState(Arc::new(Inner {
            wf,
            clock: settings.clock,
            cost: settings.cost,
            secure_cookies: settings.secure_cookies,
            data_dir: data_dir.to_path_buf(),
            max_upload: settings.max_upload,
            field_key,
            address_limit: std::sync::Mutex::new(AddressLimit::default()),
        })))
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

    fn address_limit(&self) -> std::sync::MutexGuard<'_, AddressLimit> {
        // The limiter's data stays consistent even if a holder panicked: use it as is.
        self.0
            .address_limit
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The refusal for a login attempt from `remote`, if it has failed too often lately.
    pub fn address_blocked(&self, remote: &str) -> Option<AccountError> {
        self.address_limit()
            .blocked(remote, self.now_ms())
            .map(|ms| AccountError::AddressBlocked {
                minutes: (ms + 59_999) / 60_000,
            })
    }

    /// Counts a failed login (password, code or board passphrase) from `remote`; logs once when
    /// the address becomes blocked.
    pub async fn address_failed(&self, remote: &str) {
        let now = self.now_ms();
        let blocked = {
            let mut limit = self.address_limit();
            limit
                .failed(remote, now)
                .then(|| limit.blocked(remote, now))
                .flatten()
        };
        if let Some(ms) = blocked {
            let accounts = self.accounts();
            let logged = accounts
                .log_address_blocked(remote, (ms + 59_999) / 60_000, now)
                .await;
            if let Err(e) = logged.map_err(WebError::from) {
                tracing::warn!(error = %e, "cannot log a blocked address");
            }
            let _ = self.0.wf.flush().await;
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
