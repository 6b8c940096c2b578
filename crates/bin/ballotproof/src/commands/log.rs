//! `ballotproof log …`: the tamper-evident election record — append entries, sign checkpoints,
//! export a static C2SP tlog-tiles directory, print proofs, verify an export offline, and act as a
//! witness that cosigns exports.
//!
//! Exit codes: 0 success, 1 verification failed (or the log on disk is damaged), 2 an input could
//! not be read or was not valid (a missing file, bad JSON, a bad key). The command prints its own
//! errors and exits with the code, because `main` maps every error to 1.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, anyhow};
use clap::{Args, Subcommand};
use ledger::{
    DirSource, Ledger, LedgerError, NewEntry, VerifyError, VerifyOptions, WitnessHome,
    verify_export,
};
use tlog::Hash;
use tlog::note::VerifierKey;

#[derive(Debug, Args)]
pub struct LogArgs {
    #[command(subcommand)]
    pub command: LogCommand,
}

#[derive(Debug, Subcommand)]
pub enum LogCommand {
    /// Append an entry and print its index (acknowledged only once it is on disk).
    Append(AppendArgs),
    /// Sign a checkpoint of the log's current size (if not signed yet) and print it.
    Checkpoint(OriginArg),
    /// Write the log as a static C2SP tlog-tiles directory (checkpoint, tiles, entries, key.vkey).
    Export {
        /// Directory to write (created if needed; an older export there is updated).
        out: PathBuf,
        #[command(flatten)]
        origin: OriginArg,
    },
    /// Print a C2SP tlog-proof that entry N is in the log (with the entry and the signed
    /// checkpoint), for offline checking.
    Prove {
        /// Index of the entry (the number `log append` printed).
        #[arg(long)]
        index: u64,
        #[command(flatten)]
        origin: OriginArg,
    },
    /// Verify an exported log offline: signatures, every tile and entry, consistency with an older
    /// checkpoint, inclusion of files.
    Verify(VerifyArgs),
    /// Print the log's public verifier key (vkey).
    Key(OriginArg),
    /// Witness commands: cosign other logs' exports after checking they only grew.
    #[command(subcommand)]
    Witness(WitnessCommand),
}

#[derive(Debug, Args)]
pub struct OriginArg {
    /// The log's name (a schema-less URL, e.g. example-county.gov/ballotproof/2026-general). Used
    /// when the log is created; afterwards it must match.
    #[arg(long, value_name = "ORIGIN")]
    pub origin: Option<String>,
}

#[derive(Debug, Args)]
pub struct AppendArgs {
    /// What happened: lowercase words joined by dots, e.g. `note`, `artifact`, `audit.seed`.
    #[arg(long)]
    pub kind: String,
    /// The entry's body, a JSON object.
    #[arg(
        long,
        value_name = "JSON",
        default_value = "{}",
        conflicts_with = "jsonl"
    )]
    pub body: String,
    /// Who did it (default: `local:$USER`).
    #[arg(long)]
    pub actor: Option<String>,
    /// Store this file beside the log by its SHA-256 and record the hash in the entry.
    #[arg(long, value_name = "FILE", conflicts_with = "jsonl")]
    pub artifact: Option<PathBuf>,
    /// Append one entry per line of this file (`-` for standard input), each line a JSON object
    /// body, in batches; prints each index once its batch is on disk.
    #[arg(long, value_name = "FILE")]
    pub jsonl: Option<String>,
    /// Entries per durable write with --jsonl.
    #[arg(long, default_value_t = 256, value_name = "N")]
    pub batch_size: usize,
    #[command(flatten)]
    pub origin: OriginArg,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The exported directory (or a copy downloaded from where it is published).
    pub dir: PathBuf,
    /// An older checkpoint of the same log, saved earlier: the log must extend it.
    #[arg(long, value_name = "FILE")]
    pub previous_checkpoint: Option<PathBuf>,
    /// A file that must be recorded in the log (found by its SHA-256); repeatable.
    #[arg(long = "artifact", value_name = "FILE")]
    pub artifacts: Vec<PathBuf>,
    /// The log's verifier key (vkey text or a file holding it), from a source you trust. Without
    /// it the export's own key.vkey is used.
    #[arg(long, value_name = "VKEY|FILE")]
    pub key: Option<String>,
    /// A trusted witness's cosignature key (vkey text or file); repeatable.
    #[arg(long = "witness", value_name = "VKEY|FILE")]
    pub witnesses: Vec<String>,
    /// How many of the --witness keys must have cosigned (default: all of them).
    #[arg(long, value_name = "N")]
    pub quorum: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum WitnessCommand {
    /// Print this witness's public cosignature key (created on first use).
    Key(WitnessNameArg),
    /// Verify an exported log, check it extends what this witness cosigned before, and add a
    /// cosignature to its checkpoint.
    Cosign {
        /// The exported directory.
        dir: PathBuf,
        /// The log's verifier key (vkey text or file), from a source you trust.
        #[arg(long, value_name = "VKEY|FILE")]
        log_key: String,
        #[command(flatten)]
        name: WitnessNameArg,
    },
}

