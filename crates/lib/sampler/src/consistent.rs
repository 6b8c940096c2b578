//! Rivest's consistent sampler (votingworks/consistent_sampler) as Arlo's draw_sample calls it: SHA-256 ticket numbers, repeat draws and rounds.
//!
//! Every ballot gets a *ticket number*, a decimal fraction in (0, 1) derived from SHA-256 of the
//! published seed and the ballot's id; ballots are drawn in increasing ticket order. Sampling with
//! replacement gives a drawn ballot a new, larger ticket so it can be drawn again. The formulas are
//! those of `consistent_sampler.py` at the commit Arlo pins (RLA-MATH.md §1.1):
//!
//! * [`sha256_hex`] L226-241, [`sha256_uniform`] L244-272, [`first_fraction`] L275-297,
//!   [`next_fraction`] L300-331, [`trim`] L172-198.
//!
//! Ticket numbers are compared as *strings* by the peer (all start with `0.`); this module keeps
//! that exact order.
//!
//! Precision statement: exact. Every ticket is the same decimal string the peer computes (no
//! floating point anywhere); the draw order is the peer's string order.

use std::borrow::Cow;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap, HashSet};

use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::python_repr::{BatchKey, ballot_id_repr, write_ballot_id_prefix};

/// The number of significant digits Arlo keeps in a ticket number after the leading 9s
/// (`audit_math/sampler.py::draw_sample` passes `digits=18`).
pub const ARLO_TICKET_DIGITS: usize = 18;

/// Why a sample or a ticket could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SamplerError {
    /// A ticket number given to [`next_fraction`] or [`trim`] is not `0.` followed by digits.
    #[error(
        "ticket number {value:?} is not of the form 0.ddd… (a 0, a point, then decimal digits)"
    )]
    NotATicketNumber {
        /// The rejected text.
        value: String,
    },
    /// Two batches of the manifest have the same key, so their ballots would have the same ids
    /// (the peer stops with an `AssertionError` on duplicate ids, `sampler` L581-584).
    #[error("the ballot manifest lists batch {key} more than once; each batch key must be unique")]
    DuplicateBatch {
        /// Python's repr of the repeated key.
        key: String,
    },
    /// A batch's list of ballot positions names the same position twice.
    #[error("batch {key} lists ballot position {position} more than once")]
    DuplicateBallot {
        /// Python's repr of the batch key.
        key: String,
        /// The repeated position.
        position: u64,
    },
    /// `num_previously_sampled + sample_size` does not fit in 64 bits.
    #[error(
        "sample size {sample_size} after {num_previously_sampled} earlier draws is too large to count"
    )]
    TooManyDraws {
        /// The requested sample size.
        sample_size: u64,
        /// Draws already made in earlier rounds.
        num_previously_sampled: u64,
    },
}

/// One batch of a ballot manifest: its key and which of its ballots are in the sampling pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestBatch {
    /// The batch's key, whose Python repr goes into every ballot id.
    pub key: BatchKey,
    /// The batch's ballots in the pool.
    pub ballots: Ballots,
}

impl ManifestBatch {
    /// A batch of `num_ballots` ballots, all in the pool (positions 1..=`num_ballots`).
    pub fn new(key: BatchKey, num_ballots: u64) -> ManifestBatch {
        ManifestBatch {
            key,
            ballots: Ballots::All(num_ballots),
        }
    }

    /// A batch of which only the ballots at `positions` are in the pool.
    pub fn with_positions(key: BatchKey, positions: Vec<u64>) -> ManifestBatch {
        ManifestBatch {
            key,
            ballots: Ballots::Positions(positions),
        }
    }

    /// Number of ballots of this batch in the pool.
    pub fn pool_size(&self) -> u64 {
        match &self.ballots {
            Ballots::All(n) => *n,
            Ballots::Positions(positions) => positions.len() as u64,
        }
    }
}

