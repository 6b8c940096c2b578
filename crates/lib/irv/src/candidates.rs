//! Candidates of one IRV contest and sets of them (which candidates are still continuing).

use std::fmt;

/// The largest number of candidates a contest may have: a [`CandidateSet`] is one 128-bit word, which
/// keeps the search's memo tables small and fast. No real IRV contest comes near this.
pub const MAX_CANDIDATES: usize = 128;

/// A candidate, by position in the contest's candidate list (0 is the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Candidate(u32);

impl Candidate {
    /// The candidate at position `index` of the contest's list.
    pub const fn new(index: u32) -> Candidate {
        Candidate(index)
    }

    /// Position in the contest's candidate list.
    pub const fn index(self) -> usize {
        self.0 as usize
    }

    /// Position as the `u32` used in RAIRE files.
    pub const fn number(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "candidate {}", self.0)
    }
}

/// A set of candidates of one contest, e.g. those still continuing at some point of the count.
///
/// Callers only build sets of candidates already checked to be below [`MAX_CANDIDATES`]; a candidate
/// at or above that limit is ignored rather than causing a panic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct CandidateSet(u128);

impl CandidateSet {
    /// The empty set.
    pub const EMPTY: CandidateSet = CandidateSet(0);

    /// Candidates `0..n` (all of a contest with `n` candidates; `n` is capped at [`MAX_CANDIDATES`]).
    pub fn first_n(n: usize) -> CandidateSet {
        if n >= MAX_CANDIDATES {
            CandidateSet(u128::MAX)
        } else {
            CandidateSet((1u128 << n) - 1)
        }
    }

    /// The set holding the given candidates.
    pub fn of(candidates: impl IntoIterator<Item = Candidate>) -> CandidateSet {
        candidates
            .into_iter()
            .fold(CandidateSet::EMPTY, |s, c| s.with(c))
    }

    fn bit(c: Candidate) -> u128 {
        1u128.checked_shl(c.0).unwrap_or(0)
    }

    pub fn contains(self, c: Candidate) -> bool {
        self.0 & Self::bit(c) != 0
    }

    /// This set with `c` added.
    #[must_use]
    pub fn with(self, c: Candidate) -> CandidateSet {
        CandidateSet(self.0 | Self::bit(c))
    }

    /// This set with `c` removed.
    #[must_use]
    pub fn without(self, c: Candidate) -> CandidateSet {
        CandidateSet(self.0 & !Self::bit(c))
    }

    /// Candidates in this set and not in `other`.
    #[must_use]
    pub fn minus(self, other: CandidateSet) -> CandidateSet {
        CandidateSet(self.0 & !other.0)
    }

    /// True when the two sets share a member.
    pub fn intersects(self, other: CandidateSet) -> bool {
        self.0 & other.0 != 0
    }

    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The members in increasing order.
    pub fn iter(self) -> impl Iterator<Item = Candidate> {
        let mut rest = self.0;
        std::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let i = rest.trailing_zeros();
            rest &= rest - 1;
            Some(Candidate(i))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations_agree_with_a_sorted_list() {
        let s = CandidateSet::of([Candidate::new(3), Candidate::new(0), Candidate::new(127)]);
        assert_eq!(s.len(), 3);
        assert!(s.contains(Candidate::new(127)) && !s.contains(Candidate::new(1)));
        let members: Vec<u32> = s.iter().map(Candidate::number).collect();
        assert_eq!(members, vec![0, 3, 127]);
        assert_eq!(s.without(Candidate::new(3)).len(), 2);
        assert_eq!(CandidateSet::first_n(4).minus(s).len(), 2);
        assert_eq!(CandidateSet::first_n(128).len(), 128);
        // Out-of-range candidates are ignored, never a panic.
        assert_eq!(
            CandidateSet::EMPTY.with(Candidate::new(500)),
            CandidateSet::EMPTY
        );
    }
}