#[derive(Debug, Args)]
pub struct WitnessNameArg {
    /// The witness's name when its key is created (a schema-less URL).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// An error with the exit code it calls for.
struct Failure {
    code: i32,
    error: anyhow::Error,
}

fn input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 2,
        error: error.into(),
    }
}

fn ledger_failure(error: LedgerError) -> Failure {
    let code = match error {
        LedgerError::Corrupt { .. } | LedgerError::CheckpointMismatch { .. } => 1,
        _ => 2,
    };
    Failure {
        code,
        error: error.into(),
    }
}

pub fn run(
    args: &LogArgs,
    data_dir: anyhow::Result<PathBuf>,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let result = data_dir
        .map_err(input)
        .and_then(|data_dir| execute(&args.command, &data_dir, out));
    match result {
        Ok(()) => Ok(()),
        Err(Failure { code, error }) => {
            let _ = out.flush();
            eprintln!("error: {error}");
            for cause in error.chain().skip(1) {
                eprintln!("  because: {cause}");
            }
            std::process::exit(code);
        }
    }
}

fn open(data_dir: &Path, origin: &OriginArg) -> Result<Ledger, Failure> {
    let ledger =
        Ledger::open(&data_dir.join("ledger"), origin.origin.as_deref()).map_err(ledger_failure)?;
    let recovery = ledger.recovery();
    if let Some(copy) = &recovery.torn_copy {
        tracing::warn!(
            "recovered from an interrupted write: cut {} unacknowledged bytes off the log (kept in {})",
            recovery.torn_bytes,
            copy.display()
        );
    }
    Ok(ledger)
}

fn write_out(out: &mut impl Write, text: &str) -> Result<(), Failure> {
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(input)
}

fn execute(command: &LogCommand, data_dir: &Path, out: &mut impl Write) -> Result<(), Failure> {
    match command {
        LogCommand::Append(args) => append(args, data_dir, out),
        LogCommand::Checkpoint(origin) => {
            let (_, note) = open(data_dir, origin)?
                .checkpoint()
                .map_err(ledger_failure)?;
            write_out(out, &note)
        }
        LogCommand::Export { out: dir, origin } => {
            let summary = open(data_dir, origin)?
                .export(dir)
                .map_err(ledger_failure)?;
            write_out(
                out,
                &format!(
                    "exported {} entries ({} tiles, {} entry bundles) to {}\n",
                    summary.size,
                    summary.tiles,
                    summary.bundles,
                    summary.dir.display()
                ),
            )
        }
        LogCommand::Prove { index, origin } => {
            let bundle = open(data_dir, origin)?
                .prove(*index)
                .map_err(ledger_failure)?;
            write_out(out, &bundle.to_text())
        }
        LogCommand::Key(origin) => {
            let key = open(data_dir, origin)?.verifier();
            write_out(out, &format!("{key}\n"))
        }
        LogCommand::Verify(args) => verify(args, out),
        LogCommand::Witness(WitnessCommand::Key(name)) => {
            let home = WitnessHome::open(&data_dir.join("witness"), name.name.as_deref())
                .map_err(input)?;
            write_out(out, &format!("{}\n", home.verifier()))
        }
        LogCommand::Witness(WitnessCommand::Cosign { dir, log_key, name }) => {
            let home = WitnessHome::open(&data_dir.join("witness"), name.name.as_deref())
                .map_err(input)?;
            let log_key = read_vkey(log_key)?;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default();
            let report = home.cosign_export(dir, &log_key, now).map_err(|e| {
                let code = match &e {
                    ledger::witness::WitnessError::Export(VerifyError::CannotRead { .. })
                    | ledger::witness::WitnessError::Key(_)
                    | ledger::witness::WitnessError::Io { .. } => 2,
                    _ => 1,
                };
                Failure {
                    code,
                    error: e.into(),
                }
            })?;
            write_out(
                out,
                &format!(
                    "cosigned {} at size {} (previously cosigned size {}) as {}\n",
                    report.origin,
                    report.size,
                    report.previous_size,
                    home.verifier().name()
                ),
            )
        }
    }
}

fn default_actor() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.is_empty())
        .map_or_else(|| "local".to_owned(), |u| format!("local:{u}"))
}

fn parse_body(text: &str, source: &str) -> Result<serde_json::Value, Failure> {
    serde_json::from_str(text)
        .with_context(|| format!("{source} is not valid JSON; give a JSON object such as {{\"note\": \"seed published\"}}"))
        .map_err(input)
}

fn append(args: &AppendArgs, data_dir: &Path, out: &mut impl Write) -> Result<(), Failure> {
    let actor = args.actor.clone().unwrap_or_else(default_actor);
    if let Some(source) = &args.jsonl {
        return append_lines(args, &actor, source, data_dir, out);
    }
    let body = parse_body(&args.body, "--body")?;
    let mut entry = NewEntry::new(&args.kind, &actor, body).map_err(input)?;
    let artifact = match &args.artifact {
        Some(path) => {
            let bytes = std::fs::read(path)
                .with_context(|| format!("cannot read the artifact {}", path.display()))
                .map_err(input)?;
            entry = entry.with_content(Hash::sha256(&bytes));
            Some(bytes)
        }
        None => None,
    };
    let mut ledger = open(data_dir, &args.origin)?;
    if let Some(bytes) = &artifact {
        ledger.store_artifact(bytes).map_err(ledger_failure)?;
    }
    let index = ledger.append(entry).map_err(ledger_failure)?;
    write_out(out, &format!("{index}\n"))
}

