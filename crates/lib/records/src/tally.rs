//! Reported results from cast-vote records: votes per choice, ballots per contest, winners,
//! margins and diluted margins, so a clerk can confirm the right file was loaded (ColoradoRLA#488).
//!
//! Counting follows Arlo (`api/cvrs.py::process_cvr_file`): a card counts toward a contest's
//! ballots when the contest is on it; an overvoted contest's marks are not counted as votes. The
//! margin is the lowest winner's votes minus the highest loser's, and the diluted margin divides
//! it by the contest's ballots (Arlo `audit_math/sampler_contest.py`; ColoradoRLA's
//! `targetedContests.csv` shows the same two figures). Memory is bounded by contests and choices;
//! a ranked contest also keeps one counter per distinct ranking, at most one per card.

use std::collections::HashMap;

use crate::model::{Card, CardSink, ChoiceId, Contests, Origin};
use crate::problem::Diagnostics;

#[derive(Debug, Default, Clone)]
struct ContestTally {
    ballots: u64,
    votes: Vec<u64>,
    overvoted: u64,
    undervotes: u64,
    /// Ranked contests: how many cards gave each preference order (after dropping repeated
    /// choices and stopping at a rank with two choices, as an overvote at that rank exhausts the
    /// ballot under the usual IRV rules).
    rankings: HashMap<Vec<ChoiceId>, u64>,
}

/// Totals per contest, accumulated from cards.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    contests: Vec<ContestTally>,
    ranking: Vec<(u32, ChoiceId)>,
    order: Vec<ChoiceId>,
}

impl CardSink for Tally {
    fn card(&mut self, _: &Origin<'_>, contests: &Contests, card: &Card, _: &mut Diagnostics) {
        for (on_card, marks) in card.contest_marks() {
            let index = on_card.contest as usize;
            if self.contests.len() <= index {
                self.contests.resize_with(index + 1, ContestTally::default);
            }
            let Some(tally) = self.contests.get_mut(index) else {
                continue;
            };
            tally.ballots += 1;
            tally.undervotes += u64::from(on_card.undervotes);
            let ranked = contests.get(on_card.contest).is_some_and(|c| c.is_ranked());
            if ranked {
                // First preferences are shown as the contest's votes; the whole ranking feeds
                // the instant-runoff count.
                self.ranking.clear();
                self.ranking
                    .extend(marks.iter().map(|m| (m.rank, m.choice)));
                self.ranking.sort_unstable();
                self.order.clear();
                let mut i = 0;
                while i < self.ranking.len() {
                    let rank = self.ranking.get(i).map_or(0, |r| r.0);
                    let same = self.ranking[i..].iter().take_while(|r| r.0 == rank).count();
                    if same > 1 {
                        break;
                    }
                    if let Some(&(_, choice)) = self.ranking.get(i)
                        && !self.order.contains(&choice)
                    {
                        self.order.push(choice);
                    }
                    i += same;
                }
                if let Some(&first) = self.order.first() {
                    add_vote(&mut tally.votes, first);
                }
                if on_card.overvotes > 0 {
                    tally.overvoted += 1;
                }
                if let Some(n) = tally.rankings.get_mut(self.order.as_slice()) {
                    *n += 1;
                } else {
                    tally.rankings.insert(self.order.clone(), 1);
                }
            } else if on_card.overvotes > 0 {
                tally.overvoted += 1;
            } else {
                for m in marks {
                    add_vote(&mut tally.votes, m.choice);
                }
            }
        }
    }
}

fn add_vote(votes: &mut Vec<u64>, choice: ChoiceId) {
    let i = choice as usize;
    if votes.len() <= i {
        votes.resize(i + 1, 0);
    }
    if let Some(v) = votes.get_mut(i) {
        *v += 1;
    }
}

