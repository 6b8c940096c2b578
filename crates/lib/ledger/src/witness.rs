//! A witness on disk: its `cosignature/v1` key and, per log, the last checkpoint it cosigned. It
//! cosigns an exported log only after verifying the whole export and its consistency with that
//! last checkpoint, and records the new one durably before adding its cosignature.
//!
//! ```text
//! <data-dir>/witness/
//!   witness.key          the witness's signing key (mode 0600)
//!   state/<sha256(origin)>   the last checkpoint cosigned for that log
//! ```

use std::path::{Path, PathBuf};

use tlog::cosignature::{CheckpointPolicy, Witness, WitnessState, add_signatures};
use tlog::note::{KeyType, SignerKey, VerifierKey};
use tlog::{Hash, consistency_proof};

use crate::fsutil::{create_private_dir, write_atomic};
use crate::keys::{self, KeyError};
use crate::verify::{DirSource, VerifyError, VerifyOptions, verify_export_tree};

/// The key name of a witness created without one.
pub const DEFAULT_WITNESS_NAME: &str = "witness.invalid/ballotproof";

/// Why a witness did not cosign.
#[derive(Debug, thiserror::Error)]
pub enum WitnessError {
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the export does not verify, so the witness will not cosign it: {0}")]
    Export(#[from] VerifyError),
    #[error("the witness refuses to cosign: {0}")]
    Refused(String),
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A witness's home directory.
#[derive(Debug)]
pub struct WitnessHome {
    dir: PathBuf,
    key: SignerKey,
}

/// A cosignature that was added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignReport {
    pub origin: String,
    pub size: u64,
    /// The size the witness had cosigned before (0 the first time).
    pub previous_size: u64,
}

impl WitnessHome {
    /// Opens the witness in `dir`, creating its key (named `name`, default
    /// [`DEFAULT_WITNESS_NAME`]) on first use.
    pub fn open(dir: &Path, name: Option<&str>) -> Result<WitnessHome, WitnessError> {
        let key = keys::load_or_create(
            &dir.join("witness.key"),
            name.unwrap_or(DEFAULT_WITNESS_NAME),
            KeyType::CosignatureV1,
        )?;
        Ok(WitnessHome {
            dir: dir.to_owned(),
            key,
        })
    }

    /// The witness's public key (type 0x04 vkey), for verifiers' policies.
    pub fn verifier(&self) -> VerifierKey {
        self.key.verifier()
    }

    fn state_path(&self, origin: &str) -> PathBuf {
        self.dir
            .join("state")
            .join(Hash::sha256(origin.as_bytes()).to_hex())
    }

    /// Verifies the export in `export` as the log `log_key`'s, checks it extends the last
    /// checkpoint this witness cosigned for it, records the new one, and appends the cosignature
    /// (timestamped `now`, POSIX seconds) to `export/checkpoint`.
    pub fn cosign_export(
        &self,
        export: &Path,
        log_key: &VerifierKey,
        now: u64,
    ) -> Result<CosignReport, WitnessError> {
        let source = DirSource(export.to_owned());
        let options = VerifyOptions {
            log_key: Some(log_key.clone()),
            ..VerifyOptions::default()
        };
        let (report, tiles) = verify_export_tree(&source, &options)?;
        let checkpoint_path = export.join("checkpoint");
        let note = std::fs::read(&checkpoint_path).map_err(|source| WitnessError::Io {
            what: "cannot read",
            path: checkpoint_path.clone(),
            source,
        })?;
        let origin = report.checkpoint.origin.clone();
        let state_path = self.state_path(&origin);
        let previous = match std::fs::read(&state_path) {
            Ok(bytes) => Some(
                CheckpointPolicy::log_only(log_key.clone())
                    .verify(&bytes)
                    .map_err(|e| {
                        WitnessError::Refused(format!(
                            "its record of this log ({}) does not verify: {e}",
                            state_path.display()
                        ))
                    })?
                    .checkpoint,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(WitnessError::Io {
                    what: "cannot read",
                    path: state_path,
                    source,
                });
            }
        };
        let state = previous.as_ref().map(|c| WitnessState {
            size: c.size,
            root: c.root,
        });
        let old = state.as_ref().map_or(0, |s| s.size);
        if old > report.checkpoint.size {
            return Err(WitnessError::Refused(format!(
                "it cosigned size {old} of {origin} before; this export has only {} entries",
                report.checkpoint.size
            )));
        }
        let proof = consistency_proof(&tiles.tree, old, report.checkpoint.size)
            .map_err(|e| WitnessError::Refused(e.to_string()))?;
        let witness = Witness::new(self.key.clone(), log_key.clone())
            .map_err(|e| WitnessError::Refused(e.to_string()))?;
        let cosigned = witness
            .cosign(&note, state.as_ref(), old, &proof, now)
            .map_err(|e| WitnessError::Refused(e.to_string()))?;
        // Remember before publishing: after a crash the witness must not cosign an older view.
        let bare = tlog::Note::parse(&note).map_err(|e| WitnessError::Refused(e.to_string()))?;
        let log_only = tlog::Note {
            text: bare.text.clone(),
            signatures: bare
                .signatures
                .iter()
                .filter(|s| s.name == log_key.name() && s.key_id == log_key.key_id())
                .cloned()
                .collect(),
        };
        if let Some(dir) = state_path.parent() {
            create_private_dir(dir).map_err(|source| WitnessError::Io {
                what: "cannot create",
                path: dir.to_owned(),
                source,
            })?;
        }
        write_atomic(&state_path, log_only.to_text().as_bytes()).map_err(|source| {
            WitnessError::Io {
                what: "cannot record the cosigned checkpoint in",
                path: state_path.clone(),
                source,
            }
        })?;
        let with_cosignature = add_signatures(&note, &[cosigned.signature])
            .map_err(|e| WitnessError::Refused(e.to_string()))?;
        write_atomic(&checkpoint_path, with_cosignature.as_bytes()).map_err(|source| {
            WitnessError::Io {
                what: "cannot write",
                path: checkpoint_path,
                source,
            }
        })?;
        Ok(CosignReport {
            origin,
            size: report.checkpoint.size,
            previous_size: old,
        })
    }
}
