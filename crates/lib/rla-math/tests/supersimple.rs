//! Tests for `rla_math::supersimple`.
