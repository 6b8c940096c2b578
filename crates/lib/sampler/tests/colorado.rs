//! Tests for `sampler::colorado`.
