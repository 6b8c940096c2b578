//! Uploads of CVR exports made of several files, through every vendor's reader: accepted with the
//! right cards and Arlo's positions, or rejected whole when any file is bad.

use audit::workflow::{NamedFile, Upload};
use audit::{AuditType, Math, UploadKind};
use sha2::{Digest, Sha256};

use crate::{ACTOR, Harness, generated, harness};

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
