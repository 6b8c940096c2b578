//! Integration tests for records: the real manifests in `../shared/data/` with their exact counts, and
//! robustness properties (no input makes a parser panic).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use proptest::prelude::*;
use records::parse_arlo_manifest;

fn shared_data(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/data")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; the shared/ folder must sit beside the project root",
            full.display()
        )
    })
}

/// `../shared/data/arlo-fixtures-small-election/Waurika - ballot manifest.csv`: counted by hand,
/// 12 batches over tabulators A, B and C holding 226 ballots.
#[test]
fn waurika_manifest_counts() {
    let bytes = shared_data("arlo-fixtures-small-election/Waurika - ballot manifest.csv");
    let m = parse_arlo_manifest("Waurika - ballot manifest.csv", &bytes).unwrap();
    assert!(m.warnings.is_empty(), "{:?}", m.warnings);
    let batches = &m.value.batches;
    assert_eq!(batches.len(), 12);
    assert_eq!(m.value.total_ballots(), 226);
    assert_eq!(batches[0].tabulator.as_deref(), Some("Tabulator A"));
    assert_eq!(batches[0].name, "Batch 1");
    assert_eq!(batches[0].ballots, 20);
    assert_eq!(batches[1].ballots, 22);
    assert_eq!(batches[2].ballots, 32);
    assert_eq!(batches[3].ballots, 6);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Arbitrary bytes give a manifest or located problems, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = parse_arlo_manifest("fuzz.csv", &bytes);
    }

    /// Truncating or corrupting a real manifest at any point gives a clean result, and every problem
    /// names the file.
    #[test]
    fn corrupted_real_manifest_never_panics(cut in 0usize..400, flip in 0usize..400, byte in any::<u8>()) {
        let mut bytes = shared_data("arlo-fixtures-small-election/Waurika - ballot manifest.csv");
        if flip < bytes.len() {
            bytes[flip] = byte;
        }
        bytes.truncate(cut.min(bytes.len()));
        if let Err(problems) = parse_arlo_manifest("w.csv", &bytes) {
            prop_assert!(!problems.0.is_empty());
            for p in &problems.0 {
                prop_assert_eq!(&p.location.file, "w.csv");
            }
        }
    }
}
