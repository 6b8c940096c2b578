//! Verification (to come).
