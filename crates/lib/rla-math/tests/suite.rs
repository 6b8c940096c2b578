//! Tests for `rla_math::suite`.
