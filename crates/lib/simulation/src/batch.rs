//! Batch-comparison simulations: batches drawn with probability proportional to their error bound
//! (PPEB), hand-counted, and measured with MACRO (`rla_math::macro_batch`).

use rand::RngExt;
use rla_math::macro_batch::{AuditedBatch, MacroContest, MacroOptions, Observed, ReportedBatch};
use rla_math::{Contest, RiskLimit};

use crate::{Outcome, SimulationError, trial_rng};

/// Batches with reported and true votes per choice (same choice order as the contest).
#[derive(Debug, Clone)]
pub struct BatchWorld {
    pub contest: MacroContest,
    pub true_votes: Vec<Vec<u64>>,
}

impl BatchWorld {
    /// `batches` batches of `ballots_each` ballots, every one reported as `winner`/`loser` votes (the
    /// rest blank). In the first `wrong_batches` batches the paper shows votes moved from the winner
    /// to the loser, as evenly as possible, enough in total to erase the reported margin: the true
    /// outcome is a tie (or the loser wins, when `flip_extra` votes more are moved).
    pub fn tied(
        batches: usize,
        ballots_each: u64,
        winner: u64,
        loser: u64,
        wrong_batches: usize,
        flip_extra: u64,
    ) -> Result<BatchWorld, SimulationError> {
        let method = |e: rla_math::macro_batch::MacroError| SimulationError::Method(e.to_string());
        let n = batches as u64;
        let contest = Contest::new(
            "Batch contest",
            [("Winner", winner * n), ("Loser", loser * n)],
            ballots_each * n,
            1,
            1,
        )
        .map_err(|e| SimulationError::Method(e.to_string()))?;
        let reported: Vec<ReportedBatch> = (0..batches)
            .map(|i| ReportedBatch::new(format!("Batch {i}"), vec![winner, loser], ballots_each))
            .collect();
        let margin = (winner - loser) * n;
        let to_move = margin.div_ceil(2) + flip_extra;
        let wrong = wrong_batches.clamp(1, batches) as u64;
        let mut true_votes = vec![vec![winner, loser]; batches];
        for (i, votes) in true_votes.iter_mut().enumerate().take(wrong as usize) {
            let share = to_move / wrong + u64::from((i as u64) < to_move % wrong);
            let moved = share.min(votes[0]);
            votes[0] -= moved;
            votes[1] += moved;
        }
        Ok(BatchWorld {
            contest: MacroContest::new(&contest, MacroOptions::default(), reported)
                .map_err(method)?,
            true_votes,
        })
    }

    /// The same batches with the paper as reported.
    pub fn correct(&self) -> BatchWorld {
        BatchWorld {
            contest: self.contest.clone(),
            true_votes: self
                .contest
                .batches()
                .iter()
                .map(|b| {
                    b.tally
                        .as_ref()
                        .map(|t| t.votes.clone())
                        .unwrap_or_default()
                })
                .collect(),
        }
    }
}

/// Runs `trials` sequential MACRO audits: each draw picks a batch with probability u_p/U (with
/// replacement), the batch's true votes are counted, and the risk is measured after every draw. An
/// audit that draws `max_draws` times without meeting the risk limit counts every batch by hand.
pub fn run_sequential(
    world: &BatchWorld,
    risk_limit: RiskLimit,
    max_draws: u64,
    trials: u64,
    seed: u64,
) -> Result<Outcome, SimulationError> {
    let method = |e: rla_math::macro_batch::MacroError| SimulationError::Method(e.to_string());
    let weights = world.contest.ppeb_weights().map_err(method)?;
    let mut cumulative = Vec::with_capacity(weights.len());
    let mut acc = 0.0;
    for w in &weights {
        acc += w;
        cumulative.push(acc);
    }
    let mut outcome = Outcome::default();
    for trial in 0..trials {
        let mut rng = trial_rng(seed, trial);
        let mut observed = Observed::default();
        let mut confirmed = false;
        let mut draws = 0;
        while draws < max_draws {
            let u = rng.random::<f64>() * acc;
            let batch = cumulative
                .partition_point(|&c| c <= u)
                .min(weights.len() - 1);
            draws += 1;
            match observed.audited.iter_mut().find(|a| a.batch == batch) {
                Some(a) => a.times_drawn += 1,
                None => observed.audited.push(AuditedBatch {
                    batch,
                    times_drawn: 1,
                    votes: world.true_votes.get(batch).cloned().unwrap_or_default(),
                }),
            }
            if observed.audited.len() == weights.len() {
                break; // every batch counted: the truth is known
            }
            if world
                .contest
                .risk(&observed, risk_limit)
                .map_err(method)?
                .risk_limit_met
            {
                confirmed = true;
                break;
            }
        }
        outcome.record(confirmed, draws);
    }
    Ok(outcome)
}
