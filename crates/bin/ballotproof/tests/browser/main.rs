//! Browser end-to-end tests: a real headless Chromium (Debian's `chromium` and `chromium-driver`)
//! driven over WebDriver by fantoccini. Without Chromium they are skipped with a message, unless
//! `BALLOTPROOF_E2E=required` (CI) makes that a failure; `BALLOTPROOF_SCREENSHOTS=docs/screenshots`
//! saves the main screens for the documentation.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod accessibility;
mod audit_flow;
mod harness;
mod progress;
mod refusals;
mod server;
mod smoke;
