//! Typed log entries: what happened (`kind`), when (`time`, UTC), who did it (`actor`), the SHA-256
//! of the content it is about (an artifact file, a voter-roll commitment, a software manifest), and
//! a small JSON body.
//!
//! An entry is stored and hashed as one line of JSON with a fixed field order:
//!
//! ```text
//! {"kind":"artifact","time":"2026-11-03T20:15:00.123Z","actor":"clerk:ana","sha256":"9f86…","body":{"name":"cvr.csv"}}
//! ```
//!
//! The log hashes the stored bytes, not a re-serialisation, so any JSON tool can read an entry and
//! no canonical form is needed to check a proof. `kind` is an open, dotted, lowercase name so the
//! audit workflow, logins and permission changes, voter-roll snapshots and software-integrity
//! manifests can each add theirs; [`kinds`] lists the ones ballotproof writes, with typed
//! constructors on [`NewEntry`].

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tlog::Hash;
use tlog::tile::MAX_ENTRY_LEN;

/// The entry kinds ballotproof itself writes. Other components may add kinds of their own; a kind
/// is lowercase ASCII words (`a-z`, `0-9`, `_`, `-`) joined by dots, at most 64 characters.
pub mod kinds {
    /// A file (ballot manifest, cast-vote records, contest definition, report) stored by content
    /// hash beside the log. Body: `name`, `media_type`, `size`.
    pub const ARTIFACT: &str = "artifact";
    /// A free-form note by an operator.
    pub const NOTE: &str = "note";
    /// Prefix of the audit workflow's events (seed, sample, audit-board entry, round, report).
    pub const AUDIT_PREFIX: &str = "audit.";
    /// A login attempt. Body: `outcome`, `method`.
    pub const AUTH_LOGIN: &str = "auth.login";
    /// A change of someone's permissions. Body: `subject`, `role`, `granted`.
    pub const AUTH_PERMISSION: &str = "auth.permission";
    /// A commitment to a voter-roll snapshot: the Merkle root of keyed hashes of its records, never
    /// the records. Body: `jurisdiction`, `records`; `sha256` is the commitment.
    pub const ROLL_SNAPSHOT: &str = "roll.snapshot";
    /// A software-integrity manifest (the hashes of a release's files). Body: `name`, `version`;
    /// `sha256` is the manifest file's hash.
    pub const SOFTWARE_MANIFEST: &str = "software.manifest";
}

/// Why an entry was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EntryError {
    #[error(
        "invalid kind {0:?}: use lowercase words of a-z, 0-9, '_' or '-' joined by dots, at most 64 characters (e.g. audit.seed)"
    )]
    BadKind(String),
    #[error(
        "invalid actor {0:?}: name who did this in 1 to 256 characters with no control characters"
    )]
    BadActor(String),
    #[error("the body must be a JSON object, e.g. {{\"note\": \"…\"}}; found {0}")]
    BodyNotObject(String),
    #[error(
        "the entry is {0} bytes; an entry may be at most {MAX_ENTRY_LEN} bytes: store large data as an artifact and log its hash"
    )]
    TooLarge(usize),
    #[error("the entry is not ballotproof entry JSON: {0}")]
    NotAnEntry(String),
}

/// An entry as stored in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub kind: String,
    /// RFC 3339 UTC time with milliseconds, e.g. `2026-11-03T20:15:00.123Z`.
    pub time: String,
    pub actor: String,
    /// Lowercase hex SHA-256 of the content the entry is about, if any.
    pub sha256: Option<String>,
    pub body: Map<String, Value>,
}

impl Entry {
    /// Parses stored entry bytes.
    pub fn parse(bytes: &[u8]) -> Result<Entry, EntryError> {
        serde_json::from_slice(bytes).map_err(|e| EntryError::NotAnEntry(e.to_string()))
    }

    /// The content hash, if present and well-formed.
    pub fn content_hash(&self) -> Option<Hash> {
        self.sha256.as_deref().and_then(|h| Hash::from_hex(h).ok())
    }
}

/// An entry to append; the log stamps the time unless one is set.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEntry {
    kind: String,
    actor: String,
    content: Option<Hash>,
    body: Map<String, Value>,
    time: Option<SystemTime>,
}

fn valid_kind(kind: &str) -> bool {
    kind.len() <= 64
        && kind.split('.').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
        && kind.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
}

impl NewEntry {
    /// An entry of any kind with a JSON-object body.
    pub fn new(kind: &str, actor: &str, body: Value) -> Result<NewEntry, EntryError> {
        if !valid_kind(kind) {
            return Err(EntryError::BadKind(kind.to_owned()));
        }
        if actor.is_empty() || actor.chars().count() > 256 || actor.chars().any(char::is_control) {
            return Err(EntryError::BadActor(actor.to_owned()));
        }
        let Value::Object(body) = body else {
            let mut shown = body.to_string();
            shown.truncate(60);
            return Err(EntryError::BodyNotObject(shown));
        };
        Ok(NewEntry {
            kind: kind.to_owned(),
            actor: actor.to_owned(),
            content: None,
            body,
            time: None,
        })
    }

