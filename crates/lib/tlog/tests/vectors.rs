//! Every case of `../shared/vectors/ledger/*.json` (described in `../shared/docs/LEDGER-AND-ROLL.md`
//! §4): RFC 6962 hashes, the 8-leaf reference tree, 98 inclusion and 98 consistency probes from
//! transparency-dev/merkle, the real CT argon2020 proofs, signed notes, checkpoints and tiles.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use tlog::checkpoint::Checkpoint;
use tlog::cosignature::cosigned_message;
use tlog::hash::{Hash, empty_root, leaf_hash, node_hash};
use tlog::note::{Note, NoteError, SignerKey, VerifierKey};
use tlog::proof::{verify_consistency, verify_inclusion};
use tlog::tile::{TilePath, encode_index, hash_tiles, parse_tile_path};
use tlog::tree::{HashStore, MemoryTree, root};

use crate::{hex, vector};

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn u(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

/// ballotproof's hashes are typed 32-byte values, so a probe's malformed root or proof hash (wrong
/// length, e.g. an empty string, or the 12-byte roots of some consistency probes) cannot be passed
/// as it is; transparency-dev does not check their length either, only that they match. It is mapped to SHA-256 of a fixed label and its bytes, which keeps equal
/// values equal and different ones different (and, thanks to the label, different from every real
/// hash in the probes: an empty leaf hash must not become SHA-256(""), the empty-tree root), so the
/// *verifier* still has to accept or reject the probe exactly as transparency-dev's does. The
/// strict parser itself rejects every such value (checked here too).
fn probe_hash(hex_text: &str) -> Hash {
    let bytes = hex(hex_text);
    match Hash::from_slice(&bytes) {
        Ok(hash) => hash,
        Err(_) => {
            assert_ne!(bytes.len(), 32);
            Hash::sha256(&[&b"malformed probe hash:"[..], &bytes].concat())
        }
    }
}

fn probe_proof(case: &Value) -> Vec<Hash> {
    match case["proof_hex"].as_array() {
        None => Vec::new(),
        Some(items) => items
            .iter()
            .map(|h| probe_hash(h.as_str().unwrap()))
            .collect(),
    }
}

/// rfc6962_hashes.json: transparency-dev/merkle rfc6962_test.go TestRFC6962Hasher and Go
/// tlog_test.go TestEmptyTree.
#[test]
fn rfc6962_hashes() {
    let doc = vector("rfc6962_hashes.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let want = s(case, "want_hex");
        let got = match s(case, "op") {
            "empty_root" => empty_root(),
            "hash_leaf" => leaf_hash(&hex(s(case, "input_hex"))),
            "hash_children" => node_hash(&hex(s(case, "left_hex")), &hex(s(case, "right_hex"))),
            other => panic!("unknown op {other}"),
        };
        assert_eq!(got.to_hex(), want, "{}", s(case, "desc"));
    }
}

/// reference_tree_8_leaves.json: transparency-dev/merkle testonly/constants.go — every node hash
/// at every level and the root of every prefix 0..8.
#[test]
fn reference_tree_8_leaves() {
    let doc = vector("reference_tree_8_leaves.json");
    let leaves: Vec<Vec<u8>> = doc["leaf_inputs_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| hex(h.as_str().unwrap()))
        .collect();
    let mut tree = MemoryTree::new();
    for leaf in &leaves {
        tree.push(leaf);
    }
    let mut checked = 0;
    for (level, row) in doc["node_hashes_by_level_hex"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        for (index, want) in row.as_array().unwrap().iter().enumerate() {
            let got = tree.subtree(level as u32, index as u64).unwrap();
            assert_eq!(
                got.to_hex(),
                want.as_str().unwrap(),
                "level {level} index {index}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 15);
    for (size, want) in doc["root_hash_by_tree_size_hex"].as_object().unwrap() {
        let size: u64 = size.parse().unwrap();
        assert_eq!(
            root(&tree, size).unwrap().to_hex(),
            want.as_str().unwrap(),
            "size {size}"
        );
    }
}

/// inclusion_proofs.json: all 98 probes of transparency-dev/merkle testdata/inclusion/**.
#[test]
fn inclusion_proofs() {
    let doc = vector("inclusion_proofs.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 98);
    let mut strict_parse_rejections = 0;
    for case in cases {
        let root_hash = probe_hash(s(case, "root_hex"));
        // verify.go checks that the leaf hash is 32 bytes; here the type does, at parse time.
        let result = match Hash::from_slice(&hex(s(case, "leafHash_hex"))) {
            Err(e) => {
                strict_parse_rejections += 1;
                Err(e.to_string())
            }
            Ok(leaf) => verify_inclusion(
                u(case, "leafIdx"),
                u(case, "treeSize"),
                &leaf,
                &probe_proof(case),
                &root_hash,
            )
            .map_err(|e| e.to_string()),
        };
        let want_err = case["wantErr"].as_bool().unwrap();
        assert_eq!(result.is_err(), want_err, "{}: {result:?}", s(case, "file"));
    }
    assert!(strict_parse_rejections > 0);
}

/// consistency_proofs.json: all 98 probes of transparency-dev/merkle testdata/consistency/**.
#[test]
fn consistency_proofs() {
    let doc = vector("consistency_proofs.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 98);
    for case in cases {
        let result = verify_consistency(
            u(case, "size1"),
            u(case, "size2"),
            &probe_hash(s(case, "root1_hex")),
            &probe_hash(s(case, "root2_hex")),
            &probe_proof(case),
        );
        let want_err = case["wantErr"].as_bool().unwrap();
        assert_eq!(result.is_err(), want_err, "{}: {result:?}", s(case, "file"));
    }
}

/// ct_argon2020_real_log.json: Google CT argon2020 at size 961,984,011 (Go sumdb/tlog ct_test.go;
/// responses recorded by tlog_tiles 0.2.0) — a real 30-hash inclusion proof and a real consistency
/// proof, each rejected after a one-bit flip.
#[test]
fn ct_argon2020_real_log() {
    let doc = vector("ct_argon2020_real_log.json");
    let size = u(&doc, "tree_size");
    let root_hash = Hash::from_hex(s(&doc, "root_hash_hex")).unwrap();
    let inclusion = &doc["inclusion"];
    let leaf = leaf_hash(&STANDARD.decode(s(inclusion, "leaf_input_b64")).unwrap());
    let path: Vec<Hash> = inclusion["audit_path_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_hex(h.as_str().unwrap()).unwrap())
        .collect();
    let index = u(inclusion, "leaf_index");
    assert_eq!(
        verify_inclusion(index, size, &leaf, &path, &root_hash),
        Ok(())
    );
    let mut flipped = path.clone();
    flipped[7].0[3] ^= 1;
    assert!(verify_inclusion(index, size, &leaf, &flipped, &root_hash).is_err());

    let consistency = &doc["consistency"];
    let proof: Vec<Hash> = consistency["proof_hex"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| Hash::from_hex(h.as_str().unwrap()).unwrap())
        .collect();
    let old_root = Hash::from_hex(s(consistency, "root1_hex")).unwrap();
    let new_root = Hash::from_hex(s(consistency, "root2_hex")).unwrap();
    let (old, new) = (u(consistency, "size1"), u(consistency, "size2"));
    assert_eq!(
        verify_consistency(old, new, &old_root, &new_root, &proof),
        Ok(())
    );
    let mut flipped = proof.clone();
    flipped[0].0[0] ^= 0x80;
    assert!(verify_consistency(old, new, &old_root, &new_root, &flipped).is_err());
}

/// signed_note.json: Go sumdb/note note_test.go (TestNewVerifier, TestNewSigner, TestSign,
/// TestOpen) and the C2SP signed-note.md example.
#[test]
fn signed_note() {
    let doc = vector("signed_note.json");
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 6);

    // Case 0, TestSign: signing with the PeterNeumann skey is byte-exact.
    let peter = &cases[0];
    let signer = SignerKey::parse(s(peter, "skey")).unwrap();
    let peter_key = VerifierKey::parse(s(peter, "vkey")).unwrap();
    assert_eq!(signer.verifier(), peter_key);
    assert_eq!(peter_key.to_string(), s(peter, "vkey"));
    assert_eq!(signer.to_skey(), s(peter, "skey"));
    let signed = Note::sign(s(peter, "text"), &[&signer]).unwrap().to_text();
    assert_eq!(signed, s(peter, "signed_note"));
    let note = Note::parse(signed.as_bytes()).unwrap();
    assert_eq!(note.text, s(peter, "text"));
    assert_eq!(
        note.verify(std::slice::from_ref(&peter_key)).unwrap().len(),
        1
    );

    // Case 1, TestOpen: EnochRoot's signature over the same text; both keys verify a note with both.
    let enoch = &cases[1];
    let enoch_key = VerifierKey::parse(s(enoch, "vkey")).unwrap();
    let both = format!("{}{}", s(peter, "signed_note"), s(enoch, "signature_line"));
    let note = Note::parse(both.as_bytes()).unwrap();
    assert_eq!(
        note.verify(&[peter_key.clone(), enoch_key.clone()])
            .unwrap()
            .len(),
        2
    );
    // Unknown signatures are ignored: each key alone still verifies the two-signature note.
    assert_eq!(
        note.verify(std::slice::from_ref(&enoch_key)).unwrap().len(),
        1
    );

    // Case 2: the C2SP example.
    let c2sp = &cases[2];
    let key = VerifierKey::parse(s(c2sp, "vkey")).unwrap();
    let note = Note::parse(s(c2sp, "signed_note").as_bytes()).unwrap();
    assert_eq!(note.text, s(c2sp, "text"));
    assert!(note.verify(&[key]).is_ok());

    // Cases 3 and 4: malformed vkeys with adjusted key hashes.
    for case in &cases[3..5] {
        assert_eq!(s(case, "op"), "parse_vkey");
        assert!(
            VerifierKey::parse(s(case, "vkey")).is_err(),
            "{}",
            s(case, "desc")
        );
    }

    // Case 5: 101 signatures are malformed.
    let many = &cases[5];
    let line = &s(peter, "signed_note")[s(peter, "text").len() + 1..];
    let repeated = format!(
        "{}\n{}",
        s(many, "text"),
        line.repeat(u(many, "repeat_signature_line") as usize)
    );
    assert!(matches!(
        Note::parse(repeated.as_bytes()),
        Err(NoteError::Malformed(_))
    ));
    // ...while 16 (the spec's minimum) and 100 (Go's limit) are accepted.
    for n in [16, 100] {
        let note = Note::parse(format!("{}\n{}", s(many, "text"), line.repeat(n)).as_bytes());
        assert!(
            note.unwrap()
                .verify(std::slice::from_ref(&peter_key))
                .is_ok()
        );
    }

    // go_open_malformed_examples: Go TestOpen badMsgs, each built from the PeterNeumann note.
    let text = s(peter, "text");
    let good = s(peter, "signed_note");
    let examples = doc["go_open_malformed_examples"]["cases"]
        .as_array()
        .unwrap();
    let bad_notes: Vec<Vec<u8>> = vec![
        text.as_bytes().to_vec(),
        format!("{text}\n").into_bytes(),
        good.trim_end_matches('\n').as_bytes().to_vec(),
        [&[0x01u8][..], good.as_bytes()].concat(),
        [&[0xffu8][..], good.as_bytes()].concat(),
        good.replacen("PeterNeumann", "Bad Name", 1).into_bytes(),
        format!("{good}hello\n").into_bytes(),
    ];
    assert_eq!(bad_notes.len(), examples.len());
    for (bad, desc) in bad_notes.iter().zip(examples) {
        assert!(
            matches!(Note::parse(bad), Err(NoteError::Malformed(_))),
            "{desc}: {:?}",
            Note::parse(bad)
        );
    }
}

/// checkpoint_and_tiles.json: Go sumdb tree notes, the C2SP checkpoint, cosignature and tile
/// examples, and Go's tile-path cases mapped onto C2SP paths.
#[test]
fn checkpoint_and_tiles() {
    let doc = vector("checkpoint_and_tiles.json");

    // Go TestFormatTree / TestParseTree: the tree note is a checkpoint whose origin is fixed.
    let tree = &doc["go_sumdb_tree_note"];
    let origin = "go.sum database tree";
    let record = Hash::from_hex(s(tree, "record_hash_of_hello_world_hex")).unwrap();
    assert_eq!(record, leaf_hash(b"hello world"));
    assert_eq!(
        record.to_base64(),
        s(tree, "record_hash_of_hello_world_b64")
    );
    let checkpoint = Checkpoint::new(origin, u(tree, "tree_size"), record).unwrap();
    assert_eq!(checkpoint.to_text(), s(tree, "formatted"));
    assert_eq!(
        Checkpoint::parse_for_origin(s(tree, "formatted"), origin),
        Ok(checkpoint)
    );
    for bad in tree["must_reject"].as_array().unwrap() {
        assert!(
            Checkpoint::parse_for_origin(bad.as_str().unwrap(), origin).is_err(),
            "{bad}"
        );
    }

    // tlog-checkpoint.md example: parses; its key is not published, so no signature verifies.
    let example = s(&doc["c2sp_checkpoint_example"], "note");
    let note = Note::parse(example.as_bytes()).unwrap();
    let body = Checkpoint::parse(&note.text).unwrap();
    assert_eq!(body.origin, "example.com/behind-the-sofa");
    assert_eq!(body.size, 20_852_163);
    assert_eq!(note.signatures[0].name, body.origin);
    let unrelated = SignerKey::from_seed(&body.origin, tlog::KeyType::Ed25519, [1; 32]).unwrap();
    assert!(matches!(
        note.verify(&[unrelated.verifier()]),
        Err(NoteError::NoTrustedSignature { .. }) | Err(NoteError::BadSignature { .. })
    ));

    // tlog-cosignature.md: the cosignature/v1 signed message.
    let message = s(
        &doc["c2sp_cosignature_v1_signed_message_example"],
        "message",
    );
    assert_eq!(
        cosigned_message(&note.text, 1_679_315_147).unwrap(),
        message
    );

    // Go TestTilePath cases, mapped to C2SP paths: drop the height element (C2SP tiles are always
    // height 8, so a Go full tile of width 2^H is a C2SP path without `.p/`), and Go's data tiles
    // (`L = -1`, written `data`) are C2SP `tile/entries/`.
    let mut mapped = 0;
    for case in doc["go_sumdb_tile_paths"]["cases"].as_array().unwrap() {
        let go_path = s(case, "path");
        let mut parts = go_path.splitn(4, '/');
        let (_tile, _height, level, rest) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        let level = if level == "data" { "entries" } else { level };
        let c2sp_path = format!("tile/{level}/{rest}");
        let parsed = parse_tile_path(&c2sp_path);
        if case["wantErr"].as_bool() == Some(true) {
            assert!(parsed.is_err(), "{c2sp_path}");
            continue;
        }
        let tile = &case["tile"];
        let partial_width = rest
            .split_once(".p/")
            .map(|(_, w)| w.parse::<u16>().unwrap());
        let (index, width) = match parsed.unwrap() {
            TilePath::Hashes(t) => {
                assert_eq!(i64::from(t.level), tile["L"].as_i64().unwrap());
                assert_eq!(t.path(), c2sp_path);
                (t.index, t.width)
            }
            TilePath::Entries(b) => {
                assert_eq!(tile["L"].as_i64(), Some(-1));
                assert_eq!(b.path(), c2sp_path);
                (b.index, b.width)
            }
        };
        assert_eq!(index, u(tile, "N"), "{go_path}");
        assert_eq!(width, partial_width.unwrap_or(256), "{go_path}");
        if let Some(w) = partial_width {
            assert_eq!(u64::from(w), u(tile, "W"));
        }
        mapped += 1;
    }
    assert_eq!(mapped, 6);

    // tlog-tiles.md: the tiles of a tree of 70,000 leaves, and index encoding.
    let example = &doc["c2sp_tile_count_example"];
    let tiles = hash_tiles(u(example, "tree_size"));
    let want = &example["tiles"];
    let count = |level: u8, full: bool| {
        tiles
            .iter()
            .filter(|t| t.level == level && t.is_full() == full)
            .count() as u64
    };
    let width = |level: u8| {
        tiles
            .iter()
            .find(|t| t.level == level && !t.is_full())
            .map(|t| u64::from(t.width))
    };
    assert_eq!(count(0, true), u(want, "level0_full"));
    assert_eq!(width(0), Some(u(want, "level0_partial_width")));
    assert_eq!(count(1, true), u(want, "level1_full"));
    assert_eq!(width(1), Some(u(want, "level1_partial_width")));
    assert_eq!(count(2, true), 0);
    assert_eq!(width(2), Some(u(want, "level2_partial_width")));
    assert_eq!(tiles.len(), 273 + 1 + 1 + 1 + 1);
    let small = hash_tiles(256);
    assert_eq!(small.len(), 2);
    assert!(small[0].is_full() && small[1].level == 1 && small[1].width == 1);
    for (index, want) in example["index_encoding"].as_object().unwrap() {
        assert_eq!(encode_index(index.parse().unwrap()), want.as_str().unwrap());
    }
}
