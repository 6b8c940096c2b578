//! Ballot-polling simulations: ballots drawn with replacement from a "true" electorate, audited with a
//! polling risk measure that only sees the reported results and the drawn votes.

use rand::RngExt;
use rla_math::bravo::{self, PollingRound};
use rla_math::{Contest, RiskLimit};

use crate::{Outcome, SimulationError, trial_rng};

/// An electorate: the results the audit is told (`reported`) and the vote shares that are actually
/// on the paper (`true_shares`, one per choice in the contest's order; the rest of the ballots have
/// no vote in the contest).
#[derive(Debug, Clone)]
pub struct PollingWorld {
    pub reported: Contest,
    pub true_shares: Vec<f64>,
}

impl PollingWorld {
    pub fn new(reported: Contest, true_shares: Vec<f64>) -> Result<PollingWorld, SimulationError> {
        let total: f64 = true_shares.iter().sum();
        if true_shares.len() != reported.choices().len()
            || true_shares.iter().any(|s| s.is_nan() || *s < 0.0)
            || total > 1.0 + 1e-12
        {
            return Err(SimulationError::BadShares(true_shares));
        }
        Ok(PollingWorld {
            reported,
            true_shares,
        })
    }

    /// The world where the paper says what was reported.
    pub fn correct(reported: Contest) -> PollingWorld {
        let n = reported.ballots().max(1) as f64;
        let shares = reported
            .choices()
            .iter()
            .map(|c| c.votes as f64 / n)
            .collect();
        PollingWorld {
            reported,
            true_shares: shares,
        }
    }

    /// The world where the reported winner and runner-up are actually tied: their combined share is
    /// split evenly, every other choice keeps its reported share. Single-winner contests only.
    pub fn tied(reported: Contest) -> PollingWorld {
        let mut world = PollingWorld::correct(reported);
        let winner = world.reported.winner_indices().first().copied();
        let runner_up = world
            .reported
            .loser_indices()
            .into_iter()
            .max_by_key(|&i| world.reported.votes(i));
        if let (Some(w), Some(l)) = (winner, runner_up) {
            let half = (world.true_shares[w] + world.true_shares[l]) / 2.0;
            world.true_shares[w] = half;
            world.true_shares[l] = half;
        }
        world
    }

    /// Draws the choice on one random ballot (`None`: no vote in the contest).
    fn draw(&self, u: f64) -> Option<usize> {
        let mut acc = 0.0;
        for (i, s) in self.true_shares.iter().enumerate() {
            acc += s;
            if u < acc {
                return Some(i);
            }
        }
        None
    }
}

/// A polling risk measure run sequentially: given the votes on the ballots drawn so far, in draw
/// order, at which draw (1-based) does it stop and confirm the reported outcome?
pub trait PollingMeasure {
    fn stopping_draw(&mut self, draws: &[Option<usize>]) -> Result<Option<u64>, SimulationError>;
}

/// BRAVO as `rla_math::bravo::risk` decides, checked after every draw (BRAVO is a sequential
/// probability ratio test, so stopping at any draw is allowed).
#[derive(Debug, Clone)]
pub struct Bravo {
    pub contest: Contest,
    pub risk_limit: RiskLimit,
}

impl PollingMeasure for Bravo {
    fn stopping_draw(&mut self, draws: &[Option<usize>]) -> Result<Option<u64>, SimulationError> {
        let mut round = PollingRound {
            draws: 0,
            votes: vec![0; self.contest.choices().len()],
            not_found: 0,
        };
        for (i, choice) in draws.iter().enumerate() {
            round.draws += 1;
            let Some(c) = *choice else { continue };
            if let Some(v) = round.votes.get_mut(c) {
                *v += 1;
            }
            // The statistic only grows on a vote for a winner, so only then can the audit stop.
            if !self.contest.is_winner(c) {
                continue;
            }
            let risk = bravo::risk(&self.contest, self.risk_limit, std::slice::from_ref(&round))
                .map_err(|e| SimulationError::Method(e.to_string()))?;
            if risk.risk_limit_met {
                return Ok(Some(i as u64 + 1));
            }
        }
        Ok(None)
    }
}

/// Runs `trials` sequential audits of `world`, each drawing up to `max_draws` ballots with
/// replacement; an audit that has not stopped by then goes to a full hand count, which reveals the
/// true outcome. `max_draws` must be below the number of ballots so that the measure itself, not the
/// full-count rule, decides every confirmation.
pub fn run_sequential(
    world: &PollingWorld,
    measure: &mut impl PollingMeasure,
    max_draws: u64,
    trials: u64,
    seed: u64,
) -> Result<Outcome, SimulationError> {
    crate::run_trials(
        world.reported.ballots(),
        max_draws,
        trials,
        seed,
        |u| world.draw(u),
        |draws| measure.stopping_draw(draws),
    )
}