/// The ballots of one batch that can be drawn, by their 1-based position in the batch (Arlo's
/// `ballot_position`). Arlo's `draw_sample` takes `{batch_key: [ballot_position, …]}`
/// (`audit_math/sampler.py` L12-68).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ballots {
    /// Positions 1..=n: every ballot of a batch of n (`api/shared.py` L986-991; every audit
    /// type except card-style data).
    All(u64),
    /// Only these positions, in any order: for `CARD_STYLE_DATA` Arlo pools only the CVR ballots
    /// whose CVR has the contest (`api/shared.py` L933-983).
    Positions(Vec<u64>),
}

/// Whether a drawn ballot can be drawn again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replacement {
    /// Every Arlo audit type except the non-CVR stratum of a hybrid (SUITE) audit.
    With,
    /// The non-CVR stratum of Arlo's hybrid audits (`api/shared.py` L1005-1009).
    Without,
}

/// What to draw, as Arlo asks for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SampleRequest<'a> {
    /// The published random seed, used exactly as given (any text).
    pub seed: &'a str,
    /// Draws to make in this round (repeat draws count).
    pub sample_size: u64,
    /// Draws made in earlier rounds of the same contest; this round continues the same stream
    /// after them.
    pub num_previously_sampled: u64,
    /// With or without replacement.
    pub replacement: Replacement,
    /// Digits kept after a ticket's leading 9s when it is shown ([`trim`]).
    pub ticket_digits: usize,
}

impl<'a> SampleRequest<'a> {
    /// A request with Arlo's ticket display of [`ARLO_TICKET_DIGITS`] digits.
    pub fn arlo(
        seed: &'a str,
        sample_size: u64,
        num_previously_sampled: u64,
        replacement: Replacement,
    ) -> SampleRequest<'a> {
        SampleRequest {
            seed,
            sample_size,
            num_previously_sampled,
            replacement,
            ticket_digits: ARLO_TICKET_DIGITS,
        }
    }
}

/// One ballot: its batch and its 1-based position in the batch. Arlo's id is the Python tuple
/// `(batch_key, position)`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BallotId {
    /// The ballot's batch.
    pub batch: BatchKey,
    /// 1-based position in the batch (Arlo's `ballot_position`).
    pub position: u64,
}

impl BallotId {
    /// The exact string hashed for this ballot: Python's `str((batch_key, position))`.
    pub fn id_string(&self) -> String {
        ballot_id_repr(&self.batch, self.position)
    }
}

/// One draw of the sample, in draw order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    /// The ticket number as Arlo stores and shows it ([`trim`]med).
    pub ticket_number: String,
    /// The full ticket number; the ballot's next ticket (if drawn again) is derived from it.
    pub full_ticket_number: String,
    /// The drawn ballot.
    pub ballot: BallotId,
    /// 1 for a ballot's first draw, 2 for its second, … (only with replacement).
    pub generation: u64,
}

/// A ballot to fetch: one per distinct ballot, however often it was drawn (Arlo makes one
/// `SampledBallot` with one `SampledBallotDraw` per ticket, `api/rounds.py` L370-424).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Retrieval {
    /// The ballot.
    pub ballot: BallotId,
    /// The (trimmed) ticket numbers of all its draws, in draw order.
    pub ticket_numbers: Vec<String>,
}

impl Retrieval {
    /// How many times the ballot was drawn; it counts that many times in the audit's tally.
    pub fn multiplicity(&self) -> usize {
        self.ticket_numbers.len()
    }
}

