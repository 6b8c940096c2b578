//! Every file in `../shared/data/` read through `inspect`, with its exact counts.
//!
//! How the expected numbers were checked: for the real Colorado, NSW and San Francisco files, by an
//! independent count with Python's `csv`/`json`/openpyxl modules over the same file (rows, distinct
//! batches, sum of ballot counts; for one contest, cards with any non-blank cell in its columns and
//! its 1-marks on cards within votes allowed), written down before running ballotproof; for Arlo's
//! fixtures, against Arlo's own snapshot of `cvr_contests_metadata`
//! (`server/tests/ballot_comparison/snapshots/snap_test_cvrs.py` at 8d86156, named per test).

use records::{ContestSummary, Report, Severity};

use crate::{inspect, shared_data};

fn contest<'a>(report: &'a Report, name: &str) -> &'a ContestSummary {
    report
        .contests
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| {
            panic!(
                "no contest {name:?} in {:?}",
                report.contests.iter().map(|c| &c.name).collect::<Vec<_>>()
            )
        })
}

fn votes(c: &ContestSummary, choice: &str) -> u64 {
    c.votes
        .iter()
        .find(|v| v.0 == choice)
        .map(|v| v.1)
        .unwrap_or_else(|| panic!("no choice {choice:?} in {:?}", c.votes))
}

fn errors(report: &Report) -> Vec<String> {
    report
        .problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect()
}

/// Arlo's test manifest for its CVR fixtures (`conftest.py` `manifests`): TABULATOR1/BATCH1 3,
/// BATCH2 3; TABULATOR2/BATCH1 3, BATCH2 6.
fn arlo_test_manifest() -> (String, Vec<u8>) {
    (
        "arlo-manifest.csv".to_string(),
        b"Container,Tabulator,Batch Name,Number of Ballots\nCONTAINER1,TABULATOR1,BATCH1,3\nCONTAINER1,TABULATOR1,BATCH2,3\nCONTAINER1,TABULATOR2,BATCH1,3\nCONTAINER1,TABULATOR2,BATCH2,6\n".to_vec(),
    )
}

