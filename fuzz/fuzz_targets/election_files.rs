//! Fuzz target: the batch-tally, jurisdictions, standardized-contests and canonical-list readers must never panic, and every problem must name the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = records::Source::new("fuzz");
    let mut d = records::Diagnostics::new();
    let mut contests = records::Contests::new();
    let mut sink = records::model::CollectCards::default();
    let _ = records::election_files::read_batch_tallies(source, data, &mut d);
    let _ = records::election_files::read_jurisdictions(source, data, &mut d);
    let _ = records::election_files::read_standardized_contests(source, data, &mut d);
    let _ = records::election_files::read_canonical_list(source, data, &mut d);
    let _ = (&source, &mut contests, &mut sink);
    for p in d.into_problems() {
        assert!(p.location.file == "fuzz" || p.location.file.is_empty(), "{p}");
    }
});
