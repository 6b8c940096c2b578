//! Inclusion and consistency proofs: generation from any [`HashStore`] (RFC 9162 §2.1.3.1 and
//! §2.1.4.1) and verification (§2.1.3.2 and §2.1.4.2).
//!
//! Verification follows transparency-dev/merkle `proof/verify.go`, whose probes are the vectors in
//! `../shared/vectors/ledger/`: the proof must have exactly the expected length for its sizes, an
//! index must be below the tree size, a consistency proof from size 0 is refused ("meaningless";
//! the witness protocol, which accepts it, handles size 0 itself in `cosignature`), and equal sizes
//! need an empty proof and equal roots.
//!
//! Why not ct-merkle 0.3: its inclusion verifier takes the leaf *value* rather than the leaf hash,
//! so 19 of the 98 inclusion vectors (synthetic leaf hashes) cannot be put to it and tiles, which
//! hold hashes only, cannot be checked with it; and its proof-index helpers address its own
//! in-order array layout, not the (level, index) complete subtrees that tiles and our store keep.
//! The algorithms are a page of code fully specified by the RFC; ct-merkle stays as an independent
//! oracle in the property tests.

use crate::hash::{Hash, node};
use crate::tree::{HashStore, TreeError, range_root};

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the proof has {found} hashes; sizes {what} need exactly {expected}")]
    WrongLength {
        what: String,
        expected: usize,
        found: usize,
    },
    #[error("the proof leads to root {computed}, not to the expected root {expected}")]
    RootMismatch { computed: Hash, expected: Hash },
    #[error("the proof leads to old root {computed}, not to the old checkpoint's root {expected}")]
    OldRootMismatch { computed: Hash, expected: Hash },
    #[error("the old tree size {old} is larger than the new tree size {new}: the log shrank")]
    SizesOutOfOrder { old: u64, new: u64 },
    #[error(
        "a consistency proof from the empty tree proves nothing; the old size must be at least 1"
    )]
    EmptyOldTree,
    #[error("both trees have size {size} but different roots ({old} and {new}): the log forked")]
    SameSizeDifferentRoots { size: u64, old: Hash, new: Hash },
}

/// Number of hashes in the inclusion proof of leaf `index` in a tree of `size` leaves: the levels
/// where the leaf's path and the right edge differ (`inner`), plus one hash for each left subtree
/// the path passes once it has joined the right edge (`border`).
pub fn inclusion_proof_len(index: u64, size: u64) -> Result<usize, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    Ok((inner + border) as usize)
}

/// Number of hashes in the consistency proof from `old` to `new` leaves (`0 < old < new`): the
/// inclusion-proof length of the old tree's last complete node, plus that node itself unless the
/// old tree is a perfect tree (its root is then the node, and the verifier already has it).
pub fn consistency_proof_len(old: u64, new: u64) -> Result<usize, ProofError> {
    if old > new {
        return Err(ProofError::SizesOutOfOrder { old, new });
    }
    if old == 0 {
        return Err(ProofError::EmptyOldTree);
    }
    if old == new {
        return Ok(0);
    }
    let shift = old.trailing_zeros();
    let index = (old - 1) >> shift;
    let last = (new - 1) >> shift;
    let inner = 64 - (index ^ last).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    let seed = usize::from(index != 0);
    Ok((inner + border) as usize + seed)
}

/// The audit path of leaf `index` in the tree of the first `size` leaves, leaf to root
/// (RFC 9162 §2.1.3.1 `PATH(m, D[n])`).
///
/// Walking up the perfect tree that contains the leaf, each level contributes the sibling of the
/// node on the path: a stored complete subtree, the fold of the right edge when the sibling sticks
/// out past `size`, or nothing when the sibling lies wholly past `size` (the node is promoted).
pub fn inclusion_proof(
    store: &impl HashStore,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, TreeError> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    if size > store.size() {
        return Err(TreeError::SizeTooLarge {
            size,
            available: store.size(),
        });
    }
    let height = 64 - (size - 1).leading_zeros();
    let mut proof = Vec::with_capacity(height as usize);
    for level in 0..height {
        let sibling = (index >> level) ^ 1;
        let start = sibling << level;
        if start >= size {
            continue;
        }
        let end = start.saturating_add(1u64 << level).min(size);
        if end - start == 1u64 << level {
            proof.push(store.subtree(level, sibling)?);
        } else {
            proof.push(range_root(store, start, end)?);
        }
    }
    Ok(proof)
}

