//! Drawing a round's sample and handing it to audit boards: pure functions of the seed, the
//! manifests and the sizes, testable without a database.
//!
//! * Each targeted contest draws its own sample from the batches of the jurisdictions in its
//!   universe with Arlo's consistent sampler; the ballot id is Arlo's `((jurisdiction, tabulator,
//!   batch), position)` (RLA-MATH.md §1.2), and later rounds continue the contest's stream after the
//!   draws already made.
//! * [`merge`] joins the contests' draws into one list of distinct ballots with every ticket that
//!   drew each — the retrieval list shows a ballot once, with its tickets and multiplicity (the
//!   column Arlo's offline users asked for, arlo#779).
//! * [`split_among_boards`] gives each audit board whole batches, largest first to the board with
//!   the fewest ballots so far, so that boards finish at about the same time and no batch is
//!   opened twice.

use std::collections::HashMap;

use sampler::consistent::{Draw, ManifestBatch, Replacement, SampleRequest, draw_sample};
use sampler::python_repr::BatchKey;

use crate::AuditError;

/// One batch of a jurisdiction's manifest, as the sampler sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameBatch {
    pub jurisdiction_id: i64,
    pub jurisdiction: String,
    pub container: Option<String>,
    pub tabulator: Option<String>,
    pub name: String,
    pub ballots: u64,
}

impl FrameBatch {
    /// Arlo's ballot-sampling key `(jurisdiction, tabulator or None, batch)`.
    pub fn key(&self) -> BatchKey {
        BatchKey::arlo(&self.jurisdiction, self.tabulator.as_deref(), &self.name)
    }

    /// Arlo's batch-comparison key `(jurisdiction, batch)`.
    pub fn batch_key(&self) -> BatchKey {
        BatchKey::arlo_batch(&self.jurisdiction, &self.name)
    }
}

/// `size` more draws for one contest after `before` earlier ones, with replacement.
pub fn draw_contest(
    seed: &str,
    frame: &[FrameBatch],
    size: u64,
    before: u64,
) -> Result<Vec<Draw>, AuditError> {
    draw_contest_with(seed, frame, size, before, Replacement::With)
}

/// [`draw_contest`] with or without replacement (the stratum without CVRs of a hybrid audit is
/// drawn without, as Arlo does, `api/shared.py` L1005-1009).
pub fn draw_contest_with(
    seed: &str,
    frame: &[FrameBatch],
    size: u64,
    before: u64,
    replacement: Replacement,
) -> Result<Vec<Draw>, AuditError> {
    let manifest: Vec<ManifestBatch> = frame
        .iter()
        .map(|b| ManifestBatch::new(b.key(), b.ballots))
        .collect();
    let request = SampleRequest::arlo(seed, size, before, replacement);
    draw_sample(&manifest, &request).map_err(|e| AuditError::Invalid(e.to_string()))
}

/// A distinct ballot of the merged sample.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergedBallot {
    /// Index of its batch in the frame it was drawn from.
    pub batch: FrameBatch,
    pub position: u64,
    /// (contest index, ticket) of every draw, in draw order per contest.
    pub tickets: Vec<(usize, String)>,
}

impl MergedBallot {
    pub fn batch_key_repr(&self) -> String {
        self.batch.key().repr()
    }
}

/// Joins each contest's draws into distinct ballots, in order of first draw (contest by contest).
/// `draws[c]` are contest `c`'s draws from `frames[c]`.
pub fn merge(frames: &[Vec<FrameBatch>], draws: &[Vec<Draw>]) -> Vec<MergedBallot> {
    let mut index: HashMap<(String, u64), usize> = HashMap::new();
    let mut merged: Vec<MergedBallot> = Vec::new();
    for (c, (frame, contest_draws)) in frames.iter().zip(draws).enumerate() {
        let by_key: HashMap<BatchKey, &FrameBatch> = frame.iter().map(|b| (b.key(), b)).collect();
        for d in contest_draws {
            let key = (d.ballot.batch.repr(), d.ballot.position);
            match index.get(&key) {
                Some(&i) => {
                    if let Some(m) = merged.get_mut(i) {
                        m.tickets.push((c, d.ticket_number.clone()));
                    }
                }
                None => {
                    let Some(batch) = by_key.get(&d.ballot.batch) else {
                        continue;
                    };
                    index.insert(key, merged.len());
                    merged.push(MergedBallot {
                        batch: (*batch).clone(),
                        position: d.ballot.position,
                        tickets: vec![(c, d.ticket_number.clone())],
                    });
                }
            }
        }
    }
    merged
}

