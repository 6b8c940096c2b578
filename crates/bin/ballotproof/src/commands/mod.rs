//! One module per subcommand: each parses its arguments, calls the library crates and renders.

pub mod generate;
pub mod inspect;
pub mod sample;
