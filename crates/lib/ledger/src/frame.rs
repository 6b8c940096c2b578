//! The on-disk format of the entries file and its crash recovery.
//!
//! The file is a sequence of *batch frames*, one per durable append (one `write` followed by one
//! `fdatasync`):
//!
//! ```text
//! magic     4 bytes   "BPL1"
//! first     8 bytes   index of the frame's first entry, big-endian
//! count     4 bytes   number of entries (at least 1), big-endian
//! length    4 bytes   bytes of the entry section, big-endian
//! entries   count × (u16 big-endian length, entry bytes)   — the tlog-tiles bundle encoding
//! checksum 32 bytes   SHA-256 of everything above
//! ```
//!
//! Recovery rule. A crash can leave only the frame being written when it struck damaged, and only
//! at the end of the file: the next frame is never written before the previous one's `fdatasync`
//! has returned. So when a scan meets a frame that is cut short or fails its checksum, it searches
//! the rest of the file for any valid frame. If there is none, the damage is a torn tail — an
//! append that was never acknowledged — and is cut off ([`Scan::torn_tail`]). If there is one,
//! the damaged frame had been acknowledged, and the file is corrupt (disk failure or tampering):
//! recovery refuses to touch it rather than silently drop acknowledged entries.

use sha2::{Digest, Sha256};
use tlog::tile::{decode_bundle, encode_bundle};

pub const MAGIC: &[u8; 4] = b"BPL1";
const HEADER_LEN: usize = 4 + 8 + 4 + 4;
const CHECKSUM_LEN: usize = 32;
/// Largest entry section of one frame; bigger batches are written as several frames, each with its
/// own `fdatasync`.
pub const MAX_FRAME_ENTRY_BYTES: usize = 64 << 20;

/// Encodes one frame of entries starting at log index `first`.
pub fn encode(first: u64, entries: &[Vec<u8>]) -> Result<Vec<u8>, String> {
    let body = encode_bundle(entries).map_err(|e| e.to_string())?;
    let count = u32::try_from(entries.len()).map_err(|_| "too many entries in one frame")?;
    let length = u32::try_from(body.len()).map_err(|_| "frame too large")?;
    let mut frame = Vec::with_capacity(HEADER_LEN + body.len() + CHECKSUM_LEN);
    frame.extend_from_slice(MAGIC);
    frame.extend_from_slice(&first.to_be_bytes());
    frame.extend_from_slice(&count.to_be_bytes());
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(&body);
    let checksum = Sha256::digest(&frame);
    frame.extend_from_slice(&checksum);
    Ok(frame)
}

/// A valid frame found at some offset.
struct Frame<'a> {
    first: u64,
    entries: Vec<&'a [u8]>,
    len: usize,
}

/// Parses the frame at the start of `bytes`, or `None` if it is cut short, has a bad checksum or
/// is otherwise not a frame.
fn parse(bytes: &[u8]) -> Option<Frame<'_>> {
    let header = bytes.get(..HEADER_LEN)?;
    if header.get(..4)? != MAGIC {
        return None;
    }
    let first = u64::from_be_bytes(header.get(4..12)?.try_into().ok()?);
    let count = u32::from_be_bytes(header.get(12..16)?.try_into().ok()?);
    let length = usize::try_from(u32::from_be_bytes(header.get(16..20)?.try_into().ok()?)).ok()?;
    let body_end = HEADER_LEN.checked_add(length)?;
    let end = body_end.checked_add(CHECKSUM_LEN)?;
    let checked = bytes.get(..body_end)?;
    let checksum = bytes.get(body_end..end)?;
    if Sha256::digest(checked).as_slice() != checksum {
        return None;
    }
    let entries = decode_bundle(
        bytes.get(HEADER_LEN..body_end)?,
        usize::try_from(count).ok()?,
    )
    .ok()?;
    if entries.is_empty() {
        return None;
    }
    Some(Frame {
        first,
        entries,
        len: end,
    })
}

/// What a scan of the entries file found.
#[derive(Debug)]
pub struct Scan<'a> {
    /// Every entry of every valid frame, in order.
    pub entries: Vec<&'a [u8]>,
    /// Byte length of the valid prefix of the file.
    pub valid_len: usize,
    /// Bytes after the valid prefix that belong to no acknowledged append (empty if none).
    pub torn_tail: &'a [u8],
}

