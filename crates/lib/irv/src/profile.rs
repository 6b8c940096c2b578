//! The ranked ballots of one IRV contest, stored as a tree of shared ranking prefixes so that the tally
//! for any set of continuing candidates is one short walk of the tree.
//!
//! Why a prefix tree: a ballot counts for its highest-ranked continuing candidate, so all ballots that
//! begin with the same candidates up to (and including) the first continuing one count the same way.
//! Each tree node holds how many ballots start with its path; the tally walks down only through
//! eliminated candidates and stops at the first continuing one. When most candidates continue, the walk
//! ends near the root. The RAIRE search asks for thousands of such tallies.
//!
//! Precision: tallies are exact integers (`u64`; the ballot total is checked for overflow once, so
//! no tally can overflow).

use crate::{Candidate, CandidateSet, IrvError, MAX_CANDIDATES};

/// `count` ballots that rank candidates in the order `ranking` (most preferred first). A ranking may
/// be empty (an exhausted or informal-for-this-contest ballot still counts toward the total).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RankedBallots {
    pub count: u64,
    pub ranking: Vec<Candidate>,
}

/// One node of the flattened prefix tree: ballots whose ranking starts with the path to this node.
#[derive(Debug, Clone)]
struct Node {
    candidate: u32,
    /// Number of ballots whose ranking starts with the path ending here.
    count: u64,
    /// Children occupy `nodes[children.0..children.1]`.
    children: (usize, usize),
}

/// The ranked ballots of one contest.
#[derive(Debug, Clone)]
pub struct Profile {
    num_candidates: usize,
    total_ballots: u64,
    first_preferences: Vec<u64>,
    nodes: Vec<Node>,
    /// The root's children (ballots grouped by first preference).
    top: (usize, usize),
}

/// A tree node while the tree is being built (children found by linear search: at most one per
/// candidate, and rankings are short).
struct BuildNode {
    candidate: u32,
    count: u64,
    children: Vec<usize>,
}

impl Profile {
    /// Builds the profile of a contest with `num_candidates` candidates (numbered from 0).
    ///
    /// # Errors
    /// [`IrvError::NoCandidates`], [`IrvError::TooManyCandidates`],
    /// [`IrvError::CandidateOutOfRange`] (naming the ballot group), [`IrvError::TooManyBallots`].
    pub fn new(
        num_candidates: usize,
        groups: impl IntoIterator<Item = RankedBallots>,
    ) -> Result<Profile, IrvError> {
        if num_candidates == 0 {
            return Err(IrvError::NoCandidates);
        }
        if num_candidates > MAX_CANDIDATES {
            return Err(IrvError::TooManyCandidates {
                given: num_candidates,
                max: MAX_CANDIDATES,
            });
        }
        // Index 0 is the root; its candidate field is unused.
        let mut build = vec![BuildNode {
            candidate: u32::MAX,
            count: 0,
            children: Vec::new(),
        }];
        let mut total: u64 = 0;
        for (group, ballots) in groups.into_iter().enumerate() {
            if let Some(bad) = ballots.ranking.iter().find(|c| c.index() >= num_candidates) {
                return Err(IrvError::CandidateOutOfRange {
                    group,
                    candidate: bad.number(),
                    num_candidates,
                });
            }
            total = total
                .checked_add(ballots.count)
                .ok_or(IrvError::TooManyBallots)?;
            if ballots.count == 0 {
                continue;
            }
            let mut at = 0usize;
            for c in &ballots.ranking {
                let existing = build.get(at).and_then(|node| {
                    node.children
                        .iter()
                        .copied()
                        .find(|&child| build.get(child).is_some_and(|n| n.candidate == c.number()))
                });
                let next = match existing {
                    Some(child) => child,
                    None => {
                        build.push(BuildNode {
                            candidate: c.number(),
                            count: 0,
                            children: Vec::new(),
                        });
                        let child = build.len() - 1;
                        if let Some(node) = build.get_mut(at) {
                            node.children.push(child);
                        }
                        child
                    }
                };
                if let Some(node) = build.get_mut(next) {
                    // Cannot overflow: every node's count is at most the checked total.
                    node.count += ballots.count;
                }
                at = next;
            }
        }
        let (nodes, top) = flatten(&build);
        let mut first_preferences = vec![0u64; num_candidates];
        for node in nodes.get(top.0..top.1).unwrap_or(&[]) {
            if let Some(slot) = first_preferences.get_mut(node.candidate as usize) {
                *slot += node.count;
            }
        }
        Ok(Profile {
            num_candidates,
            total_ballots: total,
            first_preferences,
            nodes,
            top,
        })
    }

    pub fn num_candidates(&self) -> usize {
        self.num_candidates
    }

    /// All candidates of the contest.
    pub fn all_candidates(&self) -> CandidateSet {
        CandidateSet::first_n(self.num_candidates)
    }

    /// Number of ballots given, including those ranking nobody.
    pub fn total_ballots(&self) -> u64 {
        self.total_ballots
    }

