//! Reconciling cast-vote records with ballot manifests: cards per batch, batches missing on either
//! side, duplicate CVR ids and duplicate record ids — and Arlo's ballot positions.
//!
//! Memory: the per-batch counters are bounded by the number of batches. Two things grow with the
//! number of cards, compactly: duplicate CVR ids are caught with a set of 64-bit hashes of the ids
//! (about 19 MB per million cards; two different ids collide with probability about n²/2⁶⁵, 3·10⁻⁸
//! for a million cards, which would show as a false "duplicate" naming the id, never as a missed
//! one), and each batch keeps its cards' record ids (8 bytes per card), which both finds repeated
//! record ids and numbers ballots as Arlo does: position = rank of the record id in its batch
//! (`api/cvrs.py` L1426-1449, RLA-MATH.md §1.2).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use crate::manifest::Manifest;
use crate::model::{Card, CardSink, Contests, Origin};
use crate::problem::{Diagnostics, Location};

/// A 64-bit hash of an id: FNV-1a followed by the SplitMix64 finaliser, so that short, similar
/// ids ("1-1-1", "1-1-2") spread over the whole range. Fixed, so results do not vary by run.
pub fn id_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// The keys are already hashes; hashing them again would only cost time.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// One batch as the CVRs show it.
#[derive(Debug, Clone)]
pub struct CvrBatch {
    pub tabulator: String,
    pub batch: String,
    pub cards: u64,
    /// Record ids of the batch's cards; sorted once reading ends.
    record_ids: Vec<u64>,
    /// Where the batch's first card was.
    pub first_seen: Location,
}

/// Counts cards per batch and catches repeated ids while cards stream past.
#[derive(Default)]
pub struct CardCounter {
    index: HashMap<String, usize>,
    batches: Vec<CvrBatch>,
    key: String,
    last: Option<usize>,
    ids: HashSet<u64, BuildHasherDefault<PassThrough>>,
    pub cards: u64,
    finished: bool,
}

impl std::fmt::Debug for CardCounter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardCounter")
            .field("cards", &self.cards)
            .field("batches", &self.batches.len())
            .finish()
    }
}

fn batch_key(key: &mut String, tabulator: &str, batch: &str) {
    key.clear();
    key.push_str(tabulator);
    key.push('\u{1f}');
    key.push_str(batch);
}

/// How a batch is named in messages.
pub fn describe_batch(tabulator: &str, batch: &str) -> String {
    if tabulator.is_empty() {
        format!("batch {batch:?}")
    } else {
        format!("batch {batch:?} of tabulator {tabulator:?}")
    }
}

impl CardSink for CardCounter {
    fn card(
        &mut self,
        origin: &Origin<'_>,
        _: &Contests,
        card: &Card,
        diagnostics: &mut Diagnostics,
    ) {
        self.cards += 1;
        let same = self
            .last
            .and_then(|i| self.batches.get(i))
            .is_some_and(|b| b.batch == card.batch && b.tabulator == card.tabulator);
        if !same {
            batch_key(&mut self.key, &card.tabulator, &card.batch);
            let i = match self.index.get(&self.key) {
                Some(&i) => i,
                None => {
                    let i = self.batches.len();
                    self.index.insert(self.key.clone(), i);
                    self.batches.push(CvrBatch {
                        tabulator: card.tabulator.clone(),
                        batch: card.batch.clone(),
                        cards: 0,
                        record_ids: Vec::new(),
                        first_seen: origin.location(),
                    });
                    i
                }
            };
            self.last = Some(i);
        }
        if let Some(b) = self.last.and_then(|i| self.batches.get_mut(i)) {
            b.cards += 1;
            if let Some(r) = card.record_id {
                b.record_ids.push(r);
            }
        }
        if !card.cvr_id.is_empty() && !self.ids.insert(id_hash(card.cvr_id.as_bytes())) {
            diagnostics.error(
                "duplicate-cvr-id",
                origin.location(),
                format!(
                    "CVR id {:?} appears more than once in these files; every card must have its own id — check that the same export was not loaded twice, or re-export the CVRs",
                    card.cvr_id
                ),
            );
        }
    }
}

impl CardCounter {
    pub fn new() -> CardCounter {
        CardCounter::default()
    }

    pub fn batches(&self) -> &[CvrBatch] {
        &self.batches
    }

    /// Ends reading: sorts each batch's record ids and reports ids used twice in one batch.
    pub fn finish(&mut self, diagnostics: &mut Diagnostics) {
        if self.finished {
            return;
        }
        self.finished = true;
        for b in &mut self.batches {
            b.record_ids.sort_unstable();
            let mut reported = 0;
            for pair in b.record_ids.windows(2) {
                if let [x, y] = pair
                    && x == y
                    && reported < 3
                {
                    reported += 1;
                    diagnostics.error(
                        "duplicate-record-id",
                        b.first_seen.clone(),
                        format!(
                            "record id {x} appears more than once in {}; each card in a batch has its own record id, so ballot positions would be ambiguous — check the export",
                            describe_batch(&b.tabulator, &b.batch)
                        ),
                    );
                }
            }
        }
    }