    /// Records the SHA-256 of the content the entry is about.
    pub fn with_content(mut self, content: Hash) -> NewEntry {
        self.content = Some(content);
        self
    }

    /// Sets the time instead of letting the log stamp it.
    pub fn with_time(mut self, time: SystemTime) -> NewEntry {
        self.time = Some(time);
        self
    }

    /// An artifact file; [`crate::Ledger::add_artifact`] also stores the bytes.
    pub fn artifact(
        actor: &str,
        name: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<NewEntry, EntryError> {
        Ok(NewEntry::new(
            kinds::ARTIFACT,
            actor,
            json!({"name": name, "media_type": media_type, "size": bytes.len()}),
        )?
        .with_content(Hash::sha256(bytes)))
    }

    /// A login attempt (`outcome` such as `success` or `failure`; `method` such as `password+totp`).
    pub fn login(actor: &str, outcome: &str, method: &str) -> Result<NewEntry, EntryError> {
        NewEntry::new(
            kinds::AUTH_LOGIN,
            actor,
            json!({"outcome": outcome, "method": method}),
        )
    }

    /// `actor` granted (or revoked) `role` to (from) `subject`.
    pub fn permission_change(
        actor: &str,
        subject: &str,
        role: &str,
        granted: bool,
    ) -> Result<NewEntry, EntryError> {
        NewEntry::new(
            kinds::AUTH_PERMISSION,
            actor,
            json!({"subject": subject, "role": role, "granted": granted}),
        )
    }

    /// A commitment to a voter-roll snapshot of `records` records in `jurisdiction`.
    pub fn roll_snapshot(
        actor: &str,
        jurisdiction: &str,
        records: u64,
        commitment: Hash,
    ) -> Result<NewEntry, EntryError> {
        Ok(NewEntry::new(
            kinds::ROLL_SNAPSHOT,
            actor,
            json!({"jurisdiction": jurisdiction, "records": records}),
        )?
        .with_content(commitment))
    }

    /// A software release's integrity manifest.
    pub fn software_manifest(
        actor: &str,
        name: &str,
        version: &str,
        manifest: Hash,
    ) -> Result<NewEntry, EntryError> {
        Ok(NewEntry::new(
            kinds::SOFTWARE_MANIFEST,
            actor,
            json!({"name": name, "version": version}),
        )?
        .with_content(manifest))
    }

    pub fn kind(&self) -> &str {
        &self.kind
    }

    /// The stored bytes, stamped with `now` unless a time was set.
    pub fn encode(&self, now: SystemTime) -> Result<Vec<u8>, EntryError> {
        let entry = Entry {
            kind: self.kind.clone(),
            time: rfc3339(self.time.unwrap_or(now)),
            actor: self.actor.clone(),
            sha256: self.content.map(|h| h.to_hex()),
            body: self.body.clone(),
        };
        let bytes =
            serde_json::to_vec(&entry).map_err(|e| EntryError::NotAnEntry(e.to_string()))?;
        if bytes.len() > MAX_ENTRY_LEN {
            return Err(EntryError::TooLarge(bytes.len()));
        }
        Ok(bytes)
    }
}

/// RFC 3339 UTC with milliseconds. Times before 1970 are written as 1970-01-01T00:00:00.000Z.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        since.subsec_millis()
    )
}

/// Proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms", `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_199_999); // 2024-02-29 23:59:59.999
        assert_eq!(rfc3339(t), "2024-02-29T23:59:59.999Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400); // 2000-02-29
        assert_eq!(rfc3339(t), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn kinds_actors_and_bodies_are_checked() {
        for kind in ["artifact", "audit.seed", "roll.snapshot", "a1.b_c-d"] {
            assert!(valid_kind(kind), "{kind}");
        }
        for kind in [
            "",
            "Audit",
            "audit.",
            ".x",
            "a..b",
            "a b",
            "1abc",
            &"a".repeat(65),
        ] {
            assert!(!valid_kind(kind), "{kind}");
        }
        assert!(NewEntry::new("note", "", json!({})).is_err());
        assert!(NewEntry::new("note", "ana\n", json!({})).is_err());
        assert!(NewEntry::new("note", "ana", json!([1])).is_err());
        let big = NewEntry::new("note", "ana", json!({"x": "y".repeat(70_000)}))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            big.encode(UNIX_EPOCH),
            Err(EntryError::TooLarge(_))
        ));
    }

    #[test]
    fn entries_encode_with_a_fixed_field_order_and_parse_back() {
        let e = NewEntry::artifact("clerk:ana", "cvr.csv", "text/csv", b"hello")
            .unwrap_or_else(|e| panic!("{e}"));
        let bytes = e.encode(UNIX_EPOCH).unwrap_or_default();
        let text = String::from_utf8(bytes.clone()).unwrap_or_default();
        assert!(text.starts_with(r#"{"kind":"artifact","time":"1970-01-01T00:00:00.000Z","actor":"clerk:ana","sha256":"2cf24dba"#), "{text}");
        let parsed = Entry::parse(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(parsed.content_hash(), Some(Hash::sha256(b"hello")));
    }
}
