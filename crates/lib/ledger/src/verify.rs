//! Offline verification of an exported log: the signed checkpoint (and, if asked, a quorum of
//! witness cosignatures), every tile and entry against the checkpoint root, consistency with an
//! older checkpoint, and the inclusion of given artifact files by their SHA-256.
//!
//! It reads nothing but the export (through [`TileSource`]) and the files the caller passes; it
//! trusts no hash until it is tied to the signed root (see [`tlog::tile::verify_tiles`]).

use std::path::{Component, Path, PathBuf};

use tlog::cosignature::CheckpointPolicy;
use tlog::note::VerifierKey;
use tlog::tile::{TileSource, VerifiedTiles, verify_tiles};
use tlog::{
    Checkpoint, Hash, consistency_proof, inclusion_proof, leaf_hash, verify_consistency,
    verify_inclusion,
};

use crate::entry::Entry;
use crate::export::KEY_FILE;

/// An export directory on disk.
#[derive(Debug, Clone)]
pub struct DirSource(pub PathBuf);

impl TileSource for DirSource {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        let relative = Path::new(path);
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err("not a path inside the export".into());
        }
        std::fs::read(self.0.join(relative)).map_err(|e| e.to_string())
    }
}

/// What to check beyond the export's own consistency.
#[derive(Debug, Clone, Default)]
pub struct VerifyOptions {
    /// The log's key, from a trusted source. Without it the export's own `key.vkey` is used, which
    /// proves the export is internally consistent but not whose log it is.
    pub log_key: Option<VerifierKey>,
    /// Trusted witnesses' cosignature keys.
    pub witnesses: Vec<VerifierKey>,
    /// How many of `witnesses` must have cosigned.
    pub quorum: usize,
    /// An older signed checkpoint (name for messages, bytes) the log must extend.
    pub previous_checkpoint: Option<(String, Vec<u8>)>,
    /// Files (name for messages, SHA-256) that must be logged.
    pub artifacts: Vec<(String, Hash)>,
}

/// Where an artifact was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactInclusion {
    pub name: String,
    pub hash: Hash,
    pub index: u64,
    pub kind: String,
    pub time: String,
}

/// A successful verification.
#[derive(Debug, Clone)]
pub struct VerifyReport {
    pub checkpoint: Checkpoint,
    pub key: VerifierKey,
    /// True when the key came from the export itself rather than from the caller.
    pub key_from_export: bool,
    /// Witnesses whose cosignatures verified, with their timestamps.
    pub cosigners: Vec<(String, u64)>,
    /// Size of the older checkpoint the log was shown to extend.
    pub previous_size: Option<u64>,
    pub artifacts: Vec<ArtifactInclusion>,
    /// Entries that verify but are not ballotproof entry JSON (written by another tool).
    pub foreign_entries: u64,
}

/// Why verification did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    /// An input could not be read at all (exit code 2 in the CLI).
    #[error("cannot read {path}: {reason}")]
    CannotRead { path: String, reason: String },
    /// The log or the given checkpoint or files failed a check (exit code 1).
    #[error("verification failed:\n  {}", .0.join("\n  "))]
    Failed(Vec<String>),
}

/// Most problems listed in one report.
const MAX_PROBLEMS: usize = 50;

/// Verifies an export; see the module docs.
pub fn verify_export(
    source: &impl TileSource,
    options: &VerifyOptions,
) -> Result<VerifyReport, VerifyError> {
    verify_export_tree(source, options).map(|(report, _)| report)
}

