//! ONEAudit (Stark 2023, "Overstatement-Net-Equivalent Risk-Limiting Audit"): comparison audits where
//! some cards were tallied in pools (batches) without linkable CVRs.
//!
//! Each pooled card gets a stand-in CVR whose assorter value is its pool's mean assorter value, so the
//! overstatement of a pooled card is `pool mean − A(mvr)`. SHANGRLA computes the means with
//! `Assorter.set_tally_pool_means` (Audit.py L2587-2632, a running Python sum divided by the count,
//! reproduced here in the same order), first making every pooled card hold every contest that appears
//! in its pool (`CVR.pool_contests`, L661-680, and `CVR.add_pool_contests`, L682-710).
//!
//! The initial sample size uses the overstatement values of the CVRs against themselves (so only the
//! pooling contributes), with every `⌊1/error_rate_1⌋`-th value (from the first) replaced by a 1-vote
//! overstatement and every `⌊1/error_rate_2⌋`-th by a 2-vote one (`Audit.find_sample_size`,
//! L1193-1206). Precision: bit-identical to SHANGRLA (same operations, same order).

use std::collections::{BTreeMap, BTreeSet};

use super::ShangrlaError;
use super::assorter::{Assorter, Cvr, overstatement_assorter_value};

/// The mean assorter value of each tally pool (NaN for a pool with no card holding the contest).
pub type PoolMeans = BTreeMap<String, f64>;

/// For each pool that has pooled cards, every contest any of its pooled cards holds.
pub fn pool_contests(cvrs: &[Cvr]) -> Result<BTreeMap<String, BTreeSet<String>>, ShangrlaError> {
    let mut pools: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for cvr in cvrs.iter().filter(|c| c.pool) {
        let pool = pool_of(cvr)?;
        pools
            .entry(pool.to_string())
            .or_default()
            .extend(cvr.votes.keys().cloned());
    }
    Ok(pools)
}

/// Adds, to every pooled card, each contest of its pool that it lacks (with no votes). Returns how
/// many cards each contest was added to.
pub fn add_pool_contests(
    cvrs: &mut [Cvr],
    pools: &BTreeMap<String, BTreeSet<String>>,
) -> BTreeMap<String, u64> {
    let mut added: BTreeMap<String, u64> = BTreeMap::new();
    for cvr in cvrs.iter_mut().filter(|c| c.pool) {
        let Some(contests) = cvr.tally_pool.as_ref().and_then(|p| pools.get(p)) else {
            continue;
        };
        for contest in contests {
            let count = added.entry(contest.clone()).or_insert(0);
            if !cvr.votes.contains_key(contest) {
                cvr.votes.insert(contest.clone(), BTreeMap::new());
                *count += 1;
            }
        }
    }
    added
}

/// The mean assorter value over the pooled cards of each pool (`set_tally_pool_means`).
///
/// `pools` are the pool labels to report (SHANGRLA's `tally_pools`); `None` takes every pool that
/// has a pooled card. With `use_style`, only cards holding the contest count.
pub fn pool_means(
    assorter: &Assorter,
    cvrs: &[Cvr],
    pools: Option<&BTreeSet<String>>,
    use_style: bool,
) -> Result<PoolMeans, ShangrlaError> {
    let labels: BTreeSet<String> = match pools {
        Some(p) => p.clone(),
        None => {
            let mut set = BTreeSet::new();
            for cvr in cvrs.iter().filter(|c| c.pool) {
                set.insert(pool_of(cvr)?.to_string());
            }
            set
        }
    };
    let mut sums: BTreeMap<&str, (u64, f64)> =
        labels.iter().map(|l| (l.as_str(), (0, 0.0))).collect();
    for cvr in cvrs
        .iter()
        .filter(|c| c.pool && (!use_style || c.has_contest(assorter.contest())))
    {
        let pool = pool_of(cvr)?;
        let entry = sums
            .get_mut(pool)
            .ok_or_else(|| ShangrlaError::MissingPoolMean {
                card: cvr.id.clone(),
                pool: pool.to_string(),
            })?;
        entry.0 += 1;
        entry.1 += assorter.assort(cvr);
    }
    Ok(sums
        .into_iter()
        .map(|(label, (n, total))| {
            let mean = if n == 0 { f64::NAN } else { total / n as f64 };
            (label.to_string(), mean)
        })
        .collect())
}

/// The data ONEAudit's initial sample size is computed from: the overstatement-assorter value of every
/// card (holding the contest, with `use_style`) against itself, then every `⌊1/error_rate_1⌋`-th value
/// set to a 1-vote overstatement (`ω = u_A/2`) and every `⌊1/error_rate_2⌋`-th to a 2-vote one
/// (`ω = u_A`). A rate of 0 adds no such errors.
pub fn sample_size_data(
    assorter: &Assorter,
    margin: f64,
    cvrs: &[Cvr],
    means: &PoolMeans,
    use_style: bool,
    error_rate_1: f64,
    error_rate_2: f64,
) -> Result<Vec<f64>, ShangrlaError> {
    let u_a = assorter.upper_bound();
    let mut data = Vec::with_capacity(cvrs.len());
    for cvr in cvrs
        .iter()
        .filter(|c| !use_style || c.has_contest(assorter.contest()))
    {
        let omega = assorter.overstatement(cvr, cvr, use_style, Some(means))?;
        data.push(overstatement_assorter_value(omega, u_a, margin));
    }
    for (rate, overs) in [(error_rate_1, u_a / 2.0), (error_rate_2, u_a)] {
        if let Some(step) = every_nth(rate)? {
            let value = overstatement_assorter_value(overs, u_a, margin);
            for v in data.iter_mut().step_by(step) {
                *v = value;
            }
        }
    }
    Ok(data)
}

/// `⌊1/rate⌋` as a step for `np.arange(0, len, step)`; `None` for a zero rate.
pub(crate) fn every_nth(rate: f64) -> Result<Option<usize>, ShangrlaError> {
    if rate == 0.0 {
        return Ok(None);
    }
    if !(rate > 0.0 && rate <= 1.0) {
        return Err(ShangrlaError::BadParameter {
            name: "error rate",
            value: rate,
            why: "an assumed error rate must be between 0 and 1",
        });
    }
    let step = (1.0 / rate).floor();
    // rate ≤ 1 gives step ≥ 1; rates below 1/2^53 would give steps beyond any card count.
    Ok(Some(if step < 9.0e15 {
        step as usize
    } else {
        usize::MAX
    }))
}

fn pool_of(cvr: &Cvr) -> Result<&str, ShangrlaError> {
    cvr.tally_pool
        .as_deref()
        .ok_or_else(|| ShangrlaError::PoolWithoutLabel {
            card: cvr.id.clone(),
        })
}