/// One contest's reported results.
#[derive(Debug, Clone, PartialEq)]
pub struct ContestSummary {
    pub name: String,
    pub votes_allowed: u32,
    pub votes_allowed_assumed: bool,
    /// Ranks allowed; 0 for plurality.
    pub ranks: u32,
    /// Choices with their votes (first preferences for a ranked contest), most votes first.
    pub votes: Vec<(String, u64)>,
    /// Cards on which the contest appears.
    pub ballots: u64,
    /// Cards on which the contest was overvoted.
    pub overvoted_cards: u64,
    pub undervotes: u64,
    pub winners: Vec<String>,
    /// Lowest winner's votes minus highest loser's; `None` when there is no loser or the
    /// contest is ranked (IRV margins come from RAIRE assertions, not from totals).
    pub margin: Option<u64>,
    /// `margin / ballots`.
    pub diluted_margin: Option<f64>,
    /// Remarks for the clerk: ties, assumed votes allowed, how a ranked winner was found.
    pub notes: Vec<String>,
    /// A ranked contest's preference orders, for an instant-runoff count or RAIRE assertions
    /// elsewhere: each distinct order (choices numbered as in `ranking_choices`, most preferred
    /// first; empty for a card that ranks no one) with the number of cards that gave it, sorted.
    /// Empty for a plurality contest. Its size is bounded by the distinct orders, not the cards.
    pub rankings: Vec<(Vec<ChoiceId>, u64)>,
    /// The choices of a ranked contest in the order `rankings` numbers them.
    pub ranking_choices: Vec<String>,
}

impl Tally {
    pub fn new() -> Tally {
        Tally::default()
    }

    /// Results for every contest, in the order the contests were first defined.
    pub fn summarize(&self, contests: &Contests) -> Vec<ContestSummary> {
        let empty = ContestTally::default();
        contests
            .iter()
            .map(|(id, contest)| {
                let tally = self.contests.get(id as usize).unwrap_or(&empty);
                let mut votes: Vec<(String, u64)> = contest
                    .choices
                    .iter()
                    .enumerate()
                    .map(|(i, name)| (name.clone(), tally.votes.get(i).copied().unwrap_or(0)))
                    .collect();
                votes.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                let mut notes = Vec::new();
                if contest.votes_allowed_assumed {
                    notes.push(
                        "the file does not say how many votes this contest allows; 1 was assumed, as Arlo does".to_string(),
                    );
                }
                let (winners, margin) = if contest.is_ranked() {
                    let winner = instant_runoff(&tally.rankings, contest.choices.len(), &mut notes);
                    let winners = winner
                        .and_then(|w| contest.choices.get(w as usize).cloned())
                        .into_iter()
                        .collect();
                    notes.push("ranked contest: votes are first preferences; the winner is found by instant-runoff elimination; its margin needs RAIRE assertions".to_string());
                    (winners, None)
                } else {
                    plurality(&votes, contest.winners as usize, &mut notes)
                };
                let (rankings, ranking_choices) = if contest.is_ranked() {
                    let mut r: Vec<(Vec<ChoiceId>, u64)> = tally
                        .rankings
                        .iter()
                        .map(|(order, n)| (order.clone(), *n))
                        .collect();
                    r.sort_unstable();
                    (r, contest.choices.clone())
                } else {
                    (Vec::new(), Vec::new())
                };
                let diluted_margin = match margin {
                    Some(m) if tally.ballots > 0 => Some(m as f64 / tally.ballots as f64),
                    _ => None,
                };
                ContestSummary {
                    name: contest.name.clone(),
                    votes_allowed: contest.votes_allowed,
                    votes_allowed_assumed: contest.votes_allowed_assumed,
                    ranks: contest.ranks,
                    votes,
                    ballots: tally.ballots,
                    overvoted_cards: tally.overvoted,
                    undervotes: tally.undervotes,
                    winners,
                    margin,
                    diluted_margin,
                    notes,
                    rankings,
                    ranking_choices,
                }
            })
            .collect()
    }
}

