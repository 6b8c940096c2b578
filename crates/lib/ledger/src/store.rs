//! The ledger on disk: a directory beside ballotproof's other data holding the entries file
//! ([`crate::frame`]), the log's signing key, its latest signed checkpoint and the artifacts.
//!
//! ```text
//! <data-dir>/ledger/
//!   entries.bpl     batch frames, append-only
//!   log.key         the log's Ed25519 signing key (mode 0600)
//!   checkpoint      the latest signed checkpoint
//!   artifacts/ab/abcdef…   files stored by SHA-256
//!   torn/           torn tails cut off by recovery, kept for inspection
//!   lock            held while the ledger is open, so one process writes at a time
//! ```
//!
//! Durability: an append returns only after its frame has been written and `fdatasync`ed; a batch
//! is one frame and one `fdatasync`. If a write or sync fails the ledger refuses further appends
//! until it is reopened, because after a failed `fsync` the kernel may have dropped the data and
//! only a fresh scan tells what is on disk. Opening scans the file, cuts off a torn tail (moving it
//! to `torn/`), refuses a file whose acknowledged part is damaged, and checks the tree against the
//! latest signed checkpoint, so a log that lost or changed entries is noticed before it signs again.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use tlog::cosignature::CheckpointPolicy;
use tlog::note::{KeyType, Note, SignerKey, VerifierKey};
use tlog::proof_bundle::ProofBundle;
use tlog::tree::root;
use tlog::{Checkpoint, Hash, MemoryTree, consistency_proof, inclusion_proof, leaf_hash};

use crate::entry::{EntryError, NewEntry};
use crate::frame::{self, MAX_FRAME_ENTRY_BYTES};
use crate::fsutil::{create_private_dir, sync_dir, write_atomic};
use crate::keys::{self, KeyError};

/// The origin (and key name) of a log created without one.
pub const DEFAULT_ORIGIN: &str = "ballotproof.invalid/election-log";

const ENTRIES_FILE: &str = "entries.bpl";
const KEY_FILE: &str = "log.key";
const CHECKPOINT_FILE: &str = "checkpoint";

/// Everything that can go wrong with the ledger on disk.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("{what} {path}: {source}")]
    Io {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error(transparent)]
    Entry(#[from] EntryError),
    #[error(
        "the election log {path} is damaged: {reason}. Nothing was changed; restore the file from a backup or an export and compare it with the published checkpoints"
    )]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "the election log {path} does not match its last signed checkpoint (size {size}): {reason}. Entries that were signed are missing or changed; restore from a backup or an export"
    )]
    CheckpointMismatch {
        path: PathBuf,
        size: u64,
        reason: String,
    },
    #[error("this log's origin is {actual:?}, not {requested:?}")]
    OriginMismatch { actual: String, requested: String },
    #[error(
        "an earlier write to the election log failed, so what is on disk is uncertain; reopen the log (it recovers on open) before appending again"
    )]
    Poisoned,
    #[error("entry {index} does not exist: the log has {size} entries")]
    NoSuchEntry { index: u64, size: u64 },
    #[error("no artifact with SHA-256 {0} is stored")]
    NoSuchArtifact(Hash),
    #[error(
        "another process has had the election log {0} open for {LOCK_WAIT_SECS} seconds; wait for it to finish (or stop it) and try again"
    )]
    Busy(PathBuf),
    #[error("the batch this entry was written in failed, so it is not in the log: {0}")]
    BatchFailed(String),
    #[error("internal error: {0}")]
    Internal(String),
}

fn io(what: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> LedgerError {
    let path = path.to_owned();
    move |source| LedgerError::Io { what, path, source }
}

/// What opening found and repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recovery {
    /// Bytes of an unacknowledged, torn append cut off the end of the entries file.
    pub torn_bytes: usize,
    /// Where those bytes were kept.
    pub torn_copy: Option<PathBuf>,
}

/// An open election log. One process at a time holds it (an exclusive lock on `lock`).
#[derive(Debug)]
pub struct Ledger {
    dir: PathBuf,
    file: File,
    key: SignerKey,
    tree: MemoryTree,
    entries: Vec<Vec<u8>>,
    latest: Option<(Checkpoint, String)>,
    poisoned: bool,
    recovery: Recovery,
    _lock: File,
}

