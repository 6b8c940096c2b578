//! A multi-jurisdiction ballot-comparison audit: three counties, a statewide contest on every card
//! (something ColoradoRLA could not audit) and a local contest in one county.

use audit::workflow::{ContestSpec, NamedFile, Upload};
use audit::{AuditType, Math, UploadKind};

use crate::{ACTOR, generated, harness};

#[test]
fn statewide_contest_draws_from_every_county() {
    let h = harness("multi");
    let name = "State 2026";
    h.create(
        name,
        AuditType::BallotComparison,
        Math::KaplanMarkov,
        "0.05",
        "multi seed",
    );
    let counties = ["Adams County", "Baker County", "Clark County"];
    h.rt.block_on(async {
        for (i, county) in counties.iter().enumerate() {
            let (_, manifest, cvrs) = generated(100 + i as u64, 1200 + 300 * i as u64, 4);
            h.wf.add_jurisdiction(ACTOR, name, county).await.unwrap();
            h.wf.upload(
                ACTOR,
                name,
                county,
                &Upload::new(
                    UploadKind::Manifest,
                    &[NamedFile::new("manifest.csv", &manifest)],
                ),
            )
            .await
            .unwrap();
            let r =
                h.wf.upload(
                    ACTOR,
                    name,
                    county,
                    &Upload::new(UploadKind::Cvrs, &[NamedFile::new("cvrs.csv", &cvrs)]),
                )
                .await
                .unwrap();
            assert!(r.accepted, "{r:?}");
        }
        h.wf.add_contest(
            ACTOR,
            name,
            &ContestSpec {
                name: "Contest 1".into(),
                targeted: true,
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
        h.wf.add_contest(
            ACTOR,
            name,
            &ContestSpec {
                name: "Contest 4".into(),
                targeted: true,
                jurisdictions: vec!["Baker County".into()],
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
        h.wf.add_contest(
            ACTOR,
            name,
            &ContestSpec {
                name: "Contest 3".into(),
                targeted: false,
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
        h.wf.reveal_seed(ACTOR, name, None).await.unwrap();
    });
    let record = h.record(name);
    let statewide = record.contest("Contest 1").unwrap();
    assert_eq!(statewide.jurisdictions.len(), 3);
    assert_eq!(statewide.ballots, 1200 + 1500 + 1800);
    h.rt.block_on(h.wf.start_round(ACTOR, name, &[])).unwrap();
    let record = h.record(name);
    for county in counties {
        assert!(
            record
                .ballots
                .iter()
                .any(|b| b.jurisdiction == county
                    && b.draws.iter().any(|d| d.contest == "Contest 1")),
            "{county} has statewide draws"
        );
    }
    assert!(
        record
            .ballots
            .iter()
            .filter(|b| b.draws.iter().any(|d| d.contest == "Contest 4"))
            .all(|b| b.jurisdiction == "Baker County")
    );
    h.audit_as_reported(name, &|_| None);
    h.sign_off_all(name);
    let ended = h.rt.block_on(h.wf.end_round(ACTOR, name)).unwrap();
    assert!(ended.complete, "{:?}", ended.risks);
    assert_eq!(
        ended.risks.len(),
        3,
        "the opportunistic contest is measured too"
    );
}

/// The web application (issue 7) runs the workflow on a multi-threaded server: the workflow must be
/// shareable and its steps' futures `Send`.
#[test]
fn workflow_steps_can_run_on_a_multithreaded_server() {
    fn send<T: Send>(_: &T) {}
    fn sync<T: Sync + Send>() {}
    sync::<audit::Workflow<store::SqliteStore>>();
    let h = harness("send");
    let wf = &h.wf;
    send(&wf.create_audit(
        ACTOR,
        &audit::workflow::AuditSpec {
            name: "x".into(),
            audit_type: AuditType::BallotComparison,
            math: Math::KaplanMarkov,
            risk_limit: "0.05".into(),
            seed: audit::workflow::SeedInput::Sealed {
                seed: "1".into(),
                salt: "00".into(),
            },
        },
    ));
    send(&wf.start_round(ACTOR, "x", &[]));
    send(&wf.end_round(ACTOR, "x"));
    send(&wf.upload(
        ACTOR,
        "x",
        "J",
        &Upload::new(UploadKind::Manifest, &[NamedFile::new("m", b"")]),
    ));
    send(&wf.record("x"));
    send(&wf.export(ACTOR, "x", std::path::Path::new("/nonexistent")));
}