/// Winners and margin of a plurality contest from votes sorted most first.
pub fn plurality(
    votes: &[(String, u64)],
    winners: usize,
    notes: &mut Vec<String>,
) -> (Vec<String>, Option<u64>) {
    let winners = winners.max(1);
    if votes.iter().all(|(_, v)| *v == 0) {
        notes.push("no votes were counted for this contest".to_string());
        return (Vec::new(), None);
    }
    let names = votes.iter().take(winners).map(|(n, _)| n.clone()).collect();
    let (Some(lowest_winner), Some(highest_loser)) = (votes.get(winners - 1), votes.get(winners))
    else {
        notes.push("every choice wins: there is no losing choice, so no margin".to_string());
        return (names, None);
    };
    if lowest_winner.1 == highest_loser.1 {
        notes.push(format!(
            "tie: {:?} and {:?} both have {} votes; the outcome is decided by the tie-break your law sets",
            lowest_winner.0, highest_loser.0, lowest_winner.1
        ));
    }
    (names, Some(lowest_winner.1 - highest_loser.1))
}

/// The instant-runoff winner from counted rankings: eliminate the choice with the fewest
/// continuing votes until one has a majority of the continuing ballots. Ties for elimination
/// eliminate the choice listed last (noted, since the law's tie-break may differ).
fn instant_runoff(
    rankings: &HashMap<Vec<ChoiceId>, u64>,
    choices: usize,
    notes: &mut Vec<String>,
) -> Option<ChoiceId> {
    let mut standing: Vec<bool> = vec![true; choices];
    loop {
        let mut counts = vec![0u64; choices];
        for (ranking, n) in rankings {
            if let Some(&c) = ranking
                .iter()
                .find(|&&c| standing.get(c as usize) == Some(&true))
                && let Some(v) = counts.get_mut(c as usize)
            {
                *v += n;
            }
        }
        let continuing: u64 = counts.iter().sum();
        if continuing == 0 {
            return None;
        }
        let left: Vec<usize> = (0..choices)
            .filter(|&i| standing.get(i) == Some(&true))
            .collect();
        let best = left.iter().copied().max_by_key(|&i| counts[i])?;
        if counts[best] * 2 > continuing || left.len() == 1 {
            return Some(best as ChoiceId);
        }
        let fewest = left.iter().map(|&i| counts[i]).min()?;
        let tied: Vec<usize> = left
            .iter()
            .copied()
            .filter(|&i| counts[i] == fewest)
            .collect();
        if tied.len() > 1 {
            notes.push("a tie for elimination was broken by eliminating the choice listed last; check your law's tie-break".to_string());
        }
        let out = *tied.last()?;
        if let Some(s) = standing.get_mut(out) {
            *s = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Contest;
    use crate::problem::Location;

    #[test]
    fn plurality_margin_and_tie() {
        let mut notes = Vec::new();
        let votes = vec![
            ("A".to_string(), 10),
            ("B".to_string(), 7),
            ("C".to_string(), 7),
        ];
        assert_eq!(
            plurality(&votes, 1, &mut notes),
            (vec!["A".to_string()], Some(3))
        );
        assert_eq!(plurality(&votes, 2, &mut notes).1, Some(0));
        assert!(notes.iter().any(|n| n.contains("tie")));
    }

    #[test]
    fn irv_elimination_transfers_votes() {
        let mut contests = Contests::new();
        let mut d = Diagnostics::new();
        let mut c = Contest::new("Mayor", 1, 3, "f");
        c.choices = vec!["A".into(), "B".into(), "C".into()];
        contests.define(c, &Location::file("f"), &mut d);
        let mut tally = Tally::new();
        let origin = Origin {
            file: "f",
            member: None,
            line: None,
            session: None,
        };
        // 4 × A>B, 3 × B>A, 2 × C>B: C is eliminated, B wins 5–4.
        for (n, prefs) in [(4, [0, 1]), (3, [1, 0]), (2, [2, 1])] {
            for _ in 0..n {
                let mut card = Card::default();
                card.open_contest(0);
                card.mark(prefs[0], 1);
                card.mark(prefs[1], 2);
                tally.card(&origin, &contests, &card, &mut d);
            }
        }
        let s = &tally.summarize(&contests)[0];
        assert_eq!(s.winners, vec!["B".to_string()]);
        assert_eq!(s.votes[0], ("A".to_string(), 4));
        assert_eq!(s.margin, None);
        assert_eq!(
            s.rankings,
            vec![(vec![0, 1], 4), (vec![1, 0], 3), (vec![2, 1], 2)]
        );
        assert_eq!(s.ranking_choices, ["A", "B", "C"]);
    }
}
