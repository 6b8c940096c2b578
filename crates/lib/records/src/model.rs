//! The one model every vendor's files become: contests with their choices, and cards (one per
//! scanned ballot card) with their marks.
//!
//! Cards are streamed, never stored: a reader fills one reusable [`Card`] per row, session or XML
//! file and hands it to a [`CardSink`], so memory stays bounded by the number of contests and
//! batches however many cards an export holds. Contests are shared by every file of an election in
//! one [`Contests`] registry, which is where definitions that disagree between files are caught.

use std::collections::HashMap;

use crate::problem::{Diagnostics, Location};

/// Index of a contest in [`Contests`].
pub type ContestId = u32;
/// Index of a choice within its contest.
pub type ChoiceId = u32;

/// A contest as the files define it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contest {
    pub name: String,
    /// Votes a voter may cast ("Vote For=N"); for a ranked contest, the number of positions.
    pub votes_allowed: u32,
    /// Ranks a voter may give in a ranked-choice contest; 0 for a plurality contest.
    pub ranks: u32,
    /// How many winners the contest has. ColoradoRLA takes "Vote For=N" as N winners
    /// (`DominionCVRExportParser.java` L323-377); Arlo lets the administrator set it (arlo#937).
    pub winners: u32,
    /// True when the file does not say how many votes are allowed (ES&S, Hart) and 1 was assumed,
    /// as Arlo assumes (`api/cvrs.py`, "Until we know how vote-for-n contests are serialized").
    pub votes_allowed_assumed: bool,
    pub choices: Vec<String>,
    /// The file that first defined the contest, for messages.
    pub defined_in: String,
}

impl Contest {
    pub fn new(name: &str, votes_allowed: u32, ranks: u32, defined_in: &str) -> Contest {
        Contest {
            name: name.to_string(),
            votes_allowed,
            ranks,
            winners: if ranks > 0 { 1 } else { votes_allowed.max(1) },
            votes_allowed_assumed: false,
            choices: Vec::new(),
            defined_in: defined_in.to_string(),
        }
    }

    pub fn is_ranked(&self) -> bool {
        self.ranks > 0
    }
}

/// Every contest of the files read so far, by name.
#[derive(Debug, Default, Clone)]
pub struct Contests {
    contests: Vec<Contest>,
    by_name: HashMap<String, ContestId>,
    choice_ids: Vec<HashMap<String, ChoiceId>>,
}

impl Contests {
    pub fn new() -> Contests {
        Contests::default()
    }

    pub fn len(&self) -> usize {
        self.contests.len()
    }

    pub fn is_empty(&self) -> bool {
        self.contests.is_empty()
    }

    pub fn get(&self, id: ContestId) -> Option<&Contest> {
        self.contests.get(id as usize)
    }

