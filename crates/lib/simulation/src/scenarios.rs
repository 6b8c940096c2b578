//! The standard soundness suite that `ballotproof simulate` runs and `docs/STATISTICS.md` reports:
//! for each method, elections whose reported winner actually tied, and the same elections reported
//! correctly, to compare the ballots examined with the method's own estimate.

use rla_math::plan::{self, Method};
use rla_math::{Contest, RiskLimit};

use crate::batch::{self, BatchWorld};
use crate::comparison::{self, AlphaComparison, ComparisonWorld, SuperSimple};
use crate::polling::{self, AlphaPolling, Bravo, InRounds, PollingWorld};
use crate::{Interval, Outcome, SimulationError};

/// How big a run to make.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub risk_limit: RiskLimit,
    /// Trials for methods checked after every draw.
    pub trials: u64,
    /// Trials for round-by-round methods (each round costs a sample-size search).
    pub round_trials: u64,
    pub seed: u64,
    /// Ballots in the polling and comparison contests.
    pub ballots: u64,
}

/// One method on one world.
#[derive(Debug, Clone)]
pub struct Row {
    pub world: String,
    pub method: String,
    /// True when the reported outcome is wrong (a confirmation is an error).
    pub wrong_outcome: bool,
    pub outcome: Outcome,
    /// The method's own estimate of the ballots (or batches) it needs when the outcome is right.
    pub estimate: Option<u64>,
}

impl Row {
    pub fn interval(&self) -> Interval {
        self.outcome.wilson_interval(1.959964)
    }

    /// For a wrong outcome: the confirmation rate is not significantly above α — its 99.9 % Wilson
    /// interval reaches down to α or below. The strict level keeps the chance of a false alarm
    /// across the suite's rows small (a 95 % interval would flag a sound method in about one run in
    /// five, since tests built on martingales confirm at a rate just below α in these worlds).
    pub fn sound(&self, risk_limit: RiskLimit) -> bool {
        !self.wrong_outcome || self.outcome.wilson_interval(3.290527).low <= risk_limit.alpha()
    }
}

