//! Tests for `rla_math::bravo`.