    /// Ballot positions as Arlo numbers them. Call after [`CardCounter::finish`].
    pub fn positions(&self) -> PositionIndex<'_> {
        PositionIndex { counter: self }
    }
}

/// Finds a card's position in its batch: the rank of its record id among the batch's record ids.
pub struct PositionIndex<'a> {
    counter: &'a CardCounter,
}

impl PositionIndex<'_> {
    /// 1-based position of record `record_id` in the batch, or `None` when the batch or record is
    /// unknown.
    pub fn position(&self, tabulator: &str, batch: &str, record_id: u64) -> Option<u64> {
        let mut key = String::new();
        batch_key(&mut key, tabulator, batch);
        let b = self.counter.batches.get(*self.counter.index.get(&key)?)?;
        let i = b.record_ids.binary_search(&record_id).ok()?;
        // The first of equal ids, so repeated ids (already reported) get one position.
        let first = b.record_ids[..i].partition_point(|&r| r < record_id);
        Some(first as u64 + 1)
    }

    /// Fills in `card.position`.
    pub fn assign(&self, card: &mut Card) {
        card.position = card
            .record_id
            .and_then(|r| self.position(&card.tabulator, &card.batch, r));
    }
}

/// What reconciling manifests with CVRs found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    pub manifest_batches: u64,
    pub cvr_batches: u64,
    /// CVR batches found in a manifest.
    pub matched_batches: u64,
    /// Matched batches whose card count differs from the manifest's ballot count.
    pub count_mismatches: u64,
    /// Manifest batches (expected to have CVRs) with no cards.
    pub batches_without_cvrs: u64,
    /// CVR batches that no manifest lists.
    pub batches_not_in_manifest: u64,
    pub manifest_ballots: u64,
    pub cvr_cards: u64,
}

impl Reconciliation {
    /// Adds another jurisdiction's figures to these.
    pub fn add(&mut self, other: &Reconciliation) {
        self.manifest_batches += other.manifest_batches;
        self.cvr_batches += other.cvr_batches;
        self.matched_batches += other.matched_batches;
        self.count_mismatches += other.count_mismatches;
        self.batches_without_cvrs += other.batches_without_cvrs;
        self.batches_not_in_manifest += other.batches_not_in_manifest;
        self.manifest_ballots += other.manifest_ballots;
        self.cvr_cards += other.cvr_cards;
    }
}

