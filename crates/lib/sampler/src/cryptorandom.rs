//! SHANGRLA's card sample numbers: the cryptorandom SHA-256 pseudo-random generator and SHANGRLA's
//! card-level consistent sampling.
//!
//! # The generator (`cryptorandom` 0.3, `cryptorandom/cryptorandom.py`, class `SHA256`)
//!
//! The generator keeps one running SHA-256 hash. It starts as the hash of `str(seed) + ","` (UTF-8):
//! an integer seed is written in decimal, a text seed as it is. Each draw returns the digest of the
//! bytes hashed so far and then feeds one more zero byte into the hash (`jumpahead(1)`). So draw `k`
//! (counting from 0) is `SHA-256(str(seed) + "," + "\0" × k)`; the counter is not written in decimal.
//! `int_from_hash` reads the 32-byte digest as a big-endian unsigned integer.
//!
//! # Card-level consistent sampling (SHANGRLA `shangrla/core/Audit.py`)
//!
//! `CVR.assign_sample_nums` (L811-830) gives the cards, in list order, the successive draws as their
//! sample numbers. `CVR.consistent_sampling` (L930-991) then walks the cards in increasing sample
//! number and takes a card when it contains at least one contest that is still below its sample
//! size; every such contest on the card counts the card. Sampling is without replacement and aware of
//! card styles: a card that holds none of the unfinished contests is skipped.
//!
//! Everything here is exact integer or byte arithmetic, so results match SHANGRLA bit for bit. The one
//! float, [`Sha256Prng::random`], rounds the 256-bit integer to the nearest double (ties to even) and
//! scales it by 2⁻²⁵⁶, exactly as Python's `int * float` does.

use std::fmt;

use sha2::{Digest, Sha256};
use thiserror::Error;

/// A seed as cryptorandom turns it into text: `str(seed)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Seed {
    /// An integer seed of any length, kept as its canonical decimal text (`str(int)`).
    Integer(String),
    /// A text seed, hashed as its UTF-8 bytes.
    Text(String),
}

/// Why a seed cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SeedError {
    #[error(
        "seed {0:?} is not an integer; give only decimal digits (optionally after a minus sign), or pass the seed as text"
    )]
    NotAnInteger(String),
}

impl Seed {
    /// An integer seed from its decimal digits, e.g. `"12345678901234567890"`.
    ///
    /// The text is normalised as Python's `str(int(text))` would: leading zeros and a `+` sign are
    /// dropped and `-0` becomes `0`, because cryptorandom hashes the integer's canonical form.
    pub fn integer(digits: &str) -> Result<Seed, SeedError> {
        let trimmed = digits.trim();
        let (negative, body) = match trimmed.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
        };
        let body = body.replace('_', "");
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SeedError::NotAnInteger(digits.to_string()));
        }
        let significant = body.trim_start_matches('0');
        let canonical = match (significant.is_empty(), negative) {
            (true, _) => "0".to_string(),
            (false, true) => format!("-{significant}"),
            (false, false) => significant.to_string(),
        };
        Ok(Seed::Integer(canonical))
    }

    /// A text seed, used exactly as given.
    pub fn text(text: impl Into<String>) -> Seed {
        Seed::Text(text.into())
    }

    /// The text cryptorandom hashes before the comma: `str(seed)`.
    pub fn as_text(&self) -> &str {
        match self {
            Seed::Integer(s) | Seed::Text(s) => s,
        }
    }
}

impl From<u64> for Seed {
    fn from(n: u64) -> Seed {
        Seed::Integer(n.to_string())
    }
}

impl From<u128> for Seed {
    fn from(n: u128) -> Seed {
        Seed::Integer(n.to_string())
    }
}

/// A 256-bit sample number: one SHA-256 digest read as a big-endian unsigned integer
/// (`int_from_hash`). Ordered numerically; displayed in decimal, as Python prints it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SampleNum([u8; 32]);

impl SampleNum {
    /// The number whose big-endian bytes are `bytes` (`int.from_bytes(bytes, "big")`).
    pub fn from_be_bytes(bytes: [u8; 32]) -> SampleNum {
        SampleNum(bytes)
    }