impl Ledger {
    /// Opens (creating if needed) the ledger in `dir`. `origin` names a new log (default
    /// [`DEFAULT_ORIGIN`]); for an existing log it must match, if given.
    pub fn open(dir: &Path, origin: Option<&str>) -> Result<Ledger, LedgerError> {
        create_private_dir(dir).map_err(io("cannot create the ledger directory", dir))?;
        let lock_path = dir.join("lock");
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io("cannot open the lock file", &lock_path))?;
        wait_for_lock(&lock, &lock_path)?;

        let key_path = dir.join(KEY_FILE);
        let key = keys::load_or_create(
            &key_path,
            origin.unwrap_or(DEFAULT_ORIGIN),
            KeyType::Ed25519,
        )?;
        if let Some(origin) = origin
            && origin != key.name()
        {
            return Err(LedgerError::OriginMismatch {
                actual: key.name().to_owned(),
                requested: origin.to_owned(),
            });
        }

        let path = dir.join(ENTRIES_FILE);
        let existed = path.exists();
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .append(true)
            .open(&path)
            .map_err(io("cannot open the entries file", &path))?;
        if !existed {
            sync_dir(dir).map_err(io("cannot sync the ledger directory", dir))?;
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(io("cannot read the entries file", &path))?;
        let scan = frame::scan(&bytes).map_err(|e| LedgerError::Corrupt {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        let mut recovery = Recovery::default();
        if !scan.torn_tail.is_empty() {
            recovery = cut_torn_tail(dir, &path, &file, scan.valid_len, scan.torn_tail)?;
        }
        let entries: Vec<Vec<u8>> = scan.entries.iter().map(|e| e.to_vec()).collect();
        let tree = MemoryTree::from_leaf_hashes(entries.iter().map(|e| leaf_hash(e)));

        let mut ledger = Ledger {
            dir: dir.to_owned(),
            file,
            key,
            tree,
            entries,
            latest: None,
            poisoned: false,
            recovery,
            _lock: lock,
        };
        ledger.latest = ledger.load_latest_checkpoint()?;
        Ok(ledger)
    }

    /// Reads the stored checkpoint and checks the tree still has it as a prefix.
    fn load_latest_checkpoint(&self) -> Result<Option<(Checkpoint, String)>, LedgerError> {
        let path = self.dir.join(CHECKPOINT_FILE);
        let text = match std::fs::read(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io("cannot read the checkpoint", &path)(e)),
        };
        let verified = CheckpointPolicy::log_only(self.key.verifier())
            .verify(&text)
            .map_err(|e| LedgerError::Corrupt {
                path: path.clone(),
                reason: format!("the stored checkpoint does not verify with the log key: {e}"),
            })?;
        let checkpoint = verified.checkpoint;
        let mismatch = |reason: String| LedgerError::CheckpointMismatch {
            path: self.dir.join(ENTRIES_FILE),
            size: checkpoint.size,
            reason,
        };
        if checkpoint.size > self.size() {
            return Err(mismatch(format!(
                "the log has only {} entries",
                self.size()
            )));
        }
        let ours =
            root(&self.tree, checkpoint.size).map_err(|e| LedgerError::Internal(e.to_string()))?;
        if ours != checkpoint.root {
            return Err(mismatch(format!(
                "the entries give root {ours}, the checkpoint says {}",
                checkpoint.root
            )));
        }
        let note = String::from_utf8_lossy(&text).into_owned();
        Ok(Some((checkpoint, note)))
    }

    /// Number of entries.
    pub fn size(&self) -> u64 {
        self.entries.len() as u64
    }

    /// The log's origin (its key's name).
    pub fn origin(&self) -> &str {
        self.key.name()
    }

    /// The public key that verifies this log's checkpoints.
    pub fn verifier(&self) -> VerifierKey {
        self.key.verifier()
    }

    /// What opening recovered.
    pub fn recovery(&self) -> &Recovery {
        &self.recovery
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Root of the current tree.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// The Merkle tree (for proofs and exports).
    pub fn tree(&self) -> &MemoryTree {
        &self.tree
    }

    /// The stored bytes of entry `index`.
    pub fn entry(&self, index: u64) -> Result<&[u8], LedgerError> {
        usize::try_from(index)
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(Vec::as_slice)
            .ok_or(LedgerError::NoSuchEntry {
                index,
                size: self.size(),
            })
    }

    /// All entries' stored bytes, in order.
    pub fn entries(&self) -> &[Vec<u8>] {
        &self.entries
    }

    /// Appends one entry durably; returns its index.
    pub fn append(&mut self, entry: NewEntry) -> Result<u64, LedgerError> {
        Ok(self.append_batch(std::slice::from_ref(&entry))?.start)
    }

    /// Appends entries in order as one durable write (one `fdatasync`; batches over 64 MiB are
    /// split). Returns their indexes. On error nothing is acknowledged; some entries may still be
    /// found on disk after reopening, in order and complete.
    pub fn append_batch(&mut self, entries: &[NewEntry]) -> Result<Range<u64>, LedgerError> {
        if self.poisoned {
            return Err(LedgerError::Poisoned);
        }
        let now = SystemTime::now();
        let encoded = entries
            .iter()
            .map(|e| e.encode(now))
            .collect::<Result<Vec<_>, _>>()?;
        let start = self.size();
        let mut chunk_start = 0;
        while chunk_start < encoded.len() {
            let mut chunk_end = chunk_start;
            let mut bytes = 0;
            while let Some(entry) = encoded.get(chunk_end) {
                if chunk_end > chunk_start && bytes + entry.len() + 2 > MAX_FRAME_ENTRY_BYTES {
                    break;
                }
                bytes += entry.len() + 2;
                chunk_end += 1;
            }
            let chunk = encoded.get(chunk_start..chunk_end).unwrap_or_default();
            self.write_frame(chunk)?;
            chunk_start = chunk_end;
        }
        Ok(start..self.size())
    }

    fn write_frame(&mut self, chunk: &[Vec<u8>]) -> Result<(), LedgerError> {
        let first = self.size();
        let frame = frame::encode(first, chunk).map_err(LedgerError::Internal)?;
        let path = self.dir.join(ENTRIES_FILE);
        let result = self
            .file
            .write_all(&frame)
            .and_then(|()| self.file.sync_data());
        if let Err(e) = result {
            self.poisoned = true;
            return Err(io("cannot write the entries file", &path)(e));
        }
        for entry in chunk {
            self.tree.push(entry);
            self.entries.push(entry.clone());
        }
        Ok(())
    }

    /// Stores `bytes` by content hash beside the log (durably) and appends an artifact entry.
    pub fn add_artifact(
        &mut self,
        actor: &str,
        name: &str,
        media_type: &str,
        bytes: &[u8],
    ) -> Result<u64, LedgerError> {
        let entry = NewEntry::artifact(actor, name, media_type, bytes)?;
        self.store_artifact(bytes)?;
        self.append(entry)
    }

    /// Stores `bytes` under its SHA-256 (no entry); returns the hash.
    pub fn store_artifact(&self, bytes: &[u8]) -> Result<Hash, LedgerError> {
        let hash = Hash::sha256(bytes);
        let path = self.artifact_path(&hash);
        if !path.exists() {
            if let Some(dir) = path.parent() {
                create_private_dir(dir).map_err(io("cannot create the artifact directory", dir))?;
            }
            write_atomic(&path, bytes).map_err(io("cannot store the artifact", &path))?;
        }
        Ok(hash)
    }

    /// The stored artifact with SHA-256 `hash`, checked against its hash.
    pub fn artifact(&self, hash: &Hash) -> Result<Vec<u8>, LedgerError> {
        let path = self.artifact_path(hash);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(LedgerError::NoSuchArtifact(*hash));
            }
            Err(e) => return Err(io("cannot read the artifact", &path)(e)),
        };
        if Hash::sha256(&bytes) != *hash {
            return Err(LedgerError::Corrupt {
                path,
                reason: "the artifact's content does not match its hash".into(),
            });
        }
        Ok(bytes)
    }

