//! Tests for `sampler::ppeb`.
