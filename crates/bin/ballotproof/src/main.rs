//! `ballotproof`: the command line over the ballotproof libraries. It parses arguments, calls the
//! library crates and renders their results; it holds no audit logic of its own.

use clap::Parser;

/// Risk-limiting audits and a tamper-evident election record for election offices.
#[derive(Debug, Parser)]
#[command(name = "ballotproof", version, about)]
struct Cli {}

fn main() -> anyhow::Result<()> {
    let _cli = Cli::parse();
    Ok(())
}