/// Compares the CVRs' batches with the manifests' (after [`CardCounter::finish`]).
///
/// A CVR batch is found in a manifest by tabulator and batch name, or by batch name alone when the
/// manifest has no tabulators or the CVRs do not name them (as Arlo keys Hart batches). More cards
/// than the manifest's ballots is an error (the audit would never draw the extra cards); fewer is a
/// warning (ballots without a CVR are audited as phantoms).
pub fn reconcile(
    manifests: &[Manifest],
    counter: &CardCounter,
    diagnostics: &mut Diagnostics,
) -> Reconciliation {
    let mut result = Reconciliation {
        cvr_batches: counter.batches.len() as u64,
        cvr_cards: counter.cards,
        ..Reconciliation::default()
    };
    let mut by_key: HashMap<(&str, &str), Vec<(usize, usize)>> = HashMap::new();
    let mut by_name: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    for (m, manifest) in manifests.iter().enumerate() {
        for (b, batch) in manifest.batches.iter().enumerate() {
            result.manifest_batches += 1;
            result.manifest_ballots += batch.ballots;
            let tab = batch.tabulator.as_deref().unwrap_or("");
            by_key.entry((tab, &batch.name)).or_default().push((m, b));
            by_name.entry(&batch.name).or_default().push((m, b));
        }
    }
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for cvr in &counter.batches {
        let exact = by_key.get(&(cvr.tabulator.as_str(), cvr.batch.as_str()));
        let found = match exact {
            Some(v) => Some(v),
            None => by_name.get(cvr.batch.as_str()).filter(|v| {
                v.len() == 1
                    && v.first().is_some_and(|&(m, b)| {
                        cvr.tabulator.is_empty()
                            || manifests
                                .get(m)
                                .and_then(|mf| mf.batches.get(b))
                                .is_some_and(|mb| mb.tabulator.is_none())
                    })
            }),
        };
        let Some(found) = found else {
            result.batches_not_in_manifest += 1;
            let hint = by_name
                .get(cvr.batch.as_str())
                .and_then(|v| v.first())
                .and_then(|&(m, b)| manifests.get(m)?.batches.get(b))
                .map(|mb| {
                    format!(
                        " (the manifest has a batch {:?} on tabulator {:?})",
                        mb.name,
                        mb.tabulator.as_deref().unwrap_or("")
                    )
                })
                .unwrap_or_default();
            diagnostics.error(
                "batch-not-in-manifest",
                cvr.first_seen.clone(),
                format!(
                    "the CVRs have {} cards in {}, which no ballot manifest lists{hint}; the tabulator and batch in the CVRs must match the manifest's Tabulator and Batch Name — correct the manifest or load the right one",
                    cvr.cards,
                    describe_batch(&cvr.tabulator, &cvr.batch)
                ),
            );
            continue;
        };
        if found.len() > 1 {
            diagnostics.warning(
                "ambiguous-batch",
                cvr.first_seen.clone(),
                format!(
                    "{} is listed in more than one manifest; inspect one jurisdiction's files at a time so the CVRs are compared with the right manifest",
                    describe_batch(&cvr.tabulator, &cvr.batch)
                ),
            );
        }
        let Some(&(m, b)) = found.first() else {
            continue;
        };
        let Some(manifest) = manifests.get(m) else {
            continue;
        };
        let Some(mb) = manifest.batches.get(b) else {
            continue;
        };
        seen.insert((m, b));
        result.matched_batches += 1;
        let at = Location::at(&manifest.source, mb.line, None);
        if mb.has_cvrs == Some(false) {
            diagnostics.warning(
                "cvrs-for-non-cvr-batch",
                at.clone(),
                format!(
                    "the manifest marks {} as having no CVRs (CVR = N) but the CVRs have {} cards for it; correct the manifest's CVR column",
                    describe_batch(&cvr.tabulator, &cvr.batch),
                    cvr.cards
                ),
            );
        }
        if cvr.cards != mb.ballots {
            result.count_mismatches += 1;
            if cvr.cards > mb.ballots {
                diagnostics.error(
                    "more-cards-than-ballots",
                    at,
                    format!(
                        "the manifest says {} holds {} ballots but the CVRs have {} cards for it; the sample is drawn from the manifest, so the extra cards could never be audited — recount the batch and correct the manifest",
                        describe_batch(&cvr.tabulator, &cvr.batch),
                        mb.ballots,
                        cvr.cards
                    ),
                );
            } else {
                diagnostics.warning(
                    "fewer-cards-than-ballots",
                    at,
                    format!(
                        "the manifest says {} holds {} ballots but the CVRs have only {} cards for it; a ballot drawn without a CVR is audited as a phantom (worst case) — check for missing CVRs or a miscount",
                        describe_batch(&cvr.tabulator, &cvr.batch),
                        mb.ballots,
                        cvr.cards
                    ),
                );
            }
        }
    }
    if !counter.batches.is_empty() {
        for (m, manifest) in manifests.iter().enumerate() {
            for (b, mb) in manifest.batches.iter().enumerate() {
                if seen.contains(&(m, b)) || mb.has_cvrs == Some(false) || mb.ballots == 0 {
                    continue;
                }
                result.batches_without_cvrs += 1;
                diagnostics.warning(
                    "batch-without-cvrs",
                    Location::at(&manifest.source, mb.line, None),
                    format!(
                        "the manifest lists {} with {} ballots but the CVRs have no cards for it; load that batch's CVRs, or mark it CVR = N if it has none",
                        describe_batch(mb.tabulator.as_deref().unwrap_or(""), &mb.name),
                        mb.ballots
                    ),
                );
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(id: &str, tab: &str, batch: &str, record: u64) -> Card {
        Card {
            cvr_id: id.into(),
            tabulator: tab.into(),
            batch: batch.into(),
            record_id: Some(record),
            ..Card::default()
        }
    }

    #[test]
    fn positions_are_ranks_of_record_ids_and_duplicates_are_caught() {
        let mut counter = CardCounter::new();
        let mut d = Diagnostics::new();
        let contests = Contests::new();
        let origin = Origin {
            file: "c.csv",
            member: None,
            line: Some(5),
            session: None,
        };
        for c in [
            card("1", "T", "B", 7),
            card("2", "T", "B", 3),
            card("3", "T", "B", 12),
            card("4", "U", "B", 1),
            card("3", "U", "B", 1),
        ] {
            counter.card(&origin, &contests, &c, &mut d);
        }
        counter.finish(&mut d);
        let p = counter.positions();
        assert_eq!(p.position("T", "B", 3), Some(1));
        assert_eq!(p.position("T", "B", 7), Some(2));
        assert_eq!(p.position("T", "B", 12), Some(3));
        assert_eq!(p.position("T", "B", 4), None);
        let text: Vec<String> = d.into_problems().iter().map(|p| p.to_string()).collect();
        assert_eq!(text.len(), 2, "{text:?}");
        assert!(
            text[0].contains("CVR id \"3\" appears more than once"),
            "{text:?}"
        );
        assert!(
            text[1]
                .contains("record id 1 appears more than once in batch \"B\" of tabulator \"U\""),
            "{text:?}"
        );
    }

    #[test]
    fn id_hash_spreads_similar_ids() {
        let a = id_hash(b"1-1-1");
        let b = id_hash(b"1-1-2");
        assert_ne!(a, b);
        assert!((a ^ b).count_ones() > 16);
    }
}
