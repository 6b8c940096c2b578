//! Small soundness simulations that run with the test suite. Each would fail if the risk measure
//! were anti-conservative: the harness itself is shown to catch a measure that stops too early.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use rla_math::{Contest, RiskLimit, bravo, supersimple};
use simulation::comparison::{self, ComparisonMeasure, ComparisonWorld, SuperSimple};
use simulation::polling::{self, Bravo, PollingMeasure, PollingWorld};

/// z for a one-sided 99.9 % bound: a sound measure fails this test with probability ≤ 0.1 %, and the
/// seeds are fixed, so the outcome is reproducible.
const Z: f64 = 3.09;

fn two_way(winner: u64, loser: u64, ballots: u64) -> Contest {
    Contest::new(
        "Mayor",
        [("Winner", winner), ("Loser", loser)],
        ballots,
        1,
        1,
    )
    .unwrap()
}

/// Asserts that the observed rate of wrongly confirmed outcomes is not significantly above α.
fn assert_sound(outcome: simulation::Outcome, alpha: f64, what: &str) {
    let interval = outcome.wilson_interval(Z);
    assert!(
        interval.low <= alpha,
        "{what}: {} of {} wrong outcomes confirmed (rate {:.3}, interval {:.3}–{:.3}) exceeds the risk limit {alpha}",
        outcome.confirmed,
        outcome.trials,
        outcome.rate(),
        interval.low,
        interval.high
    );
}

/// A deliberately broken measure: BRAVO run at three times the risk limit it claims.
struct AntiConservative(Bravo);

impl PollingMeasure for AntiConservative {
    fn stopping_draw(
        &mut self,
        draws: &[Option<usize>],
    ) -> Result<Option<u64>, simulation::SimulationError> {
        self.0.stopping_draw(draws)
    }
}

#[test]
fn bravo_rarely_confirms_a_tied_contest() {
    let alpha = 0.2;
    let contest = two_way(550, 450, 1000);
    let world = PollingWorld::tied(contest.clone());
    let mut measure = Bravo {
        contest,
        risk_limit: RiskLimit::new(alpha).unwrap(),
    };
    let outcome = polling::run_sequential(&world, &mut measure, 999, 400, 1).unwrap();
    assert_sound(outcome, alpha, "BRAVO, tie reported as 55/45");
}

#[test]
fn harness_catches_an_anti_conservative_measure() {
    let alpha = 0.2;
    let contest = two_way(550, 450, 1000);
    let world = PollingWorld::tied(contest.clone());
    let mut broken = AntiConservative(Bravo {
        contest,
        risk_limit: RiskLimit::new(3.0 * alpha).unwrap(),
    });
    let outcome = polling::run_sequential(&world, &mut broken, 999, 400, 1).unwrap();
    assert!(
        outcome.wilson_interval(Z).low > alpha,
        "a measure stopping at 3α went unnoticed: rate {}",
        outcome.rate()
    );
}

#[test]
fn super_simple_rarely_confirms_a_tied_contest() {
    let alpha = 0.2;
    for two_vote in [false, true] {
        let world = ComparisonWorld::tied(two_way(550, 450, 1000), two_vote).unwrap();
        let mut measure = SuperSimple {
            risk_limit: RiskLimit::new(alpha).unwrap(),
        };
        let outcome = comparison::run_sequential(&world, &mut measure, 999, 400, 2).unwrap();
        assert_sound(
            outcome,
            alpha,
            &format!("super-simple, two-vote errors: {two_vote}"),
        );
    }
}

