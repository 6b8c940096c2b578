//! `ballotproof demo`: the main job, end to end, on an example election — a whole ballot-comparison
//! risk-limiting audit with three counties, a statewide and local contests, simulated audit boards
//! that find a few realistic discrepancies, an escalation when the risk is not yet low enough,
//! reports, the public export, and its offline verification.
//!
//! The election is generated at run time by the project's own generator (`records::generate`,
//! deterministic from fixed seeds) and relabelled with readable contest and candidate names, so
//! the demo needs no files and runs from any directory. It always works in a **fresh temporary
//! data directory** (deleted at the end unless `--keep-data`), never in `--data-dir`: a demo must
//! not add an example audit to an office's real database and election log. Its inputs, reports and
//! public export go to `--out` (default `./ballotproof-demo`).
//!
//! `demo --serve` keeps the data instead, in a directory of its own (`--data-dir`, default
//! `OUT/data`; a directory holding anything but an earlier demo's data is refused), adds a second
//! audit left in round one with its audit boards' passphrases, demo users with random passwords
//! (the state administrator's authenticator already set up, its secret printed), and serves the
//! web application on it through the same code as `ballotproof serve`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use audit::record::{AuditRecord, BallotRecord};
use audit::workflow::{AuditSpec, BallotRef, ContestSpec, NamedFile, SeedInput, Upload};
use audit::{AuditType, BallotEntry, ContestReading, Interpretation, Math, UploadKind, report};
use clap::Args;
use records::generate::Spec;
use rla_math::plan::{self, Method};

use super::audit::{Session, open, risk_table, write_reports};
use super::contest_args::{chance, thousands};
use crate::render::Table;

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Where to write the inputs, reports and public export (created if needed).
    #[arg(long, value_name = "DIR", default_value = "ballotproof-demo")]
    pub out: PathBuf,
    /// Keep the temporary data directory (database and election log) and print where it is.
    #[arg(long)]
    pub keep_data: bool,
    /// Then serve the demo in the browser until Ctrl-C: the web application on a kept data
    /// directory (--data-dir, default OUT/data), with demo logins printed.
    #[arg(long)]
    pub serve: bool,
    /// The port to serve on with --serve; 0 picks a free one (the line printed says which).
    #[arg(long, default_value_t = 8080, requires = "serve")]
    pub port: u16,
}

pub(crate) const AUDIT: &str = "Example State 2026 General";
const SEED: &str = "70271148905320617352";
/// A fixed salt keeps the demo's output identical run to run (a real audit uses a random one).
const SALT: &str = "5eed5a170000000000000000000000aa";
pub(crate) const ACTOR: &str = "demo:state-admin";

/// One county of the example: generator settings and readable names for its contests.
pub(crate) struct County {
    pub(crate) name: &'static str,
    pub(crate) spec: Spec,
}

pub(crate) fn counties() -> Vec<County> {
    let spec = |seed, cards| Spec {
        seed,
        cards,
        contests: 4,
        tabulators: 3,
        batch_size: 100,
    };
    vec![
        County {
            name: "Adams County",
            spec: spec(11, 2400),
        },
        County {
            name: "Baker County",
            spec: spec(12, 1800),
        },
        County {
            name: "Clark County",
            spec: spec(13, 3000),
        },
    ]
}

const GOVERNOR: &str = "Governor";
const GOVERNOR_CHOICES: [&str; 3] = ["Ana Alvarez", "Ben Brooks", "Chen Wei"];
const COUNCIL_CHOICES: [&str; 5] = ["Dana Diaz", "Eli Evans", "Fay Fox", "Gus Grant", "Hal Hill"];

pub(crate) fn short(county: &str) -> &str {
    county.split_whitespace().next().unwrap_or(county)
}

/// The generator's Dominion CSV with readable names: contest 1 is the statewide Governor race;
/// contests 2–4 are each county's own (a ranked question, a vote-for-2 council, a measure).
fn relabel(county: &str, csv: &str) -> String {
    let c = short(county);
    let mut text = csv
        .replace("Contest 1 (Vote For=1)", "Governor (Vote For=1)")
        .replace("Contest 2 Ranked", &format!("{c} Ranked Question"))
        .replace(
            "Contest 3 (Vote For=2)",
            &format!("{c} Council (Vote For=2)"),
        )
        .replace(
            "Contest 4 (Vote For=1)",
            &format!("{c} Measure A (Vote For=1)"),
        );
    for (i, name) in GOVERNOR_CHOICES.iter().enumerate() {
        text = text.replace(&format!(",Candidate 1-{}", i + 1), &format!(",{name}"));
    }
    for (i, name) in COUNCIL_CHOICES.iter().enumerate() {
        text = text.replace(&format!(",Candidate 3-{}", i + 1), &format!(",{name}"));
    }
    text.replace(",Candidate 4-1", ",Yes")
        .replace(",Candidate 4-2", ",No")
}