    fn artifact_path(&self, hash: &Hash) -> PathBuf {
        let hex = hash.to_hex();
        self.dir
            .join("artifacts")
            .join(hex.get(..2).unwrap_or("00"))
            .join(hex)
    }

    /// The latest signed checkpoint, signing a new one if entries were appended since. Never signs
    /// a checkpoint inconsistent with the previous one: the tree is checked against it on open and
    /// only grows after.
    pub fn checkpoint(&mut self) -> Result<(Checkpoint, String), LedgerError> {
        if let Some((checkpoint, note)) = &self.latest
            && checkpoint.size == self.size()
        {
            return Ok((checkpoint.clone(), note.clone()));
        }
        if let Some((previous, _)) = &self.latest {
            // Belt and braces: the new tree must extend the last signed one.
            let proof = consistency_proof(&self.tree, previous.size, self.size())
                .map_err(|e| LedgerError::Internal(e.to_string()))?;
            if previous.size > 0 {
                tlog::verify_consistency(
                    previous.size,
                    self.size(),
                    &previous.root,
                    &self.root(),
                    &proof,
                )
                .map_err(|e| {
                    LedgerError::Internal(format!(
                        "refusing to sign an inconsistent checkpoint: {e}"
                    ))
                })?;
            }
        }
        let checkpoint = Checkpoint::new(self.origin(), self.size(), self.root())
            .map_err(|e| LedgerError::Internal(e.to_string()))?;
        let note = Note::sign(&checkpoint.to_text(), &[&self.key])
            .map_err(|e| LedgerError::Internal(e.to_string()))?
            .to_text();
        let path = self.dir.join(CHECKPOINT_FILE);
        write_atomic(&path, note.as_bytes()).map_err(io("cannot store the checkpoint", &path))?;
        self.latest = Some((checkpoint.clone(), note.clone()));
        Ok((checkpoint, note))
    }

