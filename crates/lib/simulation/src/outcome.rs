//! Counting outcomes of simulated audits and putting a confidence interval around the rate.

/// What happened in a batch of simulated audits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Outcome {
    pub trials: u64,
    /// Audits that stopped by confirming the reported outcome (an error when it is wrong).
    pub confirmed: u64,
    /// Ballot draws (or batch draws) examined, summed over all trials.
    pub draws: u64,
    /// Audits that went to a full hand count.
    pub full_counts: u64,
}

impl Outcome {
    pub fn record(&mut self, confirmed: bool, draws: u64) {
        self.trials += 1;
        self.draws += draws;
        if confirmed {
            self.confirmed += 1;
        } else {
            self.full_counts += 1;
        }
    }

    /// Fraction of trials that confirmed the reported outcome.
    pub fn rate(&self) -> f64 {
        if self.trials == 0 {
            0.0
        } else {
            self.confirmed as f64 / self.trials as f64
        }
    }

    /// Mean draws per trial.
    pub fn mean_draws(&self) -> f64 {
        if self.trials == 0 {
            0.0
        } else {
            self.draws as f64 / self.trials as f64
        }
    }

    /// The Wilson score interval for the confirmation rate at normal quantile `z` (1.96 for 95 %).
    /// Chosen over the normal approximation because rates near 0 are the interesting case here.
    pub fn wilson_interval(&self, z: f64) -> Interval {
        wilson(self.confirmed, self.trials, z)
    }
}

/// A two-sided confidence interval for a probability.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// Wilson (1927) score interval for `successes` out of `trials`.
pub fn wilson(successes: u64, trials: u64, z: f64) -> Interval {
    if trials == 0 {
        return Interval {
            low: 0.0,
            high: 1.0,
        };
    }
    let n = trials as f64;
    let p = successes as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let center = (p + z2 / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Interval {
        low: (center - half).max(0.0),
        high: (center + half).min(1.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_published_example() {
        // Newcombe (1998), Table I, example (a): 81/263 → 0.2553 to 0.3662.
        let i = wilson(81, 263, 1.959964);
        assert!((i.low - 0.2553).abs() < 5e-5, "{i:?}");
        assert!((i.high - 0.3662).abs() < 5e-5, "{i:?}");
        let zero = wilson(0, 100, 1.959964);
        assert_eq!(zero.low, 0.0);
        assert!((zero.high - 0.0370).abs() < 5e-5, "{zero:?}");
    }
}
