//! Login lockout and session lifetimes, as pure functions of the attempts and the time passed in.
//!
//! Lockout (NIST SP 800-63B §5.2.2 asks for rate limiting of at most 100 failures; an election
//! office's accounts are few and targeted, so this is stricter): after [`LoginPolicy::max_failures`]
//! failed logins for one email within [`LoginPolicy::window_ms`], logins for it are refused for
//! [`LoginPolicy::lockout_ms`] from the last failure — whether or not the password then given is
//! right. A success resets the count.

use store::{LoginAttemptRow, SessionRow};

/// How many failures lock an account, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    pub max_failures: usize,
    pub window_ms: i64,
    pub lockout_ms: i64,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            max_failures: 5,
            window_ms: 15 * 60 * 1000,
            lockout_ms: 15 * 60 * 1000,
        }
    }
}

impl LoginPolicy {
    /// The time from which attempts matter.
    pub fn since(&self, now_ms: i64) -> i64 {
        now_ms - self.window_ms.max(self.lockout_ms)
    }

    /// `Some(ms until unlock)` if the account is locked at `now_ms`, given its recent attempts
    /// (oldest first).
    pub fn locked(&self, attempts: &[LoginAttemptRow], now_ms: i64) -> Option<i64> {
        // Failures since the last success, newest first.
        let failures: Vec<i64> = attempts
            .iter()
            .rev()
            .take_while(|a| !a.succeeded)
            .map(|a| a.at)
            .collect();
        let last = failures.first().copied()?;
        let in_window = failures
            .iter()
            .filter(|at| last - **at < self.window_ms)
            .count();
        if in_window < self.max_failures {
            return None;
        }
        let until = last + self.lockout_ms;
        (until > now_ms).then_some(until - now_ms)
    }
}

/// How long sessions last.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle_ms: i64,
    /// Ends this long after login, however active.
    pub absolute_ms: i64,
    /// A login that has given its password but not yet its second factor must finish within this.
    pub second_factor_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_ms: 30 * 60 * 1000,
            absolute_ms: 12 * 60 * 60 * 1000,
            second_factor_ms: 5 * 60 * 1000,
        }
    }
}

impl SessionPolicy {
    /// True if the session is still valid at `now_ms`.
    pub fn alive(&self, s: &SessionRow, now_ms: i64) -> bool {
        let absolute = if s.stage == "full" || s.board_credential_id.is_some() {
            self.absolute_ms
        } else {
            self.second_factor_ms
        };
        now_ms - s.last_seen_at < self.idle_ms && now_ms - s.created_at < absolute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(at: i64, succeeded: bool) -> LoginAttemptRow {
        LoginAttemptRow {
            email: "a@example.gov".into(),
            succeeded,
            remote: "127.0.0.1".into(),
            at,
        }
    }

    #[test]
    fn five_failures_lock_for_fifteen_minutes_from_the_last() {
        let p = LoginPolicy::default();
        let min = 60_000;
        let mut a: Vec<_> = (0..4).map(|i| attempt(i * min, false)).collect();
        assert_eq!(p.locked(&a, 5 * min), None);
        a.push(attempt(4 * min, false));
        assert_eq!(p.locked(&a, 5 * min), Some(14 * min));
        assert_eq!(p.locked(&a, 19 * min), None);
        // Failures spread wider than the window do not lock.
        let spread: Vec<_> = (0..5).map(|i| attempt(i * 4 * min, false)).collect();
        assert_eq!(p.locked(&spread, 16 * min), None);
        // A success in between resets the count.
        a.insert(2, attempt(2 * min, true));
        assert_eq!(p.locked(&a, 5 * min), None);
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let p = SessionPolicy::default();
        let s = SessionRow {
            id_sha256: String::new(),
            user_id: Some(1),
            board_credential_id: None,
            stage: "full".into(),
            csrf_token: String::new(),
            pending_totp: None,
            members: None,
            created_at: 0,
            last_seen_at: 0,
        };
        assert!(p.alive(&s, p.idle_ms - 1));
        assert!(!p.alive(&s, p.idle_ms));
        let busy = SessionRow {
            last_seen_at: p.absolute_ms - 1,
            ..s.clone()
        };
        assert!(p.alive(&busy, p.absolute_ms - 1));
        assert!(!p.alive(&busy, p.absolute_ms));
        let pending = SessionRow {
            stage: "second_factor".into(),
            last_seen_at: p.second_factor_ms - 1,
            ..s
        };
        assert!(!p.alive(&pending, p.second_factor_ms));
    }
}
