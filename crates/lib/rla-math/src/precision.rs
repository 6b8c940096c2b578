//! Precision policy: which tolerance each statistic meets against the peers' reference values, and why.
//!
//! * Counts, sample sizes, kmins and ticket numbers are integers or exact strings and must match the
//!   peers exactly. Sample sizes are computed so that rounding never favours stopping early: every
//!   conversion from a real-valued estimate to a size rounds up unless the peer documents otherwise.
//! * Products of many likelihood-ratio factors (BRAVO, Kaplan–Markov, MACRO, ALPHA) are accumulated as
//!   sums of logarithms and exponentiated once, so they neither underflow nor lose relative precision.
//!
//! The per-statistic table is filled in by each module as it is implemented.
