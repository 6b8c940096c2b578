//! C2SP tlog-proof: a self-contained, offline-verifiable text proof that an entry is in a log — the
//! entry's index, its inclusion proof and the (co)signed checkpoint the proof leads to. ballotproof
//! puts the entry itself in the optional `extra` line so the proof needs nothing else.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::checkpoint::parse_decimal;
use crate::cosignature::{CheckpointPolicy, VerifiedCheckpoint, WitnessError};
use crate::hash::{Hash, leaf_hash};
use crate::proof::{ProofError, verify_inclusion};

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A parsed tlog-proof.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProofBundle {
    /// Opaque, unauthenticated extra data (ballotproof: the entry bytes).
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    /// Inclusion proof, leaf to root.
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

/// Why a proof bundle was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofBundleError {
    #[error("malformed tlog-proof: {0}")]
    Malformed(String),
    #[error("{0}")]
    Checkpoint(#[from] WitnessError),
    #[error("the inclusion proof does not hold: {0}")]
    Inclusion(#[from] ProofError),
    #[error("the proof carries no entry (no extra line) and no leaf hash was given")]
    NoEntry,
}

impl ProofBundle {
    /// The text form.
    pub fn to_text(&self) -> String {
        let mut out = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            out.push_str(&format!("extra {}\n", STANDARD.encode(extra)));
        }
        out.push_str(&format!("index {}\n", self.index));
        for hash in &self.proof {
            out.push_str(&hash.to_base64());
            out.push('\n');
        }
        out.push('\n');
        out.push_str(&self.checkpoint);
        out
    }

    pub fn parse(text: &str) -> Result<ProofBundle, ProofBundleError> {
        let malformed = |m: String| ProofBundleError::Malformed(m);
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| malformed("no blank line before the checkpoint".into()))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(malformed(format!("the first line must be {HEADER}")));
        }
        let mut line = lines.next();
        let mut extra = None;
        if let Some(b64) = line.and_then(|l| l.strip_prefix("extra ")) {
            extra = Some(
                STANDARD
                    .decode(b64)
                    .map_err(|_| malformed("the extra line is not standard base64".into()))?,
            );
            line = lines.next();
        }
        let index = line
            .and_then(|l| l.strip_prefix("index "))
            .and_then(parse_decimal)
            .ok_or_else(|| malformed("expected a line `index N`".into()))?;
        let proof = lines
            .map(|l| {
                Hash::from_base64(l)
                    .map_err(|_| malformed(format!("proof line {l:?} is not a base64 hash")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProofBundle {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }

    /// Verifies the checkpoint against `policy` and the inclusion of the leaf: `leaf` if given,
    /// else the leaf hash of the `extra` data.
    pub fn verify(
        &self,
        policy: &CheckpointPolicy,
        leaf: Option<&Hash>,
    ) -> Result<VerifiedCheckpoint, ProofBundleError> {
        let verified = policy.verify(self.checkpoint.as_bytes())?;
        let leaf = match (leaf, &self.extra) {
            (Some(leaf), _) => *leaf,
            (None, Some(extra)) => leaf_hash(extra),
            (None, None) => return Err(ProofBundleError::NoEntry),
        };
        verify_inclusion(
            self.index,
            verified.checkpoint.size,
            &leaf,
            &self.proof,
            &verified.checkpoint.root,
        )?;
        Ok(verified)
    }
}
