//! NumPy's `SeedSequence`: hashes an integer seed of any size into the words that seed PCG64.
//!
//! Source: NumPy 1.26 `numpy/random/bit_generator.pyx` (`_int_to_uint32_array`, `hashmix`, `mix`,
//! `SeedSequence.mix_entropy`, `SeedSequence.generate_state`), itself an adaptation of Melissa
//! O'Neill's "Developing a seed_seq alternative" (2015). All arithmetic is on 32-bit words with
//! wrap-around, exactly as NumPy's Cython does it with `uint32_t`.

/// Words in the entropy pool (NumPy's `DEFAULT_POOL_SIZE`; Arlo never changes it).
pub const POOL_SIZE: usize = 4;

// Hash constants from NumPy's bit_generator.pyx (O'Neill's seed_seq_fe constants).
const INIT_A: u32 = 0x43b0_d7e5;
const MULT_A: u32 = 0x931e_8875;
const INIT_B: u32 = 0x8b51_f9dd;
const MULT_B: u32 = 0x58f3_8ded;
const MIX_MULT_L: u32 = 0xca01_f9dd;
const MIX_MULT_R: u32 = 0x4973_f715;
/// Half the word size: NumPy computes it as `itemsize * 8 // 2` for uint32.
const XSHIFT: u32 = 16;

/// A seed sequence after its entropy has been mixed into the pool; it can then generate any number
/// of state words. Built without a spawn key (as `default_rng(int)` builds it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedSequence {
    pool: [u32; POOL_SIZE],
}

impl SeedSequence {
    /// The seed sequence of the non-negative integer whose big-endian bytes are `bytes`, e.g. a
    /// SHA-256 digest read as Python's `int(hexdigest, 16)`. Leading zero bytes do not matter.
    pub fn from_be_bytes(bytes: &[u8]) -> SeedSequence {
        SeedSequence::from_entropy_words(&int_to_u32_words(bytes))
    }

    /// The seed sequence of a non-negative integer that fits in 128 bits.
    pub fn from_u128(seed: u128) -> SeedSequence {
        SeedSequence::from_be_bytes(&seed.to_be_bytes())
    }

    /// The seed sequence of an entropy array that is already a list of 32-bit words (NumPy's
    /// `SeedSequence(np.array(words, dtype=np.uint32))`).
    pub fn from_entropy_words(entropy: &[u32]) -> SeedSequence {
        let mut pool = [0u32; POOL_SIZE];
        let mut hasher = Hasher::new(INIT_A, MULT_A);
        // Hash the first words of entropy into the pool; a short entropy keeps hashing zeros.
        for (i, slot) in pool.iter_mut().enumerate() {
            *slot = hasher.hash(entropy.get(i).copied().unwrap_or(0));
        }
        // Mix every pool word into every other, so late words affect early ones.
        for src in 0..POOL_SIZE {
            for dst in 0..POOL_SIZE {
                if src != dst {
                    let hashed = hasher.hash(pool[src]);
                    pool[dst] = mix(pool[dst], hashed);
                }
            }
        }
        // Entropy beyond the pool size is folded into every pool word in turn.
        for &word in entropy.iter().skip(POOL_SIZE) {
            for slot in pool.iter_mut() {
                *slot = mix(*slot, hasher.hash(word));
            }
        }
        SeedSequence { pool }
    }

    /// The mixed entropy pool (NumPy's `SeedSequence.pool`).
    pub fn pool(&self) -> [u32; POOL_SIZE] {
        self.pool
    }

    /// `generate_state(n_words, np.uint32)`: cycles through the pool, hashing each word with a
    /// second running multiplier.
    pub fn generate_state_u32(&self, n_words: usize) -> Vec<u32> {
        let mut hash_const = INIT_B;
        self.pool
            .iter()
            .cycle()
            .take(n_words)
            .map(|&word| {
                let mut value = word ^ hash_const;
                hash_const = hash_const.wrapping_mul(MULT_B);
                value = value.wrapping_mul(hash_const);
                value ^ (value >> XSHIFT)
            })
            .collect()
    }

    /// `generate_state(n_words, np.uint64)`: twice as many 32-bit words, paired little-endian
    /// (NumPy views them as `'<u4'` then `'<u8'`, independent of the machine's byte order).
    pub fn generate_state_u64(&self, n_words: usize) -> Vec<u64> {
        self.generate_state_u32(n_words * 2)
            .chunks_exact(2)
            .map(|pair| u64::from(pair[0]) | (u64::from(pair[1]) << 32))
            .collect()
    }
}

/// NumPy's `hashmix` with its running multiplier (`hash_const`), which advances on every call.
struct Hasher {
    hash_const: u32,
    multiplier: u32,
}

impl Hasher {
    fn new(init: u32, multiplier: u32) -> Hasher {
        Hasher {
            hash_const: init,
            multiplier,
        }
    }

    fn hash(&mut self, value: u32) -> u32 {
        let mut value = value ^ self.hash_const;
        self.hash_const = self.hash_const.wrapping_mul(self.multiplier);
        value = value.wrapping_mul(self.hash_const);
        value ^ (value >> XSHIFT)
    }
}

/// NumPy's `mix(x, y)`: combines a pool word with a hashed word.
fn mix(x: u32, y: u32) -> u32 {
    let result = MIX_MULT_L
        .wrapping_mul(x)
        .wrapping_sub(MIX_MULT_R.wrapping_mul(y));
    result ^ (result >> XSHIFT)
}

/// Python's `_int_to_uint32_array`: the integer's 32-bit words, least significant first, with no
/// high zero words — and the single word `[0]` for zero. (So a 256-bit SHA-256 value whose top 32
/// bits are zero gives 7 words, not 8, exactly as NumPy does.)
pub fn int_to_u32_words(be_bytes: &[u8]) -> Vec<u32> {
    let significant = match be_bytes.iter().position(|&b| b != 0) {
        Some(first) => &be_bytes[first..],
        None => return vec![0],
    };
    significant
        .rchunks(4)
        .map(|chunk| chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_words_are_little_endian_without_high_zeros() {
        // NumPy docstring example: _coerce_to_uint32_array(1234567890123456789012345678901234567890)
        // == [3460238034, 2898026390, 3235640248, 2697535605, 3].
        // The example exceeds u128, so it is given as its big-endian bytes.
        let bytes = [
            0x03, 0xa0, 0xc9, 0x20, 0x75, 0xc0, 0xdb, 0xf3, 0xb8, 0xac, 0xbc, 0x5f, 0x96, 0xce,
            0x3f, 0x0a, 0xd2,
        ];
        assert_eq!(
            int_to_u32_words(&bytes),
            vec![3460238034, 2898026390, 3235640248, 2697535605, 3]
        );
        assert_eq!(int_to_u32_words(&[0, 0, 0]), vec![0]);
        assert_eq!(int_to_u32_words(&[]), vec![0]);
        assert_eq!(int_to_u32_words(&[0, 0, 1, 0, 0, 0, 0]), vec![0, 1]);
    }

    #[test]
    fn pool_of_12345_matches_numpy() {
        // /work/pyref numpy 1.26.4: np.random.SeedSequence(12345).pool
        let ss = SeedSequence::from_u128(12345);
        assert_eq!(ss.pool(), [4069775156, 4251353637, 4182767765, 2267058336]);
        assert_eq!(
            ss.generate_state_u64(4),
            vec![
                13091511679009522556,
                13538552136045918767,
                7269824232120749972,
                4520223790601600371
            ]
        );
    }
}