/// Draws `request.sample_size` ballots after the first `request.num_previously_sampled` draws of
/// the seed's stream — Arlo's `draw_sample` (`audit_math/sampler.py` L12-68), i.e.
/// `sampler(ids, seed, take=num_previously_sampled + sample_size, with_replacement, digits)` with
/// the first `num_previously_sampled` draws skipped.
///
/// The result depends only on the seed, the set of ballot ids and the sizes:
/// not on the order in which batches are listed. Without replacement, fewer draws are returned
/// when the manifest runs out of ballots.
pub fn draw_sample(
    manifest: &[ManifestBatch],
    request: &SampleRequest<'_>,
) -> Result<Vec<Draw>, SamplerError> {
    check_unique_ids(manifest)?;
    let drop = request.num_previously_sampled;
    let stream_len = drop
        .checked_add(request.sample_size)
        .ok_or(SamplerError::TooManyDraws {
            sample_size: request.sample_size,
            num_previously_sampled: drop,
        })?;
    // Only the `drop + take` smallest first tickets can be drawn within the first `drop + take`
    // draws (make_ticket_heap L376-412), so only those are kept.
    let candidates = smallest_first_tickets(manifest, request.seed, stream_len);
    let mut draws = Vec::new();
    let mut record = |ticket: &Ticket<'_>, full: String| -> Result<(), SamplerError> {
        draws.push(Draw {
            ticket_number: trim(&full, request.ticket_digits)?.to_string(),
            full_ticket_number: full,
            ballot: BallotId {
                batch: ticket.batch.clone(),
                position: ticket.position,
            },
            generation: ticket.generation,
        });
        Ok(())
    };
    match request.replacement {
        Replacement::Without => {
            // Each ballot is drawn once, in ticket order.
            let mut sorted = candidates;
            sorted.sort_unstable();
            let skip = usize::try_from(drop).unwrap_or(usize::MAX);
            for ticket in sorted.iter().skip(skip) {
                record(ticket, ticket.number.full().into_owned())?;
            }
        }
        Replacement::With => {
            let mut heap: BinaryHeap<Reverse<Ticket<'_>>> =
                candidates.into_iter().map(Reverse).collect();
            for count in 1..=stream_len {
                let Some(Reverse(ticket)) = heap.pop() else {
                    break;
                };
                let full = ticket.number.full().into_owned();
                // Sampler L599-603: the drawn ballot goes back with its next ticket (also during
                // the skipped earlier rounds, whose draws shape the rest of the stream).
                let next_number = next_fraction(&full)?;
                heap.push(Reverse(Ticket {
                    key: text_key(&next_number),
                    number: Number::Text(next_number),
                    batch: ticket.batch,
                    position: ticket.position,
                    generation: ticket.generation.saturating_add(1),
                }));
                if count > drop {
                    record(&ticket, full)?;
                }
            }
        }
    }
    Ok(draws)
}

/// Groups draws into the ballots to retrieve, in order of each ballot's first draw. Pass the
/// draws of all rounds so far to see a ballot drawn in several rounds as one retrieval.
pub fn group_retrievals(draws: &[Draw]) -> Vec<Retrieval> {
    let mut index: HashMap<&BallotId, usize> = HashMap::new();
    let mut retrievals: Vec<Retrieval> = Vec::new();
    for draw in draws {
        match index.get(&draw.ballot) {
            Some(&i) => {
                if let Some(r) = retrievals.get_mut(i) {
                    r.ticket_numbers.push(draw.ticket_number.clone());
                }
            }
            None => {
                index.insert(&draw.ballot, retrievals.len());
                retrievals.push(Retrieval {
                    ballot: draw.ballot.clone(),
                    ticket_numbers: vec![draw.ticket_number.clone()],
                });
            }
        }
    }
    retrievals
}

/// The peer refuses duplicate ids (`sampler` L581-584); here they can only come from a repeated
/// batch key or a repeated position in a batch's list.
fn check_unique_ids(manifest: &[ManifestBatch]) -> Result<(), SamplerError> {
    let mut seen = HashSet::with_capacity(manifest.len());
    for batch in manifest {
        if !seen.insert(&batch.key) {
            return Err(SamplerError::DuplicateBatch {
                key: batch.key.repr(),
            });
        }
        if let Ballots::Positions(positions) = &batch.ballots {
            let mut sorted = positions.clone();
            sorted.sort_unstable();
            if let Some(pair) = sorted.windows(2).find(|pair| pair[0] == pair[1]) {
                return Err(SamplerError::DuplicateBallot {
                    key: batch.key.repr(),
                    position: pair[0],
                });
            }
        }
    }
    Ok(())
}

