//! Tests for `rla_math::minerva`.
