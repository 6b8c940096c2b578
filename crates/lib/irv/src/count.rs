//! The IRV count itself: who can win once every possible way of breaking ties is considered, and one
//! elimination order.
//!
//! RAIRE refuses to audit a contest whose winner depends on how a tie is broken (raire-rs
//! `raire/src/irv.rs` `find_all_possible_winners`): a one-ballot error could change such an outcome,
//! so no sample can confirm it. Exploring every tie naively costs up to n! branches; two things keep
//! it small here. The winners from a set of continuing candidates depend only on that set, so each
//! set is explored once. And a tie among candidates so small that together they hold fewer votes
//! than anyone else ("bulk elimination", same file) cannot matter: all of them go before anyone
//! else, in whatever order, so they are removed together.
//!
//! Precision: exact integer tallies and comparisons; ties are exact equalities.

use std::collections::HashMap;

use crate::work::Work;
use crate::{Candidate, CandidateSet, IrvError, Profile};

/// Result of counting the contest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IrvCount {
    /// Every candidate who wins under some way of breaking ties, in increasing order.
    pub possible_winners: Vec<Candidate>,
    /// One elimination order, first eliminated first and the winner last, breaking each tie for
    /// last place by eliminating the lowest-numbered tied candidate.
    pub elimination_order: Vec<Candidate>,
}

impl IrvCount {
    /// The winner, when ties cannot change who wins.
    pub fn unique_winner(&self) -> Option<Candidate> {
        match self.possible_winners.as_slice() {
            [w] => Some(*w),
            _ => None,
        }
    }
}

/// Counts the contest: all possible winners and one elimination order.
///
/// # Errors
/// [`IrvError::WorkLimitExceeded`] if exploring ties takes more than the work limit.
pub fn count(profile: &Profile, max_work: u64) -> Result<IrvCount, IrvError> {
    let mut work = Work::new(max_work);
    count_with(profile, &mut work)
}

pub(crate) fn count_with(profile: &Profile, work: &mut Work) -> Result<IrvCount, IrvError> {
    let all = profile.all_candidates();
    let mut explorer = TieExplorer {
        profile,
        work,
        memo: HashMap::new(),
    };
    let winners = explorer.winners_from(all)?;
    let elimination_order = one_elimination_order(profile, work)?;
    Ok(IrvCount {
        possible_winners: winners.iter().collect(),
        elimination_order,
    })
}

struct TieExplorer<'a> {
    profile: &'a Profile,
    work: &'a mut Work,
    memo: HashMap<CandidateSet, CandidateSet>,
}

impl TieExplorer<'_> {
    /// Everyone who can win when exactly `continuing` remain.
    fn winners_from(&mut self, continuing: CandidateSet) -> Result<CandidateSet, IrvError> {
        if continuing.len() <= 1 {
            return Ok(continuing);
        }
        if let Some(&known) = self.memo.get(&continuing) {
            return Ok(known);
        }
        self.work
            .tick("checking who can win under every tie-break", None)?;
        let tallies = self.profile.tallies(continuing);
        let tally = |c: Candidate| tallies.get(c.index()).copied().unwrap_or(0);
        let lowest = continuing.iter().map(tally).min().unwrap_or(0);
        let tied = CandidateSet::of(continuing.iter().filter(|&c| tally(c) == lowest));
        let winners = if tied.len() == 1 {
            self.winners_from(continuing.minus(tied))?
        } else if let Some(bulk) = bulk_elimination(continuing, &tallies) {
            self.winners_from(continuing.minus(bulk))?
        } else {
            let mut all = CandidateSet::EMPTY;
            for c in tied.iter() {
                let w = self.winners_from(continuing.without(c))?;
                all = CandidateSet::of(all.iter().chain(w.iter()));
            }
            all
        };
        self.memo.insert(continuing, winners);
        Ok(winners)
    }
}

/// The smallest group of at least two lowest-tally candidates whose combined tally is below every
/// other continuing candidate's tally, if any: they are all eliminated before anyone else whatever
/// their order, and the order among them changes nothing afterwards.
fn bulk_elimination(continuing: CandidateSet, tallies: &[u64]) -> Option<CandidateSet> {
    let mut by_tally: Vec<(u64, Candidate)> = continuing
        .iter()
        .map(|c| (tallies.get(c.index()).copied().unwrap_or(0), c))
        .collect();
    by_tally.sort_unstable();
    let mut below: u64 = 0;
    for (i, &(t, _)) in by_tally.iter().enumerate() {
        if i >= 2 && t > below {
            return Some(CandidateSet::of(by_tally.iter().take(i).map(|&(_, c)| c)));
        }
        below = below.saturating_add(t);
    }
    None
}