/// Why the entries file cannot be recovered automatically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    #[error(
        "the frame at byte {offset} is damaged but a valid frame follows at byte {next}: entries that were acknowledged as written are corrupt"
    )]
    DamagedAcknowledgedFrame { offset: usize, next: usize },
    #[error(
        "the frame at byte {offset} starts at entry {found}; entry {expected} was expected (entries are missing or repeated)"
    )]
    OutOfSequence {
        offset: usize,
        expected: u64,
        found: u64,
    },
}

/// Scans the entries file; see the module docs for the recovery rule.
pub fn scan(bytes: &[u8]) -> Result<Scan<'_>, ScanError> {
    let mut entries = Vec::new();
    let mut offset = 0;
    while offset < bytes.len() {
        let rest = bytes.get(offset..).unwrap_or_default();
        match parse(rest) {
            Some(frame) => {
                let expected = entries.len() as u64;
                if frame.first != expected {
                    return Err(ScanError::OutOfSequence {
                        offset,
                        expected,
                        found: frame.first,
                    });
                }
                entries.extend(frame.entries);
                offset += frame.len;
            }
            None => {
                if let Some(next) = next_valid_frame(bytes, offset + 1) {
                    return Err(ScanError::DamagedAcknowledgedFrame { offset, next });
                }
                return Ok(Scan {
                    entries,
                    valid_len: offset,
                    torn_tail: rest,
                });
            }
        }
    }
    Ok(Scan {
        entries,
        valid_len: offset,
        torn_tail: &[],
    })
}

/// Offset of the first valid frame at or after `from`.
fn next_valid_frame(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(window) = bytes.get(at..) {
        let found = window.windows(MAGIC.len()).position(|w| w == MAGIC)?;
        let candidate = at + found;
        if parse(bytes.get(candidate..).unwrap_or_default()).is_some() {
            return Some(candidate);
        }
        at = candidate + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(batches: &[&[&str]]) -> (Vec<u8>, Vec<usize>) {
        let mut bytes = Vec::new();
        let mut ends = Vec::new();
        let mut first = 0u64;
        for batch in batches {
            let entries: Vec<Vec<u8>> = batch.iter().map(|e| e.as_bytes().to_vec()).collect();
            bytes.extend(encode(first, &entries).unwrap_or_default());
            first += entries.len() as u64;
            ends.push(bytes.len());
        }
        (bytes, ends)
    }

    /// A crash can leave any prefix of the file on disk: every prefix recovers to exactly the
    /// frames wholly inside it.
    #[test]
    fn every_prefix_recovers_to_the_complete_frames() {
        let (bytes, ends) = file(&[&["a", "bb"], &["ccc"], &["d", "e", "f"]]);
        for cut in 0..=bytes.len() {
            let scan = scan(&bytes[..cut]).unwrap_or_else(|e| panic!("cut {cut}: {e}"));
            let complete = ends.iter().filter(|&&end| end <= cut).count();
            let want = [0, 2, 3, 6][complete];
            assert_eq!(scan.entries.len(), want, "cut {cut}");
            assert_eq!(scan.valid_len + scan.torn_tail.len(), cut);
        }
    }

    #[test]
    fn garbage_after_the_last_frame_is_a_torn_tail() {
        let (mut bytes, ends) = file(&[&["a"], &["b"]]);
        bytes.extend_from_slice(&[0u8; 100]);
        let scan = scan(&bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(scan.entries.len(), 2);
        assert_eq!(scan.valid_len, ends[1]);
        assert_eq!(scan.torn_tail.len(), 100);
    }

    #[test]
    fn damage_before_a_valid_frame_is_refused() {
        let (mut bytes, ends) = file(&[&["a"], &["b"], &["c"]]);
        bytes[ends[0] + 25] ^= 1; // inside the second frame's entries
        assert_eq!(
            scan(&bytes).map(|s| s.entries.len()),
            Err(ScanError::DamagedAcknowledgedFrame {
                offset: ends[0],
                next: ends[1]
            })
        );
    }

    #[test]
    fn frames_out_of_sequence_are_refused() {
        let mut bytes = encode(0, &[b"a".to_vec()]).unwrap_or_default();
        bytes.extend(encode(5, &[b"b".to_vec()]).unwrap_or_default());
        assert!(matches!(scan(&bytes), Err(ScanError::OutOfSequence { .. })));
    }
}
