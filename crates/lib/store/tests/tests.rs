//! Integration tests of the audit database: one story over the whole [`store::Store`] trait.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod story;
