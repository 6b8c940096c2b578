//! Witness cosigning (c2sp.org/tlog-cosignature `cosignature/v1`, with the checks of
//! c2sp.org/tlog-witness) and the verifier's policy: a checkpoint counts only if the log signed it
//! and at least N of the trusted witnesses cosigned it.
//!
//! A witness cosigns a checkpoint only after checking the log's signature and a consistency proof
//! from the last checkpoint it cosigned for that log, so a log cannot show one history to one
//! observer and another history to another (a split view) without a witness noticing.

use crate::checkpoint::{Checkpoint, CheckpointError};
use crate::hash::Hash;
use crate::note::{KeyType, Note, NoteError, NoteSignature, SignerKey, VerifierKey};
use crate::proof::{ProofError, verify_consistency};

/// The Ed25519 `cosignature/v1` signed message: `cosignature/v1\ntime <t>\n` followed by the
/// checkpoint text (tlog-cosignature, "Ed25519 signed message").
pub fn cosigned_message(checkpoint_text: &str, timestamp: u64) -> Result<String, NoteError> {
    if timestamp > i64::MAX as u64 {
        return Err(NoteError::TimestampTooLarge(timestamp));
    }
    Ok(format!(
        "cosignature/v1\ntime {timestamp}\n{checkpoint_text}"
    ))
}

/// Why a witness refused to cosign, or a checkpoint failed the policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WitnessError {
    #[error("checkpoint note: {0}")]
    Note(#[from] NoteError),
    #[error("checkpoint: {0}")]
    Checkpoint(#[from] CheckpointError),
    #[error(
        "the witness last cosigned size {known} for this log but the request starts from size {claimed}"
    )]
    StaleOldSize { known: u64, claimed: u64 },
    #[error("a consistency proof from the empty tree must be empty")]
    NonEmptyProofFromEmptyTree,
    #[error("the new checkpoint is not consistent with the last one the witness cosigned: {0}")]
    Inconsistent(#[from] ProofError),
    #[error("the checkpoint is not signed by the log key {0}")]
    NotSignedByLog(String),
    #[error(
        "the witness key must be a cosignature/v1 (type 0x04) key; the log key an Ed25519 (type 0x01) key"
    )]
    WrongKeyType,
    #[error("{found} of the trusted witnesses cosigned ({names}); the policy needs {needed}")]
    QuorumNotMet {
        needed: usize,
        found: usize,
        names: String,
    },
    #[error("the policy asks for {quorum} cosignatures but trusts only {witnesses} witnesses")]
    ImpossibleQuorum { quorum: usize, witnesses: usize },
}

/// What a witness remembers about one log: the last checkpoint it cosigned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessState {
    pub size: u64,
    pub root: Hash,
}

/// A witness: its cosigning key and the log key it trusts.
#[derive(Debug, Clone)]
pub struct Witness {
    key: SignerKey,
    log: VerifierKey,
}

/// A cosignature and the state the witness must store before releasing it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cosigned {
    pub signature: NoteSignature,
    pub state: WitnessState,
    pub checkpoint: Checkpoint,
}

impl Witness {
    pub fn new(key: SignerKey, log: VerifierKey) -> Result<Witness, WitnessError> {
        if key.key_type() != KeyType::CosignatureV1 || log.key_type() != KeyType::Ed25519 {
            return Err(WitnessError::WrongKeyType);
        }
        Ok(Witness { key, log })
    }