    pub fn id_of(&self, name: &str) -> Option<ContestId> {
        self.by_name.get(name).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (ContestId, &Contest)> {
        (0..).zip(self.contests.iter())
    }

    /// Defines `contest` as a file declares it (name, votes allowed, ranks, choices in file order)
    /// and returns its id with the id of each of its choices in the order given.
    ///
    /// A contest already defined by another file must agree on votes allowed and ranks (an error
    /// otherwise: the files are from different elections or were exported with different
    /// settings); a different list of choices is a warning, and the new choices are added.
    pub fn define(
        &mut self,
        contest: Contest,
        at: &Location,
        diagnostics: &mut Diagnostics,
    ) -> (ContestId, Vec<ChoiceId>) {
        let id = match self.by_name.get(&contest.name) {
            Some(&id) => {
                if let Some(existing) = self.contests.get(id as usize) {
                    self.check_same_definition(existing, &contest, at, diagnostics);
                }
                id
            }
            None => {
                let id = self.contests.len() as ContestId;
                self.by_name.insert(contest.name.clone(), id);
                self.contests.push(Contest {
                    choices: Vec::new(),
                    ..contest.clone()
                });
                self.choice_ids.push(HashMap::new());
                id
            }
        };
        let choices = contest
            .choices
            .iter()
            .map(|choice| self.choice(id, choice))
            .collect();
        (id, choices)
    }

    fn check_same_definition(
        &self,
        existing: &Contest,
        new: &Contest,
        at: &Location,
        diagnostics: &mut Diagnostics,
    ) {
        if existing.votes_allowed_assumed || new.votes_allowed_assumed {
            return;
        }
        if existing.votes_allowed != new.votes_allowed || existing.ranks != new.ranks {
            diagnostics.error(
                "inconsistent-contest",
                at.clone(),
                format!(
                    "contest {:?} allows {} here but {} in {}; the files must come from the same election and be exported with the same contest settings — re-export the one that is wrong",
                    new.name,
                    describe_allowed(new),
                    describe_allowed(existing),
                    existing.defined_in
                ),
            );
            return;
        }
        let mut old: Vec<&str> = existing.choices.iter().map(String::as_str).collect();
        let mut now: Vec<&str> = new.choices.iter().map(String::as_str).collect();
        old.sort_unstable();
        now.sort_unstable();
        if !old.is_empty() && old != now {
            diagnostics.warning(
                "inconsistent-choices",
                at.clone(),
                format!(
                    "contest {:?} lists the choices {} here but {} in {}; check that choice names are spelled the same in every file (standardize them if they differ)",
                    new.name,
                    now.join(", "),
                    old.join(", "),
                    existing.defined_in
                ),
            );
        }
    }

    /// The contest called `name`, defined on first sight with `votes_allowed` assumed (for
    /// formats such as ES&S and Hart that name contests but do not define them).
    pub fn contest_seen(&mut self, name: &str, defined_in: &str) -> ContestId {
        if let Some(&id) = self.by_name.get(name) {
            return id;
        }
        let id = self.contests.len() as ContestId;
        let mut contest = Contest::new(name, 1, 0, defined_in);
        contest.votes_allowed_assumed = true;
        self.by_name.insert(name.to_string(), id);
        self.contests.push(contest);
        self.choice_ids.push(HashMap::new());
        id
    }

    /// The id of choice `name` of contest `contest`, added on first sight.
    pub fn choice(&mut self, contest: ContestId, name: &str) -> ChoiceId {
        let Some(def) = self.contests.get_mut(contest as usize) else {
            return 0;
        };
        // Most contests have a handful of choices: comparing names is quicker than hashing one
        // (this runs for every mark of formats that name choices on each card).
        if def.choices.len() <= 8
            && let Some(i) = def.choices.iter().position(|c| c == name)
        {
            return i as ChoiceId;
        }
        let Some(ids) = self.choice_ids.get_mut(contest as usize) else {
            return 0;
        };
        if let Some(&id) = ids.get(name) {
            return id;
        }
        let id = def.choices.len() as ChoiceId;
        def.choices.push(name.to_string());
        ids.insert(name.to_string(), id);
        id
    }

    /// Sets the number of winners of a contest (Arlo's administrators set it; "Vote For=N" does
    /// not always mean N winners).
    pub fn set_winners(&mut self, contest: ContestId, winners: u32) {
        if let Some(def) = self.contests.get_mut(contest as usize) {
            def.winners = winners;
        }
    }
}

fn describe_allowed(contest: &Contest) -> String {
    if contest.ranks > 0 {
        format!(
            "{} positions and {} ranks",
            contest.votes_allowed, contest.ranks
        )
    } else if contest.votes_allowed == 1 {
        "1 vote".to_string()
    } else {
        format!("{} votes", contest.votes_allowed)
    }
}

/// One mark a voter made: a choice, with its rank in a ranked-choice contest (1 otherwise).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub choice: ChoiceId,
    pub rank: u32,
}

