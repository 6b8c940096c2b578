//! C2SP tlog-tiles: the static layout of a log (`tile/<L>/<N>[.p/<W>]` hash tiles and
//! `tile/entries/<N>[.p/<W>]` entry bundles), tile contents from a [`HashStore`], and the offline
//! check of a whole tiled log against its checkpoint root ([`verify_tiles`]).
//!
//! A tile at level L, index N holds up to 256 consecutive hashes of complete subtrees at tree level
//! 8·L (`MTH(D[(256N+i)·256^L : (256N+i+1)·256^L])`); a full tile is 8,192 bytes. Note that these
//! are the C2SP paths, without Go sumdb's tile-height element (`tile/H/L/N`).
//!
//! [`verify_tiles`] trusts no hash it reads until it has been tied to the signed root: every entry
//! is hashed and compared with its level-0 tile, every full tile is hashed and compared with its
//! slot in the tile above, and the root is recomputed from the partial tiles at the right edge.
//! Go's sumdb skipped part of this and could be fed forged tiles (CVE-2026-56865, golang/go#80744).

use std::collections::BTreeMap;
use std::fmt;

use crate::hash::{Hash, empty_root, leaf_hash, node};
use crate::tree::{HashStore, MemoryTree, TreeError};

/// Tree levels per tile level.
pub const TILE_HEIGHT: u32 = 8;
/// Hashes in a full tile, entries in a full bundle.
pub const TILE_WIDTH: u64 = 256;
/// Entries are length-prefixed with a big-endian u16 in bundles, so none may be longer.
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// A hash tile: level, index and width (256 for a full tile, 1..=255 for a partial one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    pub level: u8,
    pub index: u64,
    pub width: u16,
}

/// An entry bundle: index and width, as for level-0 tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BundleId {
    pub index: u64,
    pub width: u16,
}

/// Either kind of resource under `tile/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    Hashes(TileId),
    Entries(BundleId),
}

/// Why a tile path or bundle was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileError {
    #[error("{path:?} is not a tlog-tiles path: {reason}")]
    BadPath { path: String, reason: String },
    #[error("entry {index} is {len} bytes; an entry may be at most {MAX_ENTRY_LEN} bytes")]
    EntryTooLong { index: usize, len: usize },
    #[error("{0}")]
    BadBundle(String),
}

/// `N` as zero-padded 3-digit path elements, all but the last prefixed with `x`: 1234067 →
/// `x001/x234/067`.
pub fn encode_index(index: u64) -> String {
    let mut groups = vec![index % 1000];
    let mut rest = index / 1000;
    while rest > 0 {
        groups.push(rest % 1000);
        rest /= 1000;
    }
    let mut out = String::new();
    for (i, group) in groups.iter().rev().enumerate() {
        if i + 1 < groups.len() {
            out.push_str(&format!("x{group:03}/"));
        } else {
            out.push_str(&format!("{group:03}"));
        }
    }
    out
}

fn width_suffix(width: u16) -> String {
    if u64::from(width) == TILE_WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    }
}

impl TileId {
    /// `tile/<L>/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}{}",
            self.level,
            encode_index(self.index),
            width_suffix(self.width)
        )
    }

    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }

    /// Position of the first hash of this tile within its tree level (level 8·L).
    pub fn first(&self) -> u64 {
        self.index.saturating_mul(TILE_WIDTH)
    }
}

impl fmt::Display for TileId {
    /// `L/N`, as messages name tiles ("tile 0/3").
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.level, self.index)
    }
}

impl BundleId {
    /// `tile/entries/<N>[.p/<W>]`.
    pub fn path(&self) -> String {
        format!(
            "tile/entries/{}{}",
            encode_index(self.index),
            width_suffix(self.width)
        )
    }

    /// Index of the bundle's first entry in the log.
    pub fn first(&self) -> u64 {
        self.index.saturating_mul(TILE_WIDTH)
    }
}

