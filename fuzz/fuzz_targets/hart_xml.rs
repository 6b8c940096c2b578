//! Fuzz target: the Hart CVR XML and scanned-ballot-information readers must never panic, and every problem must name the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = records::Source::new("fuzz");
    let mut d = records::Diagnostics::new();
    let mut contests = records::Contests::new();
    let mut sink = records::model::CollectCards::default();
    let mut scans = records::hart::HartScans::new();
    let _ = records::hart::read_scanned_ballots(source, data, &mut scans, &mut d);
    let mut file = records::CvrFile::new("Hart");
    let _ = records::hart::HartReader::new().read(source, data, &scans, "", &mut contests, &mut file, &mut sink, &mut d);
    let _ = (&source, &mut contests, &mut sink);
    for p in d.into_problems() {
        assert!(p.location.file == "fuzz" || p.location.file.is_empty(), "{p}");
    }
});
