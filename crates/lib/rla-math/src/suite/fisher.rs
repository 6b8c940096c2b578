//! Fisher's combination of the two strata's p-values, maximised over the split `λ` of the margin
//! (`maximize_fisher_combined_pvalue`, Arlo suite.py L274-423).

use crate::risk_limit::RiskLimit;
use crate::special::{chi_square_4_ppf, chi_square_4_sf};

use super::strata::{ComparisonStratum, PollingStratum, votes};
use super::{GAMMA, SuiteError};
use crate::contest::Contest;

/// Refinements of the λ grid before giving up (Arlo loops until the bound is met, which happens
/// within a few refinements unless the p-value equals α exactly).
const MAX_REFINEMENTS: usize = 300;

/// Arlo's combined p-value `1 − χ²₄.cdf(−2(ln p₁ + ln p₂))`, 0 if either p-value is 0.
///
/// SciPy computes the cdf above `x = 4` as `1 − Q` (the regularized upper incomplete gamma), so
/// Arlo's value is `1 − (1 − Q)` rounded twice, not `Q`: below about 10⁻¹⁶ it is 0 or a multiple of
/// 2⁻⁵³. This function rounds the same way, so tiny combined p-values match Arlo's too; the exact
/// tail is [`crate::special::chi_square_4_sf`].
pub fn fisher_combined_pvalue(p1: f64, p2: f64) -> f64 {
    if p1 == 0.0 || p2 == 0.0 {
        return 0.0;
    }
    let obs = -2.0 * (0.0 + p1.ln() + p2.ln());
    if obs.is_nan() {
        return f64::NAN;
    }
    let y = obs / 2.0;
    let q = chi_square_4_sf(obs);
    let cdf = if y > 2.0 {
        1.0 - q
    } else {
        // SciPy's series branch returns the lower tail directly.
        crate::special::chi_square_4_cdf(obs)
    };
    1.0 - cdf
}

/// `np.arange(start, stop, step)` for floats: `⌈(stop − start)/step⌉` values `start + i·δ` with
/// `δ = (start + step) − start`, exactly as NumPy fills them.
fn np_arange(start: f64, stop: f64, step: f64) -> Result<Vec<f64>, SuiteError> {
    let len = ((stop - start) / step).ceil();
    if len.is_nan() {
        return Err(SuiteError::NotANumber {
            what: "λ grid length",
        });
    }
    if len <= 0.0 {
        return Ok(Vec::new());
    }
    if len > 10_000_000.0 {
        return Err(SuiteError::NotANumber {
            what: "λ grid length (too many points)",
        });
    }
    let len = len as usize;
    let mut out = Vec::with_capacity(len);
    out.push(start);
    if len > 1 {
        let second = start + step;
        out.push(second);
        let delta = second - start;
        for i in 2..len {
            out.push(start + i as f64 * delta);
        }
    }
    Ok(out)
}

