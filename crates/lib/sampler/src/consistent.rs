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

use sha2::{Digest, Sha256};
use thiserror::Error;

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
        let len = self.len();
        let mut written = 0;
        for &chunk in &self.chunks {
            let mut c = chunk;
            for _ in 0..9 {
                if written == len {
                    return;
                }
                out.push(char::from(b'0' + (c % 10) as u8));
                c /= 10;
                written += 1;
            }
        }
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
    fn decimal_formatting() {
        let mut buf = [0u8; 20];
        assert_eq!(format_decimal(0, &mut buf), "0");
        assert_eq!(format_decimal(u64::MAX, &mut buf), "18446744073709551615");
    }
}