    /// A tlog-proof (c2sp.org/tlog-proof) that entry `index` is in the log, against the latest
    /// signed checkpoint (signed now if needed), with the entry in its `extra` line.
    pub fn prove(&mut self, index: u64) -> Result<ProofBundle, LedgerError> {
        let entry = self.entry(index)?.to_vec();
        let (checkpoint, note) = self.checkpoint()?;
        let proof = inclusion_proof(&self.tree, index, checkpoint.size)
            .map_err(|e| LedgerError::Internal(e.to_string()))?;
        Ok(ProofBundle {
            extra: Some(entry),
            index,
            proof,
            checkpoint: note,
        })
    }
}

/// How long [`Ledger::open`] waits for another process to close the log.
pub const LOCK_WAIT_SECS: u64 = 30;

/// Takes the exclusive lock, waiting a while for another writer (a script running two `ballotproof
/// log append`s at once) rather than failing at once or waiting forever.
fn wait_for_lock(lock: &File, path: &Path) -> Result<(), LedgerError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(LOCK_WAIT_SECS);
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(LedgerError::Busy(path.parent().unwrap_or(path).to_owned()));
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(io("cannot lock the ledger", path)(e));
            }
        }
    }
}

/// Keeps a copy of a torn tail, then cuts it off the entries file durably.
fn cut_torn_tail(
    dir: &Path,
    path: &Path,
    file: &File,
    valid_len: usize,
    tail: &[u8],
) -> Result<Recovery, LedgerError> {
    let torn_dir = dir.join("torn");
    create_private_dir(&torn_dir).map_err(io("cannot create", &torn_dir))?;
    let stamp = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let copy = torn_dir.join(format!("entries-at-{valid_len}-{stamp}.bin"));
    write_atomic(&copy, tail).map_err(io("cannot keep the torn tail in", &copy))?;
    file.set_len(valid_len as u64)
        .and_then(|()| file.sync_all())
        .map_err(io("cannot cut the torn tail off", path))?;
    Ok(Recovery {
        torn_bytes: tail.len(),
        torn_copy: Some(copy),
    })
}