/// The consistency proof from the tree of `old` leaves to the tree of `new` leaves
/// (RFC 9162 §2.1.4.1 `PROOF(m, D[n])`). From `old == 0` it is empty: the empty tree is a prefix
/// of every tree (c2sp.org/tlog-witness), though [`verify_consistency`] refuses to verify it.
pub fn consistency_proof(
    store: &impl HashStore,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, TreeError> {
    if old > new {
        return Err(TreeError::SizesOutOfOrder { old, new });
    }
    if new > store.size() {
        return Err(TreeError::SizeTooLarge {
            size: new,
            available: store.size(),
        });
    }
    let mut proof = Vec::new();
    if old == 0 || old == new {
        return Ok(proof);
    }
    subproof(store, old, 0, new, true, &mut proof)?;
    Ok(proof)
}

/// `SUBPROOF(m, D[start:end], b)`: `m` counts leaves from `start`; `complete` is the RFC's `b`, true
/// while the old tree's root is known to the verifier (and so need not be sent).
fn subproof(
    store: &impl HashStore,
    m: u64,
    start: u64,
    end: u64,
    complete: bool,
    proof: &mut Vec<Hash>,
) -> Result<(), TreeError> {
    let n = end - start;
    if m == n {
        if !complete {
            proof.push(range_root(store, start, end)?);
        }
        return Ok(());
    }
    // k: the largest power of two strictly below n (n ≥ 2 here because 0 < m < n).
    let k = 1u64 << (63 - (n - 1).leading_zeros());
    if m <= k {
        subproof(store, m, start, start + k, complete, proof)?;
        proof.push(range_root(store, start + k, end)?);
    } else {
        subproof(store, m - k, start + k, end, false, proof)?;
        proof.push(range_root(store, start, start + k)?);
    }
    Ok(())
}

/// The root that an inclusion proof leads to (RFC 9162 §2.1.3.2 steps 1–4).
pub fn root_from_inclusion_proof(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    let expected = inclusion_proof_len(index, size)?;
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            what: format!("(leaf {index}, tree size {size})"),
            expected,
            found: proof.len(),
        });
    }
    let mut f = index;
    let mut s = size - 1;
    let mut r = *leaf;
    for p in proof {
        if f & 1 == 1 || f == s {
            r = node(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    // With the exact length checked above, the walk always ends at the root (s == 0).
    Ok(r)
}

/// Checks that `leaf` is leaf number `index` of the tree of `size` leaves whose root is `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let computed = root_from_inclusion_proof(index, size, leaf, proof)?;
    if computed != *root {
        return Err(ProofError::RootMismatch {
            computed,
            expected: *root,
        });
    }
    Ok(())
}

/// Checks that the tree of `old` leaves with root `old_root` is a prefix of the tree of `new`
/// leaves with root `new_root` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    let expected = consistency_proof_len(old, new)?;
    if proof.len() != expected {
        return Err(ProofError::WrongLength {
            what: format!("(old size {old}, new size {new})"),
            expected,
            found: proof.len(),
        });
    }
    if old == new {
        if old_root != new_root {
            return Err(ProofError::SameSizeDifferentRoots {
                size: old,
                old: *old_root,
                new: *new_root,
            });
        }
        return Ok(());
    }
    // Step 1: a perfect old tree's root is the first node of the path.
    let mut path = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let mut f = old - 1;
    let mut s = new - 1;
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let Some((seed, rest)) = path.split_first() else {
        return Err(ProofError::WrongLength {
            what: format!("(old size {old}, new size {new})"),
            expected,
            found: proof.len(),
        });
    };
    let mut fr = *seed;
    let mut sr = *seed;
    for c in rest {
        if f & 1 == 1 || f == s {
            fr = node(c, &fr);
            sr = node(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch {
            computed: fr,
            expected: *old_root,
        });
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch {
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;
    use crate::tree::MemoryTree;

    fn tree(n: u64) -> MemoryTree {
        MemoryTree::from_leaf_hashes((0..n).map(|i| leaf_hash(&i.to_be_bytes())))
    }

    #[test]
    fn every_inclusion_and_consistency_proof_of_small_trees_verifies() {
        let t = tree(20);
        for size in 1..=20 {
            let root = crate::tree::root(&t, size).unwrap_or_default();
            for index in 0..size {
                let proof = inclusion_proof(&t, index, size).unwrap_or_default();
                let leaf = t.leaf_hashes()[index as usize];
                assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));
            }
            for old in 1..=size {
                let old_root = crate::tree::root(&t, old).unwrap_or_default();
                let proof = consistency_proof(&t, old, size).unwrap_or_default();
                assert_eq!(
                    verify_consistency(old, size, &old_root, &root, &proof),
                    Ok(()),
                    "{old} -> {size}"
                );
            }
        }
    }

    #[test]
    fn lengths_for_huge_trees_do_not_overflow() {
        assert_eq!(inclusion_proof_len(0, u64::MAX), Ok(64));
        assert_eq!(inclusion_proof_len(u64::MAX - 1, u64::MAX), Ok(63));
        assert!(consistency_proof_len(1, u64::MAX).is_ok());
        assert!(consistency_proof_len(u64::MAX - 1, u64::MAX).is_ok());
    }
}
