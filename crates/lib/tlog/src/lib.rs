//! Transparency-log mathematics and formats for ballotproof's tamper-evident election record.
//!
//! * [`hash`], [`tree`], [`proof`]: RFC 9162 (RFC 6962) Merkle tree hashing, roots, and inclusion
//!   and consistency proofs generated from any store of complete-subtree hashes ([`HashStore`]).
//! * [`note`]: C2SP signed notes with Ed25519, verifier and signer keys, key IDs.
//! * [`checkpoint`]: C2SP tlog-checkpoint bodies.
//! * [`cosignature`]: C2SP tlog-cosignature `cosignature/v1`, the witness's cosigning decision
//!   (tlog-witness rules) and the verifier's N-of-M witness policy.
//! * [`tile`]: C2SP tlog-tiles paths, tile contents, entry bundles, and the offline check of a
//!   whole tiled log against a signed root.
//! * [`proof_bundle`]: C2SP tlog-proof, an offline proof of one entry.
//!
//! **Architecture Invariant:** this crate does no I/O, reads no clock and has no randomness:
//! times and key seeds come from the caller, tiles through [`tile::TileSource`]. No input makes
//! it panic; malformed input is an error that says what is wrong.
//!
//! Sources: RFC 9162 §2.1; C2SP/C2SP @5ba5ee8 (`signed-note.md`, `tlog-checkpoint.md`,
//! `tlog-tiles.md`, `tlog-cosignature.md`, `tlog-witness.md`, `tlog-proof.md`); verification
//! semantics of transparency-dev/merkle `proof/verify.go`, whose probes are in
//! `../shared/vectors/ledger/` (see `../shared/docs/LEDGER-AND-ROLL.md` §4).

pub mod checkpoint;
pub mod cosignature;
pub mod hash;
pub mod note;
pub mod proof;
pub mod proof_bundle;
pub mod tile;
pub mod tree;

pub use checkpoint::Checkpoint;
pub use cosignature::{CheckpointPolicy, VerifiedCheckpoint, Witness, WitnessState};
pub use hash::{Hash, empty_root, leaf_hash, node_hash};
pub use note::{KeyType, Note, SignerKey, VerifierKey};
pub use proof::{
    ProofError, consistency_proof, inclusion_proof, verify_consistency, verify_inclusion,
};
pub use tree::{HashStore, MemoryTree, TreeError};
