//! What every CVR reader reports about the file it read, beside the cards it streamed.

use crate::model::ContestId;

/// A summary of one CVR file (or one member of an archive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CvrFile {
    /// What the file was read as, e.g. "Dominion CSV CVR export".
    pub format: &'static str,
    /// The election named in the file, when it names one.
    pub election: Option<String>,
    /// The voting system's software version, when the file gives it.
    pub version: Option<String>,
    /// Cards read.
    pub cards: u64,
    /// Contests the file defines or mentions, in order of first appearance.
    pub contests: Vec<ContestId>,
    /// Which contests are in `contests`, by id, so that noting a contest on every card is quick.
    mentioned: Vec<bool>,
}

impl CvrFile {
    pub fn new(format: &'static str) -> CvrFile {
        CvrFile {
            format,
            election: None,
            version: None,
            cards: 0,
            contests: Vec::new(),
            mentioned: Vec::new(),
        }
    }

    /// Records that the file mentions `contest`.
    pub fn mentions(&mut self, contest: ContestId) {
        let i = contest as usize;
        if self.mentioned.get(i).copied().unwrap_or(false) {
            return;
        }
        if self.mentioned.len() <= i {
            self.mentioned.resize(i + 1, false);
        }
        if let Some(seen) = self.mentioned.get_mut(i) {
            *seen = true;
        }
        self.contests.push(contest);
    }
}