/// `ColoradoRLA/dominion-2017-CVR_Export_20170310104116.csv` with `arapahoe-manifest.csv` (real,
/// Arapahoe 2016): 165 cards, 83 contests, 5 batches matching the manifest's 165 ballots;
/// Presidential Electors on 95 cards, Clinton 41, Trump 21.
#[test]
fn arapahoe_2016_dominion_csv_and_coloradorla_manifest() {
    let r = inspect(
        &[
            "ColoradoRLA/dominion-2017-CVR_Export_20170310104116.csv",
            "ColoradoRLA/arapahoe-manifest.csv",
        ],
        vec![],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(
        (r.cards, r.batches, r.ballots_in_manifests, r.contests.len()),
        (165, 5, 165, 83)
    );
    let p = contest(&r, "Presidential Electors");
    assert_eq!(p.ballots, 95);
    assert_eq!(votes(p, "Hillary Clinton / Tim Kaine"), 41);
    assert_eq!(votes(p, "Donald J. Trump / Michael R. Pence"), 21);
    assert_eq!(p.margin, Some(20));
    let rec = r.reconciliation.unwrap();
    assert_eq!(
        (
            rec.matched_batches,
            rec.count_mismatches,
            rec.batches_not_in_manifest
        ),
        (5, 0, 0)
    );
    assert_eq!(r.files[1].format, "manifest");
}

/// `ColoradoRLA/CVR_Export_20170804111144.csv` (Denver 2016 test): 10 cards, 63 contests, one
/// batch; Presidential Electors on 5 cards, Hillary Clinton 2.
#[test]
fn denver_2016_dominion_csv() {
    let r = inspect(&["ColoradoRLA/CVR_Export_20170804111144.csv"], vec![]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!((r.cards, r.batches, r.contests.len()), (10, 1, 63));
    let p = contest(&r, "Presidential Electors");
    assert_eq!((p.ballots, votes(p, "Hillary Clinton")), (5, 2));
}

/// `arlo-inline-test-fixtures/TEST_CVRS.csv` with Arlo's test manifest — Arlo snapshot
/// `test_dominion_cvr_upload 2`: Contest 1 on 11 cards, 7/3; Contest 2 on 14, 12/5/7. TABULATOR2
/// BATCH2 has 5 cards for 6 ballots: a warning, not an error.
#[test]
fn arlo_test_cvrs_dominion() {
    let r = inspect(
        &["arlo-inline-test-fixtures/TEST_CVRS.csv"],
        vec![arlo_test_manifest()],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(r.cards, 14);
    let c1 = contest(&r, "Contest 1");
    assert_eq!(
        (
            c1.ballots,
            votes(c1, "Choice 1-1"),
            votes(c1, "Choice 1-2"),
            c1.overvoted_cards
        ),
        (11, 7, 3, 1)
    );
    let c2 = contest(&r, "Contest 2");
    assert_eq!(
        (
            c2.ballots,
            votes(c2, "Choice 2-1"),
            votes(c2, "Choice 2-2"),
            votes(c2, "Choice 2-3")
        ),
        (14, 12, 5, 7)
    );
    assert_eq!(
        c2.winners,
        vec!["Choice 2-1".to_string(), "Choice 2-3".to_string()]
    );
    let rec = r.reconciliation.unwrap();
    assert_eq!((rec.matched_batches, rec.count_mismatches), (4, 1));
    assert!(r.problems.iter().any(|p| {
        p.message
            .contains("holds 6 ballots but the CVRs have only 5 cards")
    }));
}

/// `DOMINION_CVRS_WITH_LEADING_EQUAL_SIGNS.csv`: the same votes as TEST_CVRS behind `="…"` ids.
#[test]
fn arlo_dominion_leading_equal_signs() {
    let r = inspect(
        &["arlo-inline-test-fixtures/DOMINION_CVRS_WITH_LEADING_EQUAL_SIGNS.csv"],
        vec![arlo_test_manifest()],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    let c2 = contest(&r, "Contest 2");
    assert_eq!((r.cards, c2.ballots, votes(c2, "Choice 2-1")), (14, 14, 12));
    assert_eq!(r.reconciliation.unwrap().matched_batches, 4);
}

/// `COUNTING_GROUP_CVR.csv` — Arlo snapshot `test_cvrs_counting_group 2`: Contest 1 on 12 cards,
/// 7/4; Contest 2 on 15, 15/7/8.
#[test]
fn arlo_counting_group_cvr() {
    let r = inspect(
        &["arlo-inline-test-fixtures/COUNTING_GROUP_CVR.csv"],
        vec![],
    );
    let c1 = contest(&r, "Contest 1");
    assert_eq!(
        (
            r.cards,
            c1.ballots,
            votes(c1, "Choice 1-1"),
            votes(c1, "Choice 1-2")
        ),
        (15, 12, 7, 4)
    );
    let c2 = contest(&r, "Contest 2");
    assert_eq!(
        (
            c2.ballots,
            votes(c2, "Choice 2-1"),
            votes(c2, "Choice 2-2"),
            votes(c2, "Choice 2-3")
        ),
        (15, 15, 7, 8)
    );
}

/// `CLEARBALLOT_CVRS.csv` — Arlo snapshot `test_clearballot_cvr_upload 2`: Contest 1 on 11 cards,
/// 7/3; Contest 2 on 14, 13/6/7.
#[test]
fn arlo_clearballot() {
    let r = inspect(
        &["arlo-inline-test-fixtures/CLEARBALLOT_CVRS.csv"],
        vec![arlo_test_manifest()],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(r.files[0].format, "clearballot");
    let c1 = contest(&r, "Contest 1");
    assert_eq!(
        (
            r.cards,
            c1.ballots,
            votes(c1, "Choice 1-1"),
            votes(c1, "Choice 1-2")
        ),
        (14, 11, 7, 3)
    );
    let c2 = contest(&r, "Contest 2");
    assert_eq!(
        (
            c2.ballots,
            votes(c2, "Choice 2-1"),
            votes(c2, "Choice 2-2"),
            votes(c2, "Choice 2-3")
        ),
        (14, 13, 6, 7)
    );
}

/// `ESS_CVR.csv` with `ESS_BALLOTS_1.csv` and `ESS_BALLOTS_2.csv` — Arlo snapshot
/// `test_ess_cvr_upload 2`: Contest 1 on 14 cards, 6/6 (one undervote, one overvote); Contest 2 on
/// 14, 8/4/2. Ten-digit Tabulator CVRs give tabulators 0001 and 0002.
#[test]
fn arlo_ess_cvr_and_ballots_files() {
    let r = inspect(
        &[
            "arlo-inline-test-fixtures/ESS_CVR.csv",
            "arlo-inline-test-fixtures/ESS_BALLOTS_1.csv",
            "arlo-inline-test-fixtures/ESS_BALLOTS_2.csv",
        ],
        vec![],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(
        r.files
            .iter()
            .map(|f| f.format.as_str())
            .collect::<Vec<_>>(),
        ["ess-cvr", "ess-ballots", "ess-ballots"]
    );
    let c1 = contest(&r, "Contest 1");
    assert_eq!(
        (
            r.cards,
            c1.ballots,
            votes(c1, "Choice 1-1"),
            votes(c1, "Choice 1-2"),
            c1.overvoted_cards
        ),
        (14, 14, 6, 6, 1)
    );
    let c2 = contest(&r, "Contest 2");
    assert_eq!(
        (
            c2.ballots,
            votes(c2, "Choice 2-1"),
            votes(c2, "Choice 2-2"),
            votes(c2, "Choice 2-3")
        ),
        (14, 8, 4, 2)
    );
    // BATCH1 of 0001 and 0002, BATCH2 of 0001 and 0002.
    assert_eq!(r.batches, 4);
    // Without the ballots files the totals still show, with one error saying what is missing.
    let alone = inspect(&["arlo-inline-test-fixtures/ESS_CVR.csv"], vec![]);
    assert_eq!(errors(&alone).len(), 1, "{:?}", errors(&alone));
    assert!(errors(&alone)[0].contains("no ES&S ballots file"));
}

fn hart_files() -> Vec<String> {
    (1..=14)
        .map(|i| format!("arlo-inline-test-fixtures/HART_CVRS_{i:02}.xml"))
        .collect()
}

/// `HART_CVRS_01..14.xml` with `HART_SCANNED_BALLOT_INFORMATION.csv` — Arlo snapshot
/// `test_hart_cvr_upload 2`: Contest 1 on 11 cards, 7/3; Contest 2 on 14, 6/3/3 and one write-in.
#[test]
fn arlo_hart_xml_with_scanned_ballot_information() {
    let names = hart_files();
    let mut files: Vec<&str> = names.iter().map(String::as_str).collect();
    files.push("arlo-inline-test-fixtures/HART_SCANNED_BALLOT_INFORMATION.csv");
    let r = inspect(&files, vec![]);
    assert_eq!(errors(&r), Vec::<String>::new());
    let c1 = contest(&r, "Contest 1");
    assert_eq!(
        (
            r.cards,
            c1.ballots,
            votes(c1, "Choice 1-1"),
            votes(c1, "Choice 1-2")
        ),
        (14, 11, 7, 3)
    );
    let c2 = contest(&r, "Contest 2");
    assert_eq!(
        (
            c2.ballots,
            votes(c2, "Choice 2-1"),
            votes(c2, "Choice 2-2"),
            votes(c2, "Choice 2-3"),
            votes(c2, "Write-In")
        ),
        (14, 6, 3, 3, 1)
    );
    // Workstations TABULATOR1/2 and batches BATCH1..4 from the scanned ballot information.
    assert_eq!(r.batches, 4);
}

/// The same Hart files zipped, one of them without the XML declaration and namespace (arlo#2381).
#[test]
fn arlo_hart_xml_zipped_and_without_namespace() {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (i, f) in hart_files().iter().enumerate() {
        let mut text = String::from_utf8(shared_data(f)).unwrap();
        if i == 0 {
            text = text
                .replace("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "")
                .replace(" xmlns=\"http://tempuri.org/CVRDesign.xsd\"", "");
        }
        zip.start_file(format!("CVRs/{i}.xml"), options).unwrap();
        zip.write_all(text.as_bytes()).unwrap();
    }
    let bytes = zip.finish().unwrap().into_inner();
    let r = inspect(&[], vec![("hart.zip".into(), bytes)]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(r.files[0].format, "zip");
    assert!(
        r.files[0].description.contains("14 × Hart CVR XML"),
        "{}",
        r.files[0].description
    );
    let c2 = contest(&r, "Contest 2");
    assert_eq!((r.cards, c2.ballots, votes(c2, "Choice 2-1")), (14, 14, 6));
    assert_eq!(contest(&r, "Contest 1").ballots, 11);
}

/// `arlo-fixtures-small-election/`: Waurika's manifest (12 batches, 226 ballots), CVRs (226 cards,
/// 3 contests; Minister of Farming on 88 cards, Erin George 82), its batch tallies for Minister of
/// Farming (Erin George 82 over 12 batches: 9+8+10+2+7+1+5+11+5+3+6+15), the jurisdictions file
/// (5) and standardized contests (3).
#[test]
fn arlo_small_election() {
    let r = inspect(
        &[
            "arlo-fixtures-small-election/Waurika - ballot manifest.csv",
            "arlo-fixtures-small-election/Waurika - cvrs.csv",
            "arlo-fixtures-small-election/Waurika - Minister of Farming - candidate totals by batch.csv",
            "arlo-fixtures-small-election/Small Election - jurisdictions.csv",
            "arlo-fixtures-small-election/Small Election - standardized contests.csv",
        ],
        vec![],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(
        r.files
            .iter()
            .map(|f| f.format.as_str())
            .collect::<Vec<_>>(),
        [
            "manifest",
            "dominion-csv",
            "batch-tallies",
            "jurisdictions",
            "standardized-contests"
        ]
    );
    assert_eq!(
        (r.cards, r.batches, r.ballots_in_manifests, r.contests.len()),
        (226, 12, 226, 3)
    );
    let m = contest(&r, "Minister of Farming");
    assert_eq!((m.ballots, votes(m, "Erin George")), (88, 82));
    let t = &r.tallies[0];
    assert_eq!(
        (t.contest.as_deref(), t.batches),
        (Some("Minister of Farming"), 12)
    );
    assert_eq!(t.votes[0], ("Erin George".to_string(), 82));
    assert!(r.files[3].description.contains("5 jurisdictions"));
    assert!(r.files[4].description.contains("3 contests"));
    assert_eq!(r.reconciliation.unwrap().count_mismatches, 0);
}

/// `colorado-rla-DemocracyDevelopers/Bellingen_Mayoral.csv` (ranked Dominion CSV, 3 ranks) with
/// its manifest: 8,374 cards in 108 batches; first preferences ALLAN 4954, KING 2401, WOODWARD 1019
/// — ALLAN has a majority of first preferences, so wins.
#[test]
fn bellingen_ranked_dominion_csv() {
    let r = inspect(
        &[
            "colorado-rla-DemocracyDevelopers/Bellingen_Mayoral.csv",
            "colorado-rla-DemocracyDevelopers/Bellingen_Mayoral.manifest.csv",
        ],
        vec![],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(
        (r.cards, r.batches, r.ballots_in_manifests),
        (8374, 108, 8374)
    );
    let c = contest(&r, "Bellingen Mayoral");
    assert_eq!((c.ranks, c.ballots), (3, 8374));
    assert_eq!(
        (
            votes(c, "ALLAN Steve"),
            votes(c, "KING Dominic"),
            votes(c, "WOODWARD Andrew")
        ),
        (4954, 2401, 1019)
    );
    assert_eq!(c.winners, vec!["ALLAN Steve".to_string()]);
    assert_eq!(r.reconciliation.unwrap().matched_batches, 108);
}

/// `Boulder-IRV-Manifest.csv`: 820 batches, 119,643 ballots; its fourth column is headed RecordId
/// but holds counts, which gets a warning.
#[test]
fn boulder_2023_irv_manifest() {
    let r = inspect(
        &["colorado-rla-DemocracyDevelopers/Boulder-IRV-Manifest.csv"],
        vec![],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!((r.batches, r.ballots_in_manifests), (820, 119_643));
    assert!(r.problems.iter().any(|p| p.message.contains("RecordId")));
}

/// `rlauxe-corla2024/BoulderBallotManifest.csv` (UTF-8 BOM, Colorado 2024 layout): 1,960 batches,
/// 396,121 ballots.
#[test]
fn boulder_2024_colorado_manifest() {
    let r = inspect(&["rlauxe-corla2024/BoulderBallotManifest.csv"], vec![]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!((r.batches, r.ballots_in_manifests), (1960, 396_121));
    assert!(
        r.files[0]
            .description
            .contains("Colorado county ballot manifest"),
        "{}",
        r.files[0].description
    );
}

/// The San Francisco 2019 Excel manifest: 5,481 batches, 293,555 ballots.
#[test]
fn san_francisco_2019_xlsx_manifest() {
    let r = inspect(
        &["SHANGRLA/N19 ballot manifest with WH location for RLA Upload VBM 11-14.xlsx"],
        vec![],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(r.files[0].format, "xlsx-manifest");
    assert_eq!((r.batches, r.ballots_in_manifests), (5481, 293_555));
}

/// `rlauxe-SF2024/CvrExport_0.json` with its manifests (real, SF 2024): 74 cards in one batch
/// (tabulator 5, batch 1; record ids hidden as "X", taken from the image names), 43 contests;
/// MEASURE A on 18 cards, BONDS - YES 12, BONDS - NO 3.
#[test]
fn san_francisco_2024_dominion_json() {
    let r = inspect(
        &[
            "rlauxe-SF2024/CvrExport_0.json",
            "rlauxe-SF2024/ContestManifest.json",
            "rlauxe-SF2024/CandidateManifest.json",
            "rlauxe-SF2024/CountingGroupManifest.json",
            "rlauxe-SF2024/BallotTypeManifest.json",
        ],
        vec![],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!((r.cards, r.batches, r.contests.len()), (74, 1, 43));
    let a = contest(&r, "MEASURE A");
    assert_eq!(
        (
            a.ballots,
            votes(a, "BONDS - YES"),
            votes(a, "BONDS - NO"),
            a.margin
        ),
        (18, 12, 3, Some(9))
    );
}

/// SHANGRLA's synthetic Dominion JSON (`test_5.10.50.85.Dominion.json`, 3 sessions; the second's
/// Modified version, marked current, undervotes contest 1) and `CvrExport_0.json` (its first
/// session again, so loading both repeats a CVR id and a record id).
#[test]
fn shangrla_dominion_json() {
    let r = inspect(&["SHANGRLA/test_5.10.50.85.Dominion.json"], vec![]);
    assert_eq!(errors(&r), Vec::<String>::new());
    let c1 = contest(&r, "Contest 1");
    assert_eq!(
        (r.cards, c1.ballots, votes(c1, "Candidate 5"), c1.undervotes),
        (3, 2, 1, 1)
    );
    let both = inspect(
        &[
            "SHANGRLA/test_5.10.50.85.Dominion.json",
            "SHANGRLA/CvrExport_0.json",
        ],
        vec![],
    );
    // The same card twice: its CVR id and its record id in the batch are both repeated.
    assert_eq!(errors(&both).len(), 2, "{:?}", errors(&both));
    assert!(
        errors(&both)[0].contains("CVR id \"1-2-13\" appears more than once"),
        "{:?}",
        errors(&both)
    );
    assert!(errors(&both)[0].contains("at Sessions[0]"));
}

/// SHANGRLA's synthetic Hart CVR (`test_Hart_CVR_1.xml`): one card; GOVERNOR undervoted (counted
/// as on the card), MAYOR a write-in.
#[test]
fn shangrla_hart_xml() {
    let r = inspect(&["SHANGRLA/test_Hart_CVR_1.xml"], vec![]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!((r.cards, r.contests.len()), (1, 3));
    assert_eq!(votes(contest(&r, "PRESIDENT"), "George Washington"), 1);
    assert_eq!(
        (
            contest(&r, "GOVERNOR").ballots,
            contest(&r, "GOVERNOR").undervotes
        ),
        (1, 1)
    );
    assert_eq!(votes(contest(&r, "MAYOR"), "Write-In"), 1);
}

/// Colorado's canonical list (2,644 rows over 63 counties) standardizes contest names: the
/// Arapahoe 2016 CVR's names are not 2024 names, so each gets a warning, some with a suggestion.
#[test]
fn colorado_canonical_list() {
    let r = inspect(&["rlauxe-corla2024/2024GeneralCanonicalList.csv"], vec![]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert!(
        r.files[0].description.contains("2644 rows"),
        "{}",
        r.files[0].description
    );
    let r = inspect(
        &[
            "rlauxe-corla2024/2024GeneralCanonicalList.csv",
            "ColoradoRLA/CVR_Export_20170804111144.csv",
        ],
        vec![],
    );
    assert!(r.problems.iter().any(|p| {
        p.message.contains(
            "\"Colorado Supreme Court Justice William Hood\" is not in the canonical list",
        )
    }));
    // Presidential Electors is a canonical name: no warning for it.
    assert!(
        !r.problems
            .iter()
            .any(|p| p.message.contains("\"Presidential Electors\""))
    );
}

/// Files that are not election records are recognised and set aside with a warning: Colorado's
/// discrepancy report, seed and targeted contests; raire-rs's NSW preference JSON.
#[test]
fn reports_and_raire_files_are_recognised_and_ignored() {
    let r = inspect(
        &[
            "rlauxe-corla2024/2024GEDiscrepancyReport.csv",
            "rlauxe-corla2024/seed.csv",
            "rlauxe-corla2024/targetedContests.csv",
            "raire-rs-NSW2021/Byron Mayoral.json",
            "raire-rs-NSW2021/Byron Mayoral_out.json",
        ],
        vec![],
    );
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!(
        r.files
            .iter()
            .map(|f| f.format.as_str())
            .collect::<Vec<_>>(),
        [
            "colorado-report",
            "colorado-report",
            "colorado-report",
            "raire-json",
            "raire-json"
        ]
    );
    assert_eq!(r.problems.len(), 5);
    assert_eq!(r.cards, 0);
}

/// Problems found with a standardized contests file name that file and the line (they once said
/// only "standardized contests"): beside Arlo's file (whose three contests are all in Waurika's
/// CVRs), a second file lists a contest the CVRs lack, for a jurisdiction the jurisdictions file
/// does not have.
#[test]
fn standardized_contest_problems_name_the_file() {
    let r = inspect(
        &[
            "arlo-fixtures-small-election/Waurika - cvrs.csv",
            "arlo-fixtures-small-election/Small Election - jurisdictions.csv",
            "arlo-fixtures-small-election/Small Election - standardized contests.csv",
        ],
        vec![(
            "more contests.csv".to_string(),
            b"Contest Name,Jurisdictions\nMinister of Farming,Waurika\nDog Catcher,Atlantis\n"
                .to_vec(),
        )],
    );
    let text: Vec<String> = r.problems.iter().map(|p| p.to_string()).collect();
    assert!(
        text.contains(&"more contests.csv, line 3: warning: standardized contest \"Dog Catcher\" is not in the CVRs; standardize the CVR's contest name to it".to_string()),
        "{text:#?}"
    );
    assert!(
        text.contains(&"more contests.csv, line 3: error: contest \"Dog Catcher\" names jurisdiction \"Atlantis\", which is not in the jurisdictions file; correct the name".to_string()),
        "{text:#?}"
    );
    assert_eq!(text.len(), 2, "{text:#?}");
}
