//! A ballot-polling audit (BRAVO, and MINERVA) of a generated election: reported totals entered by
//! hand, audit boards reading the generated paper ballots, offline tallies as an alternative.

use audit::workflow::{ContestSpec, NamedFile, Upload};
use audit::{AuditType, BallotEntry, ContestReading, Interpretation, Math, UploadKind};
use records::generate::GenMarks;

use crate::{ACTOR, Harness, batch_tallies_csv, card_at, generated, harness};

pub(crate) fn set_up(h: &Harness, name: &str, math: Math) -> records::generate::Spec {
    let (spec, manifest, _) = generated(7, 2000, 4);
    let (_, totals) = batch_tallies_csv(&spec, 0);
    h.create(
        name,
        AuditType::BallotPolling,
        math,
        "0.1",
        "polling seed 2026",
    );
    h.rt.block_on(async {
        h.wf.add_jurisdiction(ACTOR, name, "Lake County")
            .await
            .unwrap();
        let r =
            h.wf.upload(
                ACTOR,
                name,
                "Lake County",
                &Upload::new(
                    UploadKind::Manifest,
                    &[NamedFile::new("manifest.csv", &manifest)],
                ),
            )
            .await
            .unwrap();
        assert!(r.accepted);
        h.wf.add_contest(
            ACTOR,
            name,
            &ContestSpec {
                name: "Contest 1".into(),
                targeted: true,
                votes: Some(totals),
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
        h.wf.reveal_seed(ACTOR, name, None).await.unwrap();
    });
    spec
}

pub(crate) fn read_paper(
    spec: &records::generate::Spec,
    b: &audit::record::BallotRecord,
) -> BallotEntry {
    let card = card_at(spec, &b.batch, b.position);
    let contest = &spec.contests(false)[0];
    let reading = match &card.marks[0] {
        GenMarks::Absent => ContestReading {
            contest: "Contest 1".into(),
            interpretation: Interpretation::ContestNotOnBallot,
            choices: vec![],
            comment: String::new(),
        },
        GenMarks::Marked(m) if m.is_empty() => ContestReading {
            contest: "Contest 1".into(),
            interpretation: Interpretation::Blank,
            choices: vec![],
            comment: String::new(),
        },
        GenMarks::Marked(m) => ContestReading {
            contest: "Contest 1".into(),
            interpretation: Interpretation::Vote,
            choices: m.iter().map(|&k| contest.choices[k].clone()).collect(),
            comment: String::new(),
        },
    };
    BallotEntry::Read(vec![reading])
}

#[test]
fn bravo_confirms_the_generated_outcome_ballot_by_ballot() {
    let h = harness("polling-bravo");
    let spec = set_up(&h, "Polling", Math::Bravo);
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(
            rounds <= 4,
            "BRAVO should finish a 20-point margin within a few rounds"
        );
        h.rt.block_on(h.wf.start_round(ACTOR, "Polling", &[]))
            .unwrap();
        h.audit_as_reported("Polling", &|b| Some(read_paper(&spec, b)));
        h.sign_off_all("Polling");
        let ended = h.rt.block_on(h.wf.end_round(ACTOR, "Polling")).unwrap();
        if ended.complete {
            assert!(ended.risks[0].p_value <= 0.1);
            break;
        }
    }
}

#[test]
fn minerva_with_an_offline_tally_matches_ballot_by_ballot_entry() {
    // The same sample entered two ways must give the same risk.
    let online = harness("polling-minerva-online");
    let spec = set_up(&online, "M", Math::Minerva);
    online
        .rt
        .block_on(online.wf.start_round(ACTOR, "M", &[]))
        .unwrap();
    online.audit_as_reported("M", &|b| Some(read_paper(&spec, b)));
    online.sign_off_all("M");
    let by_ballot = online.rt.block_on(online.wf.end_round(ACTOR, "M")).unwrap();

    let offline = harness("polling-minerva-offline");
    set_up(&offline, "M", Math::Minerva);
    offline
        .rt
        .block_on(offline.wf.start_round(ACTOR, "M", &[]))
        .unwrap();
    let record = offline.record("M");
    let contest = &spec.contests(false)[0];
    let mut votes = vec![0u64; contest.choices.len()];
    for b in &record.ballots {
        if let BallotEntry::Read(r) = read_paper(&spec, b)
            && r[0].interpretation == Interpretation::Vote
        {
            {
                for name in &r[0].choices {
                    let k = contest.choices.iter().position(|c| c == name).unwrap();
                    votes[k] += b.draws.len() as u64;
                }
            }
        }
    }
    let named: Vec<(String, u64)> = contest.choices.iter().cloned().zip(votes).collect();
    offline
        .rt
        .block_on(offline.wf.record_offline_tally(
            ACTOR,
            "M",
            "Lake County",
            "Contest 1",
            &named,
            None,
        ))
        .unwrap();
    let tallied = offline
        .rt
        .block_on(offline.wf.end_round(ACTOR, "M"))
        .unwrap();
    assert_eq!(by_ballot.risks[0].draws, tallied.risks[0].draws);
    assert!(
        (by_ballot.risks[0].p_value - tallied.risks[0].p_value).abs() < 1e-12,
        "{} vs {}",
        by_ballot.risks[0].p_value,
        tallied.risks[0].p_value
    );
}

#[test]
fn a_full_hand_count_settles_the_contest_from_the_counted_totals() {
    let h = harness("polling-full-count");
    let spec = set_up(&h, "Full", Math::Bravo);
    let (_, totals) = batch_tallies_csv(&spec, 0);
    // Escalate straight to a full hand count: no draws; the county enters its counted totals.
    let started =
        h.rt.block_on(h.wf.start_round(
            ACTOR,
            "Full",
            &[("Contest 1".into(), audit::SizeChoice::FullHandCount)],
        ))
        .unwrap();
    assert_eq!(started.ballots, 0);
    assert_eq!(started.sizes[0].2, audit::measure::FULL_HAND_COUNT);
    h.rt.block_on(h.wf.record_offline_tally(
        ACTOR,
        "Full",
        "Lake County",
        "Contest 1",
        &totals,
        Some(spec.cards),
    ))
    .unwrap();
    let ended = h.rt.block_on(h.wf.end_round(ACTOR, "Full")).unwrap();
    assert!(ended.complete);
    assert_eq!(ended.risks[0].p_value, 0.0);

    // A hand count that finds another winner says so instead of confirming.
    let h = harness("polling-full-count-changed");
    let spec = set_up(&h, "Changed", Math::Bravo);
    let (_, totals) = batch_tallies_csv(&spec, 0);
    let swapped: Vec<(String, u64)> = vec![
        (totals[1].0.clone(), totals[0].1),
        (totals[0].0.clone(), totals[1].1),
        totals[2].clone(),
    ];
    h.rt.block_on(h.wf.start_round(
        ACTOR,
        "Changed",
        &[("Contest 1".into(), audit::SizeChoice::FullHandCount)],
    ))
    .unwrap();
    h.rt.block_on(h.wf.record_offline_tally(
        ACTOR,
        "Changed",
        "Lake County",
        "Contest 1",
        &swapped,
        Some(spec.cards),
    ))
    .unwrap();
    let ended = h.rt.block_on(h.wf.end_round(ACTOR, "Changed")).unwrap();
    assert!(ended.risks[0].outcome_changed, "{:?}", ended.risks[0]);
    assert!(!ended.risks[0].risk_limit_met);
}

/// A change too large for one log entry (here a contest with thousands of write-in names) is
/// logged by the hash of its details, which are kept as an artifact, instead of blocking the log.
#[test]
fn an_oversized_log_entry_is_logged_by_hash() {
    let h = harness("big-entry");
    let (_, manifest, _) = generated(3, 200, 2);
    h.create("Big", AuditType::BallotPolling, Math::Bravo, "0.1", "big");
    let mut votes = vec![("Ana Alvarez".to_string(), 50_000u64)];
    votes.extend((0..3000).map(|i| (format!("Write-in candidate with a long name number {i}"), 1)));
    h.rt.block_on(async {
        h.wf.add_jurisdiction(ACTOR, "Big", "J").await.unwrap();
        h.wf.upload(
            ACTOR,
            "Big",
            "J",
            &Upload::new(UploadKind::Manifest, &[NamedFile::new("m.csv", &manifest)]),
        )
        .await
        .unwrap();
        h.wf.add_contest(
            ACTOR,
            "Big",
            &ContestSpec {
                name: "Mayor".into(),
                targeted: true,
                votes: Some(votes),
                ballots: Some(100_000),
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
    });
    let last =
        h.wf.with_ledger(|l| ledger::Entry::parse(l.entries().last().unwrap()).unwrap())
            .unwrap();
    assert_eq!(last.kind, "audit.contest_added");
    let sha = last.body["body_sha256"].as_str().unwrap().to_string();
    let stored =
        h.wf.with_ledger(|l| l.artifact(&tlog::Hash::from_hex(&sha).unwrap()).unwrap())
            .unwrap();
    assert!(String::from_utf8(stored).unwrap().contains("number 2999"));
    // And the log goes on.
    h.rt.block_on(h.wf.reveal_seed(ACTOR, "Big", None)).unwrap();
}