    pub fn to_be_bytes(self) -> [u8; 32] {
        self.0
    }

    /// Little-endian 64-bit limbs.
    fn limbs(self) -> [u64; 4] {
        let mut limbs = [0u64; 4];
        for (i, chunk) in self.0.rchunks_exact(8).enumerate() {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            limbs[i] = u64::from_be_bytes(word);
        }
        limbs
    }

    /// The value modulo `m` (`m > 0`).
    fn rem_u64(self, m: u64) -> u64 {
        let mut rem: u128 = 0;
        for byte in self.0 {
            rem = ((rem << 8) | u128::from(byte)) % u128::from(m);
        }
        rem as u64
    }

    /// The nearest double to the integer (ties to even), as Python's `float(int)`.
    fn to_f64(self) -> f64 {
        let limbs = self.limbs();
        let Some(top) = (0..4).rev().find(|&i| limbs[i] != 0) else {
            return 0.0;
        };
        let bits = 64 * top as u32 + (64 - limbs[top].leading_zeros());
        if bits <= 64 {
            return limbs[0] as f64; // at most 64 bits: u64 → f64 rounds to nearest, ties to even
        }
        let shift = bits - 53;
        let bit = |k: u32| (limbs[(k / 64) as usize] >> (k % 64)) & 1;
        let mut mantissa: u64 = 0;
        for k in (shift..bits).rev() {
            mantissa = (mantissa << 1) | bit(k);
        }
        let half = bit(shift - 1) == 1;
        let below_half = (0..shift - 1).any(|k| bit(k) == 1);
        if half && (below_half || mantissa & 1 == 1) {
            mantissa += 1; // 2^53 after carrying is still exact
        }
        mantissa as f64 * 2f64.powi(shift as i32)
    }
}

impl fmt::Display for SampleNum {
    /// Decimal digits, as `str(int_from_hash(...))` prints them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19, the largest power of ten in a u64
        let mut limbs = self.limbs();
        let mut groups = Vec::new();
        loop {
            let mut rem: u128 = 0;
            for limb in limbs.iter_mut().rev() {
                let cur = (rem << 64) | u128::from(*limb);
                *limb = (cur / u128::from(CHUNK)) as u64;
                rem = cur % u128::from(CHUNK);
            }
            groups.push(rem as u64);
            if limbs.iter().all(|&l| l == 0) {
                break;
            }
        }
        let mut text = String::new();
        for (i, g) in groups.iter().rev().enumerate() {
            if i == 0 {
                text.push_str(&g.to_string());
            } else {
                text.push_str(&format!("{g:019}"));
            }
        }
        f.pad(&text)
    }
}

impl fmt::Debug for SampleNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SampleNum({self})")
    }
}

/// cryptorandom's `SHA256` generator: `SHA-256(str(seed) + "," + "\0" × counter)`.
#[derive(Clone)]
pub struct Sha256Prng {
    seed: Seed,
    state: Sha256,
    counter: u64,
}

impl fmt::Debug for Sha256Prng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Sha256Prng {{ seed: {:?}, counter: {} }}",
            self.seed.as_text(),
            self.counter
        )
    }
}

/// Why a draw from the generator is impossible.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DrawError {
    #[error(
        "cannot draw an integer from the empty range [{low}, {high}); the upper limit must exceed the lower"
    )]
    EmptyRange { low: u64, high: u64 },
}

impl Sha256Prng {
    /// A generator at counter 0 (`SHA256(seed)`).
    pub fn new(seed: &Seed) -> Sha256Prng {
        let mut state = Sha256::new();
        state.update(seed.as_text().as_bytes());
        state.update(b",");
        Sha256Prng {
            seed: seed.clone(),
            state,
            counter: 0,
        }
    }

    pub fn seed(&self) -> &Seed {
        &self.seed
    }

    /// How many draws (or jumps) have been made: the number of zero bytes hashed after the comma.
    pub fn counter(&self) -> u64 {
        self.counter
    }