/// Parses a C2SP tile or entry-bundle path (relative to the log prefix).
pub fn parse_tile_path(path: &str) -> Result<TilePath, TileError> {
    let bad = |reason: &str| TileError::BadPath {
        path: path.to_owned(),
        reason: reason.to_owned(),
    };
    let rest = path
        .strip_prefix("tile/")
        .ok_or_else(|| bad("it must start with tile/"))?;
    let (level, rest) = rest
        .split_once('/')
        .ok_or_else(|| bad("missing the level"))?;
    let (index_part, width) = match rest.split_once(".p/") {
        Some((index, width)) => {
            let width = crate::checkpoint::parse_decimal(width)
                .filter(|w| (1..TILE_WIDTH).contains(w))
                .ok_or_else(|| bad("a partial width must be 1 to 255 without leading zeros"))?;
            (index, width as u16)
        }
        None => (rest, TILE_WIDTH as u16),
    };
    let index = parse_index(index_part).ok_or_else(|| {
        bad("the index must be 3-digit elements, all but the last starting with x")
    })?;
    if level == "entries" {
        return Ok(TilePath::Entries(BundleId { index, width }));
    }
    let level = crate::checkpoint::parse_decimal(level)
        .filter(|l| *l <= 63)
        .ok_or_else(|| bad("the level must be 0 to 63 without leading zeros"))?;
    Ok(TilePath::Hashes(TileId {
        level: level as u8,
        index,
        width,
    }))
}

fn parse_index(text: &str) -> Option<u64> {
    let elements: Vec<&str> = text.split('/').collect();
    let (last, leading) = elements.split_last()?;
    let mut value: u64 = 0;
    for (i, element) in leading
        .iter()
        .map(|e| e.strip_prefix('x'))
        .chain([Some(*last)])
        .enumerate()
    {
        let element = element?;
        if element.len() != 3 || !element.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // A leading group of 000 would give the same index two spellings.
        if i == 0 && element == "000" && !leading.is_empty() {
            return None;
        }
        let group: u64 = element.parse().ok()?;
        value = value.checked_mul(1000)?.checked_add(group)?;
    }
    Some(value)
}

/// Number of hashes at tile level `level` of a tree of `size` leaves (`floor(size / 256^level)`).
fn hashes_at(size: u64, level: u32) -> u64 {
    size.checked_shr(TILE_HEIGHT * level).unwrap_or(0)
}

/// Every hash tile of a tree of `size` leaves, full and partial, level by level.
pub fn hash_tiles(size: u64) -> Vec<TileId> {
    let mut tiles = Vec::new();
    let mut level = 0u32;
    loop {
        let count = hashes_at(size, level);
        if count == 0 || level > 63 {
            break;
        }
        for index in 0..count / TILE_WIDTH {
            tiles.push(TileId {
                level: level as u8,
                index,
                width: TILE_WIDTH as u16,
            });
        }
        if !count.is_multiple_of(TILE_WIDTH) {
            tiles.push(TileId {
                level: level as u8,
                index: count / TILE_WIDTH,
                width: (count % TILE_WIDTH) as u16,
            });
        }
        level += 1;
    }
    tiles
}

/// Every entry bundle of a tree of `size` leaves.
pub fn entry_bundles(size: u64) -> Vec<BundleId> {
    hash_tiles(size)
        .into_iter()
        .filter(|t| t.level == 0)
        .map(|t| BundleId {
            index: t.index,
            width: t.width,
        })
        .collect()
}

/// The bytes of a tile: its hashes concatenated.
pub fn tile_contents(store: &impl HashStore, tile: TileId) -> Result<Vec<u8>, TreeError> {
    let level = TILE_HEIGHT * u32::from(tile.level);
    let mut out = Vec::with_capacity(usize::from(tile.width) * 32);
    for i in 0..u64::from(tile.width) {
        out.extend_from_slice(&store.subtree(level, tile.first() + i)?.0);
    }
    Ok(out)
}

/// An entry bundle: each entry prefixed with its length as a big-endian u16.
pub fn encode_bundle<E: AsRef<[u8]>>(entries: &[E]) -> Result<Vec<u8>, TileError> {
    let mut out = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let entry = entry.as_ref();
        let len = u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLong {
            index,
            len: entry.len(),
        })?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(entry);
    }
    Ok(out)
}