/// A contest that appears on a card, with the range of its marks in [`Card::marks`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContestOnCard {
    pub contest: ContestId,
    /// Overvotes as the vendor reports them, or 1 when the reader found more marks than votes
    /// allowed. An overvoted contest's marks are kept (they are what the CVR says) but not counted.
    pub overvotes: u32,
    /// Votes not used: the vendor's count, or votes allowed minus the marks.
    pub undervotes: u32,
    first_mark: u32,
    mark_count: u32,
}

/// One ballot card's cast-vote record. Readers reuse one `Card` for every record, so a sink that
/// keeps cards must clone them.
///
/// Text fields are empty when the export does not have them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Card {
    /// The vendor's id of the record: Dominion's CvrNumber (CSV) or card id (JSON), ES&S's Cast Vote
    /// Record, Hart's CvrGuid, ClearBallot's BallotID.
    pub cvr_id: String,
    pub tabulator: String,
    pub batch: String,
    /// The record's number within its batch as the tabulator scanned it.
    pub record_id: Option<u64>,
    pub imprinted_id: String,
    pub counting_group: String,
    /// The card's position in its batch as Arlo numbers it: the rank of its record id among the
    /// batch's record ids (`api/cvrs.py` L1426-1449, RLA-MATH.md §1.2). Readers cannot know it in
    /// one pass; [`crate::reconcile::PositionIndex`] supplies it.
    pub position: Option<u64>,
    pub contests: Vec<ContestOnCard>,
    pub marks: Vec<Mark>,
}

impl Card {
    /// Empties the card for the next record, keeping its buffers.
    pub fn clear(&mut self) {
        self.cvr_id.clear();
        self.tabulator.clear();
        self.batch.clear();
        self.record_id = None;
        self.imprinted_id.clear();
        self.counting_group.clear();
        self.position = None;
        self.contests.clear();
        self.marks.clear();
    }

    /// Starts contest `contest` on this card; marks added next belong to it.
    pub fn open_contest(&mut self, contest: ContestId) {
        self.contests.push(ContestOnCard {
            contest,
            overvotes: 0,
            undervotes: 0,
            first_mark: self.marks.len() as u32,
            mark_count: 0,
        });
    }

    /// Adds a mark to the contest opened last.
    pub fn mark(&mut self, choice: ChoiceId, rank: u32) {
        if let Some(last) = self.contests.last_mut() {
            self.marks.push(Mark { choice, rank });
            last.mark_count += 1;
        }
    }

    /// Sets the vendor's overvote and undervote counts of the contest opened last.
    pub fn set_counts(&mut self, overvotes: u32, undervotes: u32) {
        if let Some(last) = self.contests.last_mut() {
            last.overvotes = overvotes;
            last.undervotes = undervotes;
        }
    }

    /// The marks of the contest opened last.
    pub fn last_marks(&self) -> &[Mark] {
        match self.contests.last() {
            Some(c) => self.marks_of(c),
            None => &[],
        }
    }

    pub fn marks_of(&self, contest: &ContestOnCard) -> &[Mark] {
        let start = contest.first_mark as usize;
        let end = start + contest.mark_count as usize;
        self.marks.get(start..end).unwrap_or(&[])
    }

    /// Each contest on the card with its marks.
    pub fn contest_marks(&self) -> impl Iterator<Item = (&ContestOnCard, &[Mark])> {
        self.contests.iter().map(|c| (c, self.marks_of(c)))
    }

    /// Fills in overvotes and undervotes of the contest opened last from its marks, for formats
    /// that do not report them (Dominion CSV, ClearBallot): more marks than votes allowed (at one
    /// rank, for a ranked contest) is an overvote; fewer leaves undervotes.
    pub fn count_over_and_under(&mut self, contest: &Contest) {
        let marks = self.last_marks();
        let (overvotes, undervotes) = if contest.is_ranked() {
            let mut per_rank: Vec<u32> = vec![0; contest.ranks as usize + 1];
            for m in marks {
                if let Some(n) = per_rank.get_mut(m.rank as usize) {
                    *n += 1;
                }
            }
            let over = per_rank.iter().filter(|&&n| n > 1).count() as u32;
            (over, u32::from(marks.is_empty()))
        } else {
            let n = marks.len() as u32;
            if n > contest.votes_allowed {
                (1, 0)
            } else {
                (0, contest.votes_allowed - n)
            }
        };
        self.set_counts(overvotes, undervotes);
    }
}

