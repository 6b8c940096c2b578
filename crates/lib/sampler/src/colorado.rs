//! ColoradoRLA's pseudo-random generator: SHA256(seed + "," + count) as a big-endian integer mod the range.
//!
//! Colorado's statewide audits draw ballots with Philip Stark's SHA-256 generator as ColoradoRLA's
//! `crypto/PseudoRandomNumberGenerator.java` implements it (L159-176; the class Colorado's
//! Department of State runs today is byte-identical, RLA-MATH.md §1.5):
//!
//! * draw c = 1, 2, … is `min + (SHA-256(utf8(seed + "," + c)) as an unsigned big-endian integer)
//!   mod (max − min + 1)`;
//! * without replacement a number already drawn is skipped, but c still advances;
//! * `getRandomNumbers(from, to)` returns positions `from..=to` (0-based) of the sequence, so a later
//!   round continues where the previous one stopped ([`ColoradoGenerator::numbers`] takes the
//!   Rust-style `from..to + 1`).
//!
//! Colorado draws with replacement from 1 to the number of ballot cards in the manifests of the
//! contest's counties, and maps each number to a ballot with [`CumulativeManifest`].
//!
//! Precision statement: exact (integer arithmetic; the 256-bit remainder is computed limb by limb).

use std::collections::HashSet;

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::consistent::Replacement;

/// ColoradoRLA's minimum seed length (`PseudoRandomNumberGenerator.MINIMUM_SEED_LENGTH`).
pub const MINIMUM_SEED_LENGTH: usize = 20;

/// Why Colorado numbers could not be drawn or placed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ColoradoError {
    /// The range is empty or wider than a Java `int` can count (ColoradoRLA would throw an
    /// `ArithmeticException`).
    #[error(
        "cannot draw from {min} to {max}: the maximum must be at least the minimum and the range at most 2147483647 numbers"
    )]
    BadRange {
        /// Smallest number to draw.
        min: i32,
        /// Largest number to draw.
        max: i32,
    },
    /// Positions `start..end` that cannot be asked for (`start` after `end`, or `end` beyond a
    /// Java `int` list index).
    #[error(
        "cannot return sequence positions {start} up to {end}: the start must not be after the end, and the end at most 2147483647"
    )]
    BadSlice {
        /// First 0-based position asked for.
        start: usize,
        /// One past the last 0-based position asked for.
        end: usize,
    },
    /// Without replacement every number of the range was already drawn; ColoradoRLA would loop
    /// forever here.
    #[error(
        "without replacement the range holds only {range_size} numbers, but {end} were asked for"
    )]
    RangeExhausted {
        /// Numbers in the range.
        range_size: u64,
        /// One past the last 0-based position asked for.
        end: usize,
    },
    /// The hash counter would pass 2147483647, where ColoradoRLA's `int` counter overflows.
    #[error("more than 2147483647 hashes would be needed")]
    CounterExhausted,
    /// The seed is not at least 20 decimal digits (ColoradoRLA rejects such seeds).
    #[error("the seed must be at least 20 decimal digits (0-9) and nothing else; got {seed:?}")]
    BadSeed {
        /// The rejected seed.
        seed: String,
    },
    /// A drawn number outside the manifest's 1..=total.
    #[error("number {number} is outside the manifest's ballot cards 1 to {total}")]
    NotInManifest {
        /// The number to place.
        number: u64,
        /// Ballot cards in the manifest.
        total: u64,
    },
    /// The manifest's ballot counts add up to more than 2^64 − 1.
    #[error("the manifest's ballot counts add up to more than 18446744073709551615")]
    ManifestTooLarge,
}

/// Checks a seed the way ColoradoRLA's seed form does: at least 20 characters, all digits 0-9.
/// The digits are used exactly as typed (leading zeros count).
pub fn check_seed(seed: &str) -> Result<(), ColoradoError> {
    if seed.len() >= MINIMUM_SEED_LENGTH && seed.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ColoradoError::BadSeed {
            seed: seed.to_string(),
        })
    }
}

/// The `count`-th number (1-based) of ColoradoRLA's generator before skipping repeats:
/// `min + SHA-256(seed + "," + count) mod (max − min + 1)` (`generateNext` L159-176).
pub fn pick(seed: &str, count: u64, min: i32, max: i32) -> Result<i32, ColoradoError> {
    let range = range_size(min, max)?;
    Ok(pick_in_range(seed, count, min, range))
}

