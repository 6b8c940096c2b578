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
    let max_draws = max_draws.min(world.reported.ballots().saturating_sub(1));
    let mut outcome = Outcome::default();
    let mut draws = Vec::with_capacity(max_draws as usize);
    for trial in 0..trials {
        let mut rng = trial_rng(seed, trial);
        draws.clear();
        draws.extend((0..max_draws).map(|_| world.draw(rng.random::<f64>())));
        match measure.stopping_draw(&draws)? {
            Some(at) => outcome.record(true, at),
            None => outcome.record(false, max_draws),
        }
    }
    Ok(outcome)
}