/// Where a card came from, for messages about it.
#[derive(Debug, Clone, Copy)]
pub struct Origin<'a> {
    pub file: &'a str,
    pub member: Option<&'a str>,
    pub line: Option<u64>,
    /// Index of the session in a Dominion JSON export.
    pub session: Option<u64>,
}

impl Origin<'_> {
    pub fn location(&self) -> Location {
        let mut location = Location::file(self.file).in_member(self.member);
        location.line = self.line;
        if let Some(i) = self.session {
            location.path = Some(format!("Sessions[{i}]"));
        }
        location
    }
}

/// Receives the cards of a CVR export one at a time, in file order.
pub trait CardSink {
    fn card(
        &mut self,
        origin: &Origin<'_>,
        contests: &Contests,
        card: &Card,
        diagnostics: &mut Diagnostics,
    );
}

/// A sink that keeps every card, for tests and small files.
#[derive(Debug, Default)]
pub struct CollectCards(pub Vec<Card>);

impl CardSink for CollectCards {
    fn card(&mut self, _: &Origin<'_>, _: &Contests, card: &Card, _: &mut Diagnostics) {
        self.0.push(card.clone());
    }
}

impl<A: CardSink + ?Sized, B: CardSink + ?Sized> CardSink for (&mut A, &mut B) {
    fn card(
        &mut self,
        origin: &Origin<'_>,
        contests: &Contests,
        card: &Card,
        diagnostics: &mut Diagnostics,
    ) {
        self.0.card(origin, contests, card, diagnostics);
        self.1.card(origin, contests, card, diagnostics);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redefinition_with_other_votes_allowed_is_an_error() {
        let mut contests = Contests::new();
        let mut d = Diagnostics::new();
        let mut c = Contest::new("Mayor", 1, 0, "a.csv");
        c.choices = vec!["A".into(), "B".into()];
        let (id, ch) = contests.define(c.clone(), &Location::file("a.csv"), &mut d);
        assert_eq!((id, ch), (0, vec![0, 1]));
        let mut c2 = c.clone();
        c2.choices = vec!["B".into(), "A".into()];
        let (id2, ch2) = contests.define(c2, &Location::file("b.csv"), &mut d);
        assert_eq!((id2, ch2), (0, vec![1, 0]));
        assert!(!d.has_errors());
        let mut c3 = c;
        c3.votes_allowed = 2;
        contests.define(c3, &Location::file("c.csv"), &mut d);
        assert!(d.has_errors());
        let text = d.into_problems()[0].to_string();
        assert!(
            text.contains("allows 2 votes here but 1 vote in a.csv"),
            "{text}"
        );
    }

    #[test]
    fn over_and_under_votes_from_marks() {
        let contest = Contest::new("C", 2, 0, "f");
        let mut card = Card::default();
        card.open_contest(0);
        card.mark(0, 1);
        card.count_over_and_under(&contest);
        assert_eq!(
            (card.contests[0].overvotes, card.contests[0].undervotes),
            (0, 1)
        );
        card.open_contest(1);
        card.mark(0, 1);
        card.mark(1, 1);
        card.mark(2, 1);
        card.count_over_and_under(&contest);
        assert_eq!(
            (card.contests[1].overvotes, card.contests[1].undervotes),
            (1, 0)
        );
        assert_eq!(
            card.contest_marks()
                .map(|(_, m)| m.len())
                .collect::<Vec<_>>(),
            vec![1, 3]
        );
    }
}
