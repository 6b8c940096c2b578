//! NumPy's `PCG64` bit generator: a 128-bit LCG with the XSL-RR 64-bit output function.
//!
//! Source: O'Neill, "PCG: A Family of Simple Fast Space-Efficient Statistically Good Algorithms for
//! Random Number Generation" (2014), as NumPy 1.26 implements it in `numpy/random/src/pcg64/pcg64.h`
//! (`pcg_setseq_128_step_r`, `pcg_output_xsl_rr_128_64`, `pcg_setseq_128_srandom_r`) and seeds it in
//! `numpy/random/_pcg64.pyx` (`PCG64.__init__` → `pcg64_set_seed`).

use super::SeedSequence;

/// The generator's state: the LCG value and its (odd) increment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pcg64 {
    state: u128,
    increment: u128,
}

impl Pcg64 {
    /// PCG's default 128-bit multiplier (`PCG_DEFAULT_MULTIPLIER_128`).
    const MULTIPLIER: u128 = 0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645;

    /// `PCG64(seed_sequence)`: four 64-bit words from the seed sequence give the initial state
    /// (words 0 and 1, high word first) and the stream selector (words 2 and 3).
    pub fn new(seed: &SeedSequence) -> Pcg64 {
        let words = seed.generate_state_u64(4);
        let wide = |hi: usize, lo: usize| {
            let high = words.get(hi).copied().unwrap_or(0);
            let low = words.get(lo).copied().unwrap_or(0);
            (u128::from(high) << 64) | u128::from(low)
        };
        Pcg64::from_seed_and_stream(wide(0, 1), wide(2, 3))
    }

    /// PCG's `srandom_r(initstate, initseq)`: the increment is `2·initseq + 1`; the state starts at
    /// zero, steps once, absorbs `initstate` and steps again.
    pub fn from_seed_and_stream(initstate: u128, initseq: u128) -> Pcg64 {
        let mut rng = Pcg64 {
            state: 0,
            increment: (initseq << 1) | 1,
        };
        rng.step();
        rng.state = rng.state.wrapping_add(initstate);
        rng.step();
        rng
    }

    /// The current `(state, increment)`, as NumPy reports them in `bit_generator.state`.
    pub fn state(&self) -> (u128, u128) {
        (self.state, self.increment)
    }

    fn step(&mut self) {
        self.state = self
            .state
            .wrapping_mul(Pcg64::MULTIPLIER)
            .wrapping_add(self.increment);
    }

    /// Next 64-bit output: advance, then XOR the state's halves and rotate right by its top 6 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.step();
        let high = (self.state >> 64) as u64;
        let low = self.state as u64;
        let rotation = (self.state >> 122) as u32;
        (high ^ low).rotate_right(rotation)
    }

    /// Next double in [0, 1): the top 53 bits of the next output, times 2⁻⁵³ (NumPy's
    /// `uint64_to_double`), so every value is exact.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / 9_007_199_254_740_992.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_state_matches_numpy() {
        // /work/pyref numpy 1.26.4: np.random.PCG64(12345).state
        let rng = Pcg64::new(&SeedSequence::from_u128(12345));
        assert_eq!(
            rng.state(),
            (
                33261208707367790463622745601869196757,
                268209174141567072605526753992732310247
            )
        );
    }
}