    /// The tlog-witness `add-checkpoint` decision. `previous` is what this witness last cosigned
    /// for the log (None the first time it sees it), `old_size` the size the caller's proof starts
    /// from, which must be exactly that. From size 0 the proof must be empty (the empty tree is a
    /// prefix of every tree). `timestamp` is the current POSIX time, supplied by the caller.
    ///
    /// The caller must durably store the returned state before publishing the cosignature, so a
    /// crash cannot make the witness cosign an older, inconsistent view later.
    pub fn cosign(
        &self,
        note: &[u8],
        previous: Option<&WitnessState>,
        old_size: u64,
        proof: &[Hash],
        timestamp: u64,
    ) -> Result<Cosigned, WitnessError> {
        let note = Note::parse(note)?;
        note.verify(std::slice::from_ref(&self.log))
            .map_err(|_| WitnessError::NotSignedByLog(self.log.to_string()))?;
        let checkpoint = Checkpoint::parse_for_origin(&note.text, self.log.name())?;
        let known = previous.map_or(0, |p| p.size);
        if old_size != known {
            return Err(WitnessError::StaleOldSize {
                known,
                claimed: old_size,
            });
        }
        match previous {
            Some(previous) if previous.size > 0 => verify_consistency(
                previous.size,
                checkpoint.size,
                &previous.root,
                &checkpoint.root,
                proof,
            )?,
            _ if !proof.is_empty() => return Err(WitnessError::NonEmptyProofFromEmptyTree),
            _ => {}
        }
        let signature = self.key.cosign(&note.text, timestamp)?;
        Ok(Cosigned {
            signature,
            state: WitnessState {
                size: checkpoint.size,
                root: checkpoint.root,
            },
            checkpoint,
        })
    }

    pub fn verifier(&self) -> VerifierKey {
        self.key.verifier()
    }
}

/// Which signatures a checkpoint needs: the log's, and `quorum` of the `witnesses`.
#[derive(Debug, Clone)]
pub struct CheckpointPolicy {
    pub log: VerifierKey,
    pub witnesses: Vec<VerifierKey>,
    pub quorum: usize,
}

/// A checkpoint whose signatures satisfied a [`CheckpointPolicy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedCheckpoint {
    pub checkpoint: Checkpoint,
    /// The note text exactly as signed.
    pub text: String,
    /// Witnesses whose cosignatures verified, with their timestamps.
    pub cosigners: Vec<(String, u64)>,
}

impl CheckpointPolicy {
    /// Only the log's signature, no witnesses.
    pub fn log_only(log: VerifierKey) -> CheckpointPolicy {
        CheckpointPolicy {
            log,
            witnesses: Vec::new(),
            quorum: 0,
        }
    }

    /// Parses and verifies a signed checkpoint note: a valid log signature, origin equal to the log
    /// key's name, no failing signature by any trusted key, and at least `quorum` distinct trusted
    /// witnesses' cosignatures.
    pub fn verify(&self, note: &[u8]) -> Result<VerifiedCheckpoint, WitnessError> {
        if self.log.key_type() != KeyType::Ed25519
            || self
                .witnesses
                .iter()
                .any(|w| w.key_type() != KeyType::CosignatureV1)
        {
            return Err(WitnessError::WrongKeyType);
        }
        if self.quorum > self.witnesses.len() {
            return Err(WitnessError::ImpossibleQuorum {
                quorum: self.quorum,
                witnesses: self.witnesses.len(),
            });
        }
        let note = Note::parse(note)?;
        let mut keys = vec![self.log.clone()];
        keys.extend(self.witnesses.iter().cloned());
        let verified = note.verify(&keys)?;
        if !verified
            .iter()
            .any(|v| v.name == self.log.name() && v.key_id == self.log.key_id())
        {
            return Err(WitnessError::NotSignedByLog(self.log.to_string()));
        }
        let checkpoint = Checkpoint::parse_for_origin(&note.text, self.log.name())?;
        let cosigners: Vec<(String, u64)> = verified
            .iter()
            .filter_map(|v| v.timestamp.map(|t| (v.name.clone(), t)))
            .collect();
        if cosigners.len() < self.quorum {
            let names: Vec<&str> = cosigners.iter().map(|(n, _)| n.as_str()).collect();
            return Err(WitnessError::QuorumNotMet {
                needed: self.quorum,
                found: cosigners.len(),
                names: if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                },
            });
        }
        Ok(VerifiedCheckpoint {
            checkpoint,
            text: note.text,
            cosigners,
        })
    }
}

/// Appends signature lines to a signed note's text form.
pub fn add_signatures(note: &[u8], signatures: &[NoteSignature]) -> Result<String, NoteError> {
    let mut parsed = Note::parse(note)?;
    for signature in signatures {
        if !parsed.signatures.contains(signature) {
            parsed.signatures.push(signature.clone());
        }
    }
    Ok(parsed.to_text())
}