/// A county's ballot manifest and (relabelled) Dominion CVR export.
pub(crate) fn county_files(county: &County) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let mut manifest = Vec::new();
    records::generate::write_manifest(&county.spec, false, &mut manifest)?;
    let mut cvrs = Vec::new();
    records::generate::write_dominion_csv(&county.spec, &mut cvrs)?;
    let cvrs = relabel(county.name, &String::from_utf8_lossy(&cvrs)).into_bytes();
    Ok((manifest, cvrs))
}

fn temp_data_dir() -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    std::env::temp_dir().join(format!("ballotproof-demo-{}-{nanos}", std::process::id()))
}

pub fn run(args: &DemoArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let data = temp_data_dir();
    let result = run_in(args, &data, out);
    if args.keep_data {
        writeln!(
            out,
            "The demo's database and election log are kept in {}.",
            data.display()
        )?;
    } else {
        let _ = std::fs::remove_dir_all(&data);
    }
    result
}

fn prepare_out(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the output folder {}; choose a writable one with --out DIR",
            dir.display()
        )
    })?;
    let export = dir.join("export");
    if export.exists() {
        if !export.join("audit.json").exists() {
            bail!(
                "{} exists and is not a demo export; choose another --out",
                export.display()
            );
        }
        std::fs::remove_dir_all(&export)
            .with_context(|| format!("cannot replace the old export in {}", export.display()))?;
    }
    Ok(())
}

