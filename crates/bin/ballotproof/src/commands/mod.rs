//! One module per subcommand: each parses its arguments, calls the library crates and renders.

pub mod audit;
pub mod batch_args;
pub mod contest_args;
pub mod demo;
pub mod generate;
pub mod hybrid_args;
pub mod inspect;
pub mod log;
pub mod risk;
pub mod sample;
pub mod sample_size;
pub mod serve;
pub mod simulate;
pub mod user;
pub mod verify_audit;
