//! A batch-comparison (MACRO) audit of a generated election: batch tallies uploaded, batches drawn
//! by PPEB, tally sheets entered, one escalation by "one more batch".

use audit::workflow::{ContestSpec, NamedFile, Upload};
use audit::{AuditType, Math, SizeChoice, UploadKind};

use crate::{ACTOR, batch_tallies_csv, generated, harness};

#[test]
fn macro_audit_confirms_with_correct_tallies_and_escalates_on_an_error() {
    let h = harness("batch-macro");
    let (spec, manifest, _) = generated(11, 3000, 4);
    let (tallies, _) = batch_tallies_csv(&spec, 0);
    let name = "Batches";
    h.create(
        name,
        AuditType::BatchComparison,
        Math::Macro,
        "0.1",
        "batch seed",
    );
    h.rt.block_on(async {
        h.wf.add_jurisdiction(ACTOR, name, "Hill County")
            .await
            .unwrap();
        h.wf.upload(
            ACTOR,
            name,
            "Hill County",
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
                "Hill County",
                &Upload {
                    kind: UploadKind::BatchTallies,
                    files: &[NamedFile::new("tallies.csv", tallies.as_bytes())],
                    contest: Some("Contest 1"),
                },
            )
            .await
            .unwrap();
        assert!(r.accepted, "{r:?}");
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
        h.wf.reveal_seed(ACTOR, name, None).await.unwrap();
    });
    let started = h.rt.block_on(h.wf.start_round(ACTOR, name, &[])).unwrap();
    assert!(started.batches > 0);
    let record = h.record(name);
    let reported = |batch: &str| -> Vec<(String, u64)> {
        record.jurisdictions[0]
            .tallies
            .iter()
            .find(|t| t.batch == batch)
            .unwrap()
            .votes
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    // Every batch counts as reported, except the first, where one vote moved from the winner to the runner-up.
    let contest = audit::measure::rla_contest(record.contest("Contest 1").unwrap()).unwrap();
    let winner = contest.choices()[contest.winner_indices()[0]].name.clone();
    let loser = contest.choices()[contest.loser_indices()[0]].name.clone();
    for (i, b) in record.batches.iter().enumerate() {
        let mut votes = reported(&b.batch);
        if i == 0 {
            for (name, v) in &mut votes {
                if *name == winner {
                    *v -= 1;
                } else if *name == loser {
                    *v += 1;
                }
            }
        }
        h.rt.block_on(h.wf.record_batch_tally(
            ACTOR,
            name,
            "Hill County",
            &b.batch,
            "Contest 1",
            &votes,
        ))
        .unwrap();
    }
    let ended = h.rt.block_on(h.wf.end_round(ACTOR, name)).unwrap();
    let risk = &ended.risks[0];
    assert_eq!(risk.discrepancies.len(), 1, "{risk:?}");
    if !ended.complete {
        // Escalate by one batch at a time (Arlo's answer to Loudoun County) until confirmed.
        for _ in 0..20 {
            h.rt.block_on(h.wf.start_round(
                ACTOR,
                name,
                &[("Contest 1".into(), SizeChoice::OneBatch)],
            ))
            .unwrap();
            let record = h.record(name);
            for b in record.batches.iter().filter(|b| b.status == "not_audited") {
                h.rt.block_on(h.wf.record_batch_tally(
                    ACTOR,
                    name,
                    "Hill County",
                    &b.batch,
                    "Contest 1",
                    &reported(&b.batch),
                ))
                .unwrap();
            }
            if h.rt.block_on(h.wf.end_round(ACTOR, name)).unwrap().complete {
                break;
            }
        }
    }
    assert_eq!(h.record(name).status, "complete");
}