fn append_lines(
    args: &AppendArgs,
    actor: &str,
    source: &str,
    data_dir: &Path,
    out: &mut impl Write,
) -> Result<(), Failure> {
    let reader: Box<dyn BufRead> = if source == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(source)
            .with_context(|| format!("cannot read {source}"))
            .map_err(input)?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut ledger = open(data_dir, &args.origin)?;
    let batch_size = args.batch_size.max(1);
    let mut batch = Vec::with_capacity(batch_size);
    let mut flush = |batch: &mut Vec<NewEntry>, out: &mut dyn Write| -> Result<(), Failure> {
        if batch.is_empty() {
            return Ok(());
        }
        let range = ledger.append_batch(batch).map_err(ledger_failure)?;
        batch.clear();
        let mut text = String::new();
        for index in range {
            text.push_str(&format!("{index}\n"));
        }
        out.write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(input)
    };
    for (number, line) in reader.lines().enumerate() {
        let line = line
            .with_context(|| format!("cannot read line {} of {source}", number + 1))
            .map_err(input)?;
        if line.trim().is_empty() {
            continue;
        }
        let body = parse_body(&line, &format!("line {} of {source}", number + 1))?;
        batch.push(NewEntry::new(&args.kind, actor, body).map_err(input)?);
        if batch.len() == batch_size {
            flush(&mut batch, out)?;
        }
    }
    flush(&mut batch, out)
}

/// A vkey given as text or as a file holding it.
fn read_vkey(arg: &str) -> Result<VerifierKey, Failure> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg)
            .with_context(|| format!("cannot read the key file {arg}"))
            .map_err(input)?
    } else {
        arg.to_owned()
    };
    VerifierKey::parse(text.trim()).map_err(input)
}

fn verify(args: &VerifyArgs, out: &mut impl Write) -> Result<(), Failure> {
    if !args.dir.is_dir() {
        return Err(input(anyhow!(
            "{} is not a directory; give the directory `ballotproof log export` wrote",
            args.dir.display()
        )));
    }
    let witnesses = args
        .witnesses
        .iter()
        .map(|w| read_vkey(w))
        .collect::<Result<Vec<_>, _>>()?;
    let quorum = args.quorum.unwrap_or(witnesses.len());
    if quorum > witnesses.len() {
        return Err(input(anyhow!(
            "--quorum {quorum} needs at least {quorum} --witness keys; {} given",
            witnesses.len()
        )));
    }
    let previous_checkpoint = match &args.previous_checkpoint {
        Some(path) => Some((
            path.display().to_string(),
            std::fs::read(path)
                .with_context(|| format!("cannot read the previous checkpoint {}", path.display()))
                .map_err(input)?,
        )),
        None => None,
    };
    let mut artifacts = Vec::new();
    for path in &args.artifacts {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read the artifact {}", path.display()))
            .map_err(input)?;
        artifacts.push((path.display().to_string(), Hash::sha256(&bytes)));
    }
    let options = VerifyOptions {
        log_key: args.key.as_deref().map(read_vkey).transpose()?,
        witnesses,
        quorum,
        previous_checkpoint,
        artifacts,
    };
    let report = verify_export(&DirSource(args.dir.clone()), &options).map_err(|e| match e {
        VerifyError::CannotRead { path, reason } => input(anyhow!(
            "cannot read {}: {reason}",
            args.dir.join(path).display()
        )),
        VerifyError::Failed(problems) => Failure {
            code: 1,
            error: anyhow!("verification failed:\n  {}", problems.join("\n  ")),
        },
    })?;
    let c = &report.checkpoint;
    let mut text = format!(
        "OK: {} entries of log {}, root {}\n",
        c.size, c.origin, c.root
    );
    if report.key_from_export {
        text.push_str(&format!(
            "  signed by the key in the export's key.vkey ({}); pass --key with the key you trust to know whose log this is\n",
            report.key
        ));
    } else {
        text.push_str(&format!("  signed by {}\n", report.key));
    }
    for (name, time) in &report.cosigners {
        text.push_str(&format!(
            "  cosigned by witness {name} at {time} (POSIX time)\n"
        ));
    }
    if let Some(size) = report.previous_size {
        text.push_str(&format!(
            "  extends the previous checkpoint (size {size}): nothing before it was changed\n"
        ));
    }
    for a in &report.artifacts {
        text.push_str(&format!(
            "  {} (SHA-256 {}) is entry {} ({}, {}); inclusion proof verified\n",
            a.name, a.hash, a.index, a.kind, a.time
        ));
    }
    if report.foreign_entries > 0 {
        text.push_str(&format!(
            "  note: {} entries are not ballotproof entry JSON (they verify, but were written by another tool)\n",
            report.foreign_entries
        ));
    }
    write_out(out, &text)
}
