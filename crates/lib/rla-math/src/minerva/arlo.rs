//! Arlo's MINERVA and PROVIDENCE ballot-polling math (votingworks/arlo at 8d86156c,
//! `server/audit_math/minerva.py`, `providence.py`): the numbers Arlo shows, including its fallbacks.
//!
//! * MINERVA round 1: athena's sizes for stopping probabilities 0.7, 0.8 and 0.9 (`minerva.py`
//!   L139-164). Arlo replaces them by every ballot for a tied contest, by 4 ballots when athena
//!   refuses the contest for another reason (a loser with no votes), and by "no audit" (-1) when there
//!   are no losers.
//! * MINERVA later rounds are not re-estimated: round `r + 1` is `⌊first × 1.5^(r + 1)⌋` ballots,
//!   offered as the 0.9 option only (`minerva.py` L120-137, `config.py` L161).
//! * MINERVA p-value: athena's risk after the last round, capped at 1 (`minerva.py` L167-212);
//!   the risk limit is met when it is at most α.
//! * PROVIDENCE: r2b2 `Minerva2` replayed over the cumulative rounds; sizes are its
//!   `next_sample_size` for 0.7, 0.8 and 0.9 (the last round's size once stopped), the p-value its risk
//!   level (`providence.py` L50-156).
//!
//! Hazard kept for fidelity: the 4-ballot fallback applies to the whole contest when *any* pair has a
//! zero-vote loser, even if another pair is close. ballotproof's own workflow should not offer it.

use super::athena::AthenaMinerva;
use super::r2b2::{R2b2Audit, RoundSizeEstimate};
use super::{MAX_SAMPLE_SIZE, MinervaError};
use crate::{Contest, RiskLimit};

/// The stopping probabilities Arlo offers sizes for.
pub const ARLO_STOPPING_PROBABILITIES: [f64; 3] = [0.7, 0.8, 0.9];

/// Arlo's round-size growth for MINERVA after round 1 (`ARLO_MINERVA_MULTIPLE`, default 1.5).
pub const ARLO_MINERVA_MULTIPLE: f64 = 1.5;

/// Arlo's fallback size when athena cannot size the contest (`minerva.py` L157-159).
pub const ARLO_FALLBACK_SIZE: u64 = 4;

/// One completed round as Arlo stores it: the ballots drawn in the round and the votes per choice
/// found among them (both for this round only, not cumulative), choices in contest order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArloRound {
    pub size: u64,
    pub tally: Vec<u64>,
}

/// Arlo's MINERVA round-1 options.
#[derive(Debug, Clone, PartialEq)]
pub enum MinervaFirstRound {
    /// athena's sizes, one per stopping probability in [`ARLO_STOPPING_PROBABILITIES`].
    Estimated(Vec<u64>),
    /// A reported tie: every ballot.
    AllBallots(u64),
    /// athena refused the contest (e.g. a loser with no votes): Arlo's fixed 4 ballots.
    Fallback,
    /// No losers: nothing to audit (Arlo reports size -1).
    NoLosers,
}

impl MinervaFirstRound {
    /// The sizes exactly as Arlo reports them, one per stopping probability (-1 for no losers).
    pub fn arlo_sizes(&self) -> Vec<i64> {
        let n = ARLO_STOPPING_PROBABILITIES.len();
        match self {
            MinervaFirstRound::Estimated(sizes) => sizes.iter().map(|&s| s as i64).collect(),
            MinervaFirstRound::AllBallots(b) => vec![*b as i64; n],
            MinervaFirstRound::Fallback => vec![ARLO_FALLBACK_SIZE as i64; n],
            MinervaFirstRound::NoLosers => vec![-1; n],
        }
    }
}

/// Arlo MINERVA `get_sample_size` before any round.
pub fn minerva_first_round(
    contest: &Contest,
    risk_limit: RiskLimit,
) -> Result<MinervaFirstRound, MinervaError> {
    if contest.loser_indices().is_empty() {
        return Ok(MinervaFirstRound::NoLosers);
    }
    let sizes = AthenaMinerva::new(contest, risk_limit)
        .and_then(|audit| audit.first_round_sizes(&ARLO_STOPPING_PROBABILITIES));
    match sizes {
        Ok(sizes) => Ok(MinervaFirstRound::Estimated(sizes)),
        Err(MinervaError::IncorrectReportedWinners) => {
            Ok(MinervaFirstRound::AllBallots(contest.ballots()))
        }
        Err(MinervaError::MarginOutOfRange { .. }) => Ok(MinervaFirstRound::Fallback),
        Err(other) => Err(other),
    }
}