/// The largest Fisher-combined p-value over the λ splitting the margin between the strata, found on
/// a grid refined until the modulus of continuity shows the maximum is within reach of α
/// (`maximize_fisher_combined_pvalue`; Arlo's default `stepsize` is 0.05).
pub fn maximize_fisher_combined_pvalue(
    alpha: RiskLimit,
    contest: &Contest,
    polling: &PollingStratum,
    comparison: &ComparisonStratum,
    winner: &str,
    loser: &str,
    stepsize: f64,
) -> Result<f64, SuiteError> {
    let alpha = alpha.alpha();
    let cvr_w = votes(&comparison.vote_totals, winner, "ballot-comparison")?;
    let cvr_l = votes(&comparison.vote_totals, loser, "ballot-comparison")?;
    let bp_w = votes(&polling.vote_totals, winner, "ballot-polling")?;
    let bp_l = votes(&polling.vote_totals, loser, "ballot-polling")?;
    let v = cvr_w - cvr_l + bp_w - bp_l;
    let reported_margin = contest.votes_named(winner)? - contest.votes_named(loser)?;
    if v != reported_margin {
        return Err(SuiteError::MarginMismatch {
            winner: winner.to_string(),
            loser: loser.to_string(),
            strata: v,
            contest: reported_margin,
        });
    }
    if v == 0 {
        return Ok(1.0);
    }
    let (n_cvr, n_bp) = (comparison.ballots as i64, polling.ballots as i64);
    let mut lower = (cvr_w - cvr_l - n_cvr).max(v - (bp_w - bp_l + n_bp)) as f64 / v as f64;
    let mut upper = (cvr_w - cvr_l + n_cvr).min(v - (bp_w - bp_l - n_bp)) as f64 / v as f64;

    let sampled = |c: &str| polling.sample.get(c).copied().unwrap_or(0) as i64;
    let (wn, ln) = (sampled(winner), sampled(loser));
    let un = polling.sample_size as i64 - wn - ln;
    if un < 0 {
        return Err(SuiteError::SampleExceedsSize {
            votes: (wn + ln) as u64,
            sample_size: polling.sample_size,
        });
    }
    let vf = v as f64;
    let modulus = |delta: f64| {
        let t2 = 2.0
            * comparison.sample_size as f64
            * (1.0 + vf * delta / (2.0 * n_cvr as f64 * GAMMA)).ln();
        2.0 * wn as f64 * (1.0 + vf * delta).ln()
            + 2.0 * ln as f64 * (1.0 + vf * delta).ln()
            + 2.0 * un as f64 * (1.0 + 2.0 * vf * delta).ln()
            + t2
    };

    let mut step = stepsize;
    for _ in 0..MAX_REFINEMENTS {
        let mut lambdas = np_arange(lower, upper + step, step)?;
        if lambdas.len() < 5 {
            step = (upper + 1.0 - lower) / 5.0;
            lambdas = np_arange(lower, upper + step, step)?;
        }
        if lambdas.is_empty() {
            return Err(SuiteError::NotANumber {
                what: "λ grid (empty)",
            });
        }
        // np.max / np.argmax: NaN wins, else the first maximum.
        let (mut best, mut best_lambda) = (f64::NEG_INFINITY, lambdas[0]);
        for &lambda in &lambdas {
            let p1 = comparison
                .p_value(reported_margin, winner, loser, lambda)?
                .min(1.0);
            let p2 = polling
                .p_value(reported_margin, winner, loser, 1.0 - lambda)?
                .min(1.0);
            let combined = fisher_combined_pvalue(p1, p2);
            if best.is_nan() {
                continue;
            }
            if combined.is_nan() || combined > best {
                best = combined;
                best_lambda = lambda;
            }
        }
        if best.is_nan() {
            return Err(SuiteError::NotANumber {
                what: "Fisher combined p-value",
            });
        }
        if best > alpha {
            return Ok(best.min(1.0));
        }
        let fisher_obs = chi_square_4_ppf(1.0 - best);
        let fisher_alpha = chi_square_4_ppf(1.0 - alpha);
        let dist = (fisher_obs - fisher_alpha).abs();
        if modulus(step) <= dist {
            return Ok(best.min(1.0));
        }
        lower = best_lambda - 2.0 * step;
        upper = best_lambda + 2.0 * step;
        step /= 10.0;
    }
    Err(SuiteError::NoConvergence)
}

#[cfg(test)]
mod tests {
    use super::*;

    // NumPy 1.26: np.arange(-0.3, 1.0 + 0.05, 0.05) has 27 values, the last 0.9999999999999998.
    #[test]
    fn arange_matches_numpy() {
        let v = np_arange(-0.3, 1.0 + 0.05, 0.05).unwrap();
        assert_eq!(v.len(), 27);
        assert_eq!(v[26], 0.9999999999999998);
        assert_eq!(v[1], -0.25);
        assert!(np_arange(1.0, 0.0, 0.1).unwrap().is_empty());
    }

    #[test]
    fn fisher_combination_rounds_like_arlo() {
        assert_eq!(fisher_combined_pvalue(1.0, 1.0), 1.0);
        assert_eq!(fisher_combined_pvalue(0.0, 0.3), 0.0);
        // Both tiny: Arlo's 1 − cdf is 0 once the tail is below half an ulp of 1.
        assert_eq!(fisher_combined_pvalue(1e-20, 1e-20), 0.0);
    }
}
