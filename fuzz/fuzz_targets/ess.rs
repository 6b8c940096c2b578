//! Fuzz target: the ES&S ballots-file and CVR readers must never panic, and every problem must name the file.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = records::Source::new("fuzz");
    let mut d = records::Diagnostics::new();
    let mut contests = records::Contests::new();
    let mut sink = records::model::CollectCards::default();
    let mut ballots = records::ess::EssBallots::new();
    let _ = records::ess::read_ess_ballots(source, data, &mut ballots, &mut d);
    let _ = records::ess::read_ess_cvr(source, data, &mut contests, &mut ballots, &mut sink, &mut d);
    ballots.report_unmatched(&mut d);
    let _ = (&source, &mut contests, &mut sink);
    for p in d.into_problems() {
        assert!(p.location.file == "fuzz" || p.location.file.is_empty(), "{p}");
    }
});
