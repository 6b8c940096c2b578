//! Tests for `sampler::cryptorandom`.
