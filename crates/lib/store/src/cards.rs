//! The cards of a CVR upload, packed: a county's export can hold half a million cards, and one
//! `String` per field per card (five heap blocks and ~150 bytes of headers each) cost the upload
//! most of its memory. Here each card is 40 bytes plus its text, which lives in 1 MiB blocks (so
//! growing never copies what is already stored), and each (tabulator, batch) is stored once.
//! docs/PERFORMANCE.md ("audit uploads") has the figures.

use std::collections::HashMap;

use crate::model::CvrCardRow;

/// Text blocks are this large (a card's text longer than this gets a block of its own).
const BLOCK: usize = 1 << 20;
/// The stored value of an absent record id or position.
const NONE: i64 = i64::MIN;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    batch: u32,
    block: u32,
    offset: u32,
    imprinted_len: u32,
    cvr_id_len: u32,
    marks_len: u32,
    record_id: i64,
    position: i64,
}

/// One card, borrowed from [`CvrCards`]; the fields of [`CvrCardRow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CvrCard<'a> {
    pub tabulator: &'a str,
    pub batch: &'a str,
    pub record_id: Option<i64>,
    pub position: Option<i64>,
    pub imprinted_id: &'a str,
    pub cvr_id: &'a str,
    /// `contest:choice,choice;…` with the upload's indexes.
    pub marks: &'a str,
}

impl CvrCard<'_> {
    pub fn to_row(&self) -> CvrCardRow {
        CvrCardRow {
            tabulator: self.tabulator.to_string(),
            batch: self.batch.to_string(),
            record_id: self.record_id,
            position: self.position,
            imprinted_id: self.imprinted_id.to_string(),
            cvr_id: self.cvr_id.to_string(),
            marks: self.marks.to_string(),
        }
    }
}

/// Every card of a CVR upload, in file order, packed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CvrCards {
    blocks: Vec<String>,
    /// (tabulator, batch), each once.
    batches: Vec<(String, String)>,
    /// `tabulator \u{1f} batch` → index in `batches`.
    index: HashMap<String, u32>,
    key: String,
    cards: Vec<Packed>,
}

fn key_of(key: &mut String, tabulator: &str, batch: &str) {
    key.clear();
    key.push_str(tabulator);
    key.push('\u{1f}');
    key.push_str(batch);
}

fn opt(v: Option<i64>) -> i64 {
    v.unwrap_or(NONE)
}

fn unopt(v: i64) -> Option<i64> {
    (v != NONE).then_some(v)
}

impl CvrCards {
    pub fn new() -> CvrCards {
        CvrCards::default()
    }

    pub fn len(&self) -> usize {
        self.cards.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cards.is_empty()
    }

    fn batch_index(&mut self, tabulator: &str, batch: &str) -> u32 {
        // Cards come batch by batch: the last card's batch is usually this one.
        if let Some(last) = self.cards.last()
            && let Some((t, b)) = self.batches.get(last.batch as usize)
            && t == tabulator
            && b == batch
        {
            return last.batch;
        }
        key_of(&mut self.key, tabulator, batch);
        if let Some(&i) = self.index.get(&self.key) {
            return i;
        }
        let i = u32::try_from(self.batches.len()).unwrap_or(u32::MAX);
        self.batches
            .push((tabulator.to_string(), batch.to_string()));
        self.index.insert(self.key.clone(), i);
        i
    }

    /// Appends a card.
    pub fn push(&mut self, card: &CvrCard<'_>) {
        let batch = self.batch_index(card.tabulator, card.batch);
        let len = card.imprinted_id.len() + card.cvr_id.len() + card.marks.len();
        let fits = self
            .blocks
            .last()
            .is_some_and(|b| b.capacity() - b.len() >= len);
        if !fits {
            self.blocks.push(String::with_capacity(BLOCK.max(len)));
        }
        let block = self.blocks.len() - 1;
        let Some(text) = self.blocks.last_mut() else {
            return;
        };
        let offset = text.len();
        text.push_str(card.imprinted_id);
        text.push_str(card.cvr_id);
        text.push_str(card.marks);
        self.cards.push(Packed {
            batch,
            block: u32::try_from(block).unwrap_or(u32::MAX),
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            imprinted_len: u32::try_from(card.imprinted_id.len()).unwrap_or(u32::MAX),
            cvr_id_len: u32::try_from(card.cvr_id.len()).unwrap_or(u32::MAX),
            marks_len: u32::try_from(card.marks.len()).unwrap_or(u32::MAX),
            record_id: opt(card.record_id),
            position: opt(card.position),
        });
    }

