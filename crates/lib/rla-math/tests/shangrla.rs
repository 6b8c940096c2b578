//! Tests for `rla_math::shangrla`.