    /// Ballots ranking `c` first (0 for a candidate outside the contest).
    pub fn first_preferences(&self, c: Candidate) -> u64 {
        self.first_preferences.get(c.index()).copied().unwrap_or(0)
    }

    /// Each candidate's tally when exactly the candidates in `continuing` remain: a ballot counts for
    /// its highest-ranked continuing candidate. Indexed by candidate; zero outside `continuing`.
    pub fn tallies(&self, continuing: CandidateSet) -> Vec<u64> {
        let mut out = vec![0u64; self.num_candidates];
        self.add_tallies(continuing, &mut out);
        out
    }

    /// Adds the tallies for `continuing` into `out` (indexed by candidate).
    pub(crate) fn add_tallies(&self, continuing: CandidateSet, out: &mut [u64]) {
        let mut pending: Vec<(usize, usize)> = vec![self.top];
        while let Some((start, end)) = pending.pop() {
            for node in self.nodes.get(start..end).unwrap_or(&[]) {
                if continuing.contains(Candidate::new(node.candidate)) {
                    if let Some(slot) = out.get_mut(node.candidate as usize) {
                        *slot += node.count;
                    }
                } else if node.children.0 < node.children.1 {
                    pending.push(node.children);
                }
            }
        }
    }

    /// Number of nodes in the prefix tree (distinct ranking prefixes), for benchmarks and diagnostics.
    pub fn distinct_prefixes(&self) -> usize {
        self.nodes.len()
    }
}

/// Lays the tree out breadth-first so that every node's children are contiguous. Returns the nodes and
/// the range of the root's children.
fn flatten(build: &[BuildNode]) -> (Vec<Node>, (usize, usize)) {
    // Breadth-first order of build indices, root excluded.
    let mut order: Vec<usize> = build
        .first()
        .map(|r| r.children.clone())
        .unwrap_or_default();
    let mut new_index = vec![0usize; build.len()];
    let mut i = 0;
    while let Some(&b) = order.get(i) {
        if let Some(slot) = new_index.get_mut(b) {
            *slot = i;
        }
        if let Some(node) = build.get(b) {
            order.extend(node.children.iter().copied());
        }
        i += 1;
    }
    let nodes = order
        .iter()
        .filter_map(|&b| build.get(b))
        .map(|node| {
            let children = match (node.children.first(), node.children.last()) {
                (Some(&first), Some(&last)) => {
                    let start = new_index.get(first).copied().unwrap_or(0);
                    let end = new_index.get(last).copied().unwrap_or(0) + 1;
                    (start, end)
                }
                _ => (0, 0),
            };
            Node {
                candidate: node.candidate,
                count: node.count,
                children,
            }
        })
        .collect();
    let top_len = build.first().map_or(0, |r| r.children.len());
    (nodes, (0, top_len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(i: u32) -> Candidate {
        Candidate::new(i)
    }

    fn group(count: u64, ranking: &[u32]) -> RankedBallots {
        RankedBallots {
            count,
            ranking: ranking.iter().copied().map(Candidate::new).collect(),
        }
    }

    /// raire-rs `raire/tests/test_guide_to_raire_examples.rs` `test_votes_structure` (the Guide to
    /// RAIRE, example 10 votes).
    #[test]
    fn guide_example_tallies_match_raire_rs_test() {
        let p = Profile::new(
            4,
            [
                group(5000, &[2, 1, 0]),
                group(1000, &[1, 2, 3]),
                group(1500, &[3, 0]),
                group(4000, &[0, 3]),
                group(2000, &[3]),
            ],
        )
        .unwrap();
        assert_eq!(p.total_ballots(), 13500);
        assert_eq!(
            [0, 1, 2, 3].map(|i| p.first_preferences(c(i))),
            [4000, 1000, 5000, 3500]
        );
        let t = p.tallies(CandidateSet::of([c(0), c(2), c(3)]));
        assert_eq!(t, vec![4000, 0, 6000, 3500]);
        let t = p.tallies(CandidateSet::of([c(0), c(2)]));
        assert_eq!(t, vec![5500, 0, 6000, 0]);
    }

    #[test]
    fn rejects_out_of_range_candidates_naming_the_group() {
        let err = Profile::new(3, [group(1, &[0]), group(2, &[1, 3])]).unwrap_err();
        assert_eq!(
            err,
            IrvError::CandidateOutOfRange {
                group: 1,
                candidate: 3,
                num_candidates: 3
            }
        );
        assert_eq!(Profile::new(0, []).unwrap_err(), IrvError::NoCandidates);
    }

    #[test]
    fn exhausted_and_repeated_rankings_count_like_raire() {
        // An empty ranking counts toward the total only; a repeated candidate changes nothing.
        let p = Profile::new(3, [group(4, &[]), group(3, &[1, 1, 2]), group(2, &[0])]).unwrap();
        assert_eq!(p.total_ballots(), 9);
        assert_eq!(p.tallies(CandidateSet::of([c(0), c(2)])), vec![2, 0, 3]);
        assert_eq!(p.tallies(CandidateSet::of([c(0)])), vec![2, 0, 0]);
    }
}
