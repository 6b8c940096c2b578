//! Property tests: for random append sequences, every inclusion and consistency proof verifies and
//! matches both a literal transcription of RFC 9162's recursive definitions and ct-merkle 0.3; a
//! proof checked against another tree size, another leaf or another root fails; tiles built from a
//! tree verify and any flipped byte is caught; signed checkpoints and cosignatures round-trip.

use std::collections::BTreeMap;

use ct_merkle::mem_backed_tree::MemoryBackedTree;
use proptest::prelude::*;
use sha2::Sha256;
use tlog::cosignature::{CheckpointPolicy, Witness, WitnessState, add_signatures};
use tlog::hash::{Hash, leaf_hash, node};
use tlog::note::{KeyType, Note, SignerKey};
use tlog::proof::{consistency_proof, inclusion_proof, verify_consistency, verify_inclusion};
use tlog::tile::{BundleId, encode_bundle, entry_bundles, hash_tiles, tile_contents, verify_tiles};
use tlog::tree::{MemoryTree, root};
use tlog::{Checkpoint, VerifierKey};

/// `MTH(D[n])`, RFC 9162 §2.1.1, literally.
fn mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => tlog::empty_root(),
        1 => leaves[0],
        n => {
            let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
            node(&mth(&leaves[..k]), &mth(&leaves[k..]))
        }
    }
}

/// `PATH(m, D[n])`, RFC 9162 §2.1.3.1, literally.
fn path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
    if m < k {
        let mut p = path(m, &leaves[..k]);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = path(m - k, &leaves[k..]);
        p.push(mth(&leaves[..k]));
        p
    }
}

/// `SUBPROOF(m, D[n], b)`, RFC 9162 §2.1.4.1, literally.
fn subproof(m: usize, leaves: &[Hash], b: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if b { Vec::new() } else { vec![mth(leaves)] };
    }
    let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
    if m <= k {
        let mut p = subproof(m, &leaves[..k], b);
        p.push(mth(&leaves[k..]));
        p
    } else {
        let mut p = subproof(m - k, &leaves[k..], false);
        p.push(mth(&leaves[..k]));
        p
    }
}

fn leaves(n: usize, salt: u8) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| format!("entry {i} {salt}").into_bytes())
        .collect()
}