pub(crate) fn run_in(args: &DemoArgs, data: &Path, out: &mut impl Write) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    prepare_out(&args.out)?;
    let inputs = args.out.join("inputs");
    std::fs::create_dir_all(&inputs)
        .with_context(|| format!("cannot create {}", inputs.display()))?;
    let Session { rt, wf } = open(data)?;

    writeln!(
        out,
        "ballotproof demo: a complete risk-limiting audit of an example election"
    )?;
    writeln!(out)?;
    writeln!(
        out,
        "{AUDIT}: three counties, generated by ballotproof's own generator (Dominion CVR exports and ballot manifests, written to {}).",
        inputs.display()
    )?;
    writeln!(out)?;

    // 1. Setup.
    writeln!(out, "1. Setup")?;
    let audit = rt.block_on(wf.create_audit(
        ACTOR,
        &AuditSpec {
            name: AUDIT.into(),
            audit_type: AuditType::BallotComparison,
            math: Math::KaplanMarkov,
            risk_limit: "0.05".into(),
            seed: SeedInput::Sealed {
                seed: SEED.into(),
                salt: SALT.into(),
            },
        },
    ))?;
    writeln!(
        out,
        "   Audit created: ballot comparison, Kaplan-Markov, risk limit 5%."
    )?;
    writeln!(
        out,
        "   Seed commitment published before the ceremony: {}",
        audit.seed_commitment
    )?;
    let mut uploads = Table::new(["County", "File", "Checked", "Result"]);
    for county in counties() {
        rt.block_on(wf.add_jurisdiction(ACTOR, AUDIT, county.name))?;
        let (manifest, cvrs) = county_files(&county)?;
        let c = short(county.name);
        for (kind, file, bytes) in [
            (
                UploadKind::Manifest,
                format!("{c} - ballot manifest.csv"),
                &manifest,
            ),
            (UploadKind::Cvrs, format!("{c} - CVR export.csv"), &cvrs),
        ] {
            std::fs::write(inputs.join(&file), bytes)
                .with_context(|| format!("cannot write {}", inputs.join(&file).display()))?;
            let report = rt.block_on(wf.upload(
                ACTOR,
                AUDIT,
                county.name,
                &Upload::new(kind, &[NamedFile::new(&file, bytes)]),
            ))?;
            if !report.accepted {
                bail!("the demo's {file} was not accepted: {:?}", report.problems);
            }
            uploads.push([
                county.name.to_string(),
                file,
                report.summary.first().cloned().unwrap_or_default(),
                if report.problems.is_empty() {
                    "accepted".to_string()
                } else {
                    format!("accepted, {} warning(s)", report.problems.len())
                },
            ]);
        }
    }
    write!(out, "{}", indent(&uploads.to_text()))?;
    let contests = [
        (GOVERNOR.to_string(), true, vec![]),
        (
            "Baker Council".to_string(),
            true,
            vec!["Baker County".to_string()],
        ),
        (
            "Adams Measure A".to_string(),
            false,
            vec!["Adams County".to_string()],
        ),
        (
            "Clark Measure A".to_string(),
            false,
            vec!["Clark County".to_string()],
        ),
    ];
    for (name, targeted, jurisdictions) in &contests {
        rt.block_on(wf.add_contest(
            ACTOR,
            AUDIT,
            &ContestSpec {
                name: name.clone(),
                targeted: *targeted,
                jurisdictions: jurisdictions.clone(),
                num_winners: (name == "Baker Council").then_some(2),
                ..ContestSpec::default()
            },
        ))?;
    }
    let record = rt.block_on(wf.record(AUDIT))?;
    writeln!(out)?;
    write!(out, "{}", indent(&contest_table(&record)?.to_text()))?;
    writeln!(out)?;
    let governor =
        audit::measure::rla_contest(record.contest(GOVERNOR).context("no Governor contest")?)?;
    let alpha = rla_math::RiskLimit::new(0.05)?;
    writeln!(
        out,
        "   Round-one sample sizes for {GOVERNOR}, every ballot-level method (the audit uses Kaplan-Markov):"
    )?;
    let mut sizes =
        Table::new(["Method", "Option", "Ballots", "Chance to finish"]).right_align(&[2, 3]);
    for method in Method::ALL {
        if let Ok(options) = plan::sample_size_options(method, &governor, alpha, None) {
            for o in options {
                sizes.push([
                    method.title().to_string(),
                    o.label,
                    thousands(o.size),
                    o.completion_probability.map(chance).unwrap_or_default(),
                ]);
            }
        }
    }
    write!(out, "{}", indent(&sizes.to_text()))?;
    writeln!(out)?;

    // 2. The public seed ceremony.
    let seed = rt.block_on(wf.reveal_seed(ACTOR, AUDIT, None))?;
    writeln!(
        out,
        "2. Public seed ceremony: seed {seed} revealed; it matches the commitment."
    )?;
    writeln!(out)?;

    // 3. Rounds with simulated audit boards.
    let mut round = 0;
    loop {
        round += 1;
        if round > 4 {
            bail!("the demo audit did not finish in four rounds");
        }
        let started_round = rt.block_on(wf.start_round(ACTOR, AUDIT, &[]))?;
        let heading = if round == 1 {
            "Round 1".to_string()
        } else {
            format!(
                "Round {round} (escalation: the next round's Kaplan-Markov estimate from the discrepancies found)"
            )
        };
        writeln!(out, "{}. {heading}", round + 2)?;
        for (c, n, label) in &started_round.sizes {
            writeln!(out, "   {c}: {n} draws ({label})")?;
        }
        let record = rt.block_on(wf.record(AUDIT))?;
        let mut boards = 0;
        for j in &record.jurisdictions {
            let names = [
                format!("{} Board {round}A", short(&j.name)),
                format!("{} Board {round}B", short(&j.name)),
            ];
            if record
                .ballots
                .iter()
                .any(|b| b.jurisdiction == j.name && b.audit_board.is_none())
            {
                rt.block_on(wf.set_audit_boards(ACTOR, AUDIT, &j.name, &names))?;
                boards += 2;
            }
        }
        writeln!(
            out,
            "   {} ballots to retrieve, merged into one retrieval list per county and split among {boards} audit boards.",
            started_round.ballots
        )?;
        let record = rt.block_on(wf.record(AUDIT))?;
        let found = simulate_boards(&rt, &wf, &record, round)?;
        if found.is_empty() {
            writeln!(
                out,
                "   The audit boards' readings all agree with the CVRs."
            )?;
        } else {
            writeln!(out, "   The audit boards found:")?;
            for line in found {
                writeln!(out, "   - {line}")?;
            }
        }
        let record = rt.block_on(wf.record(AUDIT))?;
        for b in record
            .audit_boards
            .iter()
            .filter(|b| b.round == round && !b.signed_off)
        {
            rt.block_on(wf.sign_off(
                &format!("demo:{}", b.name.to_lowercase().replace(' ', "-")),
                AUDIT,
                &b.jurisdiction,
                &b.name,
                ("Ana Auditor", "Ben Bauer"),
            ))?;
        }
        // Each county then signs off its round, as its administrator does on the county page.
        for j in &record.jurisdictions {
            rt.block_on(wf.sign_off_jurisdiction(
                &format!("demo:clerk-{}", j.name.to_lowercase().replace(' ', "-")),
                AUDIT,
                &j.name,
            ))?;
        }
        let ended = rt.block_on(wf.end_round(ACTOR, AUDIT))?;
        write!(out, "{}", indent(&risk_table(&ended.risks).to_text()))?;
        if ended.complete {
            writeln!(
                out,
                "   Every targeted contest meets the 5% risk limit: the audit is complete."
            )?;
            writeln!(out)?;
            break;
        }
        writeln!(
            out,
            "   Not every targeted contest meets the risk limit yet, so the audit escalates."
        )?;
        writeln!(out)?;
    }

    // 4. Reports, export, verification.
    let written = write_reports(&rt, &wf, ACTOR, AUDIT, &args.out)?;
    let export = args.out.join("export");
    let summary = rt.block_on(wf.export(ACTOR, AUDIT, &export))?;
    let verified = audit::verify::verify_export(&export).map_err(|problems| {
        anyhow::anyhow!(
            "the demo's own export does not verify:\n  {}",
            problems.join("\n  ")
        )
    })?;
    writeln!(out, "{}. Reports and public export", round + 3)?;
    writeln!(out, "   Written to {}:", args.out.display())?;
    for f in &written {
        let name = Path::new(f)
            .file_name()
            .map_or_else(|| f.clone(), |n| n.to_string_lossy().into_owned());
        writeln!(out, "   - {name}")?;
    }
    writeln!(
        out,
        "   Public export in {}: audit.json, {} manifest file(s), the election log ({} entries, signed checkpoint).",
        export.display(),
        summary.files,
        summary.log_size
    )?;
    writeln!(
        out,
        "   Verified offline from the export alone: log signature and every entry, seed against its commitment, {} draws recomputed from the seed and manifests, {} readings and {} risk values recomputed — all match.",
        verified.draws, verified.readings, verified.risks
    )?;
    writeln!(
        out,
        "   Check it yourself: ballotproof verify-audit {}",
        export.display()
    )?;
    writeln!(out)?;
    let record = rt.block_on(wf.record(AUDIT))?;
    writeln!(
        out,
        "Done: {} rounds, {} ballots examined, {} discrepancies recorded, audit {} (in {:.1} s).",
        record.rounds.len(),
        record.ballots.len(),
        report::discrepancies(&record).len(),
        record.status,
        started.elapsed().as_secs_f64()
    )?;
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("   {l}\n")).collect()
}

