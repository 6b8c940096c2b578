//! The Merkle tree of RFC 9162 §2.1.1 over a store of complete-subtree hashes.
//!
//! A *complete subtree* at `level` L and `index` i is the perfect subtree over leaves
//! `[i·2^L, (i+1)·2^L)`; its hash is `MTH` of those leaves. Every hash an inclusion proof, a
//! consistency proof, a tile or a root needs is either such a hash or, at the right edge of a tree
//! whose size is not a power of two, a fold of a few of them ([`range_root`]). So a store only has
//! to answer [`HashStore::subtree`]; it can keep the hashes in memory ([`MemoryTree`]), in tiles, or
//! in a database.
//!
//! RFC 9162 splits a tree of n leaves at the largest power of two below n. That is the same tree as
//! the perfect tree of the next power of two with the absent right parts left out and lone children
//! promoted, which is why complete subtrees at aligned positions are enough.

use crate::hash::{Hash, empty_root, leaf_hash, node};

/// Why a tree hash could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TreeError {
    #[error("the tree has {available} leaves; size {size} was asked for")]
    SizeTooLarge { size: u64, available: u64 },
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a consistency proof needs the old size ({old}) to be at most the new size ({new})")]
    SizesOutOfOrder { old: u64, new: u64 },
    #[error("leaves {start}..{end} do not form a subtree of an RFC 9162 tree")]
    NotASubtree { start: u64, end: u64 },
    #[error("the hash of the subtree at level {level}, index {index} is not available: {reason}")]
    Missing {
        level: u32,
        index: u64,
        reason: String,
    },
}

/// Read access to the hashes of complete subtrees.
pub trait HashStore {
    /// Number of leaves the store holds.
    fn size(&self) -> u64;

    /// Hash of the complete subtree over leaves `[index·2^level, (index+1)·2^level)`. Callers only
    /// ask for subtrees that lie within [`HashStore::size`].
    fn subtree(&self, level: u32, index: u64) -> Result<Hash, TreeError>;
}

/// `MTH(D[start:end])` for a range that RFC 9162's recursion can reach: `start` must be a multiple
/// of the largest power of two not above `end - start` (every range a proof or root needs is).
///
/// The range splits into complete subtrees along the binary digits of its length, largest first;
/// the RFC tree over it is their right fold: `node(h1, node(h2, … node(h(k-1), hk)))`.
pub fn range_root(store: &impl HashStore, start: u64, end: u64) -> Result<Hash, TreeError> {
    if start > end {
        return Err(TreeError::NotASubtree { start, end });
    }
    if end > store.size() {
        return Err(TreeError::SizeTooLarge {
            size: end,
            available: store.size(),
        });
    }
    let length = end - start;
    if length == 0 {
        return Ok(empty_root());
    }
    let top_level = 63 - length.leading_zeros();
    if start & ((1u64 << top_level) - 1) != 0 {
        return Err(TreeError::NotASubtree { start, end });
    }
    let mut pieces = Vec::with_capacity(length.count_ones() as usize);
    let mut position = start;
    for level in (0..=top_level).rev() {
        if length >> level & 1 == 1 {
            pieces.push(store.subtree(level, position >> level)?);
            position += 1u64 << level;
        }
    }
    let mut pieces = pieces.into_iter().rev();
    let Some(mut hash) = pieces.next() else {
        return Ok(empty_root());
    };
    for left in pieces {
        hash = node(&left, &hash);
    }
    Ok(hash)
}

/// The root hash of the tree of the first `size` leaves (`MTH(D[0:size])`).
pub fn root(store: &impl HashStore, size: u64) -> Result<Hash, TreeError> {
    range_root(store, 0, size)
}

/// A tree kept entirely in memory: every complete-subtree hash at every level, about two hashes
/// (64 bytes) per leaf. Appending is amortised O(1) hashes.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is the hash of complete subtree (l, i).
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// A tree over the given leaf hashes.
    pub fn from_leaf_hashes(leaves: impl IntoIterator<Item = Hash>) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for leaf in leaves {
            tree.push_leaf_hash(leaf);
        }
        tree
    }

    /// Appends a leaf given its data; returns its index.
    pub fn push(&mut self, data: &[u8]) -> u64 {
        self.push_leaf_hash(leaf_hash(data))
    }

    /// Appends a leaf given its RFC 9162 leaf hash; returns its index.
    pub fn push_leaf_hash(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                break;
            };
            row.push(hash);
            // A row of even length has just completed a pair: their parent is now complete too.
            if !row.len().is_multiple_of(2) {
                break;
            }
            let (Some(left), Some(right)) = (row.get(row.len() - 2), row.last()) else {
                break;
            };
            hash = node(left, right);
            level += 1;
        }
        index
    }

    /// Leaf hashes in order.
    pub fn leaf_hashes(&self) -> &[Hash] {
        self.levels.first().map_or(&[], Vec::as_slice)
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        // Every range from 0 is a valid subtree range and all its pieces are stored.
        root(self, self.size()).unwrap_or_else(|_| empty_root())
    }
}

impl HashStore for MemoryTree {
    fn size(&self) -> u64 {
        self.leaf_hashes().len() as u64
    }

    fn subtree(&self, level: u32, index: u64) -> Result<Hash, TreeError> {
        usize::try_from(level)
            .ok()
            .and_then(|l| self.levels.get(l))
            .and_then(|row| usize::try_from(index).ok().and_then(|i| row.get(i)))
            .copied()
            .ok_or_else(|| TreeError::Missing {
                level,
                index,
                reason: format!("the tree has only {} leaves", self.size()),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_of_three_leaves_follows_the_rfc_split() {
        let mut tree = MemoryTree::new();
        for data in [b"a", b"b", b"c"] {
            tree.push(data);
        }
        let (a, b, c) = (leaf_hash(b"a"), leaf_hash(b"b"), leaf_hash(b"c"));
        assert_eq!(tree.root(), node(&node(&a, &b), &c));
        assert_eq!(root(&tree, 2), Ok(node(&a, &b)));
        assert_eq!(root(&tree, 0), Ok(empty_root()));
    }

    #[test]
    fn misaligned_ranges_and_oversized_roots_are_errors() {
        let tree = MemoryTree::from_leaf_hashes((0..5u8).map(|i| leaf_hash(&[i])));
        assert!(matches!(
            range_root(&tree, 1, 3),
            Err(TreeError::NotASubtree { .. })
        ));
        assert!(matches!(
            root(&tree, 6),
            Err(TreeError::SizeTooLarge { .. })
        ));
    }
}
