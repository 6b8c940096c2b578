//! A batch-comparison (MACRO) audit of a generated election: batch tallies uploaded, batches drawn
//! by PPEB, tally sheets entered, one escalation by "one more batch".

use audit::workflow::{ContestSpec, NamedFile, Upload};
use audit::{AuditType, Math, SizeChoice, UploadKind};

use crate::{ACTOR, Harness, batch_tallies_csv, generated, harness};

/// Adds `county` to the audit with its manifest and its batch tallies of "Contest 1"; returns
/// the tallies upload's report.
async fn add_county(
    h: &Harness,
    audit: &str,
    county: &str,
    manifest: &[u8],
    tallies: &str,
) -> audit::ValidationReport {
    h.wf.add_jurisdiction(ACTOR, audit, county).await.unwrap();
    h.wf.upload(
        ACTOR,
        audit,
        county,
        &Upload::new(
            UploadKind::Manifest,
            &[NamedFile::new("manifest.csv", manifest)],
        ),
    )
    .await
    .unwrap();
    h.wf.upload(
        ACTOR,
        audit,
        county,
        &Upload {
            kind: UploadKind::BatchTallies,
            files: &[NamedFile::new("tallies.csv", tallies.as_bytes())],
            contest: Some("Contest 1"),
        },
    )
    .await
    .unwrap()
}

/// Targets "Contest 1" (its results from the counties' batch tallies) and reveals the seed.
async fn target_contest_and_reveal_seed(h: &Harness, audit: &str) {
    h.wf.add_contest(
        ACTOR,
        audit,
        &ContestSpec {
            name: "Contest 1".into(),
            targeted: true,
            ..ContestSpec::default()
        },
    )
    .await
    .unwrap();
    h.wf.reveal_seed(ACTOR, audit, None).await.unwrap();
}

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
        let r = add_county(&h, name, "Hill County", &manifest, &tallies).await;
        assert!(r.accepted, "{r:?}");
        target_contest_and_reveal_seed(&h, name).await;
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

/// Escalating a batch-comparison contest to a full hand count draws every batch; the counted
/// batches decide the outcome — here a count that moves votes from the reported winner to the
/// runner-up in every batch shows that the runner-up won.
#[test]
fn a_full_hand_count_of_batches_decides_the_outcome() {
    let h = harness("batch-full");
    let (spec, manifest, _) = generated(12, 1500, 2);
    let (tallies, _) = batch_tallies_csv(&spec, 0);
    let name = "Full";
    h.create(name, AuditType::BatchComparison, Math::Macro, "0.1", "full");
    h.rt.block_on(async {
        add_county(&h, name, "Hill County", &manifest, &tallies).await;
        target_contest_and_reveal_seed(&h, name).await;
    });
    let started =
        h.rt.block_on(h.wf.start_round(
            ACTOR,
            name,
            &[("Contest 1".into(), SizeChoice::FullHandCount)],
        ))
        .unwrap();
    assert_eq!(
        started.batches as u64,
        spec.batches(),
        "every batch is drawn"
    );
    let record = h.record(name);
    let contest = audit::measure::rla_contest(record.contest("Contest 1").unwrap()).unwrap();
    let winner = contest.choices()[contest.winner_indices()[0]].name.clone();
    let loser = contest.choices()[contest.loser_indices()[0]].name.clone();
    // Ending before every batch is counted says what is missing.
    let first = &record.batches[0];
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
    h.rt.block_on(h.wf.record_batch_tally(
        ACTOR,
        name,
        "Hill County",
        &first.batch,
        "Contest 1",
        &reported(&first.batch),
    ))
    .unwrap();
    let err = h.rt.block_on(h.wf.end_round(ACTOR, name)).unwrap_err();
    assert!(err.to_string().contains("batches have none"), "{err}");
    for b in &record.batches {
        // The winner's and the runner-up's votes trade places in every batch.
        let mut votes = reported(&b.batch);
        let w = votes.iter().find(|(n, _)| *n == winner).unwrap().1;
        let l = votes.iter().find(|(n, _)| *n == loser).unwrap().1;
        for (n, v) in &mut votes {
            if *n == winner {
                *v = l;
            } else if *n == loser {
                *v = w;
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
    assert!(risk.outcome_changed, "{risk:?}");
    assert!(!risk.risk_limit_met, "{risk:?}");
    let report = audit::report::audit_report(&h.record(name));
    assert!(
        report.contains("the full hand count's winners differ from the reported ones"),
        "{report}"
    );
}

/// Arlo offers PPEB the batches jurisdiction by jurisdiction in name order, whatever order they
/// were created in; so two audits whose counties were added in opposite orders draw the same
/// batches with the same tickets (NumPy's draw depends on the order of the list).
#[test]
fn ppeb_sample_does_not_depend_on_the_order_jurisdictions_were_added() {
    let mut samples = Vec::new();
    for order in [
        ["Zeta County", "Alpha County"],
        ["Alpha County", "Zeta County"],
    ] {
        let h = harness(&format!("batch-order-{}", order[0].len() + samples.len()));
        let name = "Order";
        h.create(
            name,
            AuditType::BatchComparison,
            Math::Macro,
            "0.1",
            "order seed",
        );
        h.rt.block_on(async {
            for county in order {
                // Each county's election depends on its name, not on when it was added.
                let seed = if county.starts_with('Z') { 31 } else { 32 };
                let (spec, manifest, _) = generated(seed, 1000, 2);
                let (tallies, _) = batch_tallies_csv(&spec, 0);
                add_county(&h, name, county, &manifest, &tallies).await;
            }
            target_contest_and_reveal_seed(&h, name).await;
            h.wf.start_round(ACTOR, name, &[("Contest 1".into(), SizeChoice::Draws(6))])
                .await
                .unwrap();
        });
        let mut drawn: Vec<(String, String, String)> = h
            .record(name)
            .batches
            .iter()
            .flat_map(|b| {
                b.draws
                    .iter()
                    .map(|d| (b.jurisdiction.clone(), b.batch.clone(), d.ticket.clone()))
            })
            .collect();
        drawn.sort();
        assert!(!drawn.is_empty());
        samples.push(drawn);
    }
    assert_eq!(samples[0], samples[1]);
}