/// Splits a bundle that must hold exactly `width` entries and nothing after them.
pub fn decode_bundle(bytes: &[u8], width: usize) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::with_capacity(width);
    let mut rest = bytes;
    while !rest.is_empty() {
        let position = entries.len();
        if position == width {
            return Err(TileError::BadBundle(format!(
                "{} bytes follow the last of its {width} entries",
                rest.len()
            )));
        }
        let Some((prefix, tail)) = rest.split_first_chunk::<2>() else {
            return Err(TileError::BadBundle(format!(
                "entry {position}: the 2-byte length is cut short"
            )));
        };
        let len = usize::from(u16::from_be_bytes(*prefix));
        if tail.len() < len {
            return Err(TileError::BadBundle(format!(
                "entry {position}: its length ({len} bytes) runs past the end of the bundle"
            )));
        }
        let (entry, tail) = tail.split_at(len);
        entries.push(entry);
        rest = tail;
    }
    if entries.len() != width {
        return Err(TileError::BadBundle(format!(
            "it holds {} entries; it must hold {width}",
            entries.len()
        )));
    }
    Ok(entries)
}

/// The root of the perfect subtree over `hashes` (a power-of-two count of sibling nodes).
fn perfect_root(hashes: &[Hash]) -> Hash {
    match hashes {
        [] => empty_root(),
        [one] => *one,
        _ => {
            let (left, right) = hashes.split_at(hashes.len() / 2);
            node(&perfect_root(left), &perfect_root(right))
        }
    }
}

/// Where a tiled log is read from: a directory, an HTTP mirror, or memory in tests.
pub trait TileSource {
    /// The bytes at `path` (relative to the log prefix, e.g. `tile/0/001.p/5`), or why they
    /// cannot be read.
    fn read(&self, path: &str) -> Result<Vec<u8>, String>;
}

impl TileSource for BTreeMap<String, Vec<u8>> {
    fn read(&self, path: &str) -> Result<Vec<u8>, String> {
        self.get(path)
            .cloned()
            .ok_or_else(|| "no such file".to_owned())
    }
}

/// One thing wrong with a tiled log, named so that someone can find it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TileProblem {
    #[error("{path}: cannot read it: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("tile {tile} ({path}) is {found} bytes; it must be {expected} ({width} hashes of 32 bytes)", expected = usize::from(*width) * 32)]
    WrongTileLength {
        tile: TileId,
        path: String,
        found: usize,
        width: u16,
    },
    #[error("entry bundle {path}: {reason}")]
    BadBundle { path: String, reason: String },
    #[error(
        "entry {index} ({bundle}, entry {position}) does not match level-0 tile {tile} ({tile_path}) at index {position}"
    )]
    EntryMismatch {
        index: u64,
        bundle: String,
        tile: TileId,
        tile_path: String,
        position: u64,
    },
    #[error(
        "tile {tile} hash does not match level-{} tile {parent} at index {position} ({path} against {parent_path})",
        parent.level
    )]
    TileMismatch {
        tile: TileId,
        path: String,
        parent: TileId,
        parent_path: String,
        position: u64,
    },
    #[error(
        "the root hash computed from the right-edge tiles ({tiles}) is {computed}, but the signed checkpoint says {expected}"
    )]
    RootMismatch {
        tiles: String,
        computed: Hash,
        expected: Hash,
    },
    #[error(
        "the root hash of the entries is {computed}, but the signed checkpoint says {expected}"
    )]
    EntriesRootMismatch { computed: Hash, expected: Hash },
    #[error("{0} more problems not shown")]
    More(usize),
}

/// A tiled log whose every tile and entry has been checked against a root.
#[derive(Debug, Clone)]
pub struct VerifiedTiles {
    /// The tree rebuilt from the entries' hashes; proofs computed from it are trustworthy.
    pub tree: MemoryTree,
    /// Every entry, in order.
    pub entries: Vec<Vec<u8>>,
}

