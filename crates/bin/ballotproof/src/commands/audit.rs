//! `ballotproof audit …`: every step of a risk-limiting audit from the command line, on the audit
//! database and election log in the data directory. Each subcommand calls one workflow function
//! (`audit::Workflow`), prints a readable summary, or one JSON document with `--json`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow, bail};
use audit::workflow::{AuditSpec, BallotRef, ContestSpec, NamedFile, SeedInput, Upload};
use audit::{
    AuditType, BallotEntry, ContestReading, Interpretation, Math, SizeChoice, UploadKind,
    ValidationReport, Workflow, report,
};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::json;
use store::SqliteStore;

use crate::input::NameCount;
use crate::render::{Table, write_json};

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The audit to work on (its name); not needed for `create` and `list`.
    #[arg(long, global = true, env = "BALLOTPROOF_AUDIT", value_name = "NAME")]
    pub audit: Option<String>,
    /// Print one JSON document instead of text (for scripts).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Create an audit: type, risk measure, risk limit and the seed (sealed here until the public
    /// ceremony) or only its commitment.
    Create(CreateArgs),
    /// List the audits in the data directory.
    List,
    /// Where the audit is: jurisdictions, uploads, contests, rounds and risk.
    Status,
    /// The activity log: every change with its time (UTC), who made it and what it was.
    Activity,
    /// Reveal the seed at the public ceremony (the sealed seed, or --seed checked against the
    /// commitment).
    RevealSeed {
        #[arg(long)]
        seed: Option<String>,
    },
    /// Print the commitment for a seed and salt (to publish before the ceremony).
    SeedCommitment {
        #[arg(long)]
        seed: String,
        /// 32 hex digits; a random one is made when omitted.
        #[arg(long)]
        salt: Option<String>,
    },
    /// Jurisdictions (counties) taking part.
    #[command(subcommand)]
    Jurisdiction(JurisdictionCommand),
    /// Upload a jurisdiction's ballot manifest, CVRs or batch tallies; the validation report is
    /// stored and shown, and a re-upload replaces the previous file.
    Upload(UploadArgs),
    /// Contests to audit.
    #[command(subcommand)]
    Contest(ContestCommand),
    /// Rounds: sample-size options, start (draw the sample), end (measure risk).
    #[command(subcommand)]
    Round(RoundCommand),
    /// Start the next round with an escalation: the estimate, one more batch, or a full hand
    /// count.
    Escalate(EscalateArgs),
    /// Set up a jurisdiction's audit boards for the current round and split its ballots among them.
    Boards {
        #[arg(long)]
        jurisdiction: String,
        /// Board names.
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// A jurisdiction's retrieval list (ballots to pull, tickets, times drawn, board).
    Ballots {
        #[arg(long)]
        jurisdiction: String,
        /// The round (default: the latest).
        #[arg(long)]
        round: Option<u64>,
        /// Write CSV instead of a table.
        #[arg(long)]
        csv: bool,
    },
    /// Record what an audit board read on a sampled ballot, contest by contest.
    Interpret(InterpretArgs),
    /// Record that a sampled ballot could not be found.
    NotFound(BallotArgs),
    /// Both members of an audit board sign off its work for the round.
    SignOff {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        board: String,
        /// The two members' names.
        #[arg(long = "member", num_args = 1, required = true)]
        members: Vec<String>,
    },
    /// Enter a jurisdiction's tally of the round's sampled ballots for a polling contest (each
    /// ballot as often as it was drawn), or its totals in a full hand count.
    OfflineTally {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        contest: String,
        #[arg(long = "vote", value_name = "NAME=COUNT", required = true)]
        votes: Vec<NameCount>,
        /// Ballots examined, counting repeats (default: the round's draws).
        #[arg(long)]
        ballots: Option<u64>,
    },
    /// Enter a sampled batch's hand count (its tally sheet).
    BatchTally {
        #[arg(long)]
        jurisdiction: String,
        #[arg(long)]
        batch: String,
        #[arg(long)]
        contest: String,
        #[arg(long = "vote", value_name = "NAME=COUNT", required = true)]
        votes: Vec<NameCount>,
    },
    /// Write the reports (audit report, discrepancies, retrieval lists, tally sheets) as CSV.
    Report {
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write the public export (audit.json, uploaded manifests and tallies, the signed log) that
    /// `ballotproof verify-audit` checks offline.
    Export { dir: PathBuf },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TypeArg {
    BallotPolling,
    BallotComparison,
    BatchComparison,
    /// SUITE: batches with CVRs compared, batches without polled (the manifest's CVR column).
    Hybrid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MathArg {
    Bravo,
    Minerva,
    Providence,
    KaplanMarkov,
    Alpha,
    Macro,
    Suite,
}

#[derive(Debug, Args)]
pub struct CreateArgs {
    #[arg(long)]
    pub name: String,
    #[arg(long = "type", value_enum)]
    pub audit_type: TypeArg,
    /// The risk measure (default: BRAVO, Kaplan-Markov or MACRO for the type).
    #[arg(long, value_enum)]
    pub math: Option<MathArg>,
    /// Any value between 0 and 1, as 0.05 or 5%.
    #[arg(long, default_value = "5%")]
    pub risk_limit: String,
    /// The random seed, sealed in the database until `reveal-seed` (only its commitment is
    /// published and logged now).
    #[arg(long, conflicts_with = "seed_commitment")]
    pub seed: Option<String>,
    /// Only the seed's commitment (from `audit seed-commitment`); give the seed at the reveal.
    #[arg(long, requires = "salt")]
    pub seed_commitment: Option<String>,
    /// The salt of --seed-commitment.
    #[arg(long)]
    pub salt: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum JurisdictionCommand {
    /// Add jurisdictions by name.
    Add {
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Sign off a jurisdiction's work in the current round (after all its audit boards have).
    SignOff { name: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Manifest,
    Cvrs,
    BatchTallies,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[arg(value_enum)]
    pub kind: KindArg,
    /// The file; for CVRs, every file of the export (Dominion JSON CvrExport*.json with its
    /// Contest/Candidate/BallotType/CountingGroup manifests, ES&S CVR with its ballots files,
    /// Hart XML or zips with the scanned ballot information, or a zip of them).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Read the files as format F instead of recognising them (`--format help` lists them);
    /// `--format F:FILE` for one file only, repeatable.
    #[arg(long, value_name = "F|F:FILE")]
    pub format: Vec<String>,
    #[arg(long)]
    pub jurisdiction: String,
    /// For batch tallies: the contest (default: from Arlo's file name).
    #[arg(long)]
    pub contest: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ContestCommand {
    /// Add a contest; its reported results come from the CVRs or batch tallies, or --vote.
    Add(ContestAddArgs),
    /// List contests with their reported results.
    List,
}

#[derive(Debug, Args)]
pub struct ContestAddArgs {
    pub name: String,
    /// Measured but not driving the sample size.
    #[arg(long)]
    pub opportunistic: bool,
    /// Jurisdictions whose ballots carry the contest (default: all).
    #[arg(long = "jurisdiction")]
    pub jurisdictions: Vec<String>,
    /// A reported winner (repeat for several); default: the top vote-getters.
    #[arg(long = "winner")]
    pub winners: Vec<String>,
    /// Number of winners (default 1, or the number of --winner).
    #[arg(long)]
    pub num_winners: Option<usize>,
    #[arg(long)]
    pub votes_allowed: Option<u32>,
    /// Reported votes (ballot polling): NAME=COUNT for each choice.
    #[arg(long = "vote", value_name = "NAME=COUNT")]
    pub votes: Vec<NameCount>,
    /// Ballots cast in the contest's universe (default: the manifests' ballots).
    #[arg(long)]
    pub ballots: Option<u64>,
}

#[derive(Debug, Subcommand)]
pub enum RoundCommand {
    /// The next round's sample-size options per contest.
    Sizes,
    /// Start the next round: draw each targeted contest's sample and merge it into retrieval lists.
    Start {
        /// CONTEST=N draws, or CONTEST=OPTION (an option label from `round sizes`).
        #[arg(long = "size", value_name = "CONTEST=N|OPTION")]
        sizes: Vec<String>,
    },
    /// End the round: measure each contest's risk; the audit completes when every targeted contest
    /// meets the risk limit.
    End,
}

#[derive(Debug, Args)]
pub struct EscalateArgs {
    #[arg(long)]
    pub contest: String,
    /// Add one batch (batch comparison).
    #[arg(long, conflicts_with = "full_hand_count")]
    pub one_batch: bool,
    /// Count every ballot (or batch) of the contest by hand.
    #[arg(long)]
    pub full_hand_count: bool,
}

#[derive(Debug, Args)]
pub struct BallotArgs {
    #[arg(long)]
    pub jurisdiction: String,
    #[arg(long)]
    pub tabulator: Option<String>,
    #[arg(long)]
    pub batch: String,
    /// The ballot's position in its batch (the retrieval list's Ballot Number).
    #[arg(long)]
    pub position: u64,
}

#[derive(Debug, Args)]
pub struct InterpretArgs {
    #[command(flatten)]
    pub ballot: BallotArgs,
    /// CONTEST=CHOICE[;CHOICE…], or CONTEST=blank, CONTEST=cant-agree, CONTEST=not-on-ballot.
    #[arg(long = "reading", value_name = "CONTEST=READING", required = true)]
    pub readings: Vec<String>,
}

/// The workflow on the data directory, and the runtime to drive it.
pub struct Session {
    pub rt: tokio::runtime::Runtime,
    pub wf: Workflow<SqliteStore>,
}

/// Opens (creating on first use) the audit database and election log in `dir`.
pub fn open(dir: &Path) -> anyhow::Result<Session> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the data directory {}; choose a writable one with --data-dir DIR",
            dir.display()
        )
    })?;
    let probe = dir.join(".write-test");
    std::fs::write(&probe, b"").with_context(|| {
        format!(
            "the data directory {} is not writable; choose another with --data-dir DIR",
            dir.display()
        )
    })?;
    let _ = std::fs::remove_file(&probe);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the database runtime")?;
    let ledger = ledger::Ledger::open(&dir.join("ledger"), None)
        .with_context(|| format!("cannot open the election log in {}", dir.display()))?;
    let wf = rt.block_on(async {
        let store = SqliteStore::open(&dir.join(store::DATABASE_FILE)).await?;
        anyhow::Ok(Workflow::open(store, ledger, audit::workflow::system_clock()).await?)
    })?;
    Ok(Session { rt, wf })
}

/// A spinner on stderr while `f` runs, only on a terminal.
fn with_spinner<T>(message: &str, f: impl FnOnce() -> T) -> T {
    if !std::io::stderr().is_terminal() {
        return f();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    let out = f();
    bar.finish_and_clear();
    out
}

fn parse_reading(text: &str) -> anyhow::Result<ContestReading> {
    let (contest, value) = text.rsplit_once('=').ok_or_else(|| {
        anyhow!("{text:?} is not CONTEST=READING; write it like \"Governor=Ana Alvarez\" or \"Governor=blank\"")
    })?;
    let value = value.trim();
    let (interpretation, choices) = match value.to_lowercase().as_str() {
        "blank" => (Interpretation::Blank, vec![]),
        "cant-agree" | "cant_agree" | "can't agree" => (Interpretation::CantAgree, vec![]),
        "not-on-ballot" | "contest-not-on-ballot" | "contest_not_on_ballot" => {
            (Interpretation::ContestNotOnBallot, vec![])
        }
        _ => (
            Interpretation::Vote,
            value
                .trim_start_matches("vote:")
                .split(';')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
        ),
    };
    Ok(ContestReading {
        contest: contest.trim().to_string(),
        interpretation,
        choices,
        comment: String::new(),
    })
}

fn votes(list: &[NameCount]) -> Vec<(String, u64)> {
    list.iter().map(|v| (v.name.clone(), v.count)).collect()
}

fn print_report(out: &mut impl Write, report: &ValidationReport) -> anyhow::Result<()> {
    writeln!(
        out,
        "{} {}: {}",
        if report.accepted {
            "Accepted"
        } else {
            "REJECTED"
        },
        report.file_name,
        report.format
    )?;
    if report.files.len() > 1 {
        for f in &report.files {
            writeln!(
                out,
                "  file {} ({}, {} bytes, SHA-256 {})",
                f.name, f.format, f.size, f.sha256
            )?;
        }
    }
    for line in &report.summary {
        writeln!(out, "  {line}")?;
    }
    for p in &report.problems {
        writeln!(out, "  {}: {}: {}", p.location, p.severity, p.message)?;
    }
    Ok(())
}

pub fn run(
    args: &AuditArgs,
    data_dir: anyhow::Result<PathBuf>,
    actor: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    if let AuditCommand::SeedCommitment { seed, salt } = &args.command {
        let salt = match salt {
            Some(s) => s.clone(),
            None => random_salt()?,
        };
        let commitment = audit::workflow::seed_commitment(&salt, seed);
        if args.json {
            write_json(out, &json!({"commitment": commitment, "salt": salt}))?;
        } else {
            writeln!(out, "commitment {commitment}\nsalt       {salt}")?;
            writeln!(out, "Publish both now; reveal the seed at the ceremony.")?;
        }
        return Ok(());
    }
    let dir = data_dir?;
    let s = open(&dir)?;
    let name = || -> anyhow::Result<&str> {
        args.audit.as_deref().ok_or_else(|| {
            anyhow!("say which audit with --audit NAME (see `ballotproof audit list`)")
        })
    };
    let wf = &s.wf;
    let rt = &s.rt;
    match &args.command {
        AuditCommand::SeedCommitment { .. } => {}
        AuditCommand::Create(c) => {
            let audit_type = match c.audit_type {
                TypeArg::BallotPolling => AuditType::BallotPolling,
                TypeArg::BallotComparison => AuditType::BallotComparison,
                TypeArg::BatchComparison => AuditType::BatchComparison,
                TypeArg::Hybrid => AuditType::Hybrid,
            };
            let math = match c.math {
                None => Math::default_for(audit_type),
                Some(MathArg::Bravo) => Math::Bravo,
                Some(MathArg::Minerva) => Math::Minerva,
                Some(MathArg::Providence) => Math::Providence,
                Some(MathArg::KaplanMarkov) => Math::KaplanMarkov,
                Some(MathArg::Alpha) => Math::Alpha,
                Some(MathArg::Macro) => Math::Macro,
                Some(MathArg::Suite) => Math::Suite,
            };
            let seed = match (&c.seed, &c.seed_commitment, &c.salt) {
                (Some(seed), _, _) => SeedInput::Sealed {
                    seed: seed.clone(),
                    salt: random_salt()?,
                },
                (None, Some(commitment), Some(salt)) => SeedInput::Commitment {
                    commitment: commitment.clone(),
                    salt: salt.clone(),
                },
                _ => bail!(
                    "give the seed (--seed) or its commitment (--seed-commitment with --salt)"
                ),
            };
            let row = rt.block_on(wf.create_audit(
                actor,
                &AuditSpec {
                    name: c.name.clone(),
                    audit_type,
                    math,
                    risk_limit: c.risk_limit.clone(),
                    seed,
                },
            ))?;
            if args.json {
                write_json(
                    out,
                    &json!({"audit": row.name, "seed_commitment": row.seed_commitment, "salt": row.seed_salt}),
                )?;
            } else {
                writeln!(
                    out,
                    "Created audit {:?}: {} with {}, risk limit {}",
                    row.name, row.audit_type, row.math, row.risk_limit
                )?;
                writeln!(
                    out,
                    "Publish the seed commitment {} (salt {}) before the ceremony.",
                    row.seed_commitment,
                    row.seed_salt.unwrap_or_default()
                )?;
            }
        }
        AuditCommand::List => {
            let audits = rt.block_on(wf.audits())?;
            if args.json {
                write_json(out, &audits.iter().map(|a| json!({"name": a.name, "type": a.audit_type, "math": a.math, "risk_limit": a.risk_limit, "status": a.status})).collect::<Vec<_>>())?;
            } else {
                let mut t = Table::new(["Audit", "Type", "Math", "Risk limit", "Status"]);
                for a in audits {
                    t.push([a.name, a.audit_type, a.math, a.risk_limit, a.status]);
                }
                write!(out, "{}", t.to_text())?;
            }
        }
        AuditCommand::Status => {
            let record = rt.block_on(wf.record(name()?))?;
            if args.json {
                write_json(out, &record)?;
            } else {
                write_status(out, &record)?;
            }
        }
        AuditCommand::Activity => {
            let activity = rt.block_on(wf.activity(name()?))?;
            if args.json {
                write_json(out, &activity)?;
            } else {
                let mut t = Table::new(["Time (UTC)", "Actor", "Event", "Details"]);
                for a in activity {
                    let time = ledger::entry::rfc3339(
                        std::time::UNIX_EPOCH
                            + std::time::Duration::from_millis(
                                u64::try_from(a.time_ms).unwrap_or(0),
                            ),
                    );
                    let mut details = a.details.to_string();
                    if details.chars().count() > 100 {
                        details = details.chars().take(99).collect::<String>() + "…";
                    }
                    t.push([
                        time,
                        a.actor,
                        a.kind.trim_start_matches("audit.").to_string(),
                        details,
                    ]);
                }
                write!(out, "{}", t.to_text())?;
            }
        }
        AuditCommand::RevealSeed { seed } => {
            let seed = rt.block_on(wf.reveal_seed(actor, name()?, seed.as_deref()))?;
            if args.json {
                write_json(out, &json!({"seed": seed}))?;
            } else {
                writeln!(
                    out,
                    "Seed revealed: {seed} (it matches the published commitment)"
                )?;
            }
        }
        AuditCommand::Jurisdiction(JurisdictionCommand::Add { names }) => {
            for j in names {
                rt.block_on(wf.add_jurisdiction(actor, name()?, j))?;
            }
            if args.json {
                write_json(out, &json!({"added": names}))?;
            } else {
                writeln!(out, "Added {}", names.join(", "))?;
            }
        }
        AuditCommand::Jurisdiction(JurisdictionCommand::SignOff { name: j }) => {
            rt.block_on(wf.sign_off_jurisdiction(actor, name()?, j))?;
            if args.json {
                write_json(out, &json!({"signed_off": j}))?;
            } else {
                writeln!(out, "{j} signed off the current round")?;
            }
        }
        AuditCommand::Upload(u) => {
            let paths: Vec<&std::path::Path> = u.files.iter().map(PathBuf::as_path).collect();
            let formats = super::inspect::formats_for_paths(&u.format, &paths)?;
            let mut contents = Vec::with_capacity(u.files.len());
            for path in &u.files {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |f| f.to_string_lossy().into_owned(),
                );
                contents.push((name, bytes));
            }
            let files: Vec<NamedFile<'_>> = contents
                .iter()
                .zip(formats)
                .map(|((name, bytes), format)| NamedFile {
                    name,
                    bytes,
                    format,
                })
                .collect();
            let kind = match u.kind {
                KindArg::Manifest => UploadKind::Manifest,
                KindArg::Cvrs => UploadKind::Cvrs,
                KindArg::BatchTallies => UploadKind::BatchTallies,
            };
            let shown = audit::upload::display_name(&files);
            let report = with_spinner(&format!("Reading {shown}"), || {
                rt.block_on(wf.upload(
                    actor,
                    name()?,
                    &u.jurisdiction,
                    &Upload {
                        kind,
                        files: &files,
                        contest: u.contest.as_deref(),
                    },
                ))
                .map_err(anyhow::Error::from)
            })?;
            if args.json {
                write_json(out, &report)?;
            } else {
                print_report(out, &report)?;
            }
            if !report.accepted {
                bail!(
                    "{shown} was not accepted; fix the errors above and upload again (the attempt and its report are kept in the audit's history)"
                );
            }
        }
        AuditCommand::Contest(ContestCommand::Add(c)) => {
            let spec = ContestSpec {
                name: c.name.clone(),
                targeted: !c.opportunistic,
                jurisdictions: c.jurisdictions.clone(),
                winners: (!c.winners.is_empty()).then(|| c.winners.clone()),
                num_winners: c.num_winners,
                votes_allowed: c.votes_allowed,
                votes: (!c.votes.is_empty()).then(|| votes(&c.votes)),
                ballots: c.ballots,
            };
            let contest = rt.block_on(wf.add_contest(actor, name()?, &spec))?;
            if args.json {
                write_json(out, &contest)?;
            } else {
                writeln!(
                    out,
                    "Added contest {:?} ({}), {} ballots in {}",
                    contest.name,
                    if contest.targeted {
                        "targeted"
                    } else {
                        "opportunistic"
                    },
                    contest.ballots,
                    contest.jurisdictions.join(", ")
                )?;
                for c in &contest.choices {
                    writeln!(out, "  {:<30} {:>10}", c.name, c.votes)?;
                }
            }
        }
        AuditCommand::Contest(ContestCommand::List) => {
            let record = rt.block_on(wf.record(name()?))?;
            if args.json {
                write_json(out, &record.contests)?;
            } else {
                let mut t =
                    Table::new(["Contest", "Targeted", "Ballots", "Results", "Jurisdictions"])
                        .right_align(&[2]);
                for c in &record.contests {
                    t.push([
                        c.name.clone(),
                        if c.targeted {
                            "yes".into()
                        } else {
                            "no".into()
                        },
                        c.ballots.to_string(),
                        c.choices
                            .iter()
                            .map(|x| format!("{} {}", x.name, x.votes))
                            .collect::<Vec<_>>()
                            .join(", "),
                        c.jurisdictions.join(", "),
                    ]);
                }
                write!(out, "{}", t.to_text())?;
            }
        }
        AuditCommand::Round(RoundCommand::Sizes) => {
            let options = rt.block_on(wf.size_options(name()?))?;
            if args.json {
                write_json(out, &options)?;
            } else {
                let mut t = Table::new(["Contest", "Option", "Draws", "Chance to finish"])
                    .right_align(&[2, 3]);
                for (c, offers) in options {
                    for o in offers {
                        t.push([
                            c.clone(),
                            o.label,
                            if o.non_cvr_draws > 0 {
                                format!("{} + {} without CVRs", o.draws, o.non_cvr_draws)
                            } else {
                                o.draws.to_string()
                            },
                            o.completion_probability
                                .map(|p| format!("{:.0}%", p * 100.0))
                                .unwrap_or_default(),
                        ]);
                    }
                }
                write!(out, "{}", t.to_text())?;
            }
        }
        AuditCommand::Round(RoundCommand::Start { sizes }) => {
            let mut choices = Vec::new();
            for s in sizes {
                let (c, v) = s
                    .rsplit_once('=')
                    .ok_or_else(|| anyhow!("{s:?} is not CONTEST=N or CONTEST=OPTION"))?;
                let choice = match v.trim().parse::<u64>() {
                    Ok(n) => SizeChoice::Draws(n),
                    Err(_) => SizeChoice::Option(v.trim().to_string()),
                };
                choices.push((c.trim().to_string(), choice));
            }
            start_round(rt, wf, actor, name()?, &choices, args.json, out)?;
        }
        AuditCommand::Escalate(e) => {
            let choice = if e.one_batch {
                SizeChoice::OneBatch
            } else if e.full_hand_count {
                SizeChoice::FullHandCount
            } else {
                SizeChoice::Default
            };
            start_round(
                rt,
                wf,
                actor,
                name()?,
                &[(e.contest.clone(), choice)],
                args.json,
                out,
            )?;
        }
        AuditCommand::Round(RoundCommand::End) => {
            let ended = rt.block_on(wf.end_round(actor, name()?))?;
            if args.json {
                write_json(
                    out,
                    &json!({"round": ended.round, "complete": ended.complete, "risks": ended.risks}),
                )?;
            } else {
                writeln!(out, "Round {} ended.", ended.round)?;
                write!(out, "{}", risk_table(&ended.risks).to_text())?;
                if ended.complete {
                    writeln!(
                        out,
                        "Every targeted contest met the risk limit: the audit is complete."
                    )?;
                } else {
                    writeln!(
                        out,
                        "Not every targeted contest met the risk limit: see `audit round sizes` and start another round, or `audit escalate`."
                    )?;
                }
            }
        }
        AuditCommand::Boards {
            jurisdiction,
            names,
        } => {
            let boards = rt.block_on(wf.set_audit_boards(actor, name()?, jurisdiction, names))?;
            if args.json {
                write_json(out, &boards)?;
            } else {
                for (b, n) in boards {
                    writeln!(out, "{b}: {n} ballot(s) or batch(es)")?;
                }
            }
        }
        AuditCommand::Ballots {
            jurisdiction,
            round,
            csv,
        } => {
            let record = rt.block_on(wf.record(name()?))?;
            let round = round.unwrap_or(record.rounds.len() as u64);
            let text = if record.audit_type == "batch_comparison" {
                report::batch_tally_sheets(&record, jurisdiction, round)
            } else {
                report::retrieval_list(&record, jurisdiction, round)
            };
            if *csv || args.json {
                write!(out, "{text}")?;
            } else {
                write!(out, "{}", csv_to_table(&text)?.to_text())?;
            }
        }
        AuditCommand::Interpret(i) => {
            let readings = i
                .readings
                .iter()
                .map(|r| parse_reading(r))
                .collect::<anyhow::Result<Vec<_>>>()?;
            rt.block_on(wf.record_ballot(
                actor,
                name()?,
                &ballot_ref(&i.ballot),
                &BallotEntry::Read(readings),
            ))?;
            if !args.json {
                writeln!(
                    out,
                    "Recorded ballot {} of batch {:?}.",
                    i.ballot.position, i.ballot.batch
                )?;
            }
        }
        AuditCommand::NotFound(b) => {
            rt.block_on(wf.record_ballot(actor, name()?, &ballot_ref(b), &BallotEntry::NotFound))?;
            if !args.json {
                writeln!(
                    out,
                    "Recorded ballot {} of batch {:?} as not found (it counts as a two-vote overstatement).",
                    b.position, b.batch
                )?;
            }
        }
        AuditCommand::SignOff {
            jurisdiction,
            board,
            members,
        } => {
            let [a, b] = members.as_slice() else {
                bail!("give both members' names: --member NAME --member NAME");
            };
            rt.block_on(wf.sign_off(actor, name()?, jurisdiction, board, (a, b)))?;
            if !args.json {
                writeln!(out, "{board} signed off by {a} and {b}.")?;
            }
        }
        AuditCommand::OfflineTally {
            jurisdiction,
            contest,
            votes: v,
            ballots,
        } => {
            rt.block_on(wf.record_offline_tally(
                actor,
                name()?,
                jurisdiction,
                contest,
                &votes(v),
                *ballots,
            ))?;
            if !args.json {
                writeln!(out, "Recorded {jurisdiction}'s tally for {contest:?}.")?;
            }
        }
        AuditCommand::BatchTally {
            jurisdiction,
            batch,
            contest,
            votes: v,
        } => {
            rt.block_on(wf.record_batch_tally(
                actor,
                name()?,
                jurisdiction,
                batch,
                contest,
                &votes(v),
            ))?;
            if !args.json {
                writeln!(
                    out,
                    "Recorded the hand count of batch {batch:?} for {contest:?}."
                )?;
            }
        }
        AuditCommand::Report { out: dir } => {
            let written = write_reports(rt, wf, actor, name()?, dir)?;
            if args.json {
                write_json(out, &written)?;
            } else {
                for f in written {
                    writeln!(out, "wrote {f}")?;
                }
            }
        }
        AuditCommand::Export { dir } => {
            let summary = with_spinner("Writing the export", || {
                rt.block_on(wf.export(actor, name()?, dir))
                    .map_err(anyhow::Error::from)
            })?;
            if args.json {
                write_json(
                    out,
                    &json!({"dir": summary.dir, "audit_json_sha256": summary.audit_json_sha256, "files": summary.files, "log_size": summary.log_size}),
                )?;
            } else {
                writeln!(
                    out,
                    "Exported to {}: audit.json (SHA-256 {}), {} uploaded file(s), the election log ({} entries). Check it with `ballotproof verify-audit {}`.",
                    summary.dir.display(),
                    summary.audit_json_sha256,
                    summary.files,
                    summary.log_size,
                    summary.dir.display()
                )?;
            }
        }
    }
    Ok(())
}

fn ballot_ref(b: &BallotArgs) -> BallotRef {
    BallotRef {
        jurisdiction: b.jurisdiction.clone(),
        tabulator: b.tabulator.clone(),
        batch: b.batch.clone(),
        position: b.position,
    }
}

fn random_salt() -> anyhow::Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes)
        .map_err(|e| anyhow!("cannot get random bytes for the salt: {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn start_round(
    rt: &tokio::runtime::Runtime,
    wf: &Workflow<SqliteStore>,
    actor: &str,
    audit: &str,
    choices: &[(String, SizeChoice)],
    json_out: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let started = with_spinner("Drawing the sample", || {
        rt.block_on(wf.start_round(actor, audit, choices))
            .map_err(anyhow::Error::from)
    })?;
    if json_out {
        write_json(
            out,
            &json!({"round": started.round, "sizes": started.sizes, "ballots": started.ballots, "batches": started.batches, "sample_sha256": started.sample_sha256}),
        )?;
    } else {
        writeln!(out, "Round {} started.", started.round)?;
        for (c, n, label) in &started.sizes {
            writeln!(out, "  {c}: {n} draws ({label})")?;
        }
        writeln!(
            out,
            "  {} ballot(s) and {} batch(es) to retrieve; sample SHA-256 {}",
            started.ballots, started.batches, started.sample_sha256
        )?;
        writeln!(
            out,
            "Next: `audit boards --jurisdiction J NAME…`, then `audit ballots --jurisdiction J`."
        )?;
    }
    Ok(())
}

/// The risk table shown at the end of a round.
pub fn risk_table(risks: &[audit::measure::ContestRisk]) -> Table {
    let mut t = Table::new([
        "Contest",
        "Draws",
        "Risk (p-value)",
        "Met?",
        "Overstatements 1/2",
        "Understatements 1/2",
    ])
    .right_align(&[1, 2]);
    for r in risks {
        t.push([
            r.contest.clone(),
            r.draws.to_string(),
            report::format_p(r.p_value),
            if r.outcome_changed {
                "OUTCOME CHANGED".into()
            } else if r.risk_limit_met {
                "yes".into()
            } else {
                "no".into()
            },
            format!("{}/{}", r.counts.one_vote_over, r.counts.two_vote_over),
            format!("{}/{}", r.counts.one_vote_under, r.counts.two_vote_under),
        ]);
    }
    t
}

fn csv_to_table(text: &str) -> anyhow::Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut table = Table::new(reader.headers()?.iter().map(str::to_string));
    for r in reader.records() {
        table.push(r?.iter().map(str::to_string));
    }
    Ok(table)
}

fn write_status(out: &mut impl Write, record: &audit::AuditRecord) -> anyhow::Result<()> {
    writeln!(
        out,
        "Audit {:?}: {} with {}, risk limit {}; status {}",
        record.name, record.audit_type, record.math, record.risk_limit, record.status
    )?;
    writeln!(
        out,
        "Seed commitment {}{}",
        record.seed_commitment,
        record
            .seed
            .as_deref()
            .map(|s| format!("; seed {s}"))
            .unwrap_or_else(|| "; seed not revealed".into())
    )?;
    let mut t = Table::new([
        "Jurisdiction",
        "Manifest",
        "Batches",
        "Ballots",
        "CVRs",
        "Batch tallies",
    ])
    .right_align(&[2, 3]);
    for j in &record.jurisdictions {
        t.push([
            j.name.clone(),
            j.manifest
                .as_ref()
                .map(|f| f.file_name.clone())
                .unwrap_or_else(|| "missing".into()),
            j.batches.len().to_string(),
            j.batches.iter().map(|b| b.ballots).sum::<u64>().to_string(),
            j.cvrs
                .as_ref()
                .map(|f| f.file_name.clone())
                .unwrap_or_default(),
            j.batch_tally_files.len().to_string(),
        ]);
    }
    write!(out, "{}", t.to_text())?;
    for r in &record.rounds {
        writeln!(
            out,
            "Round {}{}:",
            r.number,
            if r.ended { "" } else { " (in progress)" }
        )?;
        for rc in &r.contests {
            writeln!(
                out,
                "  {}: {} draws ({}){}",
                rc.contest,
                rc.sample_size,
                rc.size_option,
                rc.p_value
                    .map(|p| format!(
                        ", risk {}, {}",
                        report::format_p(p),
                        if rc.risk_limit_met == Some(true) {
                            "met"
                        } else {
                            "not met"
                        }
                    ))
                    .unwrap_or_default()
            )?;
        }
        let left = record
            .ballots
            .iter()
            .filter(|b| b.status == "not_audited")
            .count();
        if !r.ended && left > 0 {
            writeln!(out, "  {left} ballot(s) still to audit")?;
        }
    }
    Ok(())
}

/// Writes every report into `dir` and logs each (by hash); returns the file names.
pub fn write_reports(
    rt: &tokio::runtime::Runtime,
    wf: &Workflow<SqliteStore>,
    actor: &str,
    audit: &str,
    dir: &Path,
) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let record = rt.block_on(wf.record(audit))?;
    let mut files: Vec<(String, String)> = vec![
        ("audit-report.csv".into(), report::audit_report(&record)),
        (
            "discrepancy-report.csv".into(),
            report::discrepancy_report(&record),
        ),
    ];
    for r in &record.rounds {
        for j in &record.jurisdictions {
            if record.audit_type == "batch_comparison" {
                if record.batches.iter().any(|b| {
                    b.jurisdiction == j.name && b.draws.iter().any(|d| d.round == r.number)
                }) {
                    files.push((
                        format!("round-{}-{} - batch tally sheets.csv", r.number, j.name),
                        report::batch_tally_sheets(&record, &j.name, r.number),
                    ));
                }
            } else if record
                .ballots
                .iter()
                .any(|b| b.jurisdiction == j.name && b.draws.iter().any(|d| d.round == r.number))
            {
                files.push((
                    format!("round-{}-{} - retrieval list.csv", r.number, j.name),
                    report::retrieval_list(&record, &j.name, r.number),
                ));
            }
        }
    }
    let mut written = Vec::new();
    for (name, text) in files {
        let path = dir.join(&name);
        std::fs::write(&path, &text).with_context(|| format!("cannot write {}", path.display()))?;
        rt.block_on(wf.log_report(actor, audit, &name, text.as_bytes()))?;
        written.push(path.display().to_string());
    }
    Ok(written)
}