/// [`verify_export`], also returning the verified tree and entries.
pub fn verify_export_tree(
    source: &impl TileSource,
    options: &VerifyOptions,
) -> Result<(VerifyReport, VerifiedTiles), VerifyError> {
    let note = source
        .read("checkpoint")
        .map_err(|reason| VerifyError::CannotRead {
            path: "checkpoint".into(),
            reason,
        })?;
    let (key, key_from_export) = match &options.log_key {
        Some(key) => (key.clone(), false),
        None => {
            let text = source
                .read(KEY_FILE)
                .map_err(|reason| VerifyError::CannotRead {
                    path: KEY_FILE.into(),
                    reason,
                })?;
            let text = String::from_utf8_lossy(&text);
            let key = VerifierKey::parse(text.trim_end_matches('\n'))
                .map_err(|e| VerifyError::Failed(vec![format!("{KEY_FILE}: {e}")]))?;
            (key, true)
        }
    };
    let policy = CheckpointPolicy {
        log: key.clone(),
        witnesses: options.witnesses.clone(),
        quorum: options.quorum,
    };
    let verified = policy
        .verify(&note)
        .map_err(|e| VerifyError::Failed(vec![format!("checkpoint: {e}")]))?;
    let checkpoint = verified.checkpoint;
    let tiles = verify_tiles(source, checkpoint.size, &checkpoint.root, MAX_PROBLEMS).map_err(
        |problems| VerifyError::Failed(problems.iter().map(ToString::to_string).collect()),
    )?;

    let mut problems = Vec::new();
    let mut previous_size = None;
    if let Some((name, bytes)) = &options.previous_checkpoint {
        match check_previous(&key, name, bytes, &checkpoint, &tiles) {
            Ok(size) => previous_size = Some(size),
            Err(problem) => problems.push(problem),
        }
    }

    let parsed: Vec<Option<Entry>> = tiles.entries.iter().map(|e| Entry::parse(e).ok()).collect();
    let foreign_entries = parsed.iter().filter(|e| e.is_none()).count() as u64;
    let mut artifacts = Vec::new();
    for (name, hash) in &options.artifacts {
        let found = parsed.iter().enumerate().find_map(|(i, e)| {
            e.as_ref()
                .filter(|e| e.content_hash() == Some(*hash))
                .map(|e| (i as u64, e))
        });
        let Some((index, entry)) = found else {
            problems.push(format!(
                "artifact {name} (SHA-256 {hash}) is not in the log: no entry records that hash"
            ));
            continue;
        };
        // The entry was checked with its tile already; prove it the way any client would.
        let leaf = leaf_hash(
            tiles
                .entries
                .get(index as usize)
                .map(Vec::as_slice)
                .unwrap_or_default(),
        );
        let proof = inclusion_proof(&tiles.tree, index, checkpoint.size);
        match proof.map_err(|e| e.to_string()).and_then(|proof| {
            verify_inclusion(index, checkpoint.size, &leaf, &proof, &checkpoint.root)
                .map_err(|e| e.to_string())
        }) {
            Ok(()) => artifacts.push(ArtifactInclusion {
                name: name.clone(),
                hash: *hash,
                index,
                kind: entry.kind.clone(),
                time: entry.time.clone(),
            }),
            Err(e) => problems.push(format!(
                "artifact {name}: inclusion proof for entry {index} fails: {e}"
            )),
        }
    }
    if !problems.is_empty() {
        return Err(VerifyError::Failed(problems));
    }
    Ok((
        VerifyReport {
            checkpoint,
            key,
            key_from_export,
            cosigners: verified.cosigners,
            previous_size,
            artifacts,
            foreign_entries,
        },
        tiles,
    ))
}

/// Checks that the log extends an older checkpoint by the same key; returns its size.
fn check_previous(
    key: &VerifierKey,
    name: &str,
    bytes: &[u8],
    current: &Checkpoint,
    tiles: &VerifiedTiles,
) -> Result<u64, String> {
    let previous = CheckpointPolicy::log_only(key.clone())
        .verify(bytes)
        .map_err(|e| format!("previous checkpoint {name}: {e}"))?
        .checkpoint;
    if previous.size > current.size {
        return Err(format!(
            "previous checkpoint {name} has {} entries but the log now has {}: the log shrank",
            previous.size, current.size
        ));
    }
    if previous.size == 0 {
        return Ok(0);
    }
    let proof = consistency_proof(&tiles.tree, previous.size, current.size)
        .map_err(|e| format!("previous checkpoint {name}: {e}"))?;
    verify_consistency(previous.size, current.size, &previous.root, &current.root, &proof).map_err(|e| {
        format!(
            "the log is not an extension of previous checkpoint {name} (size {}): entries before it were changed, removed or reordered ({e})",
            previous.size
        )
    })?;
    Ok(previous.size)
}
