//! A work budget, so that a pathological contest ends with a clear error instead of running for
//! hours or exhausting memory. The library has no clock (pure functions only), so the budget counts
//! units of work: one tally of the ballots for a set of continuing candidates, one comparison of the
//! assertions for an elimination step (each remembered, so the budget also bounds memory), or one
//! step of a search.

use crate::IrvError;

/// Default budget: about 100 times what the hardest NSW 2021 mayoral contest needs (City of Coffs
/// Harbour, 10 candidates), and small enough to stop within seconds and a few hundred megabytes.
pub const DEFAULT_MAX_WORK: u64 = 5_000_000;

#[derive(Debug, Clone)]
pub(crate) struct Work {
    done: u64,
    limit: u64,
}

impl Work {
    pub(crate) fn new(limit: u64) -> Work {
        Work { done: 0, limit }
    }

    pub(crate) fn done(&self) -> u64 {
        self.done
    }

    /// Units left before the limit.
    pub(crate) fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.done)
    }

    /// Counts `units` spent elsewhere (e.g. under a sub-budget).
    pub(crate) fn add(&mut self, units: u64) {
        self.done = self.done.saturating_add(units);
    }

    /// Counts one unit; fails once the budget is spent. `bound` is the best difficulty bound known so
    /// far, reported in the error.
    pub(crate) fn tick(&mut self, stage: &'static str, bound: Option<f64>) -> Result<(), IrvError> {
        self.done += 1;
        if self.done > self.limit {
            Err(IrvError::WorkLimitExceeded {
                stage,
                work: self.done,
                limit: self.limit,
                bound,
            })
        } else {
            Ok(())
        }
    }
}