/// The `limit` smallest first tickets of all ballots, in no particular order.
///
/// This is the hot loop (one SHA-256 per ballot). It avoids building the peer's 64–78-digit
/// strings: the first 18 digits of a ticket are the 18 least significant decimal digits of the
/// hash value, reversed, so a `u64` key orders almost all tickets; the full strings are compared
/// only when two keys are equal. The seed hash (exactly one 64-byte SHA-256 block) and each
/// batch's id prefix are hashed once and the hasher state is cloned per ballot.
fn smallest_first_tickets<'a>(
    manifest: &'a [ManifestBatch],
    seed: &str,
    limit: u64,
) -> Vec<Ticket<'a>> {
    let total = manifest
        .iter()
        .fold(0u64, |sum, b| sum.saturating_add(b.pool_size()));
    let capacity = usize::try_from(limit.min(total)).unwrap_or(usize::MAX);
    if capacity == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Ticket<'a>> = BinaryHeap::with_capacity(capacity);
    let mut seeded = Sha256::new();
    seeded.update(sha256_hex(seed).as_bytes());
    let mut prefix = String::new();
    for batch in manifest {
        prefix.clear();
        write_ballot_id_prefix(&mut prefix, &batch.key);
        let mut batch_state = seeded.clone();
        batch_state.update(prefix.as_bytes());
        let mut buf = [0u8; 21];
        let mut consider = |position: u64| {
            let mut hasher = batch_state.clone();
            hasher.update(position_suffix(position, &mut buf));
            let digest: [u8; 32] = hasher.finalize().into();
            let key = digest_key(&digest);
            if heap.len() < capacity {
                heap.push(Ticket::first(key, digest, &batch.key, position));
            } else if let Some(mut largest) = heap.peek_mut() {
                // Reading through PeekMut does not disturb the heap; only the assignment does.
                if key <= largest.key {
                    let ticket = Ticket::first(key, digest, &batch.key, position);
                    if ticket < *largest {
                        *largest = ticket;
                    }
                }
            }
        };
        match &batch.ballots {
            Ballots::All(n) => (1..=*n).for_each(&mut consider),
            Ballots::Positions(positions) => positions.iter().copied().for_each(&mut consider),
        }
    }
    heap.into_vec()
}

/// `"<position>)"`, the end of a ballot id string, written into `buf`.
fn position_suffix(position: u64, buf: &mut [u8; 21]) -> &[u8] {
    let mut n = position;
    let mut start = buf.len() - 1;
    buf[start] = b')';
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[start..]
}

/// A ticket in the draw: its number, the ballot it belongs to and its generation.
///
/// Ordered like the peer's `Ticket` namedtuple in `heapq`: by ticket number as a string, then by
/// id, then by generation. `key` holds the number's first 18 digits so that most comparisons are
/// one integer comparison.
#[derive(Debug, Clone)]
struct Ticket<'a> {
    key: u64,
    number: Number,
    batch: &'a BatchKey,
    position: u64,
    generation: u64,
}

impl<'a> Ticket<'a> {
    fn first(key: u64, digest: [u8; 32], batch: &'a BatchKey, position: u64) -> Ticket<'a> {
        Ticket {
            key,
            number: Number::Hash(digest),
            batch,
            position,
            generation: 1,
        }
    }
}

impl Ord for Ticket<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key
            .cmp(&other.key)
            .then_with(|| self.number.full().cmp(&other.number.full()))
            // Only reached for identical ticket numbers, i.e. a SHA-256 collision.
            .then_with(|| self.batch.cmp(other.batch))
            .then_with(|| self.position.cmp(&other.position))
            .then_with(|| self.generation.cmp(&other.generation))
    }
}

impl PartialOrd for Ticket<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ticket<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Ticket<'_> {}

/// A ticket number: a first ticket is kept as its hash until its digits are needed.
#[derive(Debug, Clone)]
enum Number {
    Hash([u8; 32]),
    Text(String),
}