fn concat(hashes: &[Hash]) -> Vec<u8> {
    hashes.iter().flat_map(|h| h.0).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn proofs_verify_and_match_the_rfc_and_ct_merkle(
        n in 1usize..600,
        salt in any::<u8>(),
        picks in proptest::collection::vec((any::<u64>(), any::<u64>()), 4),
    ) {
        let data = leaves(n, salt);
        let mut tree = MemoryTree::new();
        let mut ct: MemoryBackedTree<Sha256, Vec<u8>> = MemoryBackedTree::new();
        for d in &data {
            tree.push(d);
            ct.push(d.clone());
        }
        let hashes = tree.leaf_hashes().to_vec();
        prop_assert_eq!(tree.root(), mth(&hashes));
        prop_assert_eq!(tree.root().0.to_vec(), ct.root().as_bytes().to_vec());
        for (a, b) in picks {
            let size = 1 + (a % n as u64);
            let index = b % size;
            let root_at = root(&tree, size).unwrap();
            prop_assert_eq!(root_at, mth(&hashes[..size as usize]));
            let proof = inclusion_proof(&tree, index, size).unwrap();
            prop_assert_eq!(&proof, &path(index as usize, &hashes[..size as usize]));
            let leaf = hashes[index as usize];
            prop_assert!(verify_inclusion(index, size, &leaf, &proof, &root_at).is_ok());
            if size == n as u64 {
                prop_assert_eq!(concat(&proof), ct.prove_inclusion(index as usize).as_bytes().to_vec());
            }
            // A proof does not hold for another tree size, another leaf, or another index.
            for other in [size.saturating_sub(1), size + 1, size * 2] {
                if other > index && other != size && other <= n as u64 {
                    let other_root = root(&tree, other).unwrap();
                    prop_assert!(verify_inclusion(index, other, &leaf, &proof, &other_root).is_err());
                }
            }
            prop_assert!(verify_inclusion(index, size, &leaf_hash(b"forged"), &proof, &root_at).is_err());
            if size > 1 {
                let other_index = (index + 1) % size;
                prop_assert!(verify_inclusion(other_index, size, &leaf, &proof, &root_at).is_err());
            }

            // Consistency from every old size up to `size` would be slow; take one.
            let old = 1 + (b % size);
            let old_root = root(&tree, old).unwrap();
            let proof = consistency_proof(&tree, old, size).unwrap();
            let reference = if old == size { Vec::new() } else { subproof(old as usize, &hashes[..size as usize], true) };
            prop_assert_eq!(&proof, &reference);
            prop_assert!(verify_consistency(old, size, &old_root, &root_at, &proof).is_ok());
            if size == n as u64 && old < size {
                prop_assert_eq!(concat(&proof), ct.prove_consistency((size - old) as usize).as_bytes().to_vec());
            }
            if old < size {
                // Another old size, or a forged old root, fails.
                for other in [old - 1, old + 1] {
                    if other >= 1 && other < size && other != old {
                        let other_root = root(&tree, other).unwrap();
                        prop_assert!(verify_consistency(other, size, &other_root, &root_at, &proof).is_err());
                    }
                }
                prop_assert!(verify_consistency(old, size, &leaf_hash(b"forged"), &root_at, &proof).is_err());
                prop_assert!(verify_consistency(old, size, &old_root, &leaf_hash(b"forged"), &proof).is_err());
            }
        }
    }

    #[test]
    fn tiles_built_from_a_tree_verify_and_any_flipped_byte_is_caught(
        n in 0usize..700,
        flip in any::<u64>(),
    ) {
        let data = leaves(n, 0);
        let tree = MemoryTree::from_leaf_hashes(data.iter().map(|d| leaf_hash(d)));
        let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
        for tile in hash_tiles(n as u64) {
            files.insert(tile.path(), tile_contents(&tree, tile).unwrap());
        }
        for BundleId { index, width } in entry_bundles(n as u64) {
            let start = (index * 256) as usize;
            let bundle = encode_bundle(&data[start..start + usize::from(width)]).unwrap();
            files.insert(BundleId { index, width }.path(), bundle);
        }
        let verified = verify_tiles(&files, n as u64, &tree.root(), 10).unwrap();
        prop_assert_eq!(verified.entries, data);
        prop_assert_eq!(verified.tree.root(), tree.root());
        if n > 0 {
            let names: Vec<String> = files.keys().cloned().collect();
            let name = &names[(flip % names.len() as u64) as usize];
            let mut tampered = files.clone();
            let bytes = tampered.get_mut(name).unwrap();
            let at = ((flip >> 16) % bytes.len() as u64) as usize;
            bytes[at] ^= 1 << (flip % 8);
            let problems = verify_tiles(&tampered, n as u64, &tree.root(), 10).unwrap_err();
            prop_assert!(!problems.is_empty());
        }
    }
}

fn key(name: &str, key_type: KeyType, seed: u8) -> SignerKey {
    SignerKey::from_seed(name, key_type, [seed; 32]).unwrap()
}

