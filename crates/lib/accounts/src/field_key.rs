//! Encryption of secrets the server must keep usable — TOTP secrets, in the users table and
//! while an enrolment is pending — with ChaCha20-Poly1305 under a key file of the data directory.
//! A copy of the database alone (a backup, a stolen disk image of the database file) then gives
//! no second factors. The associated data names the table, column and row (`users/totp_secret/7`),
//! so a sealed value copied to another row or column does not open.
//!
//! The key file (`field-encryption.key`, 32 random bytes in hex) is created on first use with mode
//! 0600, like the election log's signing key, and refused when others could read it. This module
//! does file I/O only in [`FieldKey::load_or_create`]; sealing and opening are pure.

use std::io::Write;
use std::path::{Path, PathBuf};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};

use crate::{AccountError, Result};

/// The key file's name in the data directory.
pub const FILE: &str = "field-encryption.key";
/// Marks a sealed value (and its format version).
const PREFIX: &str = "enc1:";

/// The key. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct FieldKey([u8; 32]);

impl std::fmt::Debug for FieldKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldKey(..)")
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn key_error(path: &Path, what: impl std::fmt::Display) -> AccountError {
    AccountError::Key(format!(
        "the field-encryption key {}: {what}",
        path.display()
    ))
}

impl FieldKey {
    pub fn from_bytes(bytes: [u8; 32]) -> FieldKey {
        FieldKey(bytes)
    }

    /// Loads `DIR/field-encryption.key`, creating it (mode 0600) if it does not exist. Refuses a
    /// key file others can read or write.
    pub fn load_or_create(data_dir: &Path) -> Result<FieldKey> {
        let path: PathBuf = data_dir.join(FILE);
        if !path.exists() {
            let key = crate::secret::random_bytes::<32>()?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            let created = options.open(&path).and_then(|mut f| {
                f.write_all(format!("{}\n", hex(&key)).as_bytes())?;
                f.sync_all()
            });
            match created {
                Ok(()) => return Ok(FieldKey(key)),
                // Another process created it first: read theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(key_error(&path, format!("cannot create the key file: {e}"))),
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map_err(|e| key_error(&path, e))?
                .permissions()
                .mode()
                & 0o777;
            if mode & 0o077 != 0 {
                return Err(key_error(
                    &path,
                    format!(
                        "other users can read or write this key file (mode {mode:o}); run `chmod 600 {}`",
                        path.display()
                    ),
                ));
            }
        }
        let text = std::fs::read_to_string(&path).map_err(|e| key_error(&path, e))?;
        let bytes: [u8; 32] = unhex(text.trim())
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| key_error(&path, "not a key (64 hex digits expected)"))?;
        Ok(FieldKey(bytes))
    }

    fn cipher(&self) -> ChaCha20Poly1305 {
        ChaCha20Poly1305::new(&Key::from(self.0))
    }

    /// Encrypts `plain` for the place named by `aad` (`table/column/row`).
    pub fn seal(&self, aad: &str, plain: &str) -> Result<String> {
        let nonce = crate::secret::random_bytes::<12>()?;
        let sealed = self
            .cipher()
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| AccountError::Key("cannot encrypt a secret".into()))?;
        Ok(format!("{PREFIX}{}{}", hex(&nonce), hex(&sealed)))
    }

    /// True if `stored` was sealed by [`FieldKey::seal`]; false for a value stored in plain
    /// text before secrets were encrypted (which [`FieldKey::open`] returns as is, and the
    /// account flows re-encrypt: `Accounts::encrypt_legacy_totp_secrets`).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(PREFIX)
    }

    /// Decrypts a value sealed for `aad`. A value without the prefix was stored before secrets
    /// were encrypted and is returned as is.
    pub fn open(&self, aad: &str, stored: &str) -> Result<String> {
        let Some(body) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        let refused = || {
            AccountError::Key(format!(
                "a stored secret ({aad}) does not decrypt with this data directory's {FILE}; was the key file replaced?"
            ))
        };
        let bytes = unhex(body).ok_or_else(refused)?;
        if bytes.len() < 12 {
            return Err(refused());
        }
        let (nonce, sealed) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| refused())?;
        let plain = self
            .cipher()
            .decrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: sealed,
                    aad: aad.as_bytes(),
                },
            )
            .map_err(|_| refused())?;
        String::from_utf8(plain).map_err(|_| refused())
    }
}

/// The associated data of a user's TOTP secret.
pub fn user_totp_aad(user: i64) -> String {
    format!("users/totp_secret/{user}")
}

/// The associated data of a session's pending TOTP secret.
pub fn session_totp_aad(session_sha256: &str) -> String {
    format!("sessions/pending_totp/{session_sha256}")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn sealed_values_open_only_in_their_place_and_unaltered() {
        let key = FieldKey::from_bytes([7; 32]);
        let a = key.seal(&user_totp_aad(1), "JBSWY3DPEHPK3PXP").unwrap();
        let b = key.seal(&user_totp_aad(1), "JBSWY3DPEHPK3PXP").unwrap();
        assert!(a.starts_with(PREFIX) && !a.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(a, b, "a fresh nonce each time");
        assert_eq!(key.open(&user_totp_aad(1), &a).unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(key.open(&user_totp_aad(2), &a).is_err(), "another row");
        assert!(
            key.open(&session_totp_aad("1"), &a).is_err(),
            "another column"
        );
        let mut tampered = a.clone();
        tampered.replace_range(a.len() - 2.., if a.ends_with("00") { "01" } else { "00" });
        assert!(key.open(&user_totp_aad(1), &tampered).is_err());
        assert!(
            FieldKey::from_bytes([8; 32])
                .open(&user_totp_aad(1), &a)
                .is_err()
        );
        assert_eq!(key.open("x", "LEGACYPLAIN").unwrap(), "LEGACYPLAIN");
        assert!(FieldKey::is_sealed(&a) && !FieldKey::is_sealed("LEGACYPLAIN"));
        assert!(!format!("{key:?}").contains('7'));
    }

    #[test]
    fn the_key_file_is_created_private_and_refused_when_loose() {
        let dir = std::env::temp_dir().join(format!("bp-field-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let k1 = FieldKey::load_or_create(&dir).unwrap();
        let k2 = FieldKey::load_or_create(&dir).unwrap();
        assert_eq!(k1.0, k2.0, "the same key on the next start");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let path = dir.join(FILE);
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
            let e = FieldKey::load_or_create(&dir).unwrap_err().to_string();
            assert!(e.contains("chmod 600"), "{e}");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