/// Runs the whole suite, calling `progress(done, total)` after each row.
pub fn run(
    config: &Config,
    mut progress: impl FnMut(usize, usize),
) -> Result<Vec<Row>, SimulationError> {
    let total = 15;
    let mut rows = Vec::new();
    let mut push = |row: Row, rows: &mut Vec<Row>| {
        rows.push(row);
        progress(rows.len(), total);
    };
    let alpha = config.risk_limit;
    let n = config.ballots;
    let reported = Contest::new(
        "55/45",
        [("Winner", n * 55 / 100), ("Loser", n * 45 / 100)],
        n,
        1,
        1,
    )
    .map_err(|e| SimulationError::Method(e.to_string()))?;
    // The method's own round-one size: the ASN for sequential methods (the mean they should need),
    // the 90 %-chance size for round-by-round methods (the first round the simulation draws).
    let estimate = |method: Method, chance: f64| {
        plan::sample_size_options(method, &reported, alpha, None)
            .ok()
            .and_then(|o| {
                o.iter()
                    .min_by(|a, b| {
                        let d = |x: &plan::SizeOption| {
                            (x.completion_probability.unwrap_or(chance) - chance).abs()
                        };
                        d(a).total_cmp(&d(b))
                    })
                    .map(|x| x.size)
            })
    };
    let max_draws = n - 1;

    // Ballot polling.
    let worlds = [
        (
            "polling: reported 55/45, paper tied",
            PollingWorld::tied(reported.clone()),
            true,
        ),
        (
            "polling: reported 55/45, paper as reported",
            PollingWorld::correct(reported.clone()),
            false,
        ),
    ];
    for (name, world, wrong) in &worlds {
        let mut bravo = Bravo {
            contest: reported.clone(),
            risk_limit: alpha,
        };
        push(
            Row {
                world: name.to_string(),
                method: "BRAVO (every draw)".into(),
                wrong_outcome: *wrong,
                outcome: polling::run_sequential(
                    world,
                    &mut bravo,
                    max_draws,
                    config.trials,
                    config.seed,
                )?,
                estimate: estimate(Method::Bravo, 0.5),
            },
            &mut rows,
        );
        let mut alpha_polling = AlphaPolling {
            contest: reported.clone(),
            risk_limit: alpha,
        };
        push(
            Row {
                world: name.to_string(),
                method: "ALPHA polling (every draw)".into(),
                wrong_outcome: *wrong,
                outcome: polling::run_sequential(
                    world,
                    &mut alpha_polling,
                    max_draws,
                    config.trials,
                    config.seed + 1,
                )?,
                estimate: estimate(Method::AlphaPolling, 0.5),
            },
            &mut rows,
        );
        for (label, method) in [
            ("MINERVA (rounds)", Method::Minerva),
            ("Providence (rounds)", Method::Providence),
        ] {
            let audit = InRounds {
                method,
                contest: reported.clone(),
                risk_limit: alpha,
                max_rounds: 5,
            };
            push(
                Row {
                    world: name.to_string(),
                    method: label.into(),
                    wrong_outcome: *wrong,
                    outcome: polling::run_rounds(
                        world,
                        &audit,
                        config.round_trials,
                        config.seed + 2,
                    )?,
                    estimate: estimate(method, 0.9),
                },
                &mut rows,
            );
        }
    }

    // Ballot comparison.
    let worlds = [
        (
            "comparison: 55/45, one-vote overstatements erase the margin",
            ComparisonWorld::tied(reported.clone(), false)?,
            true,
        ),
        (
            "comparison: 55/45, two-vote overstatements erase the margin",
            ComparisonWorld::tied(reported.clone(), true)?,
            true,
        ),
        (
            "comparison: 55/45, no errors",
            ComparisonWorld::with_overstatements(reported.clone(), 0.0, 0.0)?,
            false,
        ),
    ];
    for (name, world, wrong) in &worlds {
        let mut km = SuperSimple { risk_limit: alpha };
        push(
            Row {
                world: name.to_string(),
                method: "Kaplan-Markov (every draw)".into(),
                wrong_outcome: *wrong,
                outcome: comparison::run_sequential(
                    world,
                    &mut km,
                    max_draws,
                    config.trials,
                    config.seed + 3,
                )?,
                estimate: estimate(Method::SuperSimple, 0.5),
            },
            &mut rows,
        );
        if *wrong {
            let mut a = AlphaComparison { risk_limit: alpha };
            push(
                Row {
                    world: name.to_string(),
                    method: "ALPHA comparison (every draw)".into(),
                    wrong_outcome: true,
                    outcome: comparison::run_sequential(
                        world,
                        &mut a,
                        max_draws,
                        config.trials,
                        config.seed + 4,
                    )?,
                    estimate: estimate(Method::AlphaComparison, 0.5),
                },
                &mut rows,
            );
        }
    }

    // Batch comparison: 100 batches of 100 ballots, errors concentrated in 10 batches.
    let tied = BatchWorld::tied(100, 100, 55, 45, 10, 0)?;
    let macro_estimate = tied
        .contest
        .sample_size(alpha, &rla_math::macro_batch::Observed::default())
        .ok()
        .map(|s| s as u64);
    for (name, world, wrong) in [
        (
            "batches: 100 × 55/45, 10 batches carry errors that tie the contest",
            &tied,
            true,
        ),
        ("batches: 100 × 55/45, as reported", &tied.correct(), false),
    ] {
        push(
            Row {
                world: name.to_string(),
                method: "MACRO (every draw)".into(),
                wrong_outcome: wrong,
                outcome: batch::run_sequential(
                    world,
                    alpha,
                    10_000,
                    config.trials,
                    config.seed + 5,
                )?,
                estimate: macro_estimate,
            },
            &mut rows,
        );
    }
    Ok(rows)
}
