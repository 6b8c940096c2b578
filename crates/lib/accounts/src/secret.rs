//! Random secrets and how they are kept: session ids, CSRF tokens, recovery codes, audit-board
//! passphrases and one-time links. Each is random from the operating system and at least 128 bits,
//! so its SHA-256 is a safe thing to store (no slow hash is needed against guessing), and
//! comparisons of presented secrets run in constant time.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{AccountError, Result};

/// `n` random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Random(e.to_string()))?;
    Ok(bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 256-bit token as 64 hex digits (session ids, CSRF tokens, one-time links).
pub fn token() -> Result<String> {
    Ok(hex(&random_bytes::<32>()?))
}

/// Hex SHA-256 of a secret, the form it is stored in.
pub fn sha256(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// Constant-time equality of two strings (a CSRF token against the session's).
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// RFC 4648 base32 in lower case: no 0, 1 or 8 to confuse with letters, 5 bits a character.
const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn readable(bytes: &[u8], groups: usize, per_group: usize) -> String {
    // 5 bits per character from the random bytes.
    let mut bits = bytes
        .iter()
        .flat_map(|b| (0..8).rev().map(move |i| (b >> i) & 1));
    let mut out = String::new();
    for g in 0..groups {
        if g > 0 {
            out.push('-');
        }
        for _ in 0..per_group {
            let mut v = 0usize;
            for _ in 0..5 {
                v = (v << 1) | usize::from(bits.next().unwrap_or(0));
            }
            out.push(char::from(ALPHABET[v % 32]));
        }
    }
    out
}

/// A recovery code: 16 base32 characters (80 bits), in four groups.
pub fn recovery_code() -> Result<String> {
    Ok(readable(&random_bytes::<10>()?, 4, 4))
}

/// An audit-board passphrase: 28 base32 characters (140 bits), in seven groups of four, to
/// print for the board and type at the login page.
pub fn board_passphrase() -> Result<String> {
    Ok(readable(&random_bytes::<18>()?, 7, 4))
}

/// The form a typed code is compared in: lower case, no spaces or dashes.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tokens_are_random_and_256_bits() {
        let a = token().unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, token().unwrap());
    }

    #[test]
    fn codes_are_readable_and_normalize() {
        let c = recovery_code().unwrap();
        assert_eq!(c.len(), 19);
        assert!(
            c.chars()
                .all(|ch| ch == '-' || ALPHABET.contains(&(ch as u8)))
        );
        assert_eq!(
            normalize_code(&c.to_uppercase().replace('-', " ")),
            normalize_code(&c)
        );
        assert_eq!(board_passphrase().unwrap().len(), 34);
    }

    #[test]
    fn same_compares_exactly() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("abc", "abcd"));
    }
}