/// A ColoradoRLA generator: the growing list of numbers drawn so far, extended on demand.
#[derive(Debug, Clone)]
pub struct ColoradoGenerator {
    seed: String,
    replacement: Replacement,
    min: i32,
    range: u32,
    count: u64,
    numbers: Vec<i32>,
    drawn: HashSet<i32>,
}

impl ColoradoGenerator {
    /// A generator over `min..=max`. The seed is used as given; see [`check_seed`] for the form
    /// ColoradoRLA accepts. `min == max` is allowed (ColoradoRLA's `assert min < max` is
    /// disabled in production).
    pub fn new(
        seed: &str,
        replacement: Replacement,
        min: i32,
        max: i32,
    ) -> Result<ColoradoGenerator, ColoradoError> {
        Ok(ColoradoGenerator {
            seed: seed.to_string(),
            replacement,
            min,
            range: range_size(min, max)?,
            count: 0,
            numbers: Vec::new(),
            drawn: HashSet::new(),
        })
    }

    /// Positions `start..end` (0-based, end excluded) of the sequence. ColoradoRLA's
    /// `getRandomNumbers(from, to)` is `numbers(from, to + 1)`; a later round asks for the
    /// positions after the earlier rounds' and gets the continuation of the same sequence.
    pub fn numbers(&mut self, start: usize, end: usize) -> Result<&[i32], ColoradoError> {
        // Java counts list positions in an `int`.
        if start > end || end > i32::MAX as usize {
            return Err(ColoradoError::BadSlice { start, end });
        }
        if self.replacement == Replacement::Without && end as u64 > u64::from(self.range) {
            return Err(ColoradoError::RangeExhausted {
                range_size: u64::from(self.range),
                end,
            });
        }
        while self.numbers.len() < end {
            self.generate_next()?;
        }
        self.numbers
            .get(start..end)
            .ok_or(ColoradoError::BadSlice { start, end })
    }

    /// One more hash; appends its number unless drawing without replacement and already drawn.
    fn generate_next(&mut self) -> Result<(), ColoradoError> {
        if self.count >= i32::MAX as u64 {
            return Err(ColoradoError::CounterExhausted);
        }
        self.count += 1;
        let number = pick_in_range(&self.seed, self.count, self.min, self.range);
        if self.replacement == Replacement::With || self.drawn.insert(number) {
            self.numbers.push(number);
        }
        Ok(())
    }
}

/// `max − min + 1` as ColoradoRLA computes it in `int` arithmetic: positive only when it fits.
fn range_size(min: i32, max: i32) -> Result<u32, ColoradoError> {
    let size = i64::from(max) - i64::from(min) + 1;
    match i32::try_from(size) {
        Ok(s) if s > 0 => Ok(s as u32),
        _ => Err(ColoradoError::BadRange { min, max }),
    }
}

fn pick_in_range(seed: &str, count: u64, min: i32, range: u32) -> i32 {
    let mut hasher = Sha256::new();
    hasher.update(seed.as_bytes());
    hasher.update(b",");
    hasher.update(count.to_string().as_bytes());
    let digest: [u8; 32] = hasher.finalize().into();
    let offset = big_endian_mod(&digest, u64::from(range));
    // offset < range, so min + offset <= max: it fits in an i32.
    (i64::from(min) + offset as i64) as i32
}

/// The 256-bit big-endian value of `digest` modulo `modulus` (> 0), by Horner's rule over four
/// 64-bit limbs.
fn big_endian_mod(digest: &[u8; 32], modulus: u64) -> u64 {
    let m = u128::from(modulus.max(1));
    digest.chunks_exact(8).fold(0u128, |rem, limb| {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(limb);
        ((rem << 64) | u128::from(u64::from_be_bytes(bytes))) % m
    }) as u64
}

/// Where a drawn number lands in a ballot manifest: batch (by its index in the manifest) and
/// 1-based position within the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BallotLocation {
    /// Index of the batch in the manifest as given.
    pub batch_index: usize,
    /// 1-based position in the batch; ColoradoRLA matches it to the CVR's record id.
    pub position: u64,
}

