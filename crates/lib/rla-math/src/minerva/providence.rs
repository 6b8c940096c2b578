//! What Providence (r2b2 `Minerva2`, Broadrick et al., arXiv:2210.08717) changes in the r2b2 engine:
//! after round 1 the distributions condition on the previous round's observed winner count instead of
//! convolving over everything that could have happened.
//!
//! For round `j > 1` with `k'` winner ballots among the pair's `n'` ballots before it, the null and
//! reported distributions of the cumulative winner count are `P(k'; n', p) · Binomial(Δn, p)` shifted
//! by `k'` (`minerva2.py` L426-560), so the pair p-value is
//! `[B(k'; n', ½) / B(k'; n', p₁)] · [P(X₀ ≥ k − k') / P(X₁ ≥ k − k')]` with `X ~ Binomial(Δn, ·)`.
//! Round 1 is the same as Minerva. When sizing the next round r2b2 uses the contest's previous round
//! size, not the pair's, as the start of the new draw (`minerva2.py` L127) — kept here, since it is
//! what Arlo's PROVIDENCE reports.

use super::MinervaError;
use super::dist::Dist;
use super::r2b2::{KminRule, PairAudit, search_kmin};
use crate::special::binomial_pmf_saddle;

/// The pair's null and reported distributions after a round of `draws` pair ballots, given the
/// pair's (winner, total) counts before it.
pub(crate) fn round_distributions(
    winner_share: f64,
    draws: u64,
    before: Option<(u64, u64)>,
) -> (Dist, Dist) {
    let null = Dist::binomial(draws, 0.5);
    let reported = Dist::binomial(draws, winner_share);
    match before {
        None => (null, reported),
        Some((k_prev, n_prev)) => (
            null.shifted(k_prev as usize)
                .scaled(binomial_pmf_saddle(k_prev, n_prev, 0.5)),
            reported
                .shifted(k_prev as usize)
                .scaled(binomial_pmf_saddle(k_prev, n_prev, winner_share)),
        ),
    }
}

/// Minerva2's `find_sprob` (`minerva2.py` L111-150): kmin and stopping probability if the pair's
/// cumulative sample were `n`, given the pair's counts after the last round and the contest's last
/// cumulative round size.
pub(crate) fn stopping_probability(
    alpha: f64,
    pair: &PairAudit,
    n: u64,
    last_pair_counts: Option<(u64, u64)>,
    last_round: Option<u64>,
) -> Result<(u64, f64), MinervaError> {
    let ballots = pair.ballots();
    let p0 = (ballots / 2) as f64 / ballots as f64;
    let p1 = pair.winner_share();
    let (k_prev, n_prev, draws) = match (last_pair_counts, last_round) {
        (Some((k, np)), Some(round)) => (k, np, n as i64 - round as i64),
        _ => (0, 0, n as i64),
    };
    let reported_round = Dist::binomial_or_empty(draws, p1).shifted(k_prev as usize);
    let null_round = Dist::binomial_or_empty(draws, p0).shifted(k_prev as usize);
    let (reported, null) = if last_pair_counts.is_some() {
        (
            reported_round
                .clone()
                .scaled(binomial_pmf_saddle(k_prev, n_prev, p1)),
            null_round.scaled(binomial_pmf_saddle(k_prev, n_prev, p0)),
        )
    } else {
        (reported_round.clone(), null_round)
    };
    let kmin = search_kmin(KminRule::Providence, alpha, pair, n, &reported, &null)?;
    if kmin == 0 {
        return Ok((0, 0.0));
    }
    Ok((kmin, reported_round.tail(kmin as usize)))
}
