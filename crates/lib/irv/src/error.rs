//! Errors of the IRV crate, worded for the election official who has to act on them.

use crate::Candidate;

/// Why a contest could not be counted or its assertions could not be found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum IrvError {
    #[error("the contest has no candidates; an IRV contest needs at least one")]
    NoCandidates,

    #[error(
        "the contest has {given} candidates; at most {max} are supported (group write-ins into one candidate)"
    )]
    TooManyCandidates { given: usize, max: usize },

    #[error(
        "ballot group {group} ranks candidate number {candidate}, but the contest has only {num_candidates} candidates (numbered 0 to {})",
        num_candidates.saturating_sub(1)
    )]
    CandidateOutOfRange {
        group: usize,
        candidate: u32,
        num_candidates: usize,
    },

    #[error("the ballot counts add up to more than {max}; check the ballot group counts", max = u64::MAX)]
    TooManyBallots,

    #[error("the risk limit (confidence) must be a number strictly between 0 and 1, got {0}")]
    InvalidRiskLimit(f64),

    #[error("the error inflation factor (gamma) must be a finite number of at least 1, got {0}")]
    InvalidErrorInflation(f64),

    #[error(
        "the assertion names {candidate}, which is not in this contest of {num_candidates} candidates"
    )]
    AssertionCandidateOutOfRange {
        candidate: Candidate,
        num_candidates: usize,
    },

    #[error(
        "the not-eliminated-next assertion for {winner} over {loser} must list both among its continuing candidates"
    )]
    MalformedNotEliminatedNext { winner: Candidate, loser: Candidate },

    #[error("the assertion compares {0} with itself")]
    SelfComparison(Candidate),

    #[error(
        "the count is tied: depending on how ties are broken, any of candidates {} could win, so the contest cannot be audited by sampling; a full hand count is needed",
        numbers(.0)
    )]
    TiedWinners(Vec<Candidate>),

    #[error(
        "the announced winner, {announced}, is not the IRV winner of these ballots (who can win: candidates {})",
        numbers(.possible)
    )]
    WrongWinner {
        announced: Candidate,
        possible: Vec<Candidate>,
    },

    /// Cannot happen for a unique winner under a [`DifficultyMeasure`](crate::DifficultyMeasure):
    /// an alternative order must at some step eliminate a candidate who was not last, and the NEN
    /// saying so has a positive margin, hence a finite difficulty. A custom
    /// [`Difficulty`](crate::Difficulty) that is infinite for some positive margins can cause it.
    #[error(
        "no assertion with a finite difficulty rules out the elimination order {} (candidate numbers, first eliminated first), so the contest needs a full hand count",
        numbers(.elimination_order)
    )]
    CannotRuleOut { elimination_order: Vec<Candidate> },

    #[error(
        "gave up {stage} after {work} units of work (limit {limit}); {}. Raise the work limit or audit by full hand count",
        describe_bound(.bound)
    )]
    WorkLimitExceeded {
        stage: &'static str,
        work: u64,
        limit: u64,
        /// The best bound on the contest's difficulty known when the search stopped, if any.
        bound: Option<f64>,
    },
}

fn describe_bound(bound: &Option<f64>) -> String {
    match bound {
        Some(b) => format!("the difficulty is at least {b}"),
        None => "no bound on the difficulty was known yet".to_string(),
    }
}

/// Candidate numbers as `2, 0, 1`.
fn numbers(candidates: &[Candidate]) -> String {
    candidates
        .iter()
        .map(|c| c.number().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_candidates_by_number() {
        let e = IrvError::TiedWinners(vec![Candidate::new(0), Candidate::new(2)]);
        assert!(e.to_string().contains("any of candidates 0, 2 could win"));
        let e = IrvError::WrongWinner {
            announced: Candidate::new(1),
            possible: vec![Candidate::new(3)],
        };
        assert!(
            e.to_string()
                .contains("the announced winner, candidate 1, is not")
        );
        let e = IrvError::WorkLimitExceeded {
            stage: "searching for assertions",
            work: 11,
            limit: 10,
            bound: None,
        };
        assert!(
            e.to_string()
                .contains("no bound on the difficulty was known yet")
        );
    }
}