fn contest_table(record: &AuditRecord) -> anyhow::Result<Table> {
    let mut t = Table::new([
        "Contest",
        "Kind",
        "Counties",
        "Ballots",
        "Winner(s)",
        "Diluted margin",
    ])
    .right_align(&[3, 5]);
    for c in &record.contests {
        let m = audit::measure::rla_contest(c)?;
        let winners: Vec<&str> = m
            .winner_indices()
            .iter()
            .filter_map(|&i| m.choices().get(i).map(|x| x.name.as_str()))
            .collect();
        t.push([
            c.name.clone(),
            if c.targeted {
                "targeted".into()
            } else {
                "opportunistic".into()
            },
            c.jurisdictions
                .iter()
                .map(|j| short(j))
                .collect::<Vec<_>>()
                .join(", "),
            thousands(c.ballots),
            winners.join(", "),
            format!("{:.1}%", m.diluted_margin() * 100.0),
        ]);
    }
    Ok(t)
}

/// The simulated audit boards: every ballot read as its CVR says, except three realistic
/// differences in round one — a faint mark the scanner counted (Adams), a mark the two members
/// read differently (Baker, "can't agree"), an extra mark making an overvote (Clark). Returns what
/// they found.
fn simulate_boards(
    rt: &tokio::runtime::Runtime,
    wf: &audit::Workflow<store::SqliteStore>,
    record: &AuditRecord,
    round: u64,
) -> anyhow::Result<Vec<String>> {
    let governor = record.contest(GOVERNOR).context("no Governor contest")?;
    let model = audit::measure::rla_contest(governor)?;
    let winner = model
        .choices()
        .get(model.winner_indices().first().copied().unwrap_or(0))
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let runner_up = {
        let mut losers = model.loser_indices();
        losers.sort_by_key(|&l| std::cmp::Reverse(model.votes(l)));
        losers
            .first()
            .and_then(|&l| model.choices().get(l))
            .map(|c| c.name.clone())
            .unwrap_or_default()
    };
    let mut todo: Vec<&BallotRecord> = record
        .ballots
        .iter()
        .filter(|b| b.status == "not_audited")
        .collect();
    todo.sort_by(|a, b| {
        (&a.jurisdiction, &a.batch, a.position).cmp(&(&b.jurisdiction, &b.batch, b.position))
    });
    let governor_vote =
        |b: &BallotRecord| b.cvr.as_ref().and_then(|c| c.votes.get(GOVERNOR)).cloned();
    let mut found = Vec::new();
    let mut done: [bool; 3] = [round > 1; 3];
    for b in todo {
        let mut readings = as_reported(record, b);
        // Only ballots the Governor race drew change its risk.
        let vote = governor_vote(b).filter(|_| b.draws.iter().any(|d| d.contest == GOVERNOR));
        let mut note = None;
        if !done[0]
            && b.jurisdiction == "Adams County"
            && vote.as_deref() == Some(std::slice::from_ref(&winner))
        {
            done[0] = true;
            set(
                &mut readings,
                GOVERNOR,
                Interpretation::Blank,
                vec![],
                "faint mark; the scanner read it as a vote",
            );
            note = Some(format!(
                "{}: the CVR has a vote for {winner}, the board sees only a faint mark (blank): a one-vote overstatement",
                where_(b)
            ));
        } else if !done[1]
            && b.jurisdiction == "Baker County"
            && vote
                .as_ref()
                .is_some_and(|v| v.len() == 1 && v[0] != winner)
        {
            done[1] = true;
            let loser = vote
                .as_ref()
                .and_then(|v| v.first())
                .cloned()
                .unwrap_or_default();
            set(
                &mut readings,
                GOVERNOR,
                Interpretation::CantAgree,
                vec![],
                "the two members read the mark differently",
            );
            note = Some(format!(
                "{}: the CVR has a vote for {loser}; the board members cannot agree on the mark (no vote): a one-vote understatement",
                where_(b)
            ));
        } else if !done[2]
            && b.jurisdiction == "Clark County"
            && vote.as_deref() == Some(std::slice::from_ref(&winner))
        {
            done[2] = true;
            set(
                &mut readings,
                GOVERNOR,
                Interpretation::Vote,
                vec![winner.clone(), runner_up.clone()],
                "stray mark next to a second candidate",
            );
            note = Some(format!(
                "{}: the CVR has a vote for {winner}, the board sees marks for {winner} and {runner_up} (an overvote): a one-vote overstatement",
                where_(b)
            ));
        }
        rt.block_on(wf.record_ballot(
            &format!(
                    "demo:{}",
                    b.audit_board
                        .clone()
                        .unwrap_or_default()
                        .to_lowercase()
                        .replace(' ', "-")
                ),
            AUDIT,
            &BallotRef {
                jurisdiction: b.jurisdiction.clone(),
                tabulator: b.tabulator.clone(),
                batch: b.batch.clone(),
                position: b.position,
            },
            &BallotEntry::Read(readings),
        ))?;
        if let Some(n) = note {
            found.push(n);
        }
    }
    Ok(found)
}

