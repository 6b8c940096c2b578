//! Soundness simulations for the risk measures in `rla-math`.
//!
//! A risk-limiting audit promises that, if the reported outcome is wrong, the audit confirms it with
//! probability at most the risk limit α. This crate measures that promise instead of assuming it:
//! it builds elections whose reported winner actually lost or tied, runs many simulated audits with
//! each method exactly as the method's own code decides to stop, and counts how often the wrong
//! outcome was confirmed. It also runs audits of correct outcomes and reports how many ballots they
//! examined, to compare with the methods' sample-size formulas.
//!
//! The randomness here is a simulation device (ChaCha8 seeded from a number the caller gives), never
//! the official sample: official samples come from `sampler` and the published seed.

pub mod batch;
pub mod comparison;
pub mod outcome;
pub mod polling;
pub mod scenarios;

pub use outcome::{Interval, Outcome};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The random stream of one trial: a pure function of the run's seed and the trial number, so any
/// trial can be replayed alone and the result does not depend on the order trials are run in.
pub(crate) fn trial_rng(seed: u64, trial: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(trial);
    rng
}

/// Runs `trials` sequential audits: each draws up to `max_draws` items with `draw` (fed a uniform
/// number in [0, 1)), and `stopping_draw` says at which draw (1-based) the audit confirms the reported
/// outcome, if it does. `max_draws` is capped below `population` so that the full-count rule never
/// counts as a confirmation: an audit that has not stopped goes to a full hand count, which reveals
/// the true outcome.
pub(crate) fn run_trials<T>(
    population: u64,
    max_draws: u64,
    trials: u64,
    seed: u64,
    draw: impl Fn(f64) -> T,
    mut stopping_draw: impl FnMut(&[T]) -> Result<Option<u64>, SimulationError>,
) -> Result<Outcome, SimulationError> {
    use rand::RngExt;
    let max_draws = max_draws.min(population.saturating_sub(1));
    let mut outcome = Outcome::default();
    let mut draws = Vec::with_capacity(usize::try_from(max_draws).unwrap_or(0));
    for trial in 0..trials {
        let mut rng = trial_rng(seed, trial);
        draws.clear();
        draws.extend((0..max_draws).map(|_| draw(rng.random::<f64>())));
        match stopping_draw(&draws)? {
            Some(at) => outcome.record(true, at),
            None => outcome.record(false, max_draws),
        }
    }
    Ok(outcome)
}

/// Why a simulation cannot run as asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulationError {
    #[error("the true vote shares must be non-negative and add up to at most 1 (got {0:?})")]
    BadShares(Vec<f64>),
    #[error("the error rates must be non-negative and add up to at most 1")]
    BadErrorRates,
    #[error("{0}")]
    Method(String),
}
