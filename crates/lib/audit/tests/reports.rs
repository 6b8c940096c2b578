//! Snapshot tests of the reports, on the Arapahoe audit with two injected overstatements (fixed
//! seed and clock, so every byte is reproducible): the audit report, the discrepancy report and the
//! retrieval list; and the batch tally sheets of a batch-comparison audit.

use audit::report;
use audit::workflow::{ContestSpec, NamedFile, Upload};
use audit::{AuditType, BallotEntry, ContestReading, Interpretation, Math, UploadKind};

use crate::arapahoe::{PRESIDENT, set_up};
use crate::{ACTOR, batch_tallies_csv, generated, harness};

#[test]
fn comparison_reports() {
    let h = harness("reports");
    set_up(&h, "Arapahoe 2016");
    h.rt.block_on(h.wf.start_round(ACTOR, "Arapahoe 2016", &[]))
        .unwrap();
    let record = h.record("Arapahoe 2016");
    let first = record
        .ballots
        .iter()
        .find(|b| {
            b.cvr
                .as_ref()
                .and_then(|c| c.votes.get(PRESIDENT))
                .is_some_and(|v| v.len() == 1 && v[0].starts_with("Hillary"))
        })
        .unwrap()
        .clone();
    h.audit_as_reported("Arapahoe 2016", &|b| {
        (b.batch == first.batch && b.position == first.position).then(|| {
            BallotEntry::Read(vec![ContestReading {
                contest: PRESIDENT.into(),
                interpretation: Interpretation::Blank,
                choices: vec![],
                comment: String::new(),
            }])
        })
    });
    h.sign_off_all("Arapahoe 2016");
    h.rt.block_on(h.wf.end_round(ACTOR, "Arapahoe 2016"))
        .unwrap();
    let record = h.record("Arapahoe 2016");
    insta::assert_snapshot!("audit_report", report::audit_report(&record));
    insta::assert_snapshot!("discrepancy_report", report::discrepancy_report(&record));
    insta::assert_snapshot!(
        "retrieval_list",
        report::retrieval_list(&record, "Arapahoe", 1)
    );
}

#[test]
fn batch_tally_sheets() {
    let h = harness("tally-sheets");
    let (spec, manifest, _) = generated(11, 1000, 2);
    let (tallies, _) = batch_tallies_csv(&spec, 0);
    h.create(
        "Sheets",
        AuditType::BatchComparison,
        Math::Macro,
        "0.1",
        "sheets",
    );
    h.rt.block_on(async {
        h.wf.add_jurisdiction(ACTOR, "Sheets", "Hill County")
            .await
            .unwrap();
        h.wf.upload(
            ACTOR,
            "Sheets",
            "Hill County",
            &Upload::new(
                UploadKind::Manifest,
                &[NamedFile::new("manifest.csv", &manifest)],
            ),
        )
        .await
        .unwrap();
        h.wf.upload(
            ACTOR,
            "Sheets",
            "Hill County",
            &Upload {
                kind: UploadKind::BatchTallies,
                files: &[NamedFile::new("t.csv", tallies.as_bytes())],
                contest: Some("Contest 1"),
            },
        )
        .await
        .unwrap();
        h.wf.add_contest(
            ACTOR,
            "Sheets",
            &ContestSpec {
                name: "Contest 1".into(),
                targeted: true,
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
        h.wf.reveal_seed(ACTOR, "Sheets", None).await.unwrap();
        h.wf.start_round(ACTOR, "Sheets", &[]).await.unwrap();
        h.wf.set_audit_boards(
            ACTOR,
            "Sheets",
            "Hill County",
            &["Board A".into(), "Board B".into()],
        )
        .await
        .unwrap();
    });
    let record = h.record("Sheets");
    insta::assert_snapshot!(
        "batch_tally_sheets",
        report::batch_tally_sheets(&record, "Hill County", 1)
    );
}
