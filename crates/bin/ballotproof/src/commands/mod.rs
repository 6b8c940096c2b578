//! One module per subcommand: each parses its arguments, calls the library crates and renders.

pub mod log;
pub mod sample;