fn where_(b: &BallotRecord) -> String {
    format!(
        "{}, tabulator {}, batch {}, ballot {}",
        b.jurisdiction,
        b.tabulator.as_deref().unwrap_or("-"),
        b.batch,
        b.position
    )
}

fn set(
    readings: &mut [ContestReading],
    contest: &str,
    interpretation: Interpretation,
    choices: Vec<String>,
    comment: &str,
) {
    if let Some(r) = readings.iter_mut().find(|r| r.contest == contest) {
        r.interpretation = interpretation;
        r.choices = choices;
        r.comment = comment.to_string();
    }
}

/// What the CVR says, for every contest of the audit in the ballot's county.
fn as_reported(record: &AuditRecord, b: &BallotRecord) -> Vec<ContestReading> {
    record
        .contests
        .iter()
        .filter(|c| c.jurisdictions.contains(&b.jurisdiction))
        .map(|c| {
            let votes = b.cvr.as_ref().and_then(|cvr| cvr.votes.get(&c.name));
            let (interpretation, choices) = match votes {
                None => (Interpretation::ContestNotOnBallot, vec![]),
                Some(v) if v.is_empty() => (Interpretation::Blank, vec![]),
                Some(v) => (Interpretation::Vote, v.clone()),
            };
            ContestReading {
                contest: c.name.clone(),
                interpretation,
                choices,
                comment: String::new(),
            }
        })
        .collect()
}