    /// The card at `i`.
    pub fn get(&self, i: usize) -> Option<CvrCard<'_>> {
        let p = self.cards.get(i)?;
        let (tabulator, batch) = self.batches.get(p.batch as usize)?;
        let text = self.blocks.get(p.block as usize)?;
        let start = p.offset as usize;
        let a = start + p.imprinted_len as usize;
        let b = a + p.cvr_id_len as usize;
        let c = b + p.marks_len as usize;
        Some(CvrCard {
            tabulator,
            batch,
            record_id: unopt(p.record_id),
            position: unopt(p.position),
            imprinted_id: text.get(start..a)?,
            cvr_id: text.get(a..b)?,
            marks: text.get(b..c)?,
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = CvrCard<'_>> {
        (0..self.cards.len()).filter_map(|i| self.get(i))
    }

    /// Sets the position of the card at `i`.
    pub fn set_position(&mut self, i: usize, position: Option<i64>) {
        if let Some(p) = self.cards.get_mut(i) {
            p.position = opt(position);
        }
    }

    /// Renames tabulators batch by batch: `rename(tabulator, batch)` returns the new tabulator
    /// or `None` to keep it. A batch is renamed only when the new (tabulator, batch) is not
    /// already one of the upload's, so two batches never merge.
    pub fn rename_tabulators(&mut self, rename: impl Fn(&str, &str) -> Option<String>) {
        for i in 0..self.batches.len() {
            let Some((tabulator, batch)) = self.batches.get(i) else {
                continue;
            };
            let Some(new) = rename(tabulator, batch) else {
                continue;
            };
            let mut key = String::new();
            key_of(&mut key, &new, batch);
            if self.index.contains_key(&key) {
                continue;
            }
            let mut old = String::new();
            key_of(&mut old, tabulator, batch);
            self.index.remove(&old);
            self.index.insert(key, u32::try_from(i).unwrap_or(u32::MAX));
            if let Some(entry) = self.batches.get_mut(i) {
                entry.0 = new;
            }
        }
    }
}

impl FromIterator<CvrCardRow> for CvrCards {
    fn from_iter<I: IntoIterator<Item = CvrCardRow>>(rows: I) -> CvrCards {
        let mut cards = CvrCards::new();
        for r in rows {
            cards.push(&CvrCard {
                tabulator: &r.tabulator,
                batch: &r.batch,
                record_id: r.record_id,
                position: r.position,
                imprinted_id: &r.imprinted_id,
                cvr_id: &r.cvr_id,
                marks: &r.marks,
            });
        }
        cards
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(i: i64, tabulator: &str, batch: &str) -> CvrCardRow {
        CvrCardRow {
            tabulator: tabulator.into(),
            batch: batch.into(),
            record_id: (i % 3 != 0).then_some(i),
            position: (i % 5 != 0).then_some(i + 1),
            imprinted_id: format!("{tabulator}-{batch}-{i}"),
            cvr_id: i.to_string(),
            marks: "0:1;2:".repeat((i % 4) as usize),
        }
    }

    #[test]
    fn cards_round_trip_across_blocks_and_batches() {
        let rows: Vec<CvrCardRow> = (0..120_000)
            .map(|i| {
                row(
                    i,
                    if i % 2 == 0 { "1" } else { "2" },
                    &(i / 1000).to_string(),
                )
            })
            .collect();
        let cards: CvrCards = rows.iter().cloned().collect();
        assert_eq!(cards.len(), rows.len());
        assert!(cards.blocks.len() > 1, "the text spans several blocks");
        assert_eq!(cards.batches.len(), 240);
        for (i, r) in rows.iter().enumerate() {
            assert_eq!(&cards.get(i).unwrap().to_row(), r);
        }
        assert!(cards.get(rows.len()).is_none());
    }

    #[test]
    fn renaming_a_tabulator_never_merges_batches() {
        let mut cards: CvrCards = [row(1, "", "A"), row(2, "", "B"), row(3, "T", "B")]
            .into_iter()
            .collect();
        cards.rename_tabulators(|_, _| Some("T".into()));
        let tabs: Vec<&str> = cards.iter().map(|c| c.tabulator).collect();
        assert_eq!(tabs, ["T", "", "T"]);
        cards.set_position(1, Some(9));
        assert_eq!(cards.get(1).unwrap().position, Some(9));
        // A card pushed after a rename joins the renamed batch.
        cards.push(&row(4, "T", "A").to_row_ref());
        assert_eq!(cards.batches.len(), 3);
    }

    impl CvrCardRow {
        fn to_row_ref(&self) -> CvrCard<'_> {
            CvrCard {
                tabulator: &self.tabulator,
                batch: &self.batch,
                record_id: self.record_id,
                position: self.position,
                imprinted_id: &self.imprinted_id,
                cvr_id: &self.cvr_id,
                marks: &self.marks,
            }
        }
    }
}
