//! Fuzz target: the inclusion and consistency verifiers, the tile verifier and the entries-file
//! recovery scan must never panic on arbitrary sizes, hashes and bytes.
#![no_main]

use std::collections::BTreeMap;

use libfuzzer_sys::fuzz_target;
use tlog::Hash;
use tlog::tile::{decode_bundle, verify_tiles};
use tlog::{verify_consistency, verify_inclusion};

fn u64_at(data: &[u8], at: usize) -> u64 {
    let mut bytes = [0u8; 8];
    for (i, b) in data.iter().skip(at).take(8).enumerate() {
        bytes[i] = *b;
    }
    u64::from_le_bytes(bytes)
}

fuzz_target!(|data: &[u8]| {
    let (a, b) = (u64_at(data, 0), u64_at(data, 8));
    let hashes: Vec<Hash> = data
        .get(16..)
        .unwrap_or_default()
        .chunks_exact(32)
        .filter_map(|c| Hash::from_slice(c).ok())
        .collect();
    let (first, second) = (
        hashes.first().copied().unwrap_or_default(),
        hashes.get(1).copied().unwrap_or_default(),
    );
    let proof = hashes.get(2..).unwrap_or_default();
    let _ = verify_inclusion(a, b, &first, proof, &second);
    let _ = verify_consistency(a, b, &first, &second, proof);
    let _ = verify_consistency(a % 1024, b % 1024, &first, &second, proof);

    // A small log whose only tile and bundle are fuzz bytes.
    let size = a % 600;
    let mut files = BTreeMap::new();
    for tile in tlog::tile::hash_tiles(size) {
        files.insert(tile.path(), data.to_vec());
    }
    for bundle in tlog::tile::entry_bundles(size) {
        files.insert(bundle.path(), data.to_vec());
    }
    let _ = verify_tiles(&files, size, &first, 5);
    let _ = decode_bundle(data, (b % 300) as usize);
    let _ = ledger::frame::scan(data);
});