/// Arlo MINERVA `get_sample_size` after `completed_rounds` rounds: `⌊first_round_size × multiple^(r+1)⌋`
/// for the 0.9 option (Arlo does not re-estimate).
pub fn minerva_later_round_size(
    first_round_size: u64,
    completed_rounds: usize,
    multiple: f64,
) -> u64 {
    let exponent = (completed_rounds + 1) as f64;
    (first_round_size as f64 * multiple.powf(exponent)) as u64
}

/// Arlo MINERVA `compute_risk`: athena's risk after the last round capped at 1, and whether it is
/// within the risk limit.
pub fn minerva_p_value(
    contest: &Contest,
    risk_limit: RiskLimit,
    rounds: &[ArloRound],
) -> Result<(f64, bool), MinervaError> {
    let mut audit = AthenaMinerva::new(contest, risk_limit)?;
    let mut risk = None;
    for round in rounds {
        risk = Some(audit.record_round(round.size, &round.tally)?.risk);
    }
    let p = risk.ok_or(MinervaError::NoRoundsYet)?.min(1.0);
    Ok((p, p <= risk_limit.alpha()))
}

/// r2b2 Minerva2 after replaying Arlo's rounds (cumulative sizes and tallies, `providence.py` L50-80).
pub fn providence_audit(
    contest: &Contest,
    risk_limit: RiskLimit,
    rounds: &[ArloRound],
) -> Result<R2b2Audit, MinervaError> {
    let mut audit = R2b2Audit::providence(contest, risk_limit)?;
    let mut size = 0u64;
    let mut tally = vec![0u64; contest.choices().len()];
    for round in rounds {
        if round.tally.len() != tally.len() {
            return Err(MinervaError::TallyLength {
                expected: tally.len(),
                given: round.tally.len(),
            });
        }
        let wanted = u128::from(size) + u128::from(round.size);
        let too_large = || MinervaError::SampleTooLarge {
            size: wanted,
            limit: MAX_SAMPLE_SIZE,
        };
        size = size.checked_add(round.size).ok_or_else(too_large)?;
        for (t, v) in tally.iter_mut().zip(&round.tally) {
            *t = t.checked_add(*v).ok_or_else(too_large)?;
        }
        audit.record_round(size, &tally)?;
    }
    Ok(audit)
}

/// Arlo PROVIDENCE `get_sample_size`: the next cumulative round size for each stopping probability in
/// [`ARLO_STOPPING_PROBABILITIES`].
pub fn providence_sample_sizes(
    contest: &Contest,
    risk_limit: RiskLimit,
    rounds: &[ArloRound],
) -> Result<Vec<RoundSizeEstimate>, MinervaError> {
    let audit = providence_audit(contest, risk_limit, rounds)?;
    ARLO_STOPPING_PROBABILITIES
        .iter()
        .map(|&goal| audit.next_round_size(goal))
        .collect()
}

/// Arlo PROVIDENCE `compute_risk`: r2b2's risk level and whether it is within the risk limit.
pub fn providence_p_value(
    contest: &Contest,
    risk_limit: RiskLimit,
    rounds: &[ArloRound],
) -> Result<(f64, bool), MinervaError> {
    let audit = providence_audit(contest, risk_limit, rounds)?;
    let p = audit.risk_level().ok_or(MinervaError::NoRoundsYet)?;
    Ok((p, p <= risk_limit.alpha()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_rounds_grow_by_the_multiple() {
        // minerva_providence_arlo.json arlo_minerva_00: 179 → 402 (179 × 2.25 = 402.75).
        assert_eq!(minerva_later_round_size(179, 1, ARLO_MINERVA_MULTIPLE), 402);
        assert_eq!(minerva_later_round_size(100, 2, ARLO_MINERVA_MULTIPLE), 337);
    }

    #[test]
    fn arlo_sizes_encode_the_fallbacks() {
        assert_eq!(MinervaFirstRound::NoLosers.arlo_sizes(), vec![-1, -1, -1]);
        assert_eq!(MinervaFirstRound::Fallback.arlo_sizes(), vec![4, 4, 4]);
        assert_eq!(
            MinervaFirstRound::AllBallots(1000).arlo_sizes(),
            vec![1000, 1000, 1000]
        );
    }
}