impl Number {
    /// The peer's ticket string, `0.ddd…`.
    fn full(&self) -> Cow<'_, str> {
        match self {
            Number::Hash(digest) => Cow::Owned(ReversedDigits::of(digest).to_fraction()),
            Number::Text(text) => Cow::Borrowed(text),
        }
    }
}

/// Number of leading ticket digits in a key.
const KEY_DIGITS: usize = 18;

/// The first 18 digits after `0.` of the ticket of `digest`, as an integer: the value's last
/// 18 decimal digits, reversed. Integer order of keys is string order of those 18 digits.
fn digest_key(digest: &[u8; 32]) -> u64 {
    let mut limbs = digest_limbs(digest);
    let low = div_rem_chunk(&mut limbs);
    let next = div_rem_chunk(&mut limbs);
    u64::from(reverse_chunk(low)) * CHUNK + u64::from(reverse_chunk(next))
}

/// The 9 decimal digits of `chunk` (zero-padded) in reverse order.
fn reverse_chunk(mut chunk: u32) -> u32 {
    let mut reversed = 0;
    for _ in 0..9 {
        reversed = reversed * 10 + chunk % 10;
        chunk /= 10;
    }
    reversed
}

/// The key of a ticket string: its first 18 digits after `0.`, padded with zeros. Padding with
/// the smallest digit keeps string order: a < b implies key(a) <= key(b).
fn text_key(ticket: &str) -> u64 {
    let mut key = 0u64;
    let mut digits = ticket.bytes().skip(2);
    for _ in 0..KEY_DIGITS {
        let d = digits
            .next()
            .map_or(0, |b| u64::from(b.wrapping_sub(b'0')) % 10);
        key = key * 10 + d;
    }
    key
}

/// Lowercase hex SHA-256 of the UTF-8 bytes of `input` — the peer's `sha256_hex(str(x))`.
pub fn sha256_hex(input: &str) -> String {
    hex_lower(&Sha256::digest(input.as_bytes()).into())
}

/// SHA-256 of `input` as the fraction `0.` + the decimal digits of the hash value, zero-padded to at
/// least 64 digits and then reversed (`sha256_uniform`; the reversal puts the unbiased low-order
/// digits first).
pub fn sha256_uniform(input: &str) -> String {
    let digest: [u8; 32] = Sha256::digest(input.as_bytes()).into();
    ReversedDigits::of(&digest).to_fraction()
}

/// The first ticket number of an id: `sha256_uniform(sha256_hex(seed) + id_string)`, where
/// `id_string` is Python's `str()` of the id (see [`crate::python_repr`]). No separator is put
/// between the seed hash and the id.
pub fn first_fraction(id_string: &str, seed: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(sha256_hex(seed).as_bytes());
    hasher.update(id_string.as_bytes());
    ReversedDigits::of(&hasher.finalize().into()).to_fraction()
}

/// The ticket number an already drawn id gets for its next draw: strictly larger than `x`, and a
/// function of `x` alone.
///
/// Keeps `x`'s leading run of 9s and replaces the rest with `sha256_uniform(x + ":" + i)` for
/// i = 1, 2, … until the result exceeds `x + "0"` as a string (`next_fraction` L300-331). Each try
/// succeeds with probability at least 1/10 (any replacement starting with 9 is larger).
pub fn next_fraction(x: &str) -> Result<String, SamplerError> {
    check_ticket(x)?;
    let mut x0 = String::with_capacity(x.len() + 1);
    x0.push_str(x);
    x0.push('0');
    let keep = first_non_nine(&x0);
    let prefix = &x0[..keep];
    let mut input = String::with_capacity(x.len() + 8);
    let mut i: u64 = 0;
    loop {
        i += 1;
        input.clear();
        input.push_str(x);
        input.push(':');
        push_decimal(&mut input, i);
        let digest: [u8; 32] = Sha256::digest(input.as_bytes()).into();
        let mut y = String::with_capacity(prefix.len() + 78);
        y.push_str(prefix);
        ReversedDigits::of(&digest).push_digits(&mut y);
        if y.as_str() > x0.as_str() {
            return Ok(y);
        }
    }
}