    /// Skips `n` draws (`jumpahead(n)`); costs one hashed byte per skipped draw, as in cryptorandom.
    pub fn jump_ahead(&mut self, n: u64) {
        const ZEROS: [u8; 4096] = [0; 4096];
        let mut left = n;
        while left > 0 {
            let step = left.min(ZEROS.len() as u64) as usize;
            self.state.update(&ZEROS[..step]);
            left -= step as u64;
        }
        self.counter += n;
    }

    /// The next digest (`nextRandom()`): the hash of everything so far, then one more zero byte.
    pub fn next_random(&mut self) -> [u8; 32] {
        let digest: [u8; 32] = self.state.clone().finalize().into();
        self.jump_ahead(1);
        digest
    }

    /// The next digest as an integer (`int_from_hash(prng.nextRandom())`).
    pub fn next_sample_num(&mut self) -> SampleNum {
        SampleNum(self.next_random())
    }

    /// A number in [0, 1): the next digest times 2⁻²⁵⁶ (`random()`).
    pub fn random(&mut self) -> f64 {
        self.next_sample_num().to_f64() * 2f64.powi(-256)
    }

    /// `low + (digest mod (high − low))` (`randint_trunc`, which cryptorandom keeps for old audits; it is
    /// slightly non-uniform for very large ranges).
    pub fn randint_trunc(&mut self, low: u64, high: u64) -> Result<u64, DrawError> {
        if high <= low {
            return Err(DrawError::EmptyRange { low, high });
        }
        Ok(low + self.next_sample_num().rem_u64(high - low))
    }
}

/// Gives each card, in list order, the next sample number (`CVR.assign_sample_nums`, Audit.py
/// L811-830): card `i` gets draw `i` of a fresh generator for `seed`.
pub fn assign_sample_nums(seed: &Seed, cards: usize) -> Vec<SampleNum> {
    let mut prng = Sha256Prng::new(seed);
    (0..cards).map(|_| prng.next_sample_num()).collect()
}

/// The cards chosen by [`consistent_sampling`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardSample {
    /// Card indices in selection order: the previously sampled cards first, as given, then the new ones.
    pub indices: Vec<usize>,
    /// For each contest, the sample number of the last card that counted towards it
    /// (`Contest.sample_threshold`); `None` when no card counted in this call.
    pub thresholds: Vec<Option<SampleNum>>,
    /// For each contest, how many sampled cards contain it.
    pub counts: Vec<u64>,
}

/// Why a card-level sample cannot be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CardSamplingError {
    #[error(
        "{cards} cards were given but {sample_nums} sample numbers; assign one sample number to every card"
    )]
    LengthMismatch { cards: usize, sample_nums: usize },
    #[error(
        "card {card} lists contest number {contest}, but only {contests} contests have sample sizes"
    )]
    UnknownContest {
        card: usize,
        contest: usize,
        contests: usize,
    },
    #[error(
        "previously sampled card number {card} does not exist ({cards} cards) or is listed twice"
    )]
    BadPreviousSample { card: usize, cards: usize },
    #[error(
        "contest number {contest} needs a sample of {wanted} cards but only {available} cards contain it; lower its sample size or do a full hand count"
    )]
    NotEnoughCards {
        contest: usize,
        wanted: u64,
        available: u64,
    },
}

