//! Tests for `rla_math::macro_batch`.
