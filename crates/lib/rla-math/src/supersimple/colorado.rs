//! ColoradoRLA's ballot-comparison sample counts ("optimistic" and "estimated" samples to audit) and
//! its stop rule, which use the same nMin as Arlo but at the discrepancy counts actually observed.
//!
//! Source: FreeAndFair/ColoradoRLA `model/CountyContestComparisonAudit.java` (commit fbbc9ab):
//! `computeOptimisticSamplesToAudit` L508-553, `recalculateSamplesToAudit` L463-491,
//! `updateAuditStatus` L401-415; diluted margin from `CountyContestResult.countyDilutedMargin`
//! L423-440. ColoradoRLA computes no p-value: a contest reaches its risk limit when the number of
//! audited draws reaches nMin at the counts seen so far.
//!
//! # Precision
//! ColoradoRLA works in `BigDecimal` (34 digits) with `γ` the decimal 1.03905; we use `f64` with the
//! binary 1.03905 for the logarithms, so the `ceil` of nMin can differ only if the real value is
//! within ~1e-13 of an integer. The estimate's `1 + overstatements/audited` is rounded to 34 digits
//! exactly as Java does before the exact product and `ceil`, since that product is often an integer.

use crate::bravo::PyDecimal;
use crate::supersimple::{DiscrepancyCounts, n_min};
use crate::{Contest, RiskLimit};

/// ColoradoRLA's `countyDilutedMargin`: smallest winner–loser margin over ballots, 1 when there are
/// no losers. `None` when the contest has no ballots (Java throws).
fn diluted_margin(contest: &Contest) -> Option<f64> {
    if contest.ballots() == 0 {
        return None;
    }
    Some(match contest.margin_votes() {
        None => 1.0,
        Some(m) => m as f64 / contest.ballots() as f64,
    })
}

/// Draws needed if no further discrepancies occur: nMin at the observed counts
/// (`computeOptimisticSamplesToAudit`). A contest with a zero margin is not auditable and gets the
/// number of ballots.
pub fn optimistic_samples(
    contest: &Contest,
    risk_limit: RiskLimit,
    observed: &DiscrepancyCounts,
) -> u64 {
    match diluted_margin(contest) {
        Some(mu) if mu > 0.0 => n_min(risk_limit, mu, observed).unwrap_or(contest.ballots()),
        _ => contest.ballots(),
    }
}

/// Draws needed if overstatements keep occurring at the observed rate: the optimistic count times
/// `1 + overstatements/audited`, rounded up (`recalculateSamplesToAudit`).
pub fn estimated_samples(
    contest: &Contest,
    risk_limit: RiskLimit,
    observed: &DiscrepancyCounts,
) -> u64 {
    let optimistic = optimistic_samples(contest, risk_limit, observed);
    let overstatements = observed
        .one_vote_over
        .saturating_add(observed.two_vote_over);
    if overstatements == 0 || observed.draws == 0 {
        return optimistic;
    }
    let rate = PyDecimal::from_u64(overstatements).div_to(&PyDecimal::from_u64(observed.draws), 34);
    match rate {
        Some(rate) => PyDecimal::from_u64(optimistic)
            .mul_exact(&PyDecimal::from_u64(1).add_exact(&rate))
            .ceil(),
        None => optimistic,
    }
}

/// ColoradoRLA's stop rule (`updateAuditStatus`): the risk limit is achieved once the audited draws
/// reach the optimistic count at the discrepancies observed so far.
pub fn risk_limit_achieved(
    contest: &Contest,
    risk_limit: RiskLimit,
    observed: &DiscrepancyCounts,
) -> bool {
    optimistic_samples(contest, risk_limit, observed) <= observed.draws
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contest(w: u64, l: u64, n: u64) -> Contest {
        Contest::new("c", [("w", w), ("l", l)], n, 1, 1).unwrap()
    }

    #[test]
    fn optimistic_count_is_n_min_at_observed_counts() {
        let c = contest(600, 400, 1000);
        let alpha = RiskLimit::from_percent(5.0).unwrap();
        let none = DiscrepancyCounts::default();
        // ⌈2γ·ln(20)/0.2⌉ = ⌈31.13⌉
        assert_eq!(optimistic_samples(&c, alpha, &none), 32);
        let one = DiscrepancyCounts {
            draws: 10,
            one_vote_over: 1,
            ..DiscrepancyCounts::default()
        };
        assert_eq!(
            optimistic_samples(&c, alpha, &one),
            n_min(alpha, 0.2, &one).unwrap()
        );
        assert!(!risk_limit_achieved(&c, alpha, &one));
        let done = DiscrepancyCounts { draws: 32, ..none };
        assert!(risk_limit_achieved(&c, alpha, &done));
        assert_eq!(
            optimistic_samples(&contest(500, 500, 1000), alpha, &none),
            1000
        );
    }

    #[test]
    fn estimate_rounds_the_rate_to_34_digits_like_java() {
        // 1 + 2/3 is 1.666…667 in DECIMAL128, so 3 × that is 5.000…001 and Java rounds it up to 6;
        // the exact value would be 5.
        let x = PyDecimal::from_u64(2)
            .div_to(&PyDecimal::from_u64(3), 34)
            .unwrap();
        let est = PyDecimal::from_u64(3).mul_exact(&PyDecimal::from_u64(1).add_exact(&x));
        assert_eq!(est.ceil(), 6);
        // 1 + 1/3 rounds down, so 300 × that stays below 400: ceiling 400.
        let x = PyDecimal::from_u64(1)
            .div_to(&PyDecimal::from_u64(3), 34)
            .unwrap();
        let est = PyDecimal::from_u64(300).mul_exact(&PyDecimal::from_u64(1).add_exact(&x));
        assert_eq!(est.ceil(), 400);
    }
}
