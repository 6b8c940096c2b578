//! SHANGRLA's card sample numbers: the cryptorandom SHA-256 pseudo-random generator.
