//! No input makes a parser panic: arbitrary bytes, and truncated or corrupted versions of the real
//! files, fed to every parser, give values or located problems.

use proptest::prelude::*;
use records::dominion_json::DominionNames;
use records::election_files::{
    read_batch_tallies, read_canonical_list, read_jurisdictions, read_standardized_contests,
};
use records::ess::{EssBallots, read_ess_ballots, read_ess_cvr};
use records::hart::{HartReader, HartScans, read_scanned_ballots};
use records::model::CollectCards;
use records::{
    Contests, CvrFile, Diagnostics, Source, parse_arlo_manifest, parse_manifest_csv,
    parse_manifest_xlsx,
};

use crate::shared_data;

/// Runs every parser over `bytes`; every problem must name the file.
fn every_parser(bytes: &[u8]) {
    let source = Source::new("f");
    let mut d = Diagnostics::new();
    let mut contests = Contests::new();
    let mut sink = CollectCards::default();
    let _ = parse_arlo_manifest("f", bytes);
    let _ = parse_manifest_csv("f", bytes);
    let _ = parse_manifest_xlsx("f", bytes);
    let _ =
        records::dominion_csv::read_dominion_csv(source, bytes, &mut contests, &mut sink, &mut d);
    let _ = records::clearballot::read_clearballot(source, bytes, &mut contests, &mut sink, &mut d);
    let mut ballots = EssBallots::new();
    let _ = read_ess_ballots(source, bytes, &mut ballots, &mut d);
    let _ = read_ess_cvr(
        source,
        bytes,
        &mut contests,
        &mut ballots,
        &mut sink,
        &mut d,
    );
    ballots.report_unmatched(&mut d);
    let mut scans = HartScans::new();
    let _ = read_scanned_ballots(source, bytes, &mut scans, &mut d);
    let mut file = CvrFile::new("Hart");
    let _ = HartReader::new().read(
        source,
        bytes,
        &scans,
        "",
        &mut contests,
        &mut file,
        &mut sink,
        &mut d,
    );
    let mut names = DominionNames::new();
    let _ = names.read_manifest(source, bytes, &mut d);
    let _ = records::dominion_json::read_dominion_json(
        source,
        bytes,
        &mut names,
        &mut contests,
        &mut sink,
        &mut d,
    );
    let _ = read_batch_tallies(source, bytes, &mut d);
    let _ = read_jurisdictions(source, bytes, &mut d);
    let _ = read_standardized_contests(source, bytes, &mut d);
    let _ = read_canonical_list(source, bytes, &mut d);
    let _ = records::detect("f", bytes);
    for p in d.into_problems() {
        assert!(p.location.file == "f" || p.location.file.is_empty(), "{p}");
    }
    let report = records::inspect(vec![records::Input::bytes("f", bytes.to_vec())]);
    let _ = records::inspect(vec![records::Input::bytes("f.zip", bytes.to_vec())]);
    assert!(
        report
            .problems
            .iter()
            .all(|p| p.location.file == "f" || p.location.file.is_empty())
    );
}

/// Real files of every format, for the corruption property.
const REAL: [&str; 10] = [
    "arlo-inline-test-fixtures/TEST_CVRS.csv",
    "arlo-inline-test-fixtures/CLEARBALLOT_CVRS.csv",
    "arlo-inline-test-fixtures/ESS_CVR.csv",
    "arlo-inline-test-fixtures/ESS_BALLOTS_1.csv",
    "arlo-inline-test-fixtures/HART_CVRS_11.xml",
    "arlo-inline-test-fixtures/HART_SCANNED_BALLOT_INFORMATION.csv",
    "SHANGRLA/test_5.10.50.85.Dominion.json",
    "rlauxe-SF2024/CountingGroupManifest.json",
    "arlo-fixtures-small-election/Waurika - ballot manifest.csv",
    "arlo-fixtures-small-election/Small Election - standardized contests.csv",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Arbitrary bytes give values or located problems, never a panic.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        every_parser(&bytes);
    }

    /// Bytes that look like the start of each format, then noise.
    #[test]
    fn format_prefixes_then_noise(which in 0usize..6, noise in "[ -~\n,\"=<>/{}\\[\\]:]{0,200}") {
        let prefix = ["Test,5.2\n,,Contest (Vote For=1)\n,,A\nCvrNumber,TabulatorNum,BatchId,RecordId\n",
            "<Cvr><Contests><Contest><Name>C</Name><Options><Option>",
            "{\"Sessions\":[{\"TabulatorId\":1,\"BatchId\":2,\"RecordId\":",
            "Cast Vote Record,Batch,Tabulator CVR\n",
            "#FormatVersion 1\n#CvrId,UniqueIdentifier,Workstation\n",
            "RowNumber,BoxID,BoxPosition,BallotID,ScanComputerName,Choice_1_1:C:Vote For 1:A:P\n"][which];
        every_parser(format!("{prefix}{noise}").as_bytes());
    }

    /// Truncating or corrupting a real file at any point gives a clean result.
    #[test]
    fn corrupted_real_files_never_panic(file in 0usize..REAL.len(), cut in 0usize..2000, flip in 0usize..2000, byte in any::<u8>()) {
        let mut bytes = shared_data(REAL[file]);
        if flip < bytes.len() {
            bytes[flip] = byte;
        }
        bytes.truncate(cut.min(bytes.len()));
        every_parser(&bytes);
    }
}

/// A truncated Dominion JSON export reports where it ends, with the file named.
#[test]
fn truncated_json_names_the_place() {
    let bytes = shared_data("SHANGRLA/test_5.10.50.85.Dominion.json");
    let r = records::inspect(vec![records::Input::bytes(
        "cut.json",
        bytes[..3000].to_vec(),
    )]);
    let text: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        text.iter()
            .any(|t| t.starts_with("cut.json, line ") && t.contains("cut short")),
        "{text:?}"
    );
}
