//! Tests for `sampler::consistent`.