/// When the outcome is right, BRAVO's mean sample is close to its ASN formula (Arlo bravo.py
/// `get_expected_sample_size`), and super-simple with no errors stops exactly at nMin.
#[test]
fn sample_numbers_match_the_formulas_when_the_outcome_is_right() {
    let alpha = RiskLimit::new(0.1).unwrap();
    let contest = two_way(6000, 4000, 10000);
    let asn = bravo::expected_sample_size(&contest, alpha, &[])
        .unwrap()
        .unwrap()
        .size as f64;
    let mut measure = Bravo {
        contest: contest.clone(),
        risk_limit: alpha,
    };
    let outcome = polling::run_sequential(
        &PollingWorld::correct(contest.clone()),
        &mut measure,
        9999,
        300,
        3,
    )
    .unwrap();
    let mean = outcome.mean_draws();
    assert!((mean - asn).abs() / asn < 0.2, "mean {mean} vs ASN {asn}");

    let world = ComparisonWorld::with_overstatements(contest.clone(), 0.0, 0.0).unwrap();
    let mut km = SuperSimple { risk_limit: alpha };
    let stop = km
        .stopping_draw(&world, &vec![0; 500])
        .unwrap()
        .expect("no errors: the audit stops");
    // With no discrepancies p = (1 − μ/2γ)^n, below α first at this n (Arlo supersimple.py L297-318).
    let mu = contest.diluted_margin();
    let first_below =
        (alpha.alpha().ln() / (-mu / (2.0 * supersimple::GAMMA)).ln_1p()).floor() + 1.0;
    assert_eq!(stop as f64, first_below);
    // nMin uses ln(1 − x) ≤ −x, so it never promises fewer draws than the audit needs.
    let n_min = supersimple::n_min(alpha, mu, &supersimple::DiscrepancyCounts::default()).unwrap();
    assert!(stop <= n_min, "stopped at {stop}, nMin {n_min}");
}

#[test]
fn alpha_rarely_confirms_tied_contests() {
    use simulation::comparison::AlphaComparison;
    use simulation::polling::AlphaPolling;
    let alpha = 0.2;
    let contest = two_way(550, 450, 1000);
    let mut polling_measure = AlphaPolling {
        contest: contest.clone(),
        risk_limit: RiskLimit::new(alpha).unwrap(),
    };
    let outcome = polling::run_sequential(
        &PollingWorld::tied(contest.clone()),
        &mut polling_measure,
        999,
        300,
        4,
    )
    .unwrap();
    assert_sound(outcome, alpha, "ALPHA polling");
    let world = ComparisonWorld::tied(contest, true).unwrap();
    let mut comparison_measure = AlphaComparison {
        risk_limit: RiskLimit::new(alpha).unwrap(),
    };
    let outcome = comparison::run_sequential(&world, &mut comparison_measure, 999, 300, 5).unwrap();
    assert_sound(outcome, alpha, "ALPHA comparison");
}

#[test]
fn macro_rarely_confirms_a_tied_batch_contest() {
    use simulation::batch::{self, BatchWorld};
    let alpha = 0.2;
    let world = BatchWorld::tied(30, 50, 30, 20, 5, 0).unwrap();
    let outcome =
        batch::run_sequential(&world, RiskLimit::new(alpha).unwrap(), 1000, 300, 6).unwrap();
    assert_sound(outcome, alpha, "MACRO");
    // And it stops when the batches are as reported.
    let correct = batch::run_sequential(
        &world.correct(),
        RiskLimit::new(alpha).unwrap(),
        1000,
        20,
        6,
    )
    .unwrap();
    assert_eq!(correct.confirmed, 20);
}

#[test]
fn round_by_round_methods_rarely_confirm_a_tied_contest() {
    use rla_math::plan::Method;
    use simulation::polling::InRounds;
    let alpha = 0.2;
    let contest = two_way(1100, 900, 2000);
    for method in [Method::Minerva, Method::Providence] {
        let audit = InRounds {
            method,
            contest: contest.clone(),
            risk_limit: RiskLimit::new(alpha).unwrap(),
            max_rounds: 3,
        };
        let outcome =
            polling::run_rounds(&PollingWorld::tied(contest.clone()), &audit, 60, 7).unwrap();
        assert_sound(outcome, alpha, &format!("{method} in rounds"));
    }
}
