//! NumPy's SeedSequence, PCG64 and Generator.choice, reproduced so that Arlo's PPEB batch draws can be re-derived.
//!
//! Arlo draws batch-comparison samples with `numpy.random.default_rng(int(sha256_hex(seed), 16))`
//! followed by `Generator.choice(batches, n, p=weights, replace=True)` (Arlo
//! `server/audit_math/sampler.py::draw_ppeb_sample` L116-160; RLA-MATH.md §1.3). Which batches are
//! selected, and in which order, therefore depends on three NumPy algorithms, each reproduced here
//! from NumPy 1.26's published source (`numpy/random/bit_generator.pyx`, `_pcg64.pyx`,
//! `src/pcg64/pcg64.h`, `_generator.pyx`) and checked against NumPy 1.26.4 itself:
//!
//! * [`SeedSequence`] — turns an arbitrary-size non-negative integer into a well-mixed entropy pool
//!   and then into the words that seed a bit generator (O'Neill's seed_seq design as NumPy adapted it).
//! * [`Pcg64`] — the 128-bit linear congruential generator with the XSL-RR output function that
//!   NumPy's `PCG64` bit generator uses, seeded the way NumPy seeds it.
//! * [`Generator`] — `random()` (53-bit doubles) and `choice` with replacement and probabilities.
//!
//! Everything is integer arithmetic except the last step of `choice` (cumulative sum of the
//! probabilities, normalisation and search), which repeats NumPy's floating-point operations in
//! the same order so that the selected indices are identical, not merely statistically equivalent.
//!
//! Precision statement: the generated words, integers and doubles are bit-for-bit those of NumPy
//! 1.26.4 (checked on thousands of seeds, see `tests/numpy.rs`); `choice` returns the same indices
//! as NumPy for the same `p` array of doubles.

mod generator;
mod pcg64;
mod seed_sequence;

pub use generator::{ChoiceError, Generator};
pub use pcg64::Pcg64;
pub use seed_sequence::SeedSequence;
