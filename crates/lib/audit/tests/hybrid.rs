//! A hybrid (SUITE) audit of a generated election: a manifest whose CVR column puts two thirds of
//! the batches in the stratum with CVRs (compared ballot by ballot, drawn with replacement) and the
//! rest in the stratum without (polled, drawn without replacement), as Arlo's hybrid audits work.

use audit::workflow::{ContestSpec, NamedFile, Upload};
use audit::{AuditType, BallotEntry, ContestReading, Interpretation, Math, UploadKind};
use records::generate::GenMarks;

use crate::{ACTOR, batch_tallies_csv, card_at, generated, harness};

/// A hybrid audit `name` of a generated election (40 of 60 batches with CVRs), contest 1 added with
/// its reported totals, seed revealed. Returns the spec, the batches with CVRs and the totals.
fn set_up(h: &crate::Harness, name: &str) -> (records::generate::Spec, u64, Vec<(String, u64)>) {
    let (spec, manifest, cvrs) = generated(21, 3000, 2);
    let cvr_batches = 40u64;
    // The manifest with Arlo's CVR column; the CVR export without the no-CVR batches.
    let manifest = String::from_utf8(manifest).unwrap();
    let mut with_column = String::new();
    for (i, line) in manifest.lines().enumerate() {
        if i == 0 {
            with_column.push_str(&format!("{line},CVR\n"));
        } else {
            let batch: u64 = line.split(',').nth(1).unwrap().parse().unwrap();
            with_column.push_str(&format!(
                "{line},{}\n",
                if batch <= cvr_batches { "Y" } else { "N" }
            ));
        }
    }
    let cvrs = String::from_utf8(cvrs).unwrap();
    let kept: String = cvrs
        .lines()
        .enumerate()
        .filter(|(i, line)| {
            *i < 4 || {
                let batch: u64 = line
                    .split(',')
                    .nth(2)
                    .unwrap()
                    .trim_matches(|c| c == '=' || c == '"')
                    .parse()
                    .unwrap();
                batch <= cvr_batches
            }
        })
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    let (_, totals) = batch_tallies_csv(&spec, 0);
    h.create(name, AuditType::Hybrid, Math::Suite, "0.1", "hybrid seed");
    h.rt.block_on(async {
        h.wf.add_jurisdiction(ACTOR, name, "Rio County")
            .await
            .unwrap();
        let r =
            h.wf.upload(
                ACTOR,
                name,
                "Rio County",
                &Upload::new(
                    UploadKind::Manifest,
                    &[NamedFile::new("manifest.csv", with_column.as_bytes())],
                ),
            )
            .await
            .unwrap();
        assert!(r.accepted, "{r:?}");
        let r =
            h.wf.upload(
                ACTOR,
                name,
                "Rio County",
                &Upload::new(
                    UploadKind::Cvrs,
                    &[NamedFile::new("cvrs.csv", kept.as_bytes())],
                ),
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
                votes: Some(totals.clone()),
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
        h.wf.reveal_seed(ACTOR, name, None).await.unwrap();
    });
    (spec, cvr_batches, totals)
}

#[test]
fn suite_confirms_a_hybrid_contest_from_both_strata() {
    let h = harness("hybrid");
    let (spec, cvr_batches, _) = set_up(&h, "Hybrid");
    let record = h.record("Hybrid");
    let stratum = record.contests[0].cvr_stratum.clone().unwrap();
    assert_eq!(stratum.ballots, cvr_batches * 50);
    let contest = spec.contests(false)[0].clone();
    let read = |b: &audit::record::BallotRecord| {
        let card = card_at(&spec, &b.batch, b.position);
        let (interpretation, choices) = match &card.marks[0] {
            GenMarks::Absent => (Interpretation::ContestNotOnBallot, vec![]),
            GenMarks::Marked(m) if m.is_empty() => (Interpretation::Blank, vec![]),
            GenMarks::Marked(m) => (
                Interpretation::Vote,
                m.iter().map(|&k| contest.choices[k].clone()).collect(),
            ),
        };
        Some(BallotEntry::Read(vec![ContestReading {
            contest: "Contest 1".into(),
            interpretation,
            choices,
            comment: String::new(),
        }]))
    };
    let mut complete = false;
    for _ in 0..4 {
        let started =
            h.rt.block_on(h.wf.start_round(ACTOR, "Hybrid", &[]))
                .unwrap();
        assert!(started.ballots > 0);
        h.audit_as_reported("Hybrid", &read);
        h.sign_off_all("Hybrid");
        let ended = h.rt.block_on(h.wf.end_round(ACTOR, "Hybrid")).unwrap();
        if ended.complete {
            complete = true;
            break;
        }
    }
    assert!(
        complete,
        "SUITE should confirm a clear margin within four rounds"
    );
    let record = h.record("Hybrid");
    let (with_cvrs, without): (Vec<_>, Vec<_>) = record
        .ballots
        .iter()
        .partition(|b| audit::measure::ballot_has_cvrs(&record, b));
    assert!(
        !with_cvrs.is_empty() && !without.is_empty(),
        "both strata are sampled"
    );
    assert!(
        without.iter().all(|b| b.draws.len() == 1),
        "the stratum without CVRs is drawn without replacement"
    );
    // The export recomputes both strata's samples and SUITE's risk.
    let dir = h.dir.join("export");
    h.rt.block_on(h.wf.export(ACTOR, "Hybrid", &dir)).unwrap();
    audit::verify::verify_export(&dir).unwrap();
}

/// Escalating a hybrid contest to a full hand count: nothing is drawn, the county enters the
/// counted totals of both strata, and the hand count decides — confirming the reported winner,
/// or showing that another won.
#[test]
fn a_full_hand_count_decides_a_hybrid_contest() {
    for (audit, swap) in [("Counted", false), ("Overturned", true)] {
        let h = harness(&format!("hybrid-full-{audit}"));
        let (_, _, totals) = set_up(&h, audit);
        let started =
            h.rt.block_on(h.wf.start_round(
                ACTOR,
                audit,
                &[("Contest 1".into(), audit::SizeChoice::FullHandCount)],
            ))
            .unwrap();
        assert_eq!(started.ballots, 0);
        assert_eq!(started.sizes[0].2, audit::measure::FULL_HAND_COUNT);
        let mut counted = totals.clone();
        if swap {
            counted[0].1 = totals[1].1;
            counted[1].1 = totals[0].1;
        }
        h.rt.block_on(h.wf.record_offline_tally(
            ACTOR,
            audit,
            "Rio County",
            "Contest 1",
            &counted,
            Some(3000),
        ))
        .unwrap();
        let ended = h.rt.block_on(h.wf.end_round(ACTOR, audit)).unwrap();
        let risk = &ended.risks[0];
        assert_eq!(risk.outcome_changed, swap, "{risk:?}");
        assert_eq!(risk.risk_limit_met, !swap, "{risk:?}");
        if !swap {
            assert!(ended.complete);
            assert_eq!(risk.p_value, 0.0);
            // The export recomputes the round as a full hand count.
            let dir = h.dir.join("export");
            h.rt.block_on(h.wf.export(ACTOR, audit, &dir)).unwrap();
            audit::verify::verify_export(&dir).unwrap();
        }
    }
}
