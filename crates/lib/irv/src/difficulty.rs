//! How hard an assertion is to audit, given the reported tallies of its winner and loser: the four
//! difficulty measures of raire-rs (`raire/src/audit_type.rs`, commit 2349c33; RLA-MATH.md §8).
//!
//! Precision: each measure performs the same floating-point operations, in the same order, as
//! raire-rs, so difficulties agree bit for bit on the same platform (`ln` comes from the platform's
//! libm: within 1 ulp elsewhere). The overall difficulty of a contest is one of these values (a
//! maximum, never a sum), so it agrees bit for bit too. The one deliberate difference: BRAVO with a
//! loser tally of 0, where raire-rs computes `0 · ln 0 = NaN`; here that term is its limit, 0.

use crate::IrvError;

/// How hard it is to audit that a candidate with `winner_tally` votes beats one with `loser_tally`
/// (raire-rs's `AuditType` trait). [`DifficultyMeasure`] provides raire-rs's four; the trait lets a
/// caller supply another, e.g. to reproduce a peer's quirk in a conformance check.
pub trait Difficulty {
    /// Higher means more ballots to sample; infinite means the assertion cannot be audited. Must be
    /// non-increasing in the margin, never NaN.
    fn difficulty(&self, winner_tally: u64, loser_tally: u64) -> f64;

    /// Checks the measure's parameters before a search.
    fn validate(&self) -> Result<(), IrvError> {
        Ok(())
    }
}

impl Difficulty for DifficultyMeasure {
    fn difficulty(&self, winner_tally: u64, loser_tally: u64) -> f64 {
        DifficultyMeasure::difficulty(self, winner_tally, loser_tally)
    }

    fn validate(&self) -> Result<(), IrvError> {
        DifficultyMeasure::validate(self)
    }
}

/// The difficulty measure (raire-rs "audit type"). Higher means more ballots to sample; infinite means
/// the assertion cannot be audited (its margin is not positive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum DifficultyMeasure {
    /// `N / margin`, the reciprocal diluted margin: a proxy for ballot-comparison audits
    /// (audit_type.rs L107-113).
    OneOnMargin { total_auditable_ballots: u64 },
    /// `(N / margin)²`: a proxy for ballot-polling audits (audit_type.rs L124-130).
    OneOnMarginSquared { total_auditable_ballots: u64 },
    /// MACRO ballot-comparison expected sample size `−ln α · 2γN / margin` (audit_type.rs L85-91,
    /// RAIRE paper, Blom, Stuckey & Teague 2019, §3).
    Macro {
        risk_limit: f64,
        error_inflation: f64,
        total_auditable_ballots: u64,
    },
    /// BRAVO ballot-polling average sample number as in the RAIRE paper §3 (audit_type.rs L50-61).
    Bravo {
        risk_limit: f64,
        total_auditable_ballots: u64,
    },
}

impl DifficultyMeasure {
    /// Checks the parameters: risk limit strictly between 0 and 1, error inflation finite and ≥ 1.
    pub fn validate(&self) -> Result<(), IrvError> {
        let risk_ok = |a: f64| a > 0.0 && a < 1.0;
        match *self {
            DifficultyMeasure::OneOnMargin { .. }
            | DifficultyMeasure::OneOnMarginSquared { .. } => Ok(()),
            DifficultyMeasure::Macro {
                risk_limit,
                error_inflation,
                ..
            } => {
                if !risk_ok(risk_limit) {
                    Err(IrvError::InvalidRiskLimit(risk_limit))
                } else if !(error_inflation.is_finite() && error_inflation >= 1.0) {
                    Err(IrvError::InvalidErrorInflation(error_inflation))
                } else {
                    Ok(())
                }
            }
            DifficultyMeasure::Bravo { risk_limit, .. } => {
                if risk_ok(risk_limit) {
                    Ok(())
                } else {
                    Err(IrvError::InvalidRiskLimit(risk_limit))
                }
            }
        }
    }

    /// The total number of auditable ballots `N` the measure dilutes margins by.
    pub fn total_auditable_ballots(&self) -> u64 {
        match *self {
            DifficultyMeasure::OneOnMargin {
                total_auditable_ballots,
            }
            | DifficultyMeasure::OneOnMarginSquared {
                total_auditable_ballots,
            }
            | DifficultyMeasure::Macro {
                total_auditable_ballots,
                ..
            }
            | DifficultyMeasure::Bravo {
                total_auditable_ballots,
                ..
            } => total_auditable_ballots,
        }
    }

