//! The reported results of one contest, as every risk measure sees them.
//!
//! This is the model Arlo's `audit_math/sampler_contest.py` uses (and r2b2's `contest.py`, which adds
//! explicit reported winners): each choice with its reported votes, the number of ballot cards cast in
//! the contest's universe (`N`), how many winners the contest has, and how many votes a voter may cast.
//! Winners are the `num_winners` choices with the most votes unless the caller names them; ties keep the
//! order in which the choices were given (Python's `sorted` is stable, and Arlo relies on it).

use std::fmt;

use thiserror::Error;

/// One choice (candidate, or yes/no) with its reported votes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    pub votes: u64,
}

/// A contest's reported results, validated so that every risk measure can rely on them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contest {
    name: String,
    choices: Vec<Choice>,
    ballots: u64,
    num_winners: usize,
    votes_allowed: u32,
    /// Indices into `choices`, most votes first.
    winners: Vec<usize>,
}

/// Why a contest's reported results cannot be audited as given.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContestError {
    #[error(
        "contest {contest:?} has no choices; list at least two choices with their reported votes"
    )]
    NoChoices { contest: String },
    #[error("contest {contest:?} lists choice {choice:?} twice; give each choice once")]
    DuplicateChoice { contest: String, choice: String },
    #[error(
        "contest {contest:?} has {num_winners} winner(s) but {choices} choice(s); the number of winners must be at least 1 and at most the number of choices"
    )]
    BadNumWinners {
        contest: String,
        num_winners: usize,
        choices: usize,
    },
    #[error("contest {contest:?} allows 0 votes per ballot; votes allowed must be at least 1")]
    NoVotesAllowed { contest: String },
    #[error(
        "contest {contest:?} reports {votes} votes but only {ballots} ballots × {votes_allowed} vote(s) allowed = {max} are possible; check the ballot count and the tallies"
    )]
    TooManyVotes {
        contest: String,
        votes: u64,
        ballots: u64,
        votes_allowed: u32,
        max: u128,
    },
    #[error(
        "contest {contest:?} names reported winner {winner:?}, which is not one of its choices"
    )]
    UnknownWinner { contest: String, winner: String },
}

impl Contest {
    /// Builds a contest whose winners are the `num_winners` choices with the most votes (Arlo's rule).
    pub fn new(
        name: impl Into<String>,
        choices: impl IntoIterator<Item = (impl Into<String>, u64)>,
        ballots: u64,
        num_winners: usize,
        votes_allowed: u32,
    ) -> Result<Self, ContestError> {
        let name = name.into();
        let choices: Vec<Choice> = choices
            .into_iter()
            .map(|(n, votes)| Choice {
                name: n.into(),
                votes,
            })
            .collect();
        validate(&name, &choices, ballots, num_winners, votes_allowed)?;
        let mut order: Vec<usize> = (0..choices.len()).collect();
        // Stable sort, most votes first: equal tallies keep the order given, as Python's sorted() does.
        order.sort_by(|&a, &b| choices[b].votes.cmp(&choices[a].votes));
        order.truncate(num_winners);
        Ok(Contest {
            name,
            choices,
            ballots,
            num_winners,
            votes_allowed,
            winners: order,
        })
    }

    /// Builds a contest with explicitly named reported winners (as r2b2 and SHANGRLA take them), for
    /// contests where "vote for N" is not the number of winners or the official winner is not simply
    /// the top vote-getter.
    pub fn with_winners(
        name: impl Into<String>,
        choices: impl IntoIterator<Item = (impl Into<String>, u64)>,
        ballots: u64,
        winners: &[&str],
        votes_allowed: u32,
    ) -> Result<Self, ContestError> {
        let mut contest =
            Contest::new(name, choices, ballots, winners.len().max(1), votes_allowed)?;
        let mut indices = Vec::with_capacity(winners.len());
        for w in winners {
            let i = contest
                .index_of(w)
                .ok_or_else(|| ContestError::UnknownWinner {
                    contest: contest.name.clone(),
                    winner: (*w).to_string(),
                })?;
            if indices.contains(&i) {
                return Err(ContestError::DuplicateChoice {
                    contest: contest.name.clone(),
                    choice: (*w).to_string(),
                });
            }
            indices.push(i);
        }
        indices.sort_by(|&a, &b| contest.choices[b].votes.cmp(&contest.choices[a].votes));
        contest.num_winners = indices.len();
        contest.winners = indices;
        Ok(contest)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// All choices in the order they were given.
    pub fn choices(&self) -> &[Choice] {
        &self.choices
    }

    /// Ballot cards cast in the contest's universe (`N` in the literature).
    pub fn ballots(&self) -> u64 {
        self.ballots
    }

    pub fn num_winners(&self) -> usize {
        self.num_winners
    }

    pub fn votes_allowed(&self) -> u32 {
        self.votes_allowed
    }

    /// Index of the choice with this name.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.choices.iter().position(|c| c.name == name)
    }

    /// Indices of the reported winners, most votes first.
    pub fn winner_indices(&self) -> &[usize] {
        &self.winners
    }

    /// Indices of the reported losers, in the order the choices were given.
    pub fn loser_indices(&self) -> Vec<usize> {
        (0..self.choices.len())
            .filter(|i| !self.winners.contains(i))
            .collect()
    }