/// Assigns ballots to `boards` audit boards by whole batches: batches with the most sampled
/// ballots first, each to the board with the fewest ballots so far (the lowest-numbered on ties).
/// `batches[i]` is ballot `i`'s batch (any key that identifies the batch). Returns each ballot's
/// board, 0-based. Deterministic: the same ballots always go to the same boards.
pub fn split_among_boards<K: Ord + Clone>(batches: &[K], boards: usize) -> Vec<usize> {
    let boards = boards.max(1);
    let mut counts: std::collections::BTreeMap<K, usize> = std::collections::BTreeMap::new();
    for k in batches {
        *counts.entry(k.clone()).or_default() += 1;
    }
    let mut order: Vec<(K, usize)> = counts.into_iter().collect();
    // Largest first; BTreeMap order (by key) breaks ties.
    order.sort_by_key(|o| std::cmp::Reverse(o.1));
    let mut load = vec![0usize; boards];
    let mut board_of: std::collections::BTreeMap<K, usize> = std::collections::BTreeMap::new();
    for (k, n) in order {
        let (board, _) = load
            .iter()
            .enumerate()
            .min_by_key(|&(i, l)| (*l, i))
            .unwrap_or((0, &0));
        if let Some(l) = load.get_mut(board) {
            *l += n;
        }
        board_of.insert(k, board);
    }
    batches
        .iter()
        .map(|k| board_of.get(k).copied().unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(j: &str, batches: &[(&str, u64)]) -> Vec<FrameBatch> {
        batches
            .iter()
            .map(|(name, n)| FrameBatch {
                jurisdiction_id: 1,
                jurisdiction: j.into(),
                container: None,
                tabulator: None,
                name: (*name).into(),
                ballots: *n,
            })
            .collect()
    }

    #[test]
    fn later_rounds_continue_the_stream() {
        let f = frame("J1", &[("B1", 50), ("B2", 70)]);
        let all = draw_contest("12345", &f, 30, 0).unwrap();
        let first = draw_contest("12345", &f, 10, 0).unwrap();
        let second = draw_contest("12345", &f, 20, 10).unwrap();
        assert_eq!([first, second].concat(), all);
    }

    #[test]
    fn merged_ballots_keep_every_ticket() {
        let f = frame("J1", &[("B1", 5)]);
        let draws = draw_contest("seed", &f, 12, 0).unwrap();
        let merged = merge(&[f.clone(), f], &[draws.clone(), draws.clone()]);
        let tickets: usize = merged.iter().map(|m| m.tickets.len()).sum();
        assert_eq!(tickets, 24);
        assert!(merged.len() <= 5);
        let mut keys: Vec<u64> = merged.iter().map(|m| m.position).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), merged.len(), "each ballot once");
    }

    #[test]
    fn boards_get_whole_batches_and_balanced_loads() {
        let batches = ["A", "A", "A", "B", "B", "C", "D", "D"];
        let boards = split_among_boards(&batches, 2);
        for (i, a) in batches.iter().enumerate() {
            for (j, b) in batches.iter().enumerate() {
                if a == b {
                    assert_eq!(boards[i], boards[j], "a batch goes to one board");
                }
            }
        }
        let load0 = boards.iter().filter(|&&b| b == 0).count();
        assert_eq!((load0, batches.len() - load0), (4, 4));
        assert_eq!(split_among_boards(&batches, 2), boards, "deterministic");
    }
}
