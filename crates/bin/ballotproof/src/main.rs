//! `ballotproof`: the command line over the ballotproof libraries. It parses arguments, calls the
//! library crates and renders their results; it holds no audit logic of its own.

mod commands;
mod input;
mod render;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Risk-limiting audits and a tamper-evident election record for election offices.
#[derive(Debug, Parser)]
#[command(name = "ballotproof", version, about)]
struct Cli {
    /// Where ballotproof keeps its database, election log and keys (default: the user's data
    /// directory, e.g. ~/.local/share/ballotproof).
    #[arg(long, global = true, value_name = "DIR", env = "BALLOTPROOF_DATA_DIR")]
    data_dir: Option<std::path::PathBuf>,
    /// Who is acting, as recorded with every change in the election log (default: cli:$USER).
    #[arg(long, global = true, value_name = "NAME", env = "BALLOTPROOF_ACTOR")]
    actor: Option<String>,
    #[command(subcommand)]
    command: Command,
}

impl Cli {
    /// The data directory: `--data-dir`, else `$XDG_DATA_HOME/ballotproof`, else
    /// `~/.local/share/ballotproof`. Not created here: the commands that store data create it and
    /// say clearly when they cannot.
    fn data_dir(&self) -> anyhow::Result<std::path::PathBuf> {
        if let Some(dir) = &self.data_dir {
            return Ok(dir.clone());
        }
        if let Some(xdg) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
            return Ok(std::path::PathBuf::from(xdg).join("ballotproof"));
        }
        match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
            Some(home) => Ok(std::path::PathBuf::from(home).join(".local/share/ballotproof")),
            None => anyhow::bail!(
                "cannot tell where to keep ballotproof's data: HOME is not set; pass --data-dir DIR"
            ),
        }
    }
}

impl Cli {
    /// The acting user: `--actor`, else `cli:` and the operating-system user.
    fn actor(&self) -> String {
        if let Some(a) = self.actor.as_deref().filter(|a| !a.trim().is_empty()) {
            return a.trim().to_string();
        }
        let user = ["USER", "USERNAME", "LOGNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|u| !u.is_empty()))
            .or_else(|| {
                // Without a user variable (some service environments), the home folder's name.
                std::env::var_os("HOME")
                    .and_then(|h| {
                        std::path::Path::new(&h)
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                    })
                    .filter(|u| !u.is_empty())
            })
            .unwrap_or_else(|| "unknown".to_string());
        format!("cli:{user}")
    }
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a whole risk-limiting audit on a bundled example election — three counties, a statewide
    /// and local contests, simulated audit boards finding a few discrepancies — and write its
    /// reports and public export.
    Demo(commands::demo::DemoArgs),
    /// Run a risk-limiting audit step by step: create, upload, contests, rounds, audit boards,
    /// interpretations, reports and the public export.
    Audit(commands::audit::AuditArgs),
    /// Check a published audit export offline: recompute the sample and the risk and compare them
    /// with the published results and the signed election log.
    VerifyAudit(commands::verify_audit::VerifyAuditArgs),
    /// Draw a ballot sample from ballot manifests with Arlo's seeded sampler and print the
    /// retrieval list.
    Sample(commands::sample::SampleArgs),
    /// Sample-size options for a contest's next round, by every ballot-level method or the one
    /// chosen.
    SampleSize(commands::sample_size::SampleSizeArgs),
    /// The risk measured from an audit's observations, the stop decision and the next round's
    /// options.
    Risk(commands::risk::RiskArgs),
    /// Measure each risk measure's soundness: how often it confirms a wrong outcome, and how many
    /// ballots it examines when the outcome is right.
    Simulate(commands::simulate::SimulateArgs),
    /// The tamper-evident election record: append, checkpoint, export, prove, verify, witness.
    Log(commands::log::LogArgs),
    /// Recognise election files (manifests, CVRs from any vendor, tallies) and show what they hold,
    /// how they reconcile and what is wrong with them.
    Inspect(commands::inspect::InspectArgs),
    /// Serve the web application (127.0.0.1:8080 by default) on the data directory.
    Serve(commands::serve::ServeArgs),
    /// Accounts of the web application: create the first state administrator, list, disable,
    /// reset a lost authenticator.
    User(commands::user::UserArgs),
    /// Write a synthetic election's exports in a vendor's format, deterministic from a seed.
    Generate(commands::generate::GenerateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BALLOTPROOF_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let result = match &cli.command {
        Command::Demo(args) => commands::demo::run(args, &mut out),
        Command::Audit(args) => commands::audit::run(args, cli.data_dir(), &cli.actor(), &mut out),
        Command::VerifyAudit(args) => commands::verify_audit::run(args, &mut out),
        Command::Sample(args) => commands::sample::run(args, &mut out),
        Command::SampleSize(args) => commands::sample_size::run(args, &mut out),
        Command::Risk(args) => commands::risk::run(args, &mut out),
        Command::Simulate(args) => commands::simulate::run(args, &mut out),
        Command::Log(args) => commands::log::run(args, cli.data_dir(), &mut out),
        Command::Inspect(args) => commands::inspect::run(args, &mut out),
        Command::Generate(args) => commands::generate::run(args, &mut out),
        Command::Serve(args) => commands::serve::run(args, cli.data_dir()),
        Command::User(args) => commands::user::run(args, cli.data_dir(), &cli.actor(), &mut out),
    };
    let _ = out.flush();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // Broken pipes (`ballotproof sample … | head`) are not errors for the user.
            if err
                .chain()
                .filter_map(|e| e.downcast_ref::<std::io::Error>())
                .any(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  because: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}