    pub fn is_winner(&self, index: usize) -> bool {
        self.winners.contains(&index)
    }

    /// Every (winner, loser) pair of choice indices: winners most votes first, losers in given order.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let losers = self.loser_indices();
        self.winners
            .iter()
            .flat_map(|&w| losers.iter().map(move |&l| (w, l)))
            .collect()
    }

    pub fn votes(&self, index: usize) -> u64 {
        self.choices[index].votes
    }

    /// Sum of all reported votes for all choices.
    pub fn total_votes(&self) -> u64 {
        self.choices.iter().map(|c| c.votes).sum()
    }

    /// The smallest reported margin in votes between a winner and a loser, or `None` when the contest
    /// has no losers. Zero means a reported tie across the winner/loser line.
    pub fn margin_votes(&self) -> Option<u64> {
        self.pairs()
            .into_iter()
            .map(|(w, l)| self.votes(w).saturating_sub(self.votes(l)))
            .min()
    }

    /// Smallest margin divided by ballots cast (`μ`); 0 when there are no ballots.
    pub fn diluted_margin(&self) -> f64 {
        match self.margin_votes() {
            Some(m) if self.ballots > 0 => m as f64 / self.ballots as f64,
            Some(_) => 0.0,
            None => 1.0,
        }
    }

    /// True when some loser has as many votes as some winner: no audit can confirm such an outcome.
    pub fn is_tied(&self) -> bool {
        self.margin_votes() == Some(0)
    }
}

fn validate(
    name: &str,
    choices: &[Choice],
    ballots: u64,
    num_winners: usize,
    votes_allowed: u32,
) -> Result<(), ContestError> {
    if choices.is_empty() {
        return Err(ContestError::NoChoices {
            contest: name.to_string(),
        });
    }
    for (i, c) in choices.iter().enumerate() {
        if choices[..i].iter().any(|d| d.name == c.name) {
            return Err(ContestError::DuplicateChoice {
                contest: name.to_string(),
                choice: c.name.clone(),
            });
        }
    }
    if num_winners == 0 || num_winners > choices.len() {
        return Err(ContestError::BadNumWinners {
            contest: name.to_string(),
            num_winners,
            choices: choices.len(),
        });
    }
    if votes_allowed == 0 {
        return Err(ContestError::NoVotesAllowed {
            contest: name.to_string(),
        });
    }
    let votes: u128 = choices.iter().map(|c| u128::from(c.votes)).sum();
    let max = u128::from(ballots) * u128::from(votes_allowed);
    if votes > max {
        return Err(ContestError::TooManyVotes {
            contest: name.to_string(),
            votes: u64::try_from(votes).unwrap_or(u64::MAX),
            ballots,
            votes_allowed,
            max,
        });
    }
    Ok(())
}

impl fmt::Display for Contest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (", self.name)?;
        for (i, c) in self.choices.iter().enumerate() {
            if i > 0 {
                write!(f, ", ")?;
            }
            write!(f, "{}: {}", c.name, c.votes)?;
        }
        write!(f, "; {} ballots)", self.ballots)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contest(votes: &[(&str, u64)], ballots: u64, winners: usize) -> Contest {
        Contest::new("c", votes.iter().copied(), ballots, winners, 1).unwrap()
    }

    #[test]
    fn winners_are_top_vote_getters_in_stable_order() {
        let c = contest(&[("a", 10), ("b", 30), ("c", 30), ("d", 5)], 100, 2);
        assert_eq!(c.winner_indices(), &[1, 2]);
        assert_eq!(c.loser_indices(), vec![0, 3]);
        assert_eq!(c.pairs(), vec![(1, 0), (1, 3), (2, 0), (2, 3)]);
    }

    #[test]
    fn diluted_margin_is_smallest_pairwise_margin_over_ballots() {
        let c = contest(&[("a", 600), ("b", 400), ("c", 100)], 1200, 1);
        assert_eq!(c.margin_votes(), Some(200));
        assert!((c.diluted_margin() - 200.0 / 1200.0).abs() < 1e-15);
    }

    #[test]
    fn explicit_winners_override_vote_order() {
        let c = Contest::with_winners("c", [("a", 10u64), ("b", 20)], 40, &["a"], 1).unwrap();
        assert_eq!(c.winner_indices(), &[0]);
        assert_eq!(c.margin_votes(), Some(0));
        assert!(c.is_tied());
    }

    #[test]
    fn rejects_more_votes_than_ballots_allow() {
        let err = Contest::new("Mayor", [("a", 60u64), ("b", 50)], 100, 1, 1).unwrap_err();
        assert!(matches!(err, ContestError::TooManyVotes { .. }));
        assert!(err.to_string().contains("Mayor"));
    }

    #[test]
    fn rejects_duplicate_choices_and_bad_winner_counts() {
        assert!(Contest::new("c", [("a", 1u64), ("a", 2)], 10, 1, 1).is_err());
        assert!(Contest::new("c", [("a", 1u64), ("b", 2)], 10, 0, 1).is_err());
        assert!(Contest::new("c", [("a", 1u64), ("b", 2)], 10, 3, 1).is_err());
        assert!(Contest::with_winners("c", [("a", 1u64), ("b", 2)], 10, &["z"], 1).is_err());
    }
}
