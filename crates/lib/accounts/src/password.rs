//! argon2id password hashing (RFC 9106) with OWASP's recommended parameters: 19 MiB of memory,
//! two passes, one lane. The stored PHC string carries its parameters, so raising them later
//! still verifies old hashes.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

use crate::{AccountError, Result};

/// How expensive hashing is. Production is the only cost the server and the command line use;
/// the small cost exists so test suites that log in hundreds of times stay fast, and must be
/// chosen explicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCost {
    /// OWASP Password Storage Cheat Sheet: argon2id, m = 19456 KiB, t = 2, p = 1.
    Production,
    /// For tests only: m = 64 KiB, t = 1. Never used by the server or the CLI.
    TestsOnly,
}

impl HashCost {
    fn params(self) -> Result<Params> {
        let (m, t) = match self {
            HashCost::Production => (19 * 1024, 2),
            HashCost::TestsOnly => (64, 1),
        };
        Params::new(m, t, 1, None).map_err(|e| AccountError::Hash(e.to_string()))
    }
}

/// The shortest password accepted (NIST SP 800-63B asks for at least 8; election offices are
/// high-value targets, so 12).
pub const MIN_PASSWORD_LEN: usize = 12;

/// Checks a new password's length (and nothing else, as SP 800-63B advises against composition
/// rules).
pub fn check_new_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(AccountError::Invalid(format!(
            "a password needs at least {MIN_PASSWORD_LEN} characters; a few unrelated words make a good one"
        )));
    }
    Ok(())
}

/// Hashes a password with a random salt; returns the PHC string.
pub fn hash(password: &str, cost: HashCost) -> Result<String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| AccountError::Random(e.to_string()))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, cost.params()?);
    let hash = argon
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| AccountError::Hash(e.to_string()))?;
    Ok(hash.to_string())
}

/// True if `password` matches the PHC string (parameters are read from it). A malformed stored
/// hash never matches.
pub fn verify(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// A hash of nothing, verified against when the email is unknown so that a failed login takes
/// as long whether or not the account exists.
pub fn dummy_verify(cost: HashCost) {
    if let Ok(h) = hash("not a password of anyone", cost) {
        let _ = verify("still not a password", &h);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn production_hash_is_argon2id_with_owasp_parameters_and_verifies() {
        let h = hash("correct horse battery staple", HashCost::Production).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("correct horse battery staple", &h));
        assert!(!verify("correct horse battery stapler", &h));
        assert!(!verify("anything", "not a phc string"));
    }

    #[test]
    fn salts_differ() {
        let a = hash("same password here", HashCost::TestsOnly).unwrap();
        let b = hash("same password here", HashCost::TestsOnly).unwrap();
        assert_ne!(a, b);
        assert!(verify("same password here", &a) && verify("same password here", &b));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("twelve chars").is_ok());
    }
}
