//! The risk limit: the largest chance the audit may accept a wrong outcome.
//!
//! Any value strictly between 0 and 1 is allowed (0.5 % included); Arlo only takes integer percents,
//! and callers reproducing Arlo's numbers pass `from_percent` with an integer.

use std::fmt;

use thiserror::Error;

/// A validated risk limit `α` in (0, 1).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct RiskLimit(f64);

#[derive(Debug, Clone, Copy, PartialEq, Error)]
#[error(
    "risk limit {0} is not between 0 and 1 (exclusive); give it as a fraction such as 0.05, or as a percent such as 5%"
)]
pub struct RiskLimitError(pub f64);

impl RiskLimit {
    pub fn new(alpha: f64) -> Result<Self, RiskLimitError> {
        if alpha > 0.0 && alpha < 1.0 {
            Ok(RiskLimit(alpha))
        } else {
            Err(RiskLimitError(alpha))
        }
    }

    /// From a percent, e.g. `from_percent(5.0)` is α = 0.05 (computed as `percent / 100`, as Arlo does).
    pub fn from_percent(percent: f64) -> Result<Self, RiskLimitError> {
        RiskLimit::new(percent / 100.0).map_err(|_| RiskLimitError(percent / 100.0))
    }

    pub fn alpha(self) -> f64 {
        self.0
    }
}

impl fmt::Display for RiskLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", self.0 * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_fractions_strictly_inside_unit_interval() {
        assert_eq!(RiskLimit::new(0.005).unwrap().alpha(), 0.005);
        assert_eq!(RiskLimit::from_percent(5.0).unwrap().alpha(), 0.05);
        for bad in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert!(RiskLimit::new(bad).is_err(), "{bad} accepted");
        }
    }
}