/// Reads every tile and entry bundle of a log of `size` leaves from `source` and checks them all
/// against `root` (which the caller has taken from a verified checkpoint). Returns every problem
/// found, up to `max_problems`, if anything is wrong.
pub fn verify_tiles(
    source: &impl TileSource,
    size: u64,
    root: &Hash,
    max_problems: usize,
) -> Result<VerifiedTiles, Vec<TileProblem>> {
    let mut problems = Problems::new(max_problems);
    let tiles = hash_tiles(size);

    // Read every hash tile; a tile of the wrong length is reported and left out.
    let mut contents: BTreeMap<(u8, u64), Vec<Hash>> = BTreeMap::new();
    for tile in &tiles {
        let path = tile.path();
        match source.read(&path) {
            Err(reason) => problems.push(TileProblem::Unreadable { path, reason }),
            Ok(bytes) if bytes.len() != usize::from(tile.width) * 32 => {
                problems.push(TileProblem::WrongTileLength {
                    tile: *tile,
                    path,
                    found: bytes.len(),
                    width: tile.width,
                })
            }
            Ok(bytes) => {
                let hashes = bytes
                    .chunks_exact(32)
                    .filter_map(|c| Hash::from_slice(c).ok())
                    .collect();
                contents.insert((tile.level, tile.index), hashes);
            }
        }
    }
    // The tile at (level, index) of a tree of `size` leaves, if there is one.
    let tile_of = |level: u8, index: u64| -> Option<TileId> {
        let count = hashes_at(size, u32::from(level));
        let width = if index < count / TILE_WIDTH {
            TILE_WIDTH
        } else if index == count / TILE_WIDTH {
            count % TILE_WIDTH
        } else {
            0
        };
        (width > 0).then_some(TileId {
            level,
            index,
            width: width as u16,
        })
    };

    // Entries against level-0 tiles.
    let mut entries: Vec<Vec<u8>> = Vec::new();
    let mut entries_complete = true;
    for bundle in entry_bundles(size) {
        let path = bundle.path();
        let bytes = match source.read(&path) {
            Ok(bytes) => bytes,
            Err(reason) => {
                problems.push(TileProblem::Unreadable { path, reason });
                entries_complete = false;
                continue;
            }
        };
        let decoded = match decode_bundle(&bytes, usize::from(bundle.width)) {
            Ok(decoded) => decoded,
            Err(e) => {
                problems.push(TileProblem::BadBundle {
                    path,
                    reason: e.to_string(),
                });
                entries_complete = false;
                continue;
            }
        };
        let tile_hashes = contents.get(&(0, bundle.index));
        for (position, entry) in (0u64..).zip(&decoded) {
            let hash = leaf_hash(entry);
            let in_tile =
                tile_hashes.and_then(|h| usize::try_from(position).ok().and_then(|p| h.get(p)));
            if let (Some(in_tile), Some(tile)) = (in_tile, tile_of(0, bundle.index))
                && *in_tile != hash
            {
                problems.push(TileProblem::EntryMismatch {
                    index: bundle.first() + position,
                    bundle: path.clone(),
                    tile,
                    tile_path: tile.path(),
                    position,
                });
            }
        }
        entries.extend(decoded.into_iter().map(<[u8]>::to_vec));
    }

    // Every full tile against its slot in the tile above.
    for tile in tiles.iter().filter(|t| t.is_full()) {
        let Some(hashes) = contents.get(&(tile.level, tile.index)) else {
            continue;
        };
        let parent_level = tile.level + 1;
        let Some(parent) = tile_of(parent_level, tile.index / TILE_WIDTH) else {
            continue;
        };
        let position = tile.index % TILE_WIDTH;
        let in_parent = contents
            .get(&(parent.level, parent.index))
            .and_then(|h| usize::try_from(position).ok().and_then(|p| h.get(p)));
        if let Some(in_parent) = in_parent
            && perfect_root(hashes) != *in_parent
        {
            problems.push(TileProblem::TileMismatch {
                tile: *tile,
                path: tile.path(),
                parent,
                parent_path: parent.path(),
                position,
            });
        }
    }

    // The root from the partial tiles at the right edge, highest level (leftmost leaves) first.
    let edge: Vec<&TileId> = tiles.iter().rev().filter(|t| !t.is_full()).collect();
    let mut pieces = Vec::new();
    let mut edge_complete = true;
    for tile in &edge {
        let Some(hashes) = contents.get(&(tile.level, tile.index)) else {
            edge_complete = false;
            continue;
        };
        let mut rest = hashes.as_slice();
        for bit in (0..TILE_HEIGHT).rev() {
            let span = 1usize << bit;
            if usize::from(tile.width) & span != 0 && rest.len() >= span {
                let (group, tail) = rest.split_at(span);
                pieces.push(perfect_root(group));
                rest = tail;
            }
        }
    }
    if edge_complete {
        let mut pieces = pieces.into_iter().rev();
        let computed = match pieces.next() {
            None => empty_root(),
            Some(last) => pieces.fold(last, |acc, left| node(&left, &acc)),
        };
        if computed != *root {
            let names: Vec<String> = edge.iter().map(|t| t.path()).collect();
            problems.push(TileProblem::RootMismatch {
                tiles: if names.is_empty() {
                    "none: the tree is empty".into()
                } else {
                    names.join(", ")
                },
                computed,
                expected: *root,
            });
        }
    }

    let tree = MemoryTree::from_leaf_hashes(entries.iter().map(|e| leaf_hash(e)));
    if entries_complete && problems.is_empty() {
        let computed = tree.root();
        if computed != *root {
            problems.push(TileProblem::EntriesRootMismatch {
                computed,
                expected: *root,
            });
        }
    }
    if !problems.is_empty() || !entries_complete {
        return Err(problems.finish());
    }
    Ok(VerifiedTiles { tree, entries })
}

