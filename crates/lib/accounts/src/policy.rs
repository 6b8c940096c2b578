//! Login lockout and session lifetimes, as pure functions of the attempts and the time passed in.
//!
//! Lockout (NIST SP 800-63B §5.2.2 asks for rate limiting of at most 100 failures; an election
//! office's accounts are few and targeted, so this is stricter): after [`LoginPolicy::max_failures`]
//! failed logins for one email within [`LoginPolicy::window_ms`], logins for it are refused for
//! [`LoginPolicy::lockout_ms`] from the last failure — whether or not the password then given is
//! right. A success resets the count.
//!
//! Per network address ([`AddressPolicy`]): an attacker trying many emails from one address is
//! slowed down too — after [`AddressPolicy::max_failures`] failed logins from one address within
//! [`AddressPolicy::window_ms`], further logins from it are refused until the oldest of those
//! failures leaves the window. The failures are kept in the database like the per-email attempts
//! (`AccountStore::record_address_failure`), so restarting the server does not reset the limit;
//! this module only decides from the times it is given. Behind a
//! reverse proxy every request has the proxy's address, so the limit is generous: it then acts as
//! a ceiling on failures for the whole site.

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

/// The per-address limit's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressPolicy {
    pub max_failures: usize,
    pub window_ms: i64,
}

impl Default for AddressPolicy {
    fn default() -> Self {
        AddressPolicy {
            max_failures: 20,
            window_ms: 10 * 60 * 1000,
        }
    }
}

impl AddressPolicy {
    /// The time from which failures count at `now_ms` (earlier ones have left the window, and
    /// the store may forget them).
    pub fn since(&self, now_ms: i64) -> i64 {
        now_ms - self.window_ms + 1
    }

    /// `Some(ms until logins from it are accepted again)` if an address whose recent failures
    /// are `newest_first` (times; those before [`AddressPolicy::since`] are ignored) is refused
    /// at `now_ms`.
    pub fn blocked(&self, newest_first: &[i64], now_ms: i64) -> Option<i64> {
        // Refused while `max_failures` failures are in the window: until the window slides past
        // the `max_failures`-th newest.
        let nth = newest_first
            .iter()
            .filter(|at| **at >= self.since(now_ms))
            .nth(self.max_failures.checked_sub(1)?)?;
        Some(nth + self.window_ms - now_ms)
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
    /// A request records the session's last use only when the recorded one is at least this old.
    /// Recording it on every request would make every page view a database write (an `fsync`),
    /// queued behind the audit boards' entries; a minute's imprecision in a 30-minute idle
    /// timeout costs nothing (a session may end up to this much earlier, never later).
    pub touch_ms: i64,
}

impl Default for SessionPolicy {
    fn default() -> Self {
        SessionPolicy {
            idle_ms: 30 * 60 * 1000,
            absolute_ms: 12 * 60 * 60 * 1000,
            second_factor_ms: 5 * 60 * 1000,
            touch_ms: 60 * 1000,
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

    /// True if a request at `now_ms` should record itself as the session's last use.
    pub fn needs_touch(&self, s: &SessionRow, now_ms: i64) -> bool {
        now_ms - s.last_seen_at >= self.touch_ms
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
    fn an_address_is_refused_after_its_failures_until_the_window_slides() {
        let min = 60_000;
        let p = AddressPolicy {
            max_failures: 3,
            window_ms: 10 * min,
        };
        assert_eq!(p.blocked(&[], 0), None);
        // Two failures: not yet.
        assert_eq!(p.blocked(&[min, 0], 2 * min), None);
        assert_eq!(p.blocked(&[2 * min, min, 0], 2 * min), Some(8 * min));
        // Refused until the oldest of the newest three (at 0) leaves the window, to the ms.
        assert_eq!(p.blocked(&[2 * min, min, 0], 10 * min - 1), Some(1));
        assert_eq!(p.blocked(&[2 * min, min, 0], 10 * min), None);
        // More failures than needed (two processes at once): the third newest decides.
        assert_eq!(
            p.blocked(&[3 * min, 2 * min, min, 0], 4 * min),
            Some(7 * min)
        );
        // Failures older than the window do not count, whatever the store returned.
        assert_eq!(p.blocked(&[11 * min, 10 * min, 0], 11 * min), None);
        assert_eq!(p.since(10 * min), 1);
        let never = AddressPolicy {
            max_failures: 0,
            ..p
        };
        assert_eq!(never.blocked(&[0, 0, 0], 0), None);
    }

    /// A fully logged-in user's session, created and last used at time 0.
    fn full_session() -> SessionRow {
        SessionRow {
            id_sha256: String::new(),
            user_id: Some(1),
            board_credential_id: None,
            stage: "full".into(),
            csrf_token: String::new(),
            pending_totp: None,
            members: None,
            created_at: 0,
            last_seen_at: 0,
        }
    }

    #[test]
    fn a_session_used_steadily_stays_alive_though_touched_at_most_once_a_minute() {
        let p = SessionPolicy::default();
        let mut s = full_session();
        let mut touches = 0;
        // A request every 7 seconds for two hours.
        let mut now = 0;
        while now < 2 * 60 * 60 * 1000 {
            assert!(p.alive(&s, now), "ended at {now} ms though used every 7 s");
            if p.needs_touch(&s, now) {
                s.last_seen_at = now;
                touches += 1;
            }
            now += 7_000;
        }
        assert!(touches <= 2 * 60 + 1, "{touches} writes for two hours");
        assert!(
            touches >= 2 * 60 * 60 / 70,
            "{touches} writes for two hours"
        );
        // Idle: it ends no later than idle_ms after the last request, and no earlier than
        // idle_ms - touch_ms.
        let last_request = now - 7_000;
        assert!(!p.alive(&s, last_request + p.idle_ms));
        assert!(p.alive(&s, last_request + p.idle_ms - p.touch_ms - 1));
    }

    #[test]
    fn sessions_end_when_idle_or_old() {
        let p = SessionPolicy::default();
        let s = full_session();
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
