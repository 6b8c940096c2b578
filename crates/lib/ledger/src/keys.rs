//! Signing-key files: created on first use from the operating system's random source, stored in
//! Go's `PRIVATE+KEY+name+id+key` text form with mode 0600, and refused when anyone but the owner
//! could read them.

use std::path::{Path, PathBuf};

use tlog::note::{KeyType, SignerKey, is_valid_key_name};

use crate::fsutil::{create_private_dir, create_secret_file, loose_permissions};

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error(
        "the key file {path} can be read or written by other users (mode {mode:o}); a signing key must be private: run `chmod 600 {path}`"
    )]
    LoosePermissions { path: PathBuf, mode: u32 },
    #[error("cannot read the key file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the key file {path}: {source}")]
    Create {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the key file {path} is not a signing key: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error("the key file {path} holds a {found:?} key; a {expected:?} key is needed here")]
    WrongType {
        path: PathBuf,
        found: KeyType,
        expected: KeyType,
    },
    #[error(
        "{name:?} cannot name a key: use a schema-less URL such as example-county.gov/ballotproof, with no spaces or '+'"
    )]
    BadName { name: String },
    #[error("cannot get random bytes for a new key from the operating system: {0}")]
    Random(String),
}

/// Loads the key at `path`, or creates one named `name` if the file does not exist.
pub fn load_or_create(path: &Path, name: &str, key_type: KeyType) -> Result<SignerKey, KeyError> {
    if path.exists() {
        return load(path, key_type);
    }
    if !is_valid_key_name(name) {
        return Err(KeyError::BadName {
            name: name.to_owned(),
        });
    }
    if let Some(dir) = path.parent() {
        create_private_dir(dir).map_err(|source| KeyError::Create {
            path: path.to_owned(),
            source,
        })?;
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError::Random(e.to_string()))?;
    let key = SignerKey::from_seed(name, key_type, seed).map_err(|_| KeyError::BadName {
        name: name.to_owned(),
    })?;
    create_secret_file(path, format!("{}\n", key.to_skey()).as_bytes()).map_err(|source| {
        KeyError::Create {
            path: path.to_owned(),
            source,
        }
    })?;
    Ok(key)
}

/// Loads an existing key, refusing one whose file is readable by others.
pub fn load(path: &Path, key_type: KeyType) -> Result<SignerKey, KeyError> {
    let read_error = |source| KeyError::Read {
        path: path.to_owned(),
        source,
    };
    if let Some(mode) = loose_permissions(path).map_err(read_error)? {
        return Err(KeyError::LoosePermissions {
            path: path.to_owned(),
            mode,
        });
    }
    let text = std::fs::read_to_string(path).map_err(read_error)?;
    let key = SignerKey::parse(text.trim_end()).map_err(|e| KeyError::Malformed {
        path: path.to_owned(),
        reason: e.to_string(),
    })?;
    if key.key_type() != key_type {
        return Err(KeyError::WrongType {
            path: path.to_owned(),
            found: key.key_type(),
            expected: key_type,
        });
    }
    Ok(key)
}