/// Collects problems up to a limit and counts the rest.
struct Problems {
    list: Vec<TileProblem>,
    limit: usize,
    dropped: usize,
}

impl Problems {
    fn new(limit: usize) -> Problems {
        Problems {
            list: Vec::new(),
            limit: limit.max(1),
            dropped: 0,
        }
    }

    fn push(&mut self, problem: TileProblem) {
        if self.list.len() < self.limit {
            self.list.push(problem);
        } else {
            self.dropped += 1;
        }
    }

    fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    fn finish(mut self) -> Vec<TileProblem> {
        if self.dropped > 0 {
            self.list.push(TileProblem::More(self.dropped));
        }
        self.list
    }
}

/// Hash of a full tile's 256 hashes: the complete subtree they span.
pub fn tile_hash(hashes: &[Hash]) -> Hash {
    perfect_root(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        for tile in [
            TileId {
                level: 0,
                index: 0,
                width: 256,
            },
            TileId {
                level: 2,
                index: 1_234_067,
                width: 17,
            },
            TileId {
                level: 63,
                index: u64::MAX,
                width: 1,
            },
        ] {
            assert_eq!(parse_tile_path(&tile.path()), Ok(TilePath::Hashes(tile)));
        }
        let bundle = BundleId { index: 3, width: 5 };
        assert_eq!(bundle.path(), "tile/entries/003.p/5");
        assert_eq!(
            parse_tile_path(&bundle.path()),
            Ok(TilePath::Entries(bundle))
        );
        for bad in [
            "tile/0/1",
            "tile/00/001",
            "tile/64/001",
            "tile/0/x000/001",
            "tile/0/001.p/256",
            "tile/0/001.p/0",
            "tile/0/001.p/05",
            "tile/0/x1/001",
            "tiles/0/001",
        ] {
            assert!(parse_tile_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn bundles_round_trip_and_reject_truncation() {
        let entries: Vec<&[u8]> = vec![b"a", b"", b"ccc"];
        let bytes = encode_bundle(&entries).unwrap_or_default();
        assert_eq!(decode_bundle(&bytes, 3), Ok(entries));
        for cut in 0..bytes.len() {
            assert!(decode_bundle(&bytes[..cut], 3).is_err(), "cut {cut}");
        }
        assert!(decode_bundle(&bytes, 2).is_err());
        assert!(encode_bundle(&[vec![0u8; MAX_ENTRY_LEN + 1]]).is_err());
    }
}
