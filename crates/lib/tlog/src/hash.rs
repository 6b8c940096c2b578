//! RFC 9162 §2.1.1 tree hashing: the 32-byte SHA-256 [`Hash`], leaf and interior-node hashes with
//! their domain-separation prefixes, and the empty-tree root.
//!
//! The prefixes (0x00 for leaves, 0x01 for interior nodes) are what stop a leaf from being passed off
//! as an interior node (a second preimage); `rs_merkle`-style trees without them give no such
//! protection (LEDGER-AND-ROLL.md §8 item 6).

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

/// Length in bytes of every hash in the tree (SHA-256).
pub const HASH_LEN: usize = 32;

/// A SHA-256 value: a leaf hash, an interior-node hash, a root, or a content hash.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; HASH_LEN]);

/// A byte string that should have been a 32-byte hash but was not.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HashParseError {
    #[error("a hash must be {HASH_LEN} bytes, found {0}")]
    WrongLength(usize),
    #[error("a hash in hex must be 64 hex digits: {0:?}")]
    BadHex(String),
    #[error("a hash in base64 must be standard padded base64 of {HASH_LEN} bytes: {0:?}")]
    BadBase64(String),
}

impl Hash {
    /// SHA-256 of `data` with no prefix: the content hash of an artifact or a body.
    pub fn sha256(data: &[u8]) -> Hash {
        Hash(Sha256::digest(data).into())
    }

    /// A hash from exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Hash, HashParseError> {
        <[u8; HASH_LEN]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| HashParseError::WrongLength(bytes.len()))
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Result<Hash, HashParseError> {
        let bytes = text.as_bytes();
        if bytes.len() != HASH_LEN * 2 {
            return Err(HashParseError::BadHex(text.to_owned()));
        }
        let mut out = [0u8; HASH_LEN];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            let (Some(hi), Some(lo)) = (hex_value(pair[0]), hex_value(pair[1])) else {
                return Err(HashParseError::BadHex(text.to_owned()));
            };
            *slot = hi << 4 | lo;
        }
        Ok(Hash(out))
    }

    /// Parses standard padded base64 (RFC 4648 §4), as checkpoints and proof bundles write hashes.
    /// Non-canonical encodings (stray low bits in the last character) are rejected, so every hash
    /// has exactly one accepted spelling.
    pub fn from_base64(text: &str) -> Result<Hash, HashParseError> {
        let bytes = STANDARD
            .decode(text)
            .map_err(|_| HashParseError::BadBase64(text.to_owned()))?;
        Hash::from_slice(&bytes).map_err(|_| HashParseError::BadBase64(text.to_owned()))
    }

    /// Lowercase hex.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(HASH_LEN * 2);
        for byte in self.0 {
            out.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
        }
        out
    }

    /// Standard padded base64.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }

    pub fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }
}

const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Prefix of a leaf hash input (RFC 9162 §2.1.1).
pub const LEAF_PREFIX: u8 = 0x00;
/// Prefix of an interior-node hash input (RFC 9162 §2.1.1).
pub const NODE_PREFIX: u8 = 0x01;

/// The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1). Go's sumdb got this
/// wrong until golang/mod d58be1c (LEDGER-AND-ROLL.md §8 item 4).
pub fn empty_root() -> Hash {
    Hash::sha256(b"")
}

/// `MTH({d}) = SHA-256(0x00 || d)`: the hash of one leaf's data.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([LEAF_PREFIX]);
    hasher.update(data);
    Hash(hasher.finalize().into())
}

/// `SHA-256(0x01 || left || right)`: the hash of an interior node from its children's hashes.
/// RFC 9162 defines it over octet strings; in a tree both children are 32-byte hashes, but the
/// known-answer test from transparency-dev/merkle hashes short strings, so this takes slices.
pub fn node_hash(left: &[u8], right: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([NODE_PREFIX]);
    hasher.update(left);
    hasher.update(right);
    Hash(hasher.finalize().into())
}

/// [`node_hash`] of two tree hashes.
pub fn node(left: &Hash, right: &Hash) -> Hash {
    node_hash(&left.0, &right.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64_round_trip_and_reject_wrong_lengths() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()), Ok(h));
        assert_eq!(Hash::from_base64(&h.to_base64()), Ok(h));
        assert!(Hash::from_hex("00").is_err());
        assert!(Hash::from_hex(&"g".repeat(64)).is_err());
        assert!(Hash::from_base64("AAAA").is_err());
        assert!(Hash::from_slice(&[0; 31]).is_err());
    }

    #[test]
    fn non_canonical_base64_is_rejected() {
        // 32 bytes encode to 43 characters + '='; the last character carries 2 unused bits.
        let canonical = Hash([0; 32]).to_base64();
        let mut tweaked = canonical.clone().into_bytes();
        tweaked[42] = b'B'; // sets an unused low bit
        let tweaked = String::from_utf8(tweaked).unwrap_or_default();
        assert!(Hash::from_base64(&tweaked).is_err(), "{tweaked}");
    }

    #[test]
    fn a_node_is_not_the_leaf_of_its_concatenated_children() {
        // transparency-dev/merkle rfc6962_test.go TestRFC6962HasherCollisions: domain separation.
        let (a, b) = (leaf_hash(b"a"), leaf_hash(b"b"));
        let mut joined = a.0.to_vec();
        joined.extend_from_slice(&b.0);
        assert_ne!(node(&a, &b), leaf_hash(&joined));
    }
}
