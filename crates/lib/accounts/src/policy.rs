//! Login lockout and session lifetimes, as pure functions of the attempts and the time passed in.
//!
//! Lockout (NIST SP 800-63B §5.2.2 asks for rate limiting of at most 100 failures; an election
//! office's accounts are few and targeted, so this is stricter): after [`LoginPolicy::max_failures`]
//! failed logins for one email within [`LoginPolicy::window_ms`], logins for it are refused for
//! [`LoginPolicy::lockout_ms`] from the last failure — whether or not the password then given is
//! right. A success resets the count.
//!
//! Per network address ([`AddressLimit`]): an attacker trying many emails from one address is
//! slowed down too — after [`AddressPolicy::max_failures`] failed logins from one address within
//! [`AddressPolicy::window_ms`], further logins from it are refused until the oldest of those
//! failures leaves the window. Kept in memory (a restart forgets it; the per-email lockout is in
//! the database), bounded to [`AddressPolicy::max_addresses`] addresses so a flood of addresses
//! cannot exhaust memory. Behind a reverse proxy every request has the proxy's address, so the
//! limit is generous: it then acts as a ceiling on failures for the whole site.

use std::collections::HashMap;

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
    pub max_addresses: usize,
}

impl Default for AddressPolicy {
    fn default() -> Self {
        AddressPolicy {
            max_failures: 20,
            window_ms: 10 * 60 * 1000,
            max_addresses: 10_000,
        }
    }
}

/// Recent failed logins per network address (in memory, bounded). Pure: the time is passed in.
#[derive(Debug, Default)]
pub struct AddressLimit {
    pub policy: AddressPolicy,
    /// Per address, its failures' times (oldest first, at most `max_failures`).
    failures: HashMap<String, Vec<i64>>,
}

impl AddressLimit {
    pub fn new(policy: AddressPolicy) -> AddressLimit {
        AddressLimit {
            policy,
            failures: HashMap::new(),
        }
    }

    fn recent(&self, address: &str, now_ms: i64) -> Vec<i64> {
        self.failures
            .get(address)
            .map(|f| {
                f.iter()
                    .copied()
                    .filter(|at| now_ms - at < self.policy.window_ms)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `Some(ms until logins from it are accepted again)` if `address` is refused at `now_ms`.
    pub fn blocked(&self, address: &str, now_ms: i64) -> Option<i64> {
        let recent = self.recent(address, now_ms);
        if recent.len() < self.policy.max_failures {
            return None;
        }
        // The window must slide past the oldest counted failure.
        let oldest = recent.first().copied()?;
        Some(oldest + self.policy.window_ms - now_ms)
    }

    /// Records a failed login from `address`; returns true if this failure blocks it (to log
    /// once, not at every refused attempt).
    pub fn failed(&mut self, address: &str, now_ms: i64) -> bool {
        let was_blocked = self.blocked(address, now_ms).is_some();
        if !self.failures.contains_key(address) && self.failures.len() >= self.policy.max_addresses
        {
            self.evict(now_ms);
        }
        let mut recent = self.recent(address, now_ms);
        recent.push(now_ms);
        let over = recent.len().saturating_sub(self.policy.max_failures);
        recent.drain(..over);
        self.failures.insert(address.to_string(), recent);
        !was_blocked && self.blocked(address, now_ms).is_some()
    }

    /// Makes room: forgets addresses with no failure in the window, else the one whose last
    /// failure is oldest.
    fn evict(&mut self, now_ms: i64) {
        let window = self.policy.window_ms;
        self.failures
            .retain(|_, f| f.last().is_some_and(|at| now_ms - at < window));
        if self.failures.len() >= self.policy.max_addresses
            && let Some(oldest) = self
                .failures
                .iter()
                .min_by_key(|(_, f)| f.last().copied().unwrap_or(i64::MIN))
                .map(|(a, _)| a.clone())
        {
            self.failures.remove(&oldest);
        }
    }

    /// How many addresses are remembered.
    pub fn len(&self) -> usize {
        self.failures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.failures.is_empty()
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
        let mut l = AddressLimit::new(AddressPolicy {
            max_failures: 3,
            window_ms: 10 * min,
            max_addresses: 2,
        });
        assert!(!l.failed("10.0.0.1", 0));
        assert!(!l.failed("10.0.0.1", min));
        assert_eq!(l.blocked("10.0.0.1", 2 * min), None);
        assert!(
            l.failed("10.0.0.1", 2 * min),
            "the third failure blocks, once"
        );
        assert!(
            !l.failed("10.0.0.1", 3 * min),
            "already blocked: not reported again"
        );
        // Blocked until the oldest counted failure (at 1 min) leaves the window.
        assert_eq!(l.blocked("10.0.0.1", 4 * min), Some(7 * min));
        assert_eq!(l.blocked("10.0.0.1", 11 * min), None);
        assert_eq!(
            l.blocked("10.0.0.2", 4 * min),
            None,
            "other addresses are not"
        );
        // Bounded: a third address evicts the one whose last failure is oldest.
        assert!(!l.failed("10.0.0.2", 5 * min));
        assert!(!l.failed("10.0.0.3", 6 * min));
        assert_eq!(l.len(), 2);
        assert_eq!(l.blocked("10.0.0.1", 6 * min), None, "evicted");
        for i in 0..1000 {
            l.failed(&format!("192.0.2.{i}"), 7 * min);
        }
        assert!(l.len() <= 2);
    }

    #[test]
    fn a_session_used_steadily_stays_alive_though_touched_at_most_once_a_minute() {
        let p = SessionPolicy::default();
        let mut s = SessionRow {
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
