//! The two strata of a SUITE hybrid audit and their p-values for a null hypothesis that puts a share
//! `λ` of the reported winner–loser margin in the stratum (Arlo `audit_math/suite.py`).

use std::collections::BTreeMap;

use crate::shangrla::numeric::numpy_sum;

use super::brent::{BrentError, brentq};
use super::{GAMMA, SuiteError};

/// Overstatements and understatements found in the comparison stratum's sample for one
/// (winner, loser) pair: `o1`, `o2` one- and two-vote overstatements, `u1`, `u2` understatements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Misstatements {
    pub o1: u64,
    pub o2: u64,
    pub u1: u64,
    pub u2: u64,
}

impl Misstatements {
    /// Counts from per-ballot discrepancies (`counted_as` of Arlo's super-simple `discrepancy`: +1, +2
    /// for overstatements). Understatements are ignored, as Arlo's `suite.misstatements` does, to stay
    /// conservative.
    pub fn from_discrepancies(counted_as: impl IntoIterator<Item = i64>) -> Misstatements {
        let mut m = Misstatements::default();
        for d in counted_as {
            match d {
                1 => m.o1 += 1,
                2 => m.o2 += 1,
                _ => {}
            }
        }
        m
    }
}

/// The ballot-comparison (CVR) stratum (`BallotComparisonStratum`).
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonStratum {
    /// Ballots cast in the stratum.
    pub ballots: u64,
    /// Reported votes per choice in the stratum.
    pub vote_totals: BTreeMap<String, u64>,
    /// Misstatements found so far, per (winner, loser). A pair without an entry has none (Arlo
    /// requires an entry).
    pub misstatements: BTreeMap<(String, String), Misstatements>,
    /// Ballots sampled so far.
    pub sample_size: u64,
}

/// The ballot-polling (no-CVR) stratum (`BallotPollingStratum`).
#[derive(Debug, Clone, PartialEq)]
pub struct PollingStratum {
    /// Ballots cast in the stratum.
    pub ballots: u64,
    /// Reported votes per choice in the stratum.
    pub vote_totals: BTreeMap<String, u64>,
    /// Votes per choice in the sample so far, all rounds added together.
    pub sample: BTreeMap<String, u64>,
    /// Ballots sampled so far.
    pub sample_size: u64,
}

pub(crate) fn votes(
    totals: &BTreeMap<String, u64>,
    choice: &str,
    stratum: &'static str,
) -> Result<i64, SuiteError> {
    totals
        .get(choice)
        .map(|&v| v as i64)
        .ok_or_else(|| SuiteError::UnknownChoice {
            choice: choice.to_string(),
            stratum,
        })
}

impl ComparisonStratum {
    /// The misstatements recorded for a pair (none if absent).
    pub fn misstatements_for(&self, winner: &str, loser: &str) -> Misstatements {
        self.misstatements
            .get(&(winner.to_string(), loser.to_string()))
            .copied()
            .unwrap_or_default()
    }

    /// The Kaplan–Markov p-value for the hypothesis that the stratum's overstatement of the margin is
    /// `λ·V` (`BallotComparisonStratum.compute_pvalue`, suite.py L229-271):
    ///
    /// `log p = n·ln(1 − λ/(γ·U)) − o1·ln(1 − 1/(2γ)) − o2·ln(1 − 1/γ) − u1·ln(1 + 1/(2γ)) − u2·ln(1 + 1/γ)`
    ///
    /// with `U = 2N/V` and `γ = 1.03905`; 1 when nothing was sampled, the margin is 0 or
    /// `λ ≥ γ·U`; 0 when every ballot was sampled.
    ///
    /// Precision: Arlo evaluates this in 28-digit `Decimal`; here `ln(1 − x)` is `ln_1p(−x)` in
    /// doubles, which keeps the relative error near `10⁻¹⁶·(1 + |log p|)`.
    pub fn p_value(
        &self,
        reported_margin: i64,
        winner: &str,
        loser: &str,
        null_lambda: f64,
    ) -> Result<f64, SuiteError> {
        if self.sample_size == 0 || reported_margin == 0 {
            return Ok(1.0);
        }
        if self.sample_size == self.ballots {
            return Ok(0.0);
        }
        let m = self.misstatements_for(winner, loser);
        let u = 2.0 * self.ballots as f64 / reported_margin as f64;
        let x = null_lambda / (GAMMA * u);
        if x.is_nan() {
            return Err(SuiteError::NotANumber {
                what: "comparison-stratum p-value",
            });
        }
        if x >= 1.0 {
            // 1 − λ/(γU) ≤ 0: the alternative is impossible for this λ.
            return Ok(1.0);
        }
        let log_p = self.sample_size as f64 * (-x).ln_1p()
            - m.o1 as f64 * (-1.0 / (2.0 * GAMMA)).ln_1p()
            - m.o2 as f64 * (-1.0 / GAMMA).ln_1p()
            - m.u1 as f64 * (1.0 / (2.0 * GAMMA)).ln_1p()
            - m.u2 as f64 * (1.0 / GAMMA).ln_1p();
        Ok(log_p.exp().min(1.0))
    }
}

