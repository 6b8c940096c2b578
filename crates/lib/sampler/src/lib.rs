//! Seeded, publicly verifiable sampling of ballots and batches.
//!
//! Everything here is a pure function of the published seed, the ballot manifest and the sample size:
//! no clock, no I/O, no randomness beyond the seed. Observers can therefore re-derive any sample with
//! this crate or with the peer tool whose algorithm each module reproduces byte for byte:
//!
//! * [`consistent`] — Rivest's consistent sampler as Arlo uses it (SHA-256 ticket numbers).
//! * [`ppeb`] — Arlo's probability-proportional-to-error-bound batch draws (NumPy's PCG64, in [`numpy`]).
//! * [`cryptorandom`] — SHANGRLA's SHA-256 generator for card-level sample numbers.
//! * [`colorado`] — ColoradoRLA's generator, to check a Colorado audit's published sample.

pub mod colorado;
pub mod consistent;
pub mod cryptorandom;
pub mod numpy;
pub mod ppeb;
pub mod python_repr;
