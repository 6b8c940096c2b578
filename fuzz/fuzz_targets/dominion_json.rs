//! Fuzz target: the Dominion JSON CVR and manifest readers must never panic, and every problem must name the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = records::Source::new("fuzz");
    let mut d = records::Diagnostics::new();
    let mut contests = records::Contests::new();
    let mut sink = records::model::CollectCards::default();
    let mut names = records::dominion_json::DominionNames::new();
    let _ = names.read_manifest(source, data, &mut d);
    let _ = records::dominion_json::read_dominion_json(source, data, &mut names, &mut contests, &mut sink, &mut d);
    let _ = (&source, &mut contests, &mut sink);
    for p in d.into_problems() {
        assert!(p.location.file == "fuzz" || p.location.file.is_empty(), "{p}");
    }
});
