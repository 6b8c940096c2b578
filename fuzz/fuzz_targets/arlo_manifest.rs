//! Fuzz target: the Arlo-layout manifest parser must never panic, and every problem it reports must
//! name the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(problems) = records::parse_arlo_manifest("fuzz.csv", data) {
        assert!(!problems.0.is_empty());
        assert!(problems.0.iter().all(|p| p.location.file == "fuzz.csv"));
    }
});
