//! Tests for `sampler::numpy`.