/// `x` truncated to its leading run of 9s after `0.` plus `digits` more digits (`trim`
/// L172-198; truncation, not rounding). Arlo shows tickets with `digits` = 18.
pub fn trim(x: &str, digits: usize) -> Result<&str, SamplerError> {
    check_ticket(x)?;
    // Python looks for the first non-9 in x + "0", so an all-9 mantissa keeps everything.
    let end = first_non_nine(x).saturating_add(digits).min(x.len());
    Ok(&x[..end])
}

/// Index (in bytes) of the first character after `0.` that is not `9`, or `x.len()`.
fn first_non_nine(x: &str) -> usize {
    x.bytes()
        .skip(2)
        .position(|b| b != b'9')
        .map_or(x.len(), |p| p + 2)
}

fn check_ticket(x: &str) -> Result<(), SamplerError> {
    match x.strip_prefix("0.") {
        Some(rest) if rest.bytes().all(|b| b.is_ascii_digit()) => Ok(()),
        _ => Err(SamplerError::NotATicketNumber {
            value: x.to_string(),
        }),
    }
}

fn hex_lower(bytes: &[u8; 32]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for &b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

/// Appends the decimal form of `n` (Python's `str(int)`).
fn push_decimal(out: &mut String, n: u64) {
    let mut buf = [0u8; 20];
    out.push_str(format_decimal(n, &mut buf));
}

/// Writes `n` in decimal into the end of `buf` and returns it: a formatter that allocates nothing,
/// for the per-ballot id strings.
fn format_decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[start..]).unwrap_or("")
}

/// The decimal digits of a 256-bit hash value, least significant first — i.e. the digits of the
/// peer's ticket after `0.`, in order.
///
/// Written here rather than with num-bigint: the sampler converts a digest for every candidate
/// ticket, and dividing eight 32-bit limbs by the constant 10^9 compiles to multiplications
/// (no heap, no general division), several times faster than `BigUint::to_str_radix`.
struct ReversedDigits {
    /// Base-10^9 chunks of the value, least significant first; 9 chunks hold 81 ≥ 78 digits.
    chunks: [u32; 9],
}

const CHUNK: u64 = 1_000_000_000;

impl ReversedDigits {
    fn of(digest: &[u8; 32]) -> ReversedDigits {
        let mut limbs = digest_limbs(digest);
        let mut chunks = [0u32; 9];
        for chunk in &mut chunks {
            *chunk = div_rem_chunk(&mut limbs);
        }
        ReversedDigits { chunks }
    }

    /// How many digits the peer writes: the value's own digit count, but at least 64
    /// (`"{:064d}"`).
    fn len(&self) -> usize {
        let mut len = 81;
        for &chunk in self.chunks.iter().rev() {
            if chunk == 0 {
                len -= 9;
            } else {
                let mut c = chunk;
                let mut in_chunk = 0;
                while c > 0 {
                    c /= 10;
                    in_chunk += 1;
                }
                len -= 9 - in_chunk;
                break;
            }
        }
        len.max(64)
    }

    fn push_digits(&self, out: &mut String) {
        let mut digits = [0u8; 81];
        for (slot, &chunk) in digits.chunks_exact_mut(9).zip(&self.chunks) {
            let mut c = chunk;
            for d in slot {
                *d = b'0' + (c % 10) as u8;
                c /= 10;
            }
        }
        let len = self.len();
        // Only ASCII digits were written.
        out.push_str(std::str::from_utf8(&digits[..len]).unwrap_or(""));
    }

    fn to_fraction(&self) -> String {
        let mut out = String::with_capacity(80);
        out.push_str("0.");
        self.push_digits(&mut out);
        out
    }
}

/// The digest as eight 32-bit limbs, most significant first (the peer reads the hex digest as a
/// big-endian integer).
fn digest_limbs(digest: &[u8; 32]) -> [u32; 8] {
    let mut limbs = [0u32; 8];
    for (limb, bytes) in limbs.iter_mut().zip(digest.chunks_exact(4)) {
        *limb = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    }
    limbs
}