/// A manifest's batches numbered cumulatively from 1 in the order given (nothing is sorted):
/// the first batch holds numbers 1..=n₁, the second n₁+1..=n₁+n₂, and so on. For several
/// counties ColoradoRLA joins the manifests in ascending county id (RLA-MATH.md §1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CumulativeManifest {
    /// Last number of each batch (cumulative ballot count).
    ends: Vec<u64>,
}

impl CumulativeManifest {
    /// Numbers the batches whose ballot counts are `batch_sizes`, in order.
    pub fn new(
        batch_sizes: impl IntoIterator<Item = u64>,
    ) -> Result<CumulativeManifest, ColoradoError> {
        let mut total = 0u64;
        let mut ends = Vec::new();
        for size in batch_sizes {
            total = total
                .checked_add(size)
                .ok_or(ColoradoError::ManifestTooLarge)?;
            ends.push(total);
        }
        Ok(CumulativeManifest { ends })
    }

    /// Ballot cards in the manifest: the `max` to draw up to.
    pub fn total(&self) -> u64 {
        self.ends.last().copied().unwrap_or(0)
    }

    /// The ballot that number `r` (1..=total) denotes: position `r − batch start + 1`.
    pub fn locate(&self, r: u64) -> Result<BallotLocation, ColoradoError> {
        let total = self.total();
        if r == 0 || r > total {
            return Err(ColoradoError::NotInManifest { number: r, total });
        }
        let batch_index = self.ends.partition_point(|&end| end < r);
        let start = match batch_index.checked_sub(1) {
            Some(previous) => self.ends.get(previous).copied().unwrap_or(0),
            None => 0,
        };
        Ok(BallotLocation {
            batch_index,
            position: r - start,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mod_matches_small_cases() {
        let mut digest = [0u8; 32];
        digest[31] = 200;
        assert_eq!(big_endian_mod(&digest, 7), 200 % 7);
        // 2^256 - 1 mod 10 = 5 (…639935).
        assert_eq!(big_endian_mod(&[0xff; 32], 10), 5);
        // 2^256 - 1 mod 1000 = 935.
        assert_eq!(big_endian_mod(&[0xff; 32], 1000), 935);
    }

    #[test]
    fn ranges_follow_java_int_arithmetic() {
        assert_eq!(range_size(1, 1), Ok(1));
        assert_eq!(range_size(0, i32::MAX - 1), Ok(i32::MAX as u32));
        assert!(range_size(-1, i32::MAX).is_err());
        assert!(range_size(5, 4).is_err());
        assert!(range_size(i32::MIN, i32::MAX).is_err());
    }

    #[test]
    fn slices_and_exhaustion() {
        let seed = "53417960661093690826";
        let mut g = ColoradoGenerator::new(seed, Replacement::Without, 1, 3).unwrap();
        assert_eq!(g.numbers(0, 0).unwrap(), &[] as &[i32]);
        assert_eq!(g.numbers(3, 3).unwrap(), &[] as &[i32]);
        let all = g.numbers(0, 3).unwrap().to_vec();
        let mut sorted = all.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, vec![1, 2, 3]);
        assert!(matches!(
            g.numbers(0, 4),
            Err(ColoradoError::RangeExhausted { .. })
        ));
        assert!(matches!(
            g.numbers(5, 3),
            Err(ColoradoError::BadSlice { .. })
        ));
        assert_eq!(pick(seed, 1, 1, 1), Ok(1));
    }

    #[test]
    fn manifest_locations() {
        let m = CumulativeManifest::new([3, 0, 2]).unwrap();
        assert_eq!(m.total(), 5);
        let at = |r| m.locate(r).map(|l| (l.batch_index, l.position));
        assert_eq!(at(1), Ok((0, 1)));
        assert_eq!(at(3), Ok((0, 3)));
        assert_eq!(at(4), Ok((2, 1)));
        assert_eq!(at(5), Ok((2, 2)));
        assert!(at(0).is_err());
        assert!(at(6).is_err());
        assert!(CumulativeManifest::new([u64::MAX, 1]).is_err());
        assert!(CumulativeManifest::new([]).unwrap().locate(1).is_err());
    }

    #[test]
    fn seeds() {
        assert!(check_seed("53417960661093690826").is_ok());
        assert!(check_seed("5341796066109369082").is_err());
        assert!(check_seed("5341796066109369082x").is_err());
    }
}