    /// Difficulty of showing a candidate with `winner_tally` votes beats one with `loser_tally`;
    /// infinite unless `winner_tally > loser_tally`. Never NaN for valid parameters.
    pub fn difficulty(&self, winner_tally: u64, loser_tally: u64) -> f64 {
        if winner_tally <= loser_tally {
            return f64::INFINITY;
        }
        let margin = (winner_tally - loser_tally) as f64;
        match *self {
            DifficultyMeasure::OneOnMargin {
                total_auditable_ballots,
            } => total_auditable_ballots as f64 / margin,
            DifficultyMeasure::OneOnMarginSquared {
                total_auditable_ballots,
            } => {
                let r = total_auditable_ballots as f64 / margin;
                r * r
            }
            DifficultyMeasure::Macro {
                risk_limit,
                error_inflation,
                total_auditable_ballots,
            } => {
                // u = 2γN / margin, the paper's error-inflated reciprocal diluted margin.
                let u = 2.0 * error_inflation * total_auditable_ballots as f64 / margin;
                -risk_limit.ln() * u
            }
            DifficultyMeasure::Bravo {
                risk_limit,
                total_auditable_ballots,
            } => {
                // ASN = (ln(1/α) + ½ ln 2s) / ((w ln 2s + l ln(2 − 2s)) / N), s = w / (w + l).
                let w = winner_tally as f64;
                let l = loser_tally as f64;
                let s = w / (w + l);
                let two_s = 2.0 * s;
                let ln_two_s = two_s.ln();
                let numerator = 0.5 * ln_two_s - risk_limit.ln();
                let loser_term = if loser_tally == 0 {
                    0.0
                } else {
                    l * (2.0 - two_s).ln()
                };
                let denominator = (w * ln_two_s + loser_term) / total_auditable_ballots as f64;
                numerator / denominator
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// raire-rs `raire/tests/test_paper_examples.rs` (`BRAVO_EG1`, `MACRO`: α = 0.05, γ = 1.1,
    /// N = 60000), `test_example4` (L142) and `test_example6` (L175): the RAIRE paper's examples 4 and 6 on its
    /// table 1 votes. Exclusion 2: {c1, c2, c4} continue with tallies 26000, 10000, 24000, so the
    /// lowest other tally 24000 faces c2's 10000. Exclusion 3: {c1, c4} with 26000 and 30000.
    #[test]
    fn paper_example_values_match_raire_rs_tests() {
        let bravo = DifficultyMeasure::Bravo {
            risk_limit: 0.05,
            total_auditable_ballots: 60000,
        };
        let macro_ = DifficultyMeasure::Macro {
            risk_limit: 0.05,
            error_inflation: 1.1,
            total_auditable_ballots: 60000,
        };
        // Exclusion 2: 64.0 (BRAVO, ±0.1) and 28.2 (MACRO, ±0.1) in raire-rs's assertions.
        assert!((bravo.difficulty(24000, 10000) - 64.0).abs() < 0.1);
        assert!((macro_.difficulty(24000, 10000) - 28.2).abs() < 0.1);
        // Exclusion 3: 1271.6 (BRAVO, ±1) and 98.9 (MACRO, ±0.1).
        assert!((bravo.difficulty(30000, 26000) - 1271.6).abs() < 1.0);
        assert!((macro_.difficulty(30000, 26000) - 98.9).abs() < 0.1);
    }

    #[test]
    fn margins_that_are_not_positive_are_infinitely_hard() {
        let m = DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: 100,
        };
        assert_eq!(m.difficulty(5, 5), f64::INFINITY);
        assert_eq!(m.difficulty(4, 5), f64::INFINITY);
        assert_eq!(m.difficulty(30, 5), 4.0);
        let sq = DifficultyMeasure::OneOnMarginSquared {
            total_auditable_ballots: 100,
        };
        assert_eq!(sq.difficulty(30, 5), 16.0);
    }

    #[test]
    fn bravo_with_an_empty_loser_is_finite() {
        let b = DifficultyMeasure::Bravo {
            risk_limit: 0.05,
            total_auditable_ballots: 1000,
        };
        let d = b.difficulty(400, 0);
        assert!(d.is_finite() && d > 0.0);
        // Continuous at l = 0: a loser with one vote is slightly harder.
        assert!(b.difficulty(400, 1) > d);
    }

    #[test]
    fn parameters_are_validated() {
        let bad = DifficultyMeasure::Bravo {
            risk_limit: 1.0,
            total_auditable_ballots: 1,
        };
        assert_eq!(bad.validate(), Err(IrvError::InvalidRiskLimit(1.0)));
        let bad = DifficultyMeasure::Macro {
            risk_limit: 0.1,
            error_inflation: 0.9,
            total_auditable_ballots: 1,
        };
        assert_eq!(bad.validate(), Err(IrvError::InvalidErrorInflation(0.9)));
    }
}
