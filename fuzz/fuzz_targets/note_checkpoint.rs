//! Fuzz target: the signed-note, checkpoint, key, tile-path and tlog-proof parsers must never
//! panic, and whatever they accept must print back to exactly the input (one spelling per value).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tlog::Checkpoint;
use tlog::note::{Note, SignerKey, VerifierKey};
use tlog::proof_bundle::ProofBundle;
use tlog::tile::{TilePath, parse_tile_path};

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse(data) {
        assert_eq!(note.to_text().as_bytes(), data);
        let _ = note.verify(&[]);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(checkpoint) = Checkpoint::parse(text) {
        assert_eq!(checkpoint.to_text(), text);
    }
    if let Ok(key) = VerifierKey::parse(text) {
        assert_eq!(key.to_string(), text);
    }
    if let Ok(key) = SignerKey::parse(text) {
        assert_eq!(key.to_skey(), text.trim_end_matches('\n'));
    }
    match parse_tile_path(text) {
        Ok(TilePath::Hashes(tile)) => assert_eq!(tile.path(), text),
        Ok(TilePath::Entries(bundle)) => assert_eq!(bundle.path(), text),
        Err(_) => {}
    }
    let _ = ProofBundle::parse(text);
});
