//! Probability-proportional-to-error-bound (PPEB) batch sampling for batch-comparison audits, as Arlo draws it.
//!
//! PPEB (Aslam, Popa and Rivest, "On auditing elections when precincts have different sizes",
//! EVT 2008; Stark, "Efficient post-election audits of multiple contests", 2009) draws batches with
//! replacement, each with probability `u_p / U` — its maximum possible overstatement of the margin
//! over the total (MACRO's error bounds, `rla_math::macro_batch`). Arlo's
//! `server/audit_math/sampler.py::draw_ppeb_sample` L71-198 (RLA-MATH.md §1.3) does it like this,
//! and this module repeats every step so the same seed gives the same batches, order and tickets:
//!
//! 1. Seed NumPy's generator with the SHA-256 of the seed read as a 256-bit integer:
//!    `default_rng(int(sha256_hex(seed), 16))` (L116-117; see [`crate::numpy`]).
//! 2. If the draws so far plus this round's reach the number of batches, take instead every batch
//!    not drawn before, in sorted key order — a full hand tally (L135-153).
//! 3. Otherwise draw all rounds' batches again from the start, `Generator.choice(batches,
//!    previous + size, p=weights)`, so earlier rounds' draws repeat and are dropped (L154-160, L196).
//! 4. Label each draw with a ticket number from Rivest's consistent sampler: for a batch's first
//!    draw `trim(first_fraction(str(key), seed), 18)`, for later draws `trim(next_fraction(previous
//!    ticket), 18)` (L164-194), counting draws over all rounds.
//!
//! Which batches are drawn depends on the order the batches are listed in (NumPy's cumulative
//! sum runs in that order): Arlo lists them jurisdiction by jurisdiction, each jurisdiction's
//! batches in the order of its uploaded batch tallies (`api/shared.py::batch_tallies` L89-96).
//! Ticket numbers depend only on the seed and the key; the full-hand-tally order depends on neither.
//!
//! Precision statement: exact. The draws are bit-for-bit NumPy 1.26's for the same `weights`
//! doubles and the tickets are the consistent sampler's strings (checked against Arlo's snapshot
//! tests and `macro_batch_comparison_arlo.json`).

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::consistent::{ARLO_TICKET_DIGITS, SamplerError, first_fraction, next_fraction, trim};
use crate::numpy::{ChoiceError, Generator, SeedSequence};
use crate::python_repr::BatchKey;

/// One batch offered to the draw: its key — Arlo's `(jurisdiction name, batch name)`, made with
/// [`BatchKey::arlo_batch`] — and its selection probability `u_p / U`.
#[derive(Debug, Clone, PartialEq)]
pub struct PpebBatch {
    pub key: BatchKey,
    pub weight: f64,
}

/// One draw of this round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PpebDraw {
    /// The ticket number (18 digits after any leading 9s), the order in which draws are audited.
    pub ticket_number: String,
    /// Index of the drawn batch in the list given to [`draw_ppeb_sample`].
    pub batch: usize,
    /// 1 for the batch's first draw in any round, 2 for its second, and so on.
    pub draw_of_batch: u32,
}

/// Why a PPEB sample cannot be drawn.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PpebError {
    /// Arlo asserts "Must have batch-level results to use MACRO".
    #[error("no batches to draw from; upload the batch tallies of the contest's jurisdictions")]
    NoBatches,
    #[error("batch {key} is listed more than once; each (jurisdiction, batch name) must be unique")]
    DuplicateBatch { key: String },
    #[error("sample size {sample_size} after {previous} earlier draws is too large to count")]
    TooManyDraws { sample_size: usize, previous: usize },
    #[error("the batch selection weights are unusable: {0}")]
    Weights(#[from] ChoiceError),
    #[error(transparent)]
    Ticket(#[from] SamplerError),
}

/// Draws `sample_size` batches for this round with probability proportional to `weight`, after
/// `previously_sampled` — the keys of every earlier draw of this contest, one entry per draw
/// (only their number and which batches they name matter).
///
/// Returns no draws when every weight is 0 (the contest is on no batch; Arlo sees `U == 0`).
/// The weights are ignored when the round completes a full hand tally; so when the contest's
/// margin is not positive (`U` infinite — Arlo raises computing `u_p / U`) pass any positive
/// weights with `sample_size` = the number of batches.
pub fn draw_ppeb_sample(
    seed: &str,
    batches: &[PpebBatch],
    sample_size: usize,
    previously_sampled: &[BatchKey],
) -> Result<Vec<PpebDraw>, PpebError> {
    if batches.is_empty() {
        return Err(PpebError::NoBatches);
    }
    let mut index_of: HashMap<&BatchKey, usize> = HashMap::with_capacity(batches.len());
    for (i, batch) in batches.iter().enumerate() {
        if index_of.insert(&batch.key, i).is_some() {
            return Err(PpebError::DuplicateBatch {
                key: batch.key.repr(),
            });
        }
    }
    if batches.iter().all(|b| b.weight == 0.0) {
        return Ok(Vec::new());
    }
    let previous = previously_sampled.len();
    let cumulative = previous
        .checked_add(sample_size)
        .ok_or(PpebError::TooManyDraws {
            sample_size,
            previous,
        })?;

    if cumulative >= batches.len() {
        // Full hand tally: every batch not drawn before, in Python's sorted order of the key
        // tuples (code-point order of the strings, which is Rust's byte order of UTF-8). None of
        // them was drawn before, so each gets its first ticket.
        let drawn: HashSet<&BatchKey> = previously_sampled.iter().collect();
        let mut rest: Vec<usize> = (0..batches.len())
            .filter(|&i| !drawn.contains(&batches[i].key))
            .collect();
        rest.sort_by(|&a, &b| batches[a].key.cmp(&batches[b].key));
        return rest
            .into_iter()
            .map(|i| {
                Ok(PpebDraw {
                    ticket_number: first_ticket(&batches[i].key, seed)?,
                    batch: i,
                    draw_of_batch: 1,
                })
            })
            .collect();
    }

    let weights: Vec<f64> = batches.iter().map(|b| b.weight).collect();
    let mut generator = Generator::default_rng(&SeedSequence::from_be_bytes(
        Sha256::digest(seed.as_bytes()).as_slice(),
    ));
    let drawn = generator.choice_with_replacement(&weights, cumulative)?;

    // `choice` returns indices below `weights.len()` (its last cumulative value is exactly 1.0 and
    // every uniform draw is below 1), so indexing `batches` with them cannot fail.
    let mut last_ticket: HashMap<usize, (String, u32)> = HashMap::new();
    let mut draws = Vec::with_capacity(sample_size);
    for (position, &batch) in drawn.iter().enumerate() {
        let (ticket_number, draw_of_batch) = match last_ticket.get(&batch) {
            None => (first_ticket(&batches[batch].key, seed)?, 1),
            Some((previous_ticket, count)) => (
                trim(&next_fraction(previous_ticket)?, ARLO_TICKET_DIGITS)?.to_string(),
                count.saturating_add(1),
            ),
        };
        last_ticket.insert(batch, (ticket_number.clone(), draw_of_batch));
        if position >= previous {
            draws.push(PpebDraw {
                ticket_number,
                batch,
                draw_of_batch,
            });
        }
    }
    Ok(draws)
}

/// `trim(first_fraction(key, seed), 18)`: the ticket of a batch's first draw.
fn first_ticket(key: &BatchKey, seed: &str) -> Result<String, SamplerError> {
    Ok(trim(&first_fraction(&key.repr(), seed), ARLO_TICKET_DIGITS)?.to_string())
}
