//! C2SP tlog-checkpoint: the note text `origin\nsize\nbase64(root)\n[extension lines]` that a log
//! signs to commit to its tree at one size.

use crate::hash::Hash;

/// Why a checkpoint body was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("malformed checkpoint: {0}")]
    Malformed(String),
    #[error("the checkpoint is for log {found:?}, not for {expected:?}")]
    WrongOrigin { expected: String, found: String },
}

/// A log's signed statement of its tree: origin, size and root hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// Identifies the log; by convention a schema-less URL and the log key's name.
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 9162 root of the first `size` leaves.
    pub root: Hash,
    /// Opaque extension lines (NOT RECOMMENDED by the spec; ballotproof writes none).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Checkpoint, CheckpointError> {
        if origin.is_empty() || origin.contains(|c: char| c == '\n' || c.is_control()) {
            return Err(CheckpointError::Malformed(
                "the origin must be one non-empty line".into(),
            ));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Parses a checkpoint body (the note text). Sizes must be decimal with no leading zeros and
    /// fit in 64 bits; the root must be canonical base64 of 32 bytes; no line may be empty.
    pub fn parse(text: &str) -> Result<Checkpoint, CheckpointError> {
        let malformed = |m: &str| CheckpointError::Malformed(m.to_owned());
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| malformed("the text must end with a newline"))?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        let size = lines
            .next()
            .ok_or_else(|| malformed("the second line (tree size) is missing"))?;
        let root = lines
            .next()
            .ok_or_else(|| malformed("the third line (root hash) is missing"))?;
        if origin.is_empty() {
            return Err(malformed("the first line (origin) is empty"));
        }
        let size = parse_decimal(size).ok_or_else(|| {
            CheckpointError::Malformed(format!(
                "tree size {size:?} is not a decimal number without leading zeros below 2^64"
            ))
        })?;
        let root = Hash::from_base64(root).map_err(|_| {
            CheckpointError::Malformed(format!(
                "root hash {root:?} is not canonical base64 of 32 bytes"
            ))
        })?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(malformed("extension lines must not be empty"));
        }
        Ok(Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// [`Checkpoint::parse`], then requires the origin to be `expected`.
    pub fn parse_for_origin(text: &str, expected: &str) -> Result<Checkpoint, CheckpointError> {
        let checkpoint = Checkpoint::parse(text)?;
        if checkpoint.origin != expected {
            return Err(CheckpointError::WrongOrigin {
                expected: expected.to_owned(),
                found: checkpoint.origin,
            });
        }
        Ok(checkpoint)
    }

    /// The note text.
    pub fn to_text(&self) -> String {
        let mut out = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for line in &self.extensions {
            out.push_str(line);
            out.push('\n');
        }
        out
    }
}

/// A decimal `u64` with no sign, no leading zeros (except `0` itself) and no other characters.
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    if text.is_empty()
        || !text.bytes().all(|b| b.is_ascii_digit())
        || (text.len() > 1 && text.starts_with('0'))
    {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_strict_decimals() {
        assert_eq!(parse_decimal("0"), Some(0));
        assert_eq!(parse_decimal("18446744073709551615"), Some(u64::MAX));
        for bad in ["", "01", "+1", "-1", "1 ", "0x10", "18446744073709551616"] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn round_trip_and_rejections() {
        let c =
            Checkpoint::new("example.org/log", 5, Hash([9; 32])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Checkpoint::parse(&c.to_text()), Ok(c.clone()));
        let text = c.to_text();
        assert!(Checkpoint::parse(text.trim_end()).is_err());
        assert!(Checkpoint::parse(&format!("{text}\n")).is_err());
        assert!(Checkpoint::parse("example.org/log\n5\n").is_err());
        assert!(
            Checkpoint::parse(&format!("\n{}", &text[text.find('\n').unwrap_or(0) + 1..])).is_err()
        );
    }
}