fn one_elimination_order(profile: &Profile, work: &mut Work) -> Result<Vec<Candidate>, IrvError> {
    let mut continuing = profile.all_candidates();
    let mut order = Vec::with_capacity(profile.num_candidates());
    while let Some(first) = continuing.iter().next() {
        work.tick("finding an elimination order", None)?;
        let tallies = profile.tallies(continuing);
        let tally = |c: Candidate| tallies.get(c.index()).copied().unwrap_or(0);
        // `min_by_key` keeps the first (lowest-numbered) of equal minima.
        let out = continuing.iter().min_by_key(|&c| tally(c)).unwrap_or(first);
        order.push(out);
        continuing = continuing.without(out);
    }
    Ok(order)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RankedBallots;

    fn profile(n: usize, groups: &[(u64, &[u32])]) -> Profile {
        Profile::new(
            n,
            groups.iter().map(|(count, r)| RankedBallots {
                count: *count,
                ranking: r.iter().copied().map(Candidate::new).collect(),
            }),
        )
        .unwrap()
    }

    fn ids(cs: &[Candidate]) -> Vec<u32> {
        cs.iter().map(|c| c.number()).collect()
    }

    /// raire-rs `raire/tests/test_guide_to_raire_examples.rs` `test_votes_structure`: winner Chuan
    /// (2), elimination order B, D, A, C.
    #[test]
    fn guide_example_count_matches_raire_rs_test() {
        let p = profile(
            4,
            &[
                (5000, &[2, 1, 0]),
                (1000, &[1, 2, 3]),
                (1500, &[3, 0]),
                (4000, &[0, 3]),
                (2000, &[3]),
            ],
        );
        let result = count(&p, 1000).unwrap();
        assert_eq!(ids(&result.possible_winners), vec![2]);
        assert_eq!(ids(&result.elimination_order), vec![1, 3, 0, 2]);
    }

    /// raire-rs `raire/tests/test_paper_examples.rs` `test_votes_structure`: the RAIRE paper's table
    /// 1 is won by c4 (3) after eliminating c3, c2, c1.
    #[test]
    fn paper_table_one_count_matches_raire_rs_test() {
        let p = profile(
            4,
            &[
                (4000, &[1, 2]),
                (20000, &[0]),
                (9000, &[2, 3]),
                (6000, &[1, 2, 3]),
                (15000, &[3, 0, 1]),
                (6000, &[0, 2]),
            ],
        );
        let result = count(&p, 1000).unwrap();
        assert_eq!(ids(&result.possible_winners), vec![3]);
        assert_eq!(ids(&result.elimination_order), vec![2, 1, 0, 3]);
    }

    #[test]
    fn a_tie_that_decides_the_winner_gives_several_possible_winners() {
        // A and B tie for last with 3 each. Eliminating A sends A's votes to C, who wins with 8;
        // eliminating B sends B's votes to A, who then has 6 against C's 5 and wins.
        let p = profile(3, &[(3, &[0, 2]), (3, &[1, 0]), (5, &[2])]);
        let result = count(&p, 1000).unwrap();
        assert_eq!(ids(&result.possible_winners), vec![0, 2]);
        assert_eq!(result.unique_winner(), None);
    }

    /// raire-rs `raire/tests/edge_cases.rs` `test_efficient_who_wins`: one candidate with 1000 votes
    /// and 100 with one vote each is decided at once by bulk elimination.
    #[test]
    fn many_tiny_tied_candidates_are_eliminated_in_bulk() {
        let mut groups: Vec<(u64, Vec<u32>)> = vec![(1000, vec![0])];
        groups.extend((1..=100).map(|i| (1, vec![i])));
        let p = Profile::new(
            101,
            groups.iter().map(|(count, r)| RankedBallots {
                count: *count,
                ranking: r.iter().copied().map(Candidate::new).collect(),
            }),
        )
        .unwrap();
        let result = count(&p, 10_000).unwrap();
        assert_eq!(ids(&result.possible_winners), vec![0]);
        assert_eq!(result.elimination_order.len(), 101);
    }

    #[test]
    fn a_single_candidate_wins_without_votes() {
        let p = profile(1, &[]);
        assert_eq!(ids(&count(&p, 10).unwrap().possible_winners), vec![0]);
    }

    #[test]
    fn bulk_elimination_needs_a_clear_gap() {
        let all = CandidateSet::first_n(4);
        assert_eq!(
            bulk_elimination(all, &[1, 1, 1, 5]),
            Some(CandidateSet::first_n(3))
        );
        assert_eq!(bulk_elimination(all, &[2, 2, 3, 5]), None);
    }
}
