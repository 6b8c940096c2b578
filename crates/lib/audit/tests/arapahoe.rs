//! A ballot-comparison audit of the real Arapahoe County 2016 Dominion CVR export and its
//! ColoradoRLA manifest (`../shared/data/ColoradoRLA/`, 165 cards in 5 batches).

use audit::workflow::{ContestSpec, NamedFile, Upload};
use audit::{AuditType, BallotEntry, ContestReading, Interpretation, Math, UploadKind};
use rla_math::plan::{self, Method};
use rla_math::supersimple::DiscrepancyCounts;

use crate::{ACTOR, Harness, harness, shared_data};

pub const PRESIDENT: &str = "Presidential Electors";

pub fn set_up(h: &Harness, name: &str) {
    h.create(
        name,
        AuditType::BallotComparison,
        Math::KaplanMarkov,
        "0.1",
        "20161108",
    );
    let wf = &h.wf;
    h.rt.block_on(async {
        wf.add_jurisdiction(ACTOR, name, "Arapahoe").await.unwrap();
        let manifest = std::fs::read(shared_data("ColoradoRLA/arapahoe-manifest.csv")).unwrap();
        let report = wf
            .upload(
                ACTOR,
                name,
                "Arapahoe",
                &Upload::new(
                    UploadKind::Manifest,
                    &[NamedFile::new("arapahoe-manifest.csv", &manifest)],
                ),
            )
            .await
            .unwrap();
        assert!(report.accepted, "{report:?}");
        let cvrs = std::fs::read(shared_data(
            "ColoradoRLA/dominion-2017-CVR_Export_20170310104116.csv",
        ))
        .unwrap();
        let report = wf
            .upload(
                ACTOR,
                name,
                "Arapahoe",
                &Upload::new(UploadKind::Cvrs, &[NamedFile::new("cvr.csv", &cvrs)]),
            )
            .await
            .unwrap();
        assert!(report.accepted, "{report:#?}");
        assert!(
            report.summary[0].contains("165 cards"),
            "{:?}",
            report.summary
        );
        wf.add_contest(
            ACTOR,
            name,
            &ContestSpec {
                name: PRESIDENT.into(),
                targeted: true,
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
        wf.reveal_seed(ACTOR, name, None).await.unwrap();
    });
}

#[test]
fn presidential_contest_meets_ten_percent_in_round_one() {
    let h = harness("arapahoe-clean");
    set_up(&h, "Arapahoe 2016");
    let started =
        h.rt.block_on(h.wf.start_round(ACTOR, "Arapahoe 2016", &[]))
            .unwrap();
    assert_eq!(started.round, 1);
    h.audit_as_reported("Arapahoe 2016", &|_| None);
    h.sign_off_all("Arapahoe 2016");
    let ended =
        h.rt.block_on(h.wf.end_round(ACTOR, "Arapahoe 2016"))
            .unwrap();
    let risk = &ended.risks[0];
    assert!(risk.risk_limit_met, "{risk:?}");
    assert!(risk.discrepancies.is_empty());
    assert!(ended.complete);
    // The p-value is the Kaplan–Markov bound with no discrepancies.
    let record = h.record("Arapahoe 2016");
    let contest = audit::measure::rla_contest(record.contest(PRESIDENT).unwrap()).unwrap();
    let counts = DiscrepancyCounts {
        draws: risk.draws,
        ..DiscrepancyCounts::default()
    };
    let expected = plan::risk(
        Method::SuperSimple,
        &contest,
        rla_math::RiskLimit::new(0.1).unwrap(),
        plan::Observed::ComparisonCounts(&counts),
    )
    .unwrap();
    assert!((risk.p_value - expected.p_value).abs() <= 1e-12 * expected.p_value);
    assert_eq!(risk.draws, started.sizes[0].1);
}

#[test]
fn overstatements_raise_the_risk_as_kaplan_markov_says() {
    let h = harness("arapahoe-over");
    set_up(&h, "Arapahoe over");
    h.rt.block_on(h.wf.start_round(ACTOR, "Arapahoe over", &[]))
        .unwrap();
    let record = h.record("Arapahoe over");
    let contest_record = record.contest(PRESIDENT).unwrap().clone();
    let contest = audit::measure::rla_contest(&contest_record).unwrap();
    let winner = contest.choices()[contest.winner_indices()[0]].name.clone();
    let runner_up = {
        let mut losers = contest.loser_indices();
        losers.sort_by_key(|&l| std::cmp::Reverse(contest.votes(l)));
        contest.choices()[losers[0]].name.clone()
    };
    // Ballots that the CVR gives to the winner: one read as blank (one-vote overstatement), one
    // read as a vote for the runner-up (two-vote overstatement).
    let for_winner: Vec<_> = record
        .ballots
        .iter()
        .filter(|b| {
            b.cvr.as_ref().and_then(|c| c.votes.get(PRESIDENT)) == Some(&vec![winner.clone()])
        })
        .map(|b| (b.batch.clone(), b.position))
        .collect();
    assert!(
        for_winner.len() >= 2,
        "the sample has {} ballots for the winner",
        for_winner.len()
    );
    let (one, two) = (for_winner[0].clone(), for_winner[1].clone());
    let reading = |interpretation, choices: Vec<String>| {
        BallotEntry::Read(vec![ContestReading {
            contest: PRESIDENT.into(),
            interpretation,
            choices,
            comment: "injected".into(),
        }])
    };
    h.audit_as_reported("Arapahoe over", &|b| {
        let key = (b.batch.clone(), b.position);
        if key == one {
            Some(reading(Interpretation::Blank, vec![]))
        } else if key == two {
            Some(reading(Interpretation::Vote, vec![runner_up.clone()]))
        } else {
            None
        }
    });
    h.sign_off_all("Arapahoe over");
    let ended =
        h.rt.block_on(h.wf.end_round(ACTOR, "Arapahoe over"))
            .unwrap();
    let risk = &ended.risks[0];
    assert_eq!(
        (risk.counts.one_vote_over, risk.counts.two_vote_over),
        (1, 1),
        "{risk:?}"
    );
    assert_eq!(risk.discrepancies.len(), 2);
    // Each draw of a discrepant ballot counts: with m1 draws of the one-vote and m2 of the
    // two-vote overstatement, Kaplan–Markov is Arlo's counts formula (conformance-tested in
    // rla-math) with o1 = m1 and o2 = m2, since both hit the smallest-margin pair.
    let times = |key: &(String, u64)| {
        record
            .ballots
            .iter()
            .find(|b| (b.batch.clone(), b.position) == *key)
            .unwrap()
            .draws
            .len() as u64
    };
    let counts = DiscrepancyCounts {
        draws: risk.draws,
        one_vote_over: times(&one),
        two_vote_over: times(&two),
        ..DiscrepancyCounts::default()
    };
    let expected = plan::risk(
        Method::SuperSimple,
        &contest,
        rla_math::RiskLimit::new(0.1).unwrap(),
        plan::Observed::ComparisonCounts(&counts),
    )
    .unwrap();
    assert!(
        (risk.p_value - expected.p_value).abs() <= 1e-12 * expected.p_value,
        "{} vs {}",
        risk.p_value,
        expected.p_value
    );
    assert!(
        !risk.risk_limit_met,
        "two overstatements in a small sample must not confirm: p = {}",
        risk.p_value
    );
    assert!(!ended.complete);
    // Escalation: the next round continues the stream with Kaplan–Markov's estimate.
    let options = h.rt.block_on(h.wf.size_options("Arapahoe over")).unwrap();
    assert!(options[0].1[0].draws > 0);
    h.rt.block_on(h.wf.start_round(ACTOR, "Arapahoe over", &[]))
        .unwrap();
    // A reading of an ended round cannot be changed afterwards.
    let again = h.rt.block_on(h.wf.record_ballot(
        ACTOR,
        "Arapahoe over",
        &audit::workflow::BallotRef {
            jurisdiction: "Arapahoe".into(),
            tabulator: None,
            batch: one.0.clone(),
            position: one.1,
        },
        &reading(Interpretation::Vote, vec![winner.clone()]),
    ));
    assert!(again.unwrap_err().to_string().contains("has ended"));
}

#[test]
fn alpha_comparison_measures_the_same_sample() {
    let h = harness("arapahoe-alpha");
    h.create(
        "Alpha",
        AuditType::BallotComparison,
        Math::Alpha,
        "0.1",
        "20161108",
    );
    h.rt.block_on(async {
        h.wf.add_jurisdiction(ACTOR, "Alpha", "Arapahoe")
            .await
            .unwrap();
        let manifest = std::fs::read(shared_data("ColoradoRLA/arapahoe-manifest.csv")).unwrap();
        h.wf.upload(
            ACTOR,
            "Alpha",
            "Arapahoe",
            &Upload::new(UploadKind::Manifest, &[NamedFile::new("m.csv", &manifest)]),
        )
        .await
        .unwrap();
        let cvrs = std::fs::read(shared_data(
            "ColoradoRLA/dominion-2017-CVR_Export_20170310104116.csv",
        ))
        .unwrap();
        h.wf.upload(
            ACTOR,
            "Alpha",
            "Arapahoe",
            &Upload::new(UploadKind::Cvrs, &[NamedFile::new("c.csv", &cvrs)]),
        )
        .await
        .unwrap();
        h.wf.add_contest(
            ACTOR,
            "Alpha",
            &ContestSpec {
                name: PRESIDENT.into(),
                targeted: true,
                ..ContestSpec::default()
            },
        )
        .await
        .unwrap();
        h.wf.reveal_seed(ACTOR, "Alpha", None).await.unwrap();
        h.wf.start_round(ACTOR, "Alpha", &[]).await.unwrap();
    });
    h.audit_as_reported("Alpha", &|_| None);
    h.sign_off_all("Alpha");
    let ended = h.rt.block_on(h.wf.end_round(ACTOR, "Alpha")).unwrap();
    let risk = &ended.risks[0];
    // ALPHA's p-value for agreeing draws, from rla-math's conformance-tested test, in draw order.
    let record = h.record("Alpha");
    let contest = audit::measure::rla_contest(record.contest(PRESIDENT).unwrap()).unwrap();
    let agreeing = vec![0i8; risk.draws as usize];
    let expected = plan::risk(
        Method::AlphaComparison,
        &contest,
        rla_math::RiskLimit::new(0.1).unwrap(),
        plan::Observed::ComparisonSequence(&agreeing),
    )
    .unwrap();
    assert_eq!(risk.p_value, expected.p_value);
    assert_eq!(risk.risk_limit_met, expected.risk_limit_met);
}

#[test]
fn records_are_fixed_once_the_seed_is_public() {
    let h = harness("arapahoe-fixed");
    set_up(&h, "Fixed");
    let manifest = std::fs::read(shared_data("ColoradoRLA/arapahoe-manifest.csv")).unwrap();
    let err =
        h.rt.block_on(h.wf.upload(
            ACTOR,
            "Fixed",
            "Arapahoe",
            &Upload::new(
                UploadKind::Manifest,
                &[NamedFile::new("late.csv", &manifest)],
            ),
        ))
        .unwrap_err();
    assert!(err.to_string().contains("seed"), "{err}");
    let err =
        h.rt.block_on(h.wf.add_contest(
            ACTOR,
            "Fixed",
            &ContestSpec {
                name: "United States Senator".into(),
                targeted: true,
                ..ContestSpec::default()
            },
        ))
        .unwrap_err();
    assert!(err.to_string().contains("fixed"), "{err}");
}