#[test]
fn witnesses_cosign_only_consistent_checkpoints_and_the_policy_counts_them() {
    let log = key("example.org/log", KeyType::Ed25519, 1);
    let w1 = key("witness.one", KeyType::CosignatureV1, 2);
    let w2 = key("witness.two", KeyType::CosignatureV1, 3);
    let mut tree = MemoryTree::new();
    let sign = |tree: &MemoryTree| {
        let c = Checkpoint::new(
            "example.org/log",
            tree.leaf_hashes().len() as u64,
            tree.root(),
        )
        .unwrap();
        Note::sign(&c.to_text(), &[&log]).unwrap().to_text()
    };
    for i in 0..5u8 {
        tree.push(&[i]);
    }
    let first = sign(&tree);
    let witness = Witness::new(w1.clone(), log.verifier()).unwrap();
    let c1 = witness.cosign(first.as_bytes(), None, 0, &[], 100).unwrap();
    assert_eq!(
        c1.state,
        WitnessState {
            size: 5,
            root: tree.root()
        }
    );
    // A proof from the empty tree must be empty (tlog-witness).
    assert!(
        witness
            .cosign(first.as_bytes(), None, 0, &[tree.root()], 100)
            .is_err()
    );

    for i in 5..13u8 {
        tree.push(&[i]);
    }
    let second = sign(&tree);
    let proof = consistency_proof(&tree, 5, 13).unwrap();
    let c2 = witness
        .cosign(second.as_bytes(), Some(&c1.state), 5, &proof, 200)
        .unwrap();
    // The wrong old size, or a proof from another history, is refused.
    assert!(
        witness
            .cosign(second.as_bytes(), Some(&c1.state), 4, &proof, 200)
            .is_err()
    );
    let forked_state = WitnessState {
        size: 5,
        root: leaf_hash(b"fork"),
    };
    assert!(
        witness
            .cosign(second.as_bytes(), Some(&forked_state), 5, &proof, 200)
            .is_err()
    );
    // A checkpoint not signed by the log is refused.
    let impostor = key("example.org/log", KeyType::Ed25519, 9);
    let forged = Note::sign(&Note::parse(second.as_bytes()).unwrap().text, &[&impostor])
        .unwrap()
        .to_text();
    assert!(
        witness
            .cosign(forged.as_bytes(), Some(&c1.state), 5, &proof, 200)
            .is_err()
    );

    let witness2 = Witness::new(w2.clone(), log.verifier()).unwrap();
    let c3 = witness2
        .cosign(second.as_bytes(), None, 0, &[], 300)
        .unwrap();
    let cosigned = add_signatures(second.as_bytes(), &[c2.signature, c3.signature]).unwrap();

    let policy = |quorum: usize, witnesses: Vec<VerifierKey>| CheckpointPolicy {
        log: log.verifier(),
        witnesses,
        quorum,
    };
    let both = vec![w1.verifier(), w2.verifier()];
    let verified = policy(2, both.clone()).verify(cosigned.as_bytes()).unwrap();
    assert_eq!(verified.cosigners.len(), 2);
    assert_eq!(verified.checkpoint.size, 13);
    assert!(
        policy(1, vec![w1.verifier()])
            .verify(cosigned.as_bytes())
            .is_ok()
    );
    // The bare checkpoint has no cosignatures; a quorum of 1 fails, 0 passes.
    assert!(policy(1, both.clone()).verify(second.as_bytes()).is_err());
    assert!(policy(0, both.clone()).verify(second.as_bytes()).is_ok());
    assert!(policy(3, both.clone()).verify(cosigned.as_bytes()).is_err());
    // A tampered cosignature by a trusted witness rejects the note.
    let mut note = Note::parse(cosigned.as_bytes()).unwrap();
    note.signatures[1].signature[20] ^= 1;
    assert!(policy(1, both).verify(note.to_text().as_bytes()).is_err());
}

#[test]
fn proof_bundles_round_trip_and_verify() {
    use tlog::proof_bundle::ProofBundle;
    let log = key("example.org/log", KeyType::Ed25519, 1);
    let mut tree = MemoryTree::new();
    let data = leaves(40, 7);
    for d in &data {
        tree.push(d);
    }
    let checkpoint = Checkpoint::new("example.org/log", 40, tree.root()).unwrap();
    let note = Note::sign(&checkpoint.to_text(), &[&log])
        .unwrap()
        .to_text();
    let bundle = ProofBundle {
        extra: Some(data[17].clone()),
        index: 17,
        proof: inclusion_proof(&tree, 17, 40).unwrap(),
        checkpoint: note,
    };
    let text = bundle.to_text();
    let parsed = ProofBundle::parse(&text).unwrap();
    assert_eq!(parsed, bundle);
    let policy = CheckpointPolicy::log_only(log.verifier());
    assert!(parsed.verify(&policy, None).is_ok());
    let mut wrong = parsed.clone();
    wrong.extra = Some(data[18].clone());
    assert!(wrong.verify(&policy, None).is_err());
    wrong.index = 18;
    assert!(
        wrong.verify(&policy, None).is_err(),
        "same proof, different index"
    );
}
