//! Precision policy: which tolerance each statistic meets against the peers' reference values, and why.
//!
//! The conformance runner compares integers and strings exactly and floats to a relative tolerance of
//! 1e-6 at the loosest (`crates/bin/conformance/src/report.rs`). Each module below meets a tighter
//! bound, stated at the top of the module and summarised here.
//!
//! # Rules every module follows
//!
//! * **Counts and sample sizes are exact integers.** Every conversion from a real-valued estimate to a
//!   size rounds *up* (never toward stopping early), except where a peer documents another rounding and
//!   ballotproof reproduces it for conformance (Arlo's `round_half_up` of expected two-vote
//!   discrepancies, which only affects the *expected* count used in nMin, not a stopping decision).
//! * **Where the peer rounds in 28-digit `Decimal`,** the rounding steps that decide an integer are
//!   reproduced exactly (`bravo::PyDecimal`, `macro_batch::exact`); `f64` alone gets some of Arlo's sizes
//!   wrong whenever an intermediate value is exactly an integer.
//! * **Products of many likelihood-ratio factors** (BRAVO, Kaplan–Markov, MACRO) are sums of logarithms
//!   with `ln_1p`, exponentiated once, so they neither overflow nor underflow on the way. ALPHA is the
//!   exception: SHANGRLA's special cases are thresholds on the linear product, so it is kept linear and
//!   bit-identical to SHANGRLA (it can only overflow when p < 1e-308, reported as 0 as SHANGRLA does).
//! * **Stop decisions** are compared in the space the statistic is computed in; they can differ from the
//!   peer's only when the p-value is within about 1e-13 relative of α.
//!
//! # Per statistic
//!
//! | statistic | module | against | tolerance met |
//! | --- | --- | --- | --- |
//! | ticket numbers, draw order | `sampler::consistent` | consistent_sampler | exact (decimal strings) |
//! | Python `repr` of ids | `sampler::python_repr` | CPython 3.11 | byte-for-byte (Unicode 14 table) |
//! | PPEB draws | `sampler::ppeb`, `sampler::numpy` | NumPy 1.26 | bit-for-bit (PCG64, SeedSequence, `choice`) |
//! | ColoradoRLA and SHANGRLA sample numbers | `sampler::colorado`, `sampler::cryptorandom` | Java, cryptorandom 0.3 | exact |
//! | BRAVO p-value | [`crate::bravo`] | Arlo (28-digit Decimal) | ~1e-12 relative at 10⁷ sampled votes |
//! | BRAVO ASN, quantile sizes | [`crate::bravo`] | Arlo | exact integers (Decimal steps reproduced) |
//! | Kaplan–Markov p-value | [`crate::supersimple`] | Arlo | < 1e-12 relative |
//! | super-simple sizes, nMin | [`crate::supersimple`] | Arlo, ColoradoRLA | exact integers |
//! | MACRO U, u_p | [`crate::macro_batch`] | Arlo | exact fractions, rounded once to `f64` |
//! | MACRO p-value | [`crate::macro_batch`] | Arlo | within 2e-14 relative |
//! | MINERVA / Providence p-values, kmins, sizes | [`crate::minerva`] | athena, r2b2 | p-values ~1e-12 relative (Loader's saddle-point binomial, `special`), kmins and sizes exact |
//! | ALPHA p-value, η_j, sample sizes | [`crate::shangrla`] | SHANGRLA | bit-identical (NumPy's operation order reproduced) |
//! | SUITE stratum p-values, Fisher combination | [`crate::suite`] | Arlo | ~1e-12 relative; sizes exact unless a p-value lies within ~1e-12 of α |
//! | binomial, normal, χ²₄ functions | [`crate::special`] | SciPy 1.11 | pmf/cdf ~1e-14 relative, normal cdf ~1e-11 relative (statrs' erfc) |
//!
//! RAIRE difficulties (`irv` crate) use the same floating-point operations in the same order as
//! raire-rs and agree bit for bit.
