//! Export to a static C2SP tlog-tiles directory that any web server can publish:
//! `checkpoint`, `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]` and `key.vkey` (the log's
//! verifier key in vkey text form).
//!
//! Exporting into a directory that holds an older export updates it: full tiles never change, new
//! partial tiles are added beside older ones (which the spec allows to linger), and the checkpoint
//! is written last, so a reader never sees a checkpoint whose tiles are not there yet.

use std::path::{Path, PathBuf};

use tlog::cosignature::add_signatures;
use tlog::note::Note;
use tlog::tile::{encode_bundle, entry_bundles, hash_tiles, tile_contents};

use crate::fsutil::write_replace;
use crate::store::{Ledger, LedgerError};

/// File name of the verifier key in an export.
pub const KEY_FILE: &str = "key.vkey";

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportSummary {
    pub dir: PathBuf,
    pub size: u64,
    pub tiles: usize,
    pub bundles: usize,
}

impl Ledger {
    /// Writes the log, at a freshly signed checkpoint for its current size, to `out`.
    pub fn export(&mut self, out: &Path) -> Result<ExportSummary, LedgerError> {
        let (checkpoint, note) = self.checkpoint()?;
        let size = checkpoint.size;
        let write = |relative: &str, bytes: &[u8]| -> Result<(), LedgerError> {
            let path = out.join(relative);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(|source| LedgerError::Io {
                    what: "cannot create the export directory",
                    path: dir.to_owned(),
                    source,
                })?;
            }
            write_replace(&path, bytes).map_err(|source| LedgerError::Io {
                what: "cannot write",
                path,
                source,
            })
        };
        let tiles = hash_tiles(size);
        for tile in &tiles {
            let bytes = tile_contents(self.tree(), *tile)
                .map_err(|e| LedgerError::Internal(e.to_string()))?;
            write(&tile.path(), &bytes)?;
        }
        let bundles = entry_bundles(size);
        for bundle in &bundles {
            let start = usize::try_from(bundle.first()).unwrap_or(usize::MAX);
            let entries = self
                .entries()
                .get(start..start.saturating_add(usize::from(bundle.width)))
                .ok_or_else(|| LedgerError::Internal("bundle past the end of the log".into()))?;
            let bytes = encode_bundle(entries).map_err(|e| LedgerError::Internal(e.to_string()))?;
            write(&bundle.path(), &bytes)?;
        }
        write(KEY_FILE, format!("{}\n", self.verifier()).as_bytes())?;
        write(
            "checkpoint",
            keep_cosignatures(&out.join("checkpoint"), note).as_bytes(),
        )?;
        Ok(ExportSummary {
            dir: out.to_owned(),
            size,
            tiles: tiles.len(),
            bundles: bundles.len(),
        })
    }
}

/// Re-exporting at the same size must not drop witnesses' cosignatures already added to the
/// published checkpoint: if the old file signs the same text, its extra signatures are kept.
fn keep_cosignatures(existing: &Path, note: String) -> String {
    let Ok(old) = std::fs::read(existing) else {
        return note;
    };
    let (Ok(old), Ok(new)) = (Note::parse(&old), Note::parse(note.as_bytes())) else {
        return note;
    };
    if old.text != new.text {
        return note;
    }
    add_signatures(note.as_bytes(), &old.signatures).unwrap_or(note)
}
