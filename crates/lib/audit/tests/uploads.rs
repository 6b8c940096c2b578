//! Uploads of CVR exports made of several files, through every vendor's reader: accepted with the
//! right cards and Arlo's positions, or rejected whole when any file is bad.

use audit::workflow::{NamedFile, Upload};
use audit::{AuditType, Math, UploadKind, ValidationReport};
use sha2::{Digest, Sha256};
use store::Store;

use crate::{ACTOR, Harness, generated, harness, shared_data};

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An audit with one jurisdiction whose manifest is uploaded.
fn with_manifest(h: &Harness, audit: &str, manifest: &[u8]) {
    h.create(
        audit,
        AuditType::BallotComparison,
        Math::KaplanMarkov,
        "0.1",
        "upload seed",
    );
    h.rt.block_on(async {
        h.wf.add_jurisdiction(ACTOR, audit, "Adams").await.unwrap();
        let report =
            h.wf.upload(
                ACTOR,
                audit,
                "Adams",
                &Upload::new(
                    UploadKind::Manifest,
                    &[NamedFile::new("manifest.csv", manifest)],
                ),
            )
            .await
            .unwrap();
        assert!(report.accepted, "{report:#?}");
    });
}

#[test]
fn a_bad_file_rejects_the_whole_upload_and_every_file_is_logged() {
    let h = harness("upload-bad-file");
    let (_, manifest, cvrs) = generated(7, 200, 3);
    with_manifest(&h, "Bad", &manifest);
    let bad = b"not, a, cvr\n1,2\n".to_vec();
    let files = [
        NamedFile::new("CVR_Export.csv", &cvrs),
        NamedFile::new("notes.csv", &bad),
    ];
    let report =
        h.rt.block_on(h.wf.upload(
            ACTOR,
            "Bad",
            "Adams",
            &Upload::new(UploadKind::Cvrs, &files),
        ))
        .unwrap();
    assert!(!report.accepted, "{report:#?}");
    assert!(
        report.errors().any(|p| p.location.contains("notes.csv")),
        "{report:#?}"
    );
    assert_eq!(report.files.len(), 2);
    assert_eq!(report.files[0].sha256, hex(&cvrs));
    assert_eq!(report.files[1].sha256, hex(&bad));
    // Nothing stored: no CVRs for the jurisdiction.
    let record = h.record("Bad");
    assert!(record.jurisdictions[0].cvrs.is_none());
    // The attempt is logged with both files.
    let activity = h.rt.block_on(h.wf.activity("Bad")).unwrap();
    let entry = activity.iter().rfind(|a| a.kind == "audit.upload").unwrap();
    let logged: Vec<&str> = entry.details["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["sha256"].as_str().unwrap())
        .collect();
    assert_eq!(logged, [hex(&cvrs), hex(&bad)]);
    assert_eq!(entry.details["accepted"], false);
}

#[test]
fn manifests_are_one_file() {
    let h = harness("upload-one-manifest");
    let (_, manifest, _) = generated(7, 100, 2);
    with_manifest(&h, "One", &manifest);
    let files = [
        NamedFile::new("a.csv", &manifest),
        NamedFile::new("b.csv", &manifest),
    ];
    let err =
        h.rt.block_on(h.wf.upload(
            ACTOR,
            "One",
            "Adams",
            &Upload::new(UploadKind::Manifest, &files),
        ))
        .unwrap_err();
    assert!(err.to_string().contains("one file"), "{err}");
}

/// Uploads CVR files (name, bytes) for Adams; returns the report.
fn upload_cvrs(h: &Harness, audit: &str, files: &[(&str, Vec<u8>)]) -> ValidationReport {
    let named: Vec<NamedFile<'_>> = files
        .iter()
        .map(|(name, bytes)| NamedFile::new(name, bytes))
        .collect();
    h.rt.block_on(h.wf.upload(
        ACTOR,
        audit,
        "Adams",
        &Upload::new(UploadKind::Cvrs, &named),
    ))
    .unwrap()
}

/// The stored CVR card (its CVR id) at each (tabulator, batch, position) of Adams.
fn cvr_ids_at(h: &Harness, audit: &str, at: &[(&str, &str, i64)]) -> Vec<Option<String>> {
    h.rt.block_on(async {
        let a = h.wf.audit(audit).await.unwrap();
        let j = h.wf.store().jurisdictions(a.id).await.unwrap()[0].id;
        let ballots: Vec<(Option<String>, String, i64)> = at
            .iter()
            .map(|(t, b, p)| (Some(t.to_string()), b.to_string(), *p))
            .collect();
        h.wf.store()
            .cvr_cards(j, &ballots)
            .await
            .unwrap()
            .into_iter()
            .map(|c| c.map(|c| c.cvr_id))
            .collect()
    })
}

/// Votes per choice of a stored CVR contest of Adams.
fn stored_votes(h: &Harness, audit: &str, contest: &str) -> Vec<(String, u64)> {
    h.rt.block_on(async {
        let a = h.wf.audit(audit).await.unwrap();
        let j = h.wf.store().jurisdictions(a.id).await.unwrap()[0].id;
        let c =
            h.wf.store()
                .cvr_contests(j)
                .await
                .unwrap()
                .into_iter()
                .find(|c| c.name == contest)
                .unwrap();
        let names: Vec<String> = serde_json::from_str(&c.choices).unwrap();
        let votes: Vec<u64> = serde_json::from_str(&c.votes).unwrap();
        names.into_iter().zip(votes).collect()
    })
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(shared_data(&format!("arlo-inline-test-fixtures/{name}"))).unwrap()
}

/// Arlo's manifest for its ES&S test files: tabulators as the ten-digit Tabulator CVRs start.
const ESS_MANIFEST: &str = "Tabulator,Batch Name,Number of Ballots\n0001,BATCH1,3\n0001,BATCH2,3\n0002,BATCH1,3\n0002,BATCH2,5\n";

/// ES&S: the CVR file and its two ballots files (Arlo's fixtures), one upload. Positions are the
/// rank of the ballot number in its batch: 0002/BATCH1 holds CVRs 4, 5, 6 (ballots 3171-3173).
#[test]
fn ess_cvr_with_its_ballots_files() {
    let h = harness("upload-ess");
    with_manifest(&h, "ESS", ESS_MANIFEST.as_bytes());
    let report = upload_cvrs(
        &h,
        "ESS",
        &[
            ("ESS_CVR.csv", fixture("ESS_CVR.csv")),
            ("ESS_BALLOTS_1.csv", fixture("ESS_BALLOTS_1.csv")),
            ("ESS_BALLOTS_2.csv", fixture("ESS_BALLOTS_2.csv")),
        ],
    );
    assert!(report.accepted, "{report:#?}");
    assert!(report.summary[0].contains("14 cards"), "{report:#?}");
    assert_eq!(
        report
            .files
            .iter()
            .map(|f| f.format.as_str())
            .collect::<Vec<_>>(),
        ["ess-cvr", "ess-ballots", "ess-ballots"]
    );
    assert_eq!(
        cvr_ids_at(
            &h,
            "ESS",
            &[
                ("0002", "BATCH1", 1),
                ("0002", "BATCH1", 3),
                ("0001", "BATCH2", 3),
                ("0002", "BATCH2", 5),
                ("0002", "BATCH2", 6),
            ]
        ),
        [
            Some("4".into()),
            Some("6".into()),
            Some("9".into()),
            Some("15".into()),
            None
        ]
    );
    assert_eq!(
        stored_votes(&h, "ESS", "Contest 2"),
        [
            ("Choice 2-1".to_string(), 8),
            ("Choice 2-2".to_string(), 4),
            ("Choice 2-3".to_string(), 2)
        ]
    );
    // The record binds the three files by the hash of their listing.
    let record = h.record("ESS");
    let j = &record.jurisdictions[0];
    assert_eq!(j.cvr_files.len(), 3);
    assert_eq!(
        j.cvrs.as_ref().unwrap().sha256,
        hex(&audit::record::file_listing(&j.cvr_files))
    );
}

/// A bad ballots file among the three rejects the whole upload, naming its line and column, and
/// leaves the CVRs accepted before in place.
#[test]
fn ess_bad_ballots_file_rejects_the_upload() {
    let h = harness("upload-ess-bad");
    with_manifest(&h, "ESSBad", ESS_MANIFEST.as_bytes());
    let good = [
        ("ESS_CVR.csv", fixture("ESS_CVR.csv")),
        ("ESS_BALLOTS_1.csv", fixture("ESS_BALLOTS_1.csv")),
        ("ESS_BALLOTS_2.csv", fixture("ESS_BALLOTS_2.csv")),
    ];
    assert!(upload_cvrs(&h, "ESSBad", &good).accepted);
    let before = h.record("ESSBad").jurisdictions[0].cvrs.clone();
    let bad = String::from_utf8(fixture("ESS_BALLOTS_2.csv"))
        .unwrap()
        .replace("0002000173", "00020x0173")
        .into_bytes();
    let report = upload_cvrs(
        &h,
        "ESSBad",
        &[good[0].clone(), good[1].clone(), ("ESS_BALLOTS_2.csv", bad)],
    );
    assert!(!report.accepted);
    assert!(
        report
            .errors()
            .any(|p| p.location == "ESS_BALLOTS_2.csv, line 11, column 9"
                && p.message.contains("ten digits")),
        "{report:#?}"
    );
    assert_eq!(h.record("ESSBad").jurisdictions[0].cvrs, before);
    assert_eq!(
        cvr_ids_at(&h, "ESSBad", &[("0002", "BATCH2", 3)]),
        [Some("12".into())]
    );
}

/// Hart: fourteen CVR XML files and the scanned ballot information CSV (Arlo's fixtures), one
/// upload; tabulators and batches come from the scanned ballot information.
#[test]
fn hart_xml_files_with_scanned_ballot_information() {
    let h = harness("upload-hart");
    let manifest = "Tabulator,Batch Name,Number of Ballots\nTABULATOR1,BATCH1,3\nTABULATOR1,BATCH2,3\nTABULATOR2,BATCH3,3\nTABULATOR2,BATCH4,5\n";
    with_manifest(&h, "Hart", manifest.as_bytes());
    let mut files: Vec<(String, Vec<u8>)> = (1..=14)
        .map(|i| {
            let name = format!("HART_CVRS_{i:02}.xml");
            let bytes = fixture(&name);
            (name, bytes)
        })
        .collect();
    files.push((
        "HART_SCANNED_BALLOT_INFORMATION.csv".into(),
        fixture("HART_SCANNED_BALLOT_INFORMATION.csv"),
    ));
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let report = upload_cvrs(&h, "Hart", &named);
    assert!(report.accepted, "{report:#?}");
    assert!(report.summary[0].contains("14 cards"), "{report:#?}");
    assert_eq!(report.files.len(), 15);
    let at = cvr_ids_at(
        &h,
        "Hart",
        &[("TABULATOR1", "BATCH1", 1), ("TABULATOR2", "BATCH4", 5)],
    );
    assert!(at.iter().all(Option::is_some), "{at:?}");
    assert_eq!(
        stored_votes(&h, "Hart", "Contest 1"),
        [("Choice 1-2".to_string(), 3), ("Choice 1-1".to_string(), 7)]
    );
}

/// ClearBallot: one file, Arlo's fixture and test manifest.
#[test]
fn clearballot_export() {
    let h = harness("upload-clearballot");
    let manifest = "Tabulator,Batch Name,Number of Ballots\nTABULATOR1,BATCH1,3\nTABULATOR1,BATCH2,3\nTABULATOR2,BATCH1,3\nTABULATOR2,BATCH2,6\n";
    with_manifest(&h, "CB", manifest.as_bytes());
    let report = upload_cvrs(
        &h,
        "CB",
        &[("CLEARBALLOT_CVRS.csv", fixture("CLEARBALLOT_CVRS.csv"))],
    );
    assert!(report.accepted, "{report:#?}");
    assert_eq!(report.format, "clearballot");
    assert!(report.summary[0].contains("14 cards"), "{report:#?}");
    let at = cvr_ids_at(
        &h,
        "CB",
        &[("TABULATOR1", "BATCH1", 1), ("TABULATOR2", "BATCH2", 5)],
    );
    assert!(at.iter().all(Option::is_some), "{at:?}");
}

/// Dominion JSON, real (San Francisco 2024): the CVR export and its four manifests as five files,
/// and a generated export zipped with its manifests.
#[test]
fn dominion_json_with_manifests_as_files_and_as_a_zip() {
    let h = harness("upload-dominion-json");
    h.create(
        "SF",
        AuditType::BallotComparison,
        Math::KaplanMarkov,
        "0.1",
        "sf",
    );
    h.rt.block_on(h.wf.add_jurisdiction(ACTOR, "SF", "Adams"))
        .unwrap();
    let names = [
        "CvrExport_0.json",
        "ContestManifest.json",
        "CandidateManifest.json",
        "CountingGroupManifest.json",
        "BallotTypeManifest.json",
    ];
    let files: Vec<(&str, Vec<u8>)> = names
        .iter()
        .map(|n| {
            (
                *n,
                std::fs::read(shared_data(&format!("rlauxe-SF2024/{n}"))).unwrap(),
            )
        })
        .collect();
    let report = upload_cvrs(&h, "SF", &files);
    assert!(report.accepted, "{report:#?}");
    assert!(report.summary[0].contains("74 cards"), "{report:#?}");
    // Contest names come from the manifests, not the export's ids.
    assert!(
        report
            .summary
            .iter()
            .any(|l| l.starts_with("MEASURE A: 18 ballots")),
        "{report:#?}"
    );
    // Without the manifests the same export cannot be named and is rejected.
    let alone = upload_cvrs(&h, "SF", &files[..1]);
    assert!(!alone.accepted, "{alone:#?}");

    // Generated: 600 cards in a zip with the manifests; the manifest reconciles.
    let (spec, manifest, _) = generated(11, 600, 4);
    let h = harness("upload-dominion-json-zip");
    with_manifest(&h, "Zip", &manifest);
    let mut export = Vec::new();
    records::generate::write_dominion_json(&spec, &mut export).unwrap();
    let (mut contests, mut candidates, mut groups) = (Vec::new(), Vec::new(), Vec::new());
    records::generate::write_dominion_json_manifests(
        &spec,
        &mut contests,
        &mut candidates,
        &mut groups,
    )
    .unwrap();
    let zip = zip_of(&[
        ("ContestManifest.json", &contests),
        ("CandidateManifest.json", &candidates),
        ("CountingGroupManifest.json", &groups),
        ("CvrExport_0.json", &export),
    ]);
    let report = upload_cvrs(&h, "Zip", &[("CVR_Export.zip", zip)]);
    assert!(report.accepted, "{report:#?}");
    assert_eq!(report.format, "zip");
    assert!(report.summary[0].contains("600 cards"), "{report:#?}");
    assert!(
        !report
            .problems
            .iter()
            .any(|p| p.message.contains("not reconciled")),
        "{report:#?}"
    );
    let first = crate::card_at(&spec, "1", 1);
    let at = cvr_ids_at(&h, "Zip", &[(&first.tabulator.to_string(), "1", 1)]);
    assert!(at[0].is_some(), "{at:?}");
}

fn zip_of(members: &[(&str, &Vec<u8>)]) -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in members {
        zip.start_file(*name, options).unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// A ballot manifest is not part of a CVR upload: it is refused, saying what it is.
#[test]
fn a_manifest_in_a_cvr_upload_is_refused() {
    let h = harness("upload-manifest-in-cvrs");
    with_manifest(&h, "Mixed", ESS_MANIFEST.as_bytes());
    let report = upload_cvrs(
        &h,
        "Mixed",
        &[
            ("ESS_CVR.csv", fixture("ESS_CVR.csv")),
            ("ESS_BALLOTS_1.csv", fixture("ESS_BALLOTS_1.csv")),
            ("ESS_BALLOTS_2.csv", fixture("ESS_BALLOTS_2.csv")),
            ("manifest.csv", ESS_MANIFEST.as_bytes().to_vec()),
        ],
    );
    assert!(!report.accepted);
    assert!(
        report
            .errors()
            .any(|p| p.location.starts_with("manifest.csv")
                && p.message.contains("ballot manifest")
                && p.message.contains("as their own kind")),
        "{report:#?}"
    );
}

/// A whole ballot-comparison audit on another vendor's CVRs: a generated ES&S export (CVR file
/// and ballots file, one upload), round one drawn, every sampled ballot matched to the CVR the
/// generator wrote at that place, audited as reported, risk limit met; the export verifies with
/// both files bound to the log.
#[test]
fn ess_ballot_comparison_audit_to_round_end() {
    let h = harness("upload-ess-audit");
    let spec = records::generate::Spec {
        seed: 21,
        cards: 3000,
        contests: 3,
        tabulators: 3,
        batch_size: 100,
    };
    let mut manifest = Vec::new();
    records::generate::write_manifest(&spec, true, &mut manifest).unwrap();
    let (mut cvr, mut ballots) = (Vec::new(), Vec::new());
    records::generate::write_ess(&spec, &mut cvr, &mut ballots).unwrap();
    with_manifest(&h, "ESS audit", &manifest);
    let report = upload_cvrs(
        &h,
        "ESS audit",
        &[("cvr.csv", cvr), ("ballots.csv", ballots)],
    );
    assert!(report.accepted, "{report:#?}");
    assert!(report.summary[0].contains("3000 cards"), "{report:#?}");
    let contest = spec.contests(true)[0].name.clone();
    h.rt.block_on(async {
        h.wf.add_contest(
            ACTOR,
            "ESS audit",
            &audit::workflow::ContestSpec {
                name: contest.clone(),
                targeted: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        h.wf.reveal_seed(ACTOR, "ESS audit", None).await.unwrap();
        h.wf.start_round(ACTOR, "ESS audit", &[]).await.unwrap();
    });
    let record = h.record("ESS audit");
    assert!(!record.ballots.is_empty());
    for b in &record.ballots {
        let card = crate::card_at(&spec, &b.batch, b.position);
        let cvr = b.cvr.as_ref().unwrap_or_else(|| panic!("no CVR for {b:?}"));
        // ES&S Cast Vote Record numbers count the cards from 1.
        assert_eq!(cvr.cvr_id, (card.index + 1).to_string(), "{b:?}");
        assert_eq!(
            b.tabulator.as_deref(),
            Some(format!("{:04}", card.tabulator).as_str())
        );
    }
    h.audit_as_reported("ESS audit", &|_| None);
    h.sign_off_all("ESS audit");
    let ended = h.rt.block_on(h.wf.end_round(ACTOR, "ESS audit")).unwrap();
    assert!(ended.complete, "{:?}", ended.risks);
    let dir = h.dir.join("export");
    h.rt.block_on(h.wf.export(ACTOR, "ESS audit", &dir))
        .unwrap();
    audit::verify::verify_export(&dir).unwrap();
    // Editing the listed CVR files breaks the export.
    let path = dir.join("audit.json");
    let mut record: audit::AuditRecord =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    record.jurisdictions[0].cvr_files[1].sha256 = hex(b"other ballots file");
    std::fs::write(&path, serde_json::to_vec_pretty(&record).unwrap()).unwrap();
    let problems = audit::verify::verify_export(&dir).unwrap_err();
    assert!(
        problems.iter().any(|p| p.contains("CVR files")),
        "{problems:?}"
    );
}

/// The same on a generated Hart export: one zip of one XML document per card.
#[test]
fn hart_zip_ballot_comparison_audit_to_round_end() {
    let h = harness("upload-hart-audit");
    let spec = records::generate::Spec {
        seed: 5,
        cards: 2000,
        contests: 2,
        tabulators: 2,
        batch_size: 100,
    };
    let mut manifest = Vec::new();
    records::generate::write_manifest(&spec, false, &mut manifest).unwrap();
    let zip = records::generate::write_hart_zip(&spec, true, std::io::Cursor::new(Vec::new()))
        .unwrap()
        .into_inner();
    with_manifest(&h, "Hart audit", &manifest);
    let report = upload_cvrs(&h, "Hart audit", &[("hart.zip", zip)]);
    assert!(report.accepted, "{report:#?}");
    let contest = spec.contests(true)[0].name.clone();
    h.rt.block_on(async {
        h.wf.add_contest(
            ACTOR,
            "Hart audit",
            &audit::workflow::ContestSpec {
                name: contest,
                targeted: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        h.wf.reveal_seed(ACTOR, "Hart audit", None).await.unwrap();
        h.wf.start_round(ACTOR, "Hart audit", &[]).await.unwrap();
    });
    let record = h.record("Hart audit");
    for b in &record.ballots {
        let card = crate::card_at(&spec, &b.batch, b.position);
        let cvr = b.cvr.as_ref().unwrap_or_else(|| panic!("no CVR for {b:?}"));
        assert_eq!(
            cvr.cvr_id,
            format!("{}-{}-{}", card.tabulator, card.batch, card.record)
        );
    }
    h.audit_as_reported("Hart audit", &|_| None);
    h.sign_off_all("Hart audit");
    let ended = h.rt.block_on(h.wf.end_round(ACTOR, "Hart audit")).unwrap();
    assert!(ended.complete, "{:?}", ended.risks);
}
