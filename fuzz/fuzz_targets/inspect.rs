//! Fuzz target: detection and the whole inspection, zip archives included must never panic, and every problem must name the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = records::Source::new("fuzz");
    let d = records::Diagnostics::new();
    let mut contests = records::Contests::new();
    let mut sink = records::model::CollectCards::default();
    let _ = records::detect("fuzz", data);
    let _ = records::inspect(vec![records::Input::bytes("fuzz.zip", data.to_vec())]);
    let _ = (&source, &mut contests, &mut sink);
    for p in d.into_problems() {
        assert!(p.location.file == "fuzz" || p.location.file.is_empty(), "{p}");
    }
});