/// SHANGRLA's ALPHA on the plurality assorter of every (winner, loser) pair, with shrink–truncate
/// started at the reported assorter mean (as `rla_math::plan` offers it), checked after every draw.
/// The pairs are audited on the same draws; the audit stops at the first draw where every pair's
/// p-value is at or below α. Sampling is with replacement here (population `N = ∞`), so that the
/// same draws serve every method in this module.
#[derive(Debug, Clone)]
pub struct AlphaPolling {
    pub contest: Contest,
    pub risk_limit: RiskLimit,
}

impl PollingMeasure for AlphaPolling {
    fn stopping_draw(&mut self, draws: &[Option<usize>]) -> Result<Option<u64>, SimulationError> {
        use rla_math::shangrla::alpha::{AlphaTest, Estimator, Eta, Population, ShrinkTrunc};
        let n = self.contest.ballots() as f64;
        let mut histories = Vec::new();
        for (w, l) in self.contest.pairs() {
            let (vw, vl) = (self.contest.votes(w) as f64, self.contest.votes(l) as f64);
            let eta = (vw + (n - vw - vl) / 2.0) / n;
            let test = AlphaTest::new(
                0.5,
                1.0,
                Population::Infinite,
                Estimator::ShrinkTrunc(ShrinkTrunc {
                    eta: Eta::Value(eta),
                    ..ShrinkTrunc::default()
                }),
            )
            .map_err(|e| SimulationError::Method(e.to_string()))?;
            let x: Vec<f64> = draws
                .iter()
                .map(|d| match *d {
                    Some(c) if c == w => 1.0,
                    Some(c) if c == l => 0.0,
                    _ => 0.5,
                })
                .collect();
            if x.is_empty() {
                return Ok(None);
            }
            let outcome = test
                .run(&x)
                .map_err(|e| SimulationError::Method(e.to_string()))?;
            histories.push(outcome.p_history);
        }
        // The p-value reported after draw j is the minimum of the history so far (sequentially
        // valid); the audit stops when that is ≤ α for every pair at once.
        let alpha = self.risk_limit.alpha();
        let len = draws.len();
        let mut running_min: Vec<f64> = vec![1.0; histories.len()];
        for j in 0..len {
            for (k, h) in histories.iter().enumerate() {
                if let Some(&p) = h.get(j) {
                    running_min[k] = running_min[k].min(p);
                }
            }
            if running_min.iter().all(|&p| p <= alpha) {
                return Ok(Some(j as u64 + 1));
            }
        }
        Ok(None)
    }
}

/// A round-by-round polling method (MINERVA, Providence or BRAVO run in rounds, as Arlo runs them):
/// each round draws the method's own 90 %-chance size, then measures the risk.
#[derive(Debug, Clone)]
pub struct InRounds {
    pub method: rla_math::plan::Method,
    pub contest: Contest,
    pub risk_limit: RiskLimit,
    /// Rounds before the audit gives up and counts every ballot by hand.
    pub max_rounds: usize,
}

/// Runs `trials` round-based audits of `world`. Each round's size comes from the method's own
/// next-round estimate (the option closest to a 90 % chance of finishing); after `max_rounds`
/// rounds without meeting the risk limit the audit goes to a full hand count.
pub fn run_rounds(
    world: &PollingWorld,
    audit: &InRounds,
    trials: u64,
    seed: u64,
) -> Result<Outcome, SimulationError> {
    use rla_math::plan::{self, Observed};
    let method_error = |e: rla_math::plan::PlanError| SimulationError::Method(e.to_string());
    let mut outcome = Outcome::default();
    for trial in 0..trials {
        let mut rng = trial_rng(seed, trial);
        let mut rounds: Vec<PollingRound> = Vec::new();
        let mut drawn = 0u64;
        let mut confirmed = false;
        for _ in 0..audit.max_rounds {
            let observed = (!rounds.is_empty()).then_some(Observed::PollingRounds(&rounds));
            let options =
                plan::sample_size_options(audit.method, &audit.contest, audit.risk_limit, observed)
                    .map_err(method_error)?;
            let Some(target) = options
                .iter()
                .filter(|o| !o.full_hand_count)
                .min_by(|a, b| {
                    let d = |o: &rla_math::plan::SizeOption| {
                        (o.completion_probability.unwrap_or(0.9) - 0.9).abs()
                    };
                    d(a).total_cmp(&d(b))
                })
            else {
                break;
            };
            let this_round = if target.cumulative {
                target.size.saturating_sub(drawn)
            } else {
                target.size
            };
            if this_round == 0 || drawn + this_round >= audit.contest.ballots() {
                break;
            }
            let mut votes = vec![0u64; audit.contest.choices().len()];
            for _ in 0..this_round {
                if let Some(c) = world.draw(rng.random::<f64>())
                    && let Some(v) = votes.get_mut(c)
                {
                    *v += 1;
                }
            }
            drawn += this_round;
            rounds.push(PollingRound {
                draws: this_round,
                votes,
                not_found: 0,
            });
            let risk = plan::risk(
                audit.method,
                &audit.contest,
                audit.risk_limit,
                Observed::PollingRounds(&rounds),
            )
            .map_err(method_error)?;
            if risk.risk_limit_met {
                confirmed = true;
                break;
            }
        }
        outcome.record(confirmed, drawn);
    }
    Ok(outcome)
}