/// SHANGRLA's card-level consistent sampling (`CVR.consistent_sampling`, Audit.py L930-991).
///
/// `card_contests[i]` lists the contests (indices into `sample_sizes`) that card `i` contains
/// (`has_contest`); `sample_nums[i]` is its sample number; `sample_sizes[c]` is how many sampled cards
/// must contain contest `c`. Cards are visited in increasing sample number (ties in list order, as
/// Python's stable sort), and a card is taken if it contains a contest still below its size.
///
/// `previously_sampled` lists cards already in the sample (from an earlier round); they count towards
/// their contests and are never drawn twice. SHANGRLA instead restarts its walk at position
/// `len(previously_sampled)` of the sorted order, which equals this walk when the earlier sample was a
/// prefix of that order (as when every card contains a contest under audit) and can repeat cards
/// otherwise; ballotproof keeps the sample without replacement in every case.
pub fn consistent_sampling<C: AsRef<[usize]>>(
    card_contests: &[C],
    sample_nums: &[SampleNum],
    sample_sizes: &[u64],
    previously_sampled: &[usize],
) -> Result<CardSample, CardSamplingError> {
    if card_contests.len() != sample_nums.len() {
        return Err(CardSamplingError::LengthMismatch {
            cards: card_contests.len(),
            sample_nums: sample_nums.len(),
        });
    }
    let n_contests = sample_sizes.len();
    for (card, contests) in card_contests.iter().enumerate() {
        if let Some(&contest) = contests.as_ref().iter().find(|&&c| c >= n_contests) {
            return Err(CardSamplingError::UnknownContest {
                card,
                contest,
                contests: n_contests,
            });
        }
    }
    let holds = |card: usize, contest: usize| card_contests[card].as_ref().contains(&contest);

    let mut in_sample = vec![false; card_contests.len()];
    let mut counts = vec![0u64; n_contests];
    for &card in previously_sampled {
        if card >= card_contests.len() || in_sample[card] {
            return Err(CardSamplingError::BadPreviousSample {
                card,
                cards: card_contests.len(),
            });
        }
        in_sample[card] = true;
        for (contest, count) in counts.iter_mut().enumerate() {
            if holds(card, contest) {
                *count += 1;
            }
        }
    }

    let mut order: Vec<usize> = (0..card_contests.len()).collect();
    order.sort_by(|&a, &b| sample_nums[a].cmp(&sample_nums[b]));

    let mut indices = previously_sampled.to_vec();
    let mut thresholds = vec![None; n_contests];
    let unfinished = |counts: &[u64], c: usize| counts[c] < sample_sizes[c];
    for &card in &order {
        if !(0..n_contests).any(|c| unfinished(&counts, c)) {
            break;
        }
        if in_sample[card] {
            continue;
        }
        let wanted: Vec<usize> = (0..n_contests)
            .filter(|&c| unfinished(&counts, c) && holds(card, c))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        indices.push(card);
        in_sample[card] = true;
        for c in wanted {
            counts[c] += 1;
            thresholds[c] = Some(sample_nums[card]);
        }
    }
    if let Some(contest) = (0..n_contests).find(|&c| unfinished(&counts, c)) {
        return Err(CardSamplingError::NotEnoughCards {
            contest,
            wanted: sample_sizes[contest],
            available: counts[contest],
        });
    }
    Ok(CardSample {
        indices,
        thresholds,
        counts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_seeds_are_canonical_decimal() {
        assert_eq!(Seed::integer("007").unwrap().as_text(), "7");
        assert_eq!(Seed::integer("-0").unwrap().as_text(), "0");
        assert_eq!(Seed::integer("+12").unwrap().as_text(), "12");
        assert!(Seed::integer("12a").is_err());
        assert!(Seed::integer("").is_err());
    }

    #[test]
    fn sample_num_prints_in_decimal() {
        let mut bytes = [0u8; 32];
        bytes[31] = 255;
        bytes[30] = 1;
        assert_eq!(SampleNum::from_be_bytes(bytes).to_string(), "511");
        assert_eq!(SampleNum::from_be_bytes([0; 32]).to_string(), "0");
        assert_eq!(
            SampleNum::from_be_bytes([255; 32]).to_string(),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935"
        );
    }

    #[test]
    fn float_conversion_rounds_half_to_even() {
        let mut bytes = [0u8; 32];
        // 2^54 + 1 (ties between 2^54 and 2^54 + 2 → even 2^54) and 2^54 + 3 (→ 2^54 + 4).
        bytes[24] = 0x00;
        bytes[25] = 0x40;
        bytes[31] = 1;
        assert_eq!(SampleNum(bytes).to_f64(), 2f64.powi(54));
        bytes[31] = 3;
        assert_eq!(SampleNum(bytes).to_f64(), 2f64.powi(54) + 4.0);
    }
}