/// `Σ_{i<count} ln(base − i)` as NumPy sums `np.log(base − np.arange(count))`.
fn sum_log_down(base: f64, count: i64) -> f64 {
    let logs: Vec<f64> = (0..count.max(0)).map(|i| (base - i as f64).ln()).collect();
    numpy_sum(&logs)
}

/// `Σ_{i<count} 1/(base − i)`.
fn sum_recip_down(base: f64, count: i64) -> f64 {
    let terms: Vec<f64> = (0..count.max(0)).map(|i| 1.0 / (base - i as f64)).collect();
    numpy_sum(&terms)
}

impl PollingStratum {
    /// The likelihood-ratio p-value for sampling without replacement, maximised over the nuisance
    /// parameter (`BallotPollingStratum.compute_pvalue`, suite.py L86-173).
    ///
    /// Under the null the stratum's winner–loser margin is `(V_w − V_l) − λ·V`; with `N_w` the
    /// unknown winner total, the null log-likelihood of the sample is
    /// `Σ ln(N_w − i) + Σ ln(N_w − c − i) + Σ ln(N − 2N_w + c − i)` (`c` the null margin), maximised
    /// over `N_w` between its feasible limits (at an end, or where the derivative vanishes, found
    /// with Brent's method as Arlo does with `scipy.optimize.brentq`). The p-value is
    /// `min(1, 1/LR)` with `LR` the ratio of the reported-totals likelihood to that maximum;
    /// 1 with no sample or a zero margin or a sample the reported totals cannot produce; 0 when the
    /// null margin is impossible given the sample.
    ///
    /// Precision: NumPy's summation order; the root to SciPy's tolerance (2·10⁻¹²), where the
    /// log-likelihood is flat to first order, so the p-value agrees with Arlo's to ~10⁻¹².
    pub fn p_value(
        &self,
        reported_margin: i64,
        winner: &str,
        loser: &str,
        null_lambda: f64,
    ) -> Result<f64, SuiteError> {
        if self.sample_size == 0 || reported_margin == 0 {
            return Ok(1.0);
        }
        let sampled = |c: &str| self.sample.get(c).copied().unwrap_or(0) as i64;
        let (n_w, n_l) = (sampled(winner), sampled(loser));
        let n_u = self.sample_size as i64 - n_w - n_l;
        let v_w = votes(&self.vote_totals, winner, "ballot-polling")?;
        let v_l = votes(&self.vote_totals, loser, "ballot-polling")?;
        let big_n = self.ballots as i64;
        let v_u = big_n - v_w - v_l;
        let null_margin = (v_w - v_l) as f64 - null_lambda * reported_margin as f64;

        if !(v_w >= n_w && v_l >= n_l && v_u >= n_u) {
            return Ok(1.0);
        }
        let alt_log_lr = sum_log_down(v_w as f64, n_w)
            + sum_log_down(v_l as f64, n_l)
            + sum_log_down(v_u as f64, n_u);
        let null_log_lr = |nw: f64| {
            sum_log_down(nw, n_w)
                + sum_log_down(nw - null_margin, n_l)
                + sum_log_down(big_n as f64 - 2.0 * nw + null_margin, n_u)
        };
        let upper = ((big_n - n_u) as f64 + null_margin) / 2.0;
        let lower = (n_w as f64).max(n_l as f64 + null_margin);
        if upper < n_w as f64 || upper - null_margin < n_l as f64 {
            return Ok(0.0);
        }
        let derivative = |nw: f64| {
            sum_recip_down(nw, n_w) + sum_recip_down(nw - null_margin, n_l)
                - 2.0 * sum_recip_down(big_n as f64 - 2.0 * nw + null_margin, n_u)
        };
        let nuisance = if derivative(upper) * derivative(lower) > 0.0 {
            if null_log_lr(upper) >= null_log_lr(lower) {
                upper
            } else {
                lower
            }
        } else {
            brentq(derivative, lower, upper).map_err(|e| match e {
                BrentError::NotBracketed | BrentError::NoConvergence => SuiteError::NotANumber {
                    what: "ballot-polling nuisance parameter",
                },
            })?
        };
        let log_lr = alt_log_lr - null_log_lr(nuisance);
        if log_lr.is_nan() {
            return Err(SuiteError::NotANumber {
                what: "ballot-polling likelihood ratio",
            });
        }
        // Arlo computes min(1/LR, 1); for LR = 0 (log LR < −745) Python would divide by zero, and the
        // p-value is 1.
        let lr = log_lr.exp();
        Ok(if lr == 0.0 { 1.0 } else { (1.0 / lr).min(1.0) })
    }
}