/// Divides the 256-bit value in `limbs` by 10^9 in place and returns the remainder.
fn div_rem_chunk(limbs: &mut [u32; 8]) -> u32 {
    let mut rem: u64 = 0;
    for limb in limbs.iter_mut() {
        // rem < 10^9, so cur < 10^9 · 2^32 < 2^64.
        let cur = (rem << 32) | u64::from(*limb);
        *limb = (cur / CHUNK) as u32;
        rem = cur % CHUNK;
    }
    rem as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_of_small_values_is_padded_to_64_digits() {
        // Value 1: "{:064d}" is 63 zeros then 1; reversed, 1 then 63 zeros.
        let mut digest = [0u8; 32];
        digest[31] = 1;
        let s = ReversedDigits::of(&digest).to_fraction();
        assert_eq!(s.len(), 66);
        assert_eq!(&s[..3], "0.1");
        assert!(s[3..].bytes().all(|b| b == b'0'));
        // All ones: 2^256 - 1 has 78 digits and ends in ...639935.
        let s = ReversedDigits::of(&[0xff; 32]).to_fraction();
        assert_eq!(s.len(), 80);
        assert!(s.starts_with("0.539936"));
        assert!(
            s.ends_with("7511"),
            "2^256-1 = 1157…, so the reversed digits end …7511"
        );
    }

    #[test]
    fn trim_keeps_leading_nines() {
        assert_eq!(trim("0.9991234567890", 4), Ok("0.9991234"));
        assert_eq!(trim("0.999", 4), Ok("0.999"));
        assert_eq!(trim("0.", 3), Ok("0."));
        assert!(trim("1.5", 3).is_err());
        assert!(trim("0.5x", 3).is_err());
    }

    #[test]
    fn next_fraction_is_larger() {
        for x in ["0.", "0.9", "0.99999", "0.5", "0.000"] {
            let y = next_fraction(x).unwrap();
            assert!(y.as_str() > x, "{y} > {x}");
        }
        assert!(next_fraction("abc").is_err());
    }

    #[test]
    fn keys_are_the_first_18_digits() {
        for seed in ["a", "b", "c", "d", "e"] {
            let digest: [u8; 32] = Sha256::digest(seed.as_bytes()).into();
            let full = ReversedDigits::of(&digest).to_fraction();
            assert_eq!(digest_key(&digest), full[2..20].parse::<u64>().unwrap());
            assert_eq!(text_key(&full), digest_key(&digest));
        }
        assert_eq!(text_key("0.5"), 500_000_000_000_000_000);
        assert!(text_key("0.12") > text_key("0.119"));
    }

    /// `digest` + `k` · 10^18 as a 256-bit big-endian number, or None on overflow: a value whose
    /// ticket has the same first 18 digits (the same key) as `digest`'s.
    fn same_key_as(digest: &[u8; 32], k: u64) -> Option<[u8; 32]> {
        let mut out = *digest;
        let mut carry = u128::from(k) * 1_000_000_000_000_000_000;
        for byte in out.iter_mut().rev() {
            let sum = u128::from(*byte) + (carry & 0xff);
            *byte = sum as u8;
            carry = (carry >> 8) + (sum >> 8);
        }
        (carry == 0).then_some(out)
    }

    proptest::proptest! {
        /// The integer key plus the tie-break orders tickets exactly as the peer's strings do,
        /// also when the keys are equal.
        #[test]
        fn ticket_order_is_string_order(
            a in proptest::array::uniform32(0u8..),
            b in proptest::array::uniform32(0u8..),
            k in 1u64..1_000_000,
            tie in proptest::bool::ANY,
        ) {
            let b = if tie { same_key_as(&a, k).unwrap_or(b) } else { b };
            let key = BatchKey::Name(String::new());
            let ta = Ticket::first(digest_key(&a), a, &key, 1);
            let tb = Ticket::first(digest_key(&b), b, &key, 2);
            let sa = ReversedDigits::of(&a).to_fraction();
            let sb = ReversedDigits::of(&b).to_fraction();
            proptest::prop_assert_eq!(ta.key == tb.key, sa[..20] == sb[..20]);
            if sa != sb {
                proptest::prop_assert_eq!(ta.cmp(&tb), sa.cmp(&sb));
            }
            let next = Ticket {
                key: text_key(&sb),
                number: Number::Text(sb.clone()),
                batch: &key,
                position: 2,
                generation: 2,
            };
            if sa != sb {
                proptest::prop_assert_eq!(ta.cmp(&next), sa.cmp(&sb));
            }
        }
    }

    #[test]
    fn id_suffix_is_position_and_paren() {
        let mut buf = [0u8; 21];
        assert_eq!(position_suffix(0, &mut buf), b"0)");
        assert_eq!(position_suffix(1234, &mut buf), b"1234)");
        assert_eq!(
            position_suffix(u64::MAX, &mut buf),
            b"18446744073709551615)"
        );
    }

    #[test]
    fn duplicate_batches_are_rejected() {
        let batch = ManifestBatch::new(BatchKey::arlo("J1", None, "B1"), 3);
        let err = draw_sample(
            &[batch.clone(), batch],
            &SampleRequest::arlo("seed", 1, 0, Replacement::With),
        )
        .unwrap_err();
        assert_eq!(
            err,
            SamplerError::DuplicateBatch {
                key: "('J1', None, 'B1')".into()
            }
        );
    }

    #[test]
    fn duplicate_positions_are_rejected() {
        let batch = ManifestBatch::with_positions(BatchKey::Name("b".into()), vec![4, 2, 4]);
        let err = draw_sample(
            &[batch],
            &SampleRequest::arlo("seed", 1, 0, Replacement::With),
        )
        .unwrap_err();
        assert_eq!(
            err,
            SamplerError::DuplicateBallot {
                key: "'b'".into(),
                position: 4
            }
        );
    }

    #[test]
    fn empty_inputs_draw_nothing() {
        let request = SampleRequest::arlo("seed", 5, 0, Replacement::With);
        assert!(draw_sample(&[], &request).unwrap().is_empty());
        let batch = ManifestBatch::new(BatchKey::Name("b".into()), 0);
        assert!(draw_sample(&[batch], &request).unwrap().is_empty());
        let overflow = SampleRequest::arlo("seed", u64::MAX, 1, Replacement::With);
        assert!(matches!(
            draw_sample(&[], &overflow),
            Err(SamplerError::TooManyDraws { .. })
        ));
    }

    #[test]
    fn without_replacement_stops_when_ballots_run_out() {
        let batch = ManifestBatch::new(BatchKey::Name("b".into()), 4);
        let request = SampleRequest::arlo("seed", 10, 0, Replacement::Without);
        let draws = draw_sample(&[batch], &request).unwrap();
        assert_eq!(draws.len(), 4);
        assert!(
            draws
                .windows(2)
                .all(|w| w[0].full_ticket_number < w[1].full_ticket_number)
        );
    }

    #[test]
    fn retrievals_group_repeat_draws() {
        let batch = ManifestBatch::new(BatchKey::Name("b".into()), 2);
        let request = SampleRequest::arlo("seed", 20, 0, Replacement::With);
        let draws = draw_sample(&[batch], &request).unwrap();
        let retrievals = group_retrievals(&draws);
        assert_eq!(retrievals.len(), 2);
        assert_eq!(
            retrievals
                .iter()
                .map(Retrieval::multiplicity)
                .sum::<usize>(),
            20
        );
        assert_eq!(retrievals[0].ballot, draws[0].ballot);
    }

    #[test]
    fn decimal_formatting() {
        let mut buf = [0u8; 20];
        assert_eq!(format_decimal(0, &mut buf), "0");
        assert_eq!(format_decimal(u64::MAX, &mut buf), "18446744073709551615");
    }
}
