//! Benchmarks for the log's mathematics: proof generation and verification at a million leaves,
//! appending leaf hashes to the in-memory tree, checkpoint signing and verification, and checking a
//! whole tiled log.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use divan::counter::ItemsCount;
use divan::{Bencher, black_box};
use tlog::cosignature::CheckpointPolicy;
use tlog::note::{KeyType, Note, SignerKey};
use tlog::tile::{encode_bundle, entry_bundles, hash_tiles, tile_contents, verify_tiles};
use tlog::tree::root;
use tlog::{Checkpoint, MemoryTree, consistency_proof, inclusion_proof, leaf_hash};

fn main() {
    divan::main();
}

const N: u64 = 1_000_000;

/// A tree of a million leaves, built once.
static TREE: LazyLock<MemoryTree> =
    LazyLock::new(|| MemoryTree::from_leaf_hashes((0..N).map(|i| leaf_hash(&i.to_be_bytes()))));

#[divan::bench]
fn inclusion_proof_at_1m(bencher: Bencher) {
    let tree = &*TREE;
    bencher.bench(|| inclusion_proof(tree, black_box(123_457), black_box(N)));
}

#[divan::bench]
fn verify_inclusion_at_1m(bencher: Bencher) {
    let tree = &*TREE;
    let proof = inclusion_proof(tree, 123_457, N).unwrap_or_default();
    let leaf = tree.leaf_hashes()[123_457];
    let root = tree.root();
    bencher.bench(|| tlog::verify_inclusion(black_box(123_457), N, &leaf, &proof, &root));
}

#[divan::bench]
fn consistency_proof_500k_to_1m(bencher: Bencher) {
    let tree = &*TREE;
    bencher.bench(|| consistency_proof(tree, black_box(500_001), black_box(N)));
}

#[divan::bench]
fn verify_consistency_500k_to_1m(bencher: Bencher) {
    let tree = &*TREE;
    let proof = consistency_proof(tree, 500_001, N).unwrap_or_default();
    let (old, new) = (root(tree, 500_001).unwrap_or_default(), tree.root());
    bencher.bench(|| tlog::verify_consistency(black_box(500_001), N, &old, &new, &proof));
}

/// Appending leaf hashes to the in-memory tree (the hashing part of an append).
#[divan::bench(sample_count = 10)]
fn tree_append_100k_leaves(bencher: Bencher) {
    bencher.counter(ItemsCount::new(100_000usize)).bench(|| {
        MemoryTree::from_leaf_hashes((0..100_000u64).map(|i| leaf_hash(&i.to_be_bytes())))
    });
}

#[divan::bench]
fn sign_checkpoint(bencher: Bencher) {
    let key = SignerKey::from_seed("example.org/log", KeyType::Ed25519, [7; 32])
        .unwrap_or_else(|e| panic!("{e}"));
    let text = Checkpoint::new("example.org/log", N, TREE.root())
        .map(|c| c.to_text())
        .unwrap_or_default();
    bencher.bench(|| Note::sign(black_box(&text), &[&key]));
}

#[divan::bench]
fn verify_checkpoint(bencher: Bencher) {
    let key = SignerKey::from_seed("example.org/log", KeyType::Ed25519, [7; 32])
        .unwrap_or_else(|e| panic!("{e}"));
    let text = Checkpoint::new("example.org/log", N, TREE.root())
        .map(|c| c.to_text())
        .unwrap_or_default();
    let note = Note::sign(&text, &[&key])
        .map(|n| n.to_text())
        .unwrap_or_default();
    let policy = CheckpointPolicy::log_only(key.verifier());
    bencher.bench(|| policy.verify(black_box(note.as_bytes())));
}

/// Checking every tile and entry of a 100,000-entry export held in memory (`log verify` without
/// the file reads).
#[divan::bench(sample_count = 5)]
fn verify_tiles_100k(bencher: Bencher) {
    let n = 100_000u64;
    let entries: Vec<Vec<u8>> = (0..n)
        .map(|i| format!("{{\"kind\":\"note\",\"n\":{i}}}").into_bytes())
        .collect();
    let tree = MemoryTree::from_leaf_hashes(entries.iter().map(|e| leaf_hash(e)));
    let mut files = BTreeMap::new();
    for tile in hash_tiles(n) {
        files.insert(tile.path(), tile_contents(&tree, tile).unwrap_or_default());
    }
    for bundle in entry_bundles(n) {
        let start = bundle.first() as usize;
        let bytes =
            encode_bundle(&entries[start..start + usize::from(bundle.width)]).unwrap_or_default();
        files.insert(bundle.path(), bytes);
    }
    let root = tree.root();
    bencher
        .counter(ItemsCount::new(n as usize))
        .bench(|| verify_tiles(&files, n, &root, 10).map(|v| v.entries.len()));
}
