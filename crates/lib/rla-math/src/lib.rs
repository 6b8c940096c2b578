//! Risk measures and sample sizes for risk-limiting audits.
//!
//! Every function here is a pure function of reported results, observed audit results and the risk
//! limit: no I/O, no clock, no randomness. The formulas follow the peer tools election offices use
//! (Arlo, athena, r2b2, SHANGRLA), each module citing the file and line it reproduces, and the
//! conformance runner (`crates/bin/conformance`) checks them against those tools' outputs.
//! See [`precision`] for the tolerance each statistic meets.

pub mod contest;
pub mod precision;
pub mod risk_limit;
pub mod special;

pub mod bravo;
pub mod macro_batch;
pub mod minerva;
pub mod plan;
pub mod shangrla;
pub mod suite;
pub mod supersimple;

pub use contest::{Choice, Contest, ContestError};
pub use risk_limit::{RiskLimit, RiskLimitError};
