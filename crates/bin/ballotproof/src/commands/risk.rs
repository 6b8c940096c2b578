//! `ballotproof risk`: the risk measured from an audit's observations so far, the stop decision, and
//! the next round's sample-size options when the audit must go on.

use std::collections::HashMap;
use std::io::Write;

use anyhow::{Context, bail};
use clap::Args;
use rla_math::Contest;
use rla_math::bravo::PollingRound;
use rla_math::plan::{self, Method, Observed};
use rla_math::supersimple::DiscrepancyCounts;
use serde::Serialize;

use super::contest_args::{
    ContestArgs, ContestJson, Loaded, MACRO_TITLE, MethodArg, SUITE_TITLE, chance, describe,
    percent, risk_percent, thousands,
};
use crate::render::{Table, write_json};

#[derive(Debug, Args)]
pub struct RiskArgs {
    #[command(flatten)]
    pub contest: ContestArgs,
    /// The risk measure.
    #[arg(long, value_enum)]
    pub method: MethodArg,
    /// Ballot polling: one round as "DRAWS: NAME=VOTES; NAME=VOTES" (draws count repeats and ballots
    /// with no vote in the contest); repeat for each round, in order.
    #[arg(long = "round", value_name = "DRAWS: NAME=VOTES; …")]
    pub rounds: Vec<String>,
    /// Ballot polling in draw order (needed by ALPHA): the choice on each drawn ballot, separated by
    /// ';', with '-' for a ballot with no vote in the contest.
    #[arg(long, value_name = "NAME;NAME;-;…")]
    pub sequence: Option<String>,
    /// Ballot comparison: ballots drawn so far (repeats count).
    #[arg(long)]
    pub draws: Option<u64>,
    /// Ballot comparison: one-vote overstatements found.
    #[arg(long, default_value_t = 0)]
    pub o1: u64,
    /// Ballot comparison: two-vote overstatements found.
    #[arg(long, default_value_t = 0)]
    pub o2: u64,
    /// Ballot comparison: one-vote understatements found.
    #[arg(long, default_value_t = 0)]
    pub u1: u64,
    /// Ballot comparison: two-vote understatements found.
    #[arg(long, default_value_t = 0)]
    pub u2: u64,
    /// Ballot comparison in draw order (needed by ALPHA): each draw's discrepancy in votes of margin,
    /// e.g. "0,0,1,0,-1" (0 agrees, 1 or 2 overstates, -1 or -2 understates).
    #[arg(long, value_name = "0,0,1,…", allow_hyphen_values = true)]
    pub discrepancies: Option<String>,
    /// Batch comparison (MACRO): hand counts of the sampled batches in the batch-tally layout, as
    /// PATH or JURISDICTION=PATH.
    #[arg(long = "audited-tallies", value_name = "[JURISDICTION=]PATH")]
    pub audited_tallies: Vec<crate::input::ManifestArg>,
    /// Batch comparison (MACRO): how many times a batch was drawn, as "JURISDICTION/BATCH=N", when
    /// more than once.
    #[arg(long = "times-drawn", value_name = "JURISDICTION/BATCH=N")]
    pub times_drawn: Vec<crate::input::NameCount>,
    /// Print one JSON document instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The observations in their parsed form (kept alive for the borrowed `Observed`).
enum Parsed {
    Rounds(Vec<PollingRound>),
    Sequence(Vec<Option<usize>>),
    Counts(DiscrepancyCounts),
    Discrepancies(Vec<i8>),
}

impl Parsed {
    fn observed(&self) -> Observed<'_> {
        match self {
            Parsed::Rounds(r) => Observed::PollingRounds(r),
            Parsed::Sequence(s) => Observed::PollingSequence(s),
            Parsed::Counts(c) => Observed::ComparisonCounts(c),
            Parsed::Discrepancies(d) => Observed::ComparisonSequence(d),
        }
    }

    fn draws(&self) -> u64 {
        match self {
            Parsed::Rounds(r) => r.iter().map(|r| r.draws).sum(),
            Parsed::Sequence(s) => s.len() as u64,
            Parsed::Counts(c) => c.draws,
            Parsed::Discrepancies(d) => d.len() as u64,
        }
    }
}

#[derive(Debug, Serialize)]
struct RiskJson {
    contest: ContestJson,
    method: &'static str,
    risk_limit: f64,
    draws: u64,
    p_value: f64,
    risk_limit_met: bool,
    next_round: Vec<NextJson>,
}

#[derive(Debug, Serialize)]
struct NextJson {
    option: String,
    size: u64,
    cumulative: bool,
    completion_probability: Option<f64>,
}

pub fn run(args: &RiskArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let loaded = args.contest.load()?;
    let contest = &loaded.contest;
    let risk_limit = args.contest.risk_limit;
    let Some(method) = args.method.ballot_level() else {
        return match args.method {
            MethodArg::Suite => run_suite(args, loaded, out),
            _ => run_macro(args, &loaded, out),
        };
    };
    let parsed = parse_observations(args, contest, method)?;
    let measured = plan::risk(method, contest, risk_limit, parsed.observed())?;
    let next = if measured.risk_limit_met {
        Vec::new()
    } else {
        // Not every method re-estimates from every kind of observation; the risk stands either way.
        plan::sample_size_options(method, contest, risk_limit, Some(parsed.observed()))
            .unwrap_or_default()
            .into_iter()
            .map(|o| NextJson {
                option: o.label,
                size: o.size,
                cumulative: o.cumulative,
                completion_probability: o.completion_probability,
            })
            .collect()
    };
    let report = RiskJson {
        contest: ContestJson::of(contest),
        method: method.title(),
        risk_limit: risk_limit.alpha(),
        draws: parsed.draws(),
        p_value: measured.p_value,
        risk_limit_met: measured.risk_limit_met,
        next_round: next,
    };
    print_report(out, args.json, contest, &report, "ballots")
}

/// MACRO from the batch tallies, the manifests and the hand counts of the sampled batches.
fn run_macro(args: &RiskArgs, loaded: &Loaded, out: &mut impl Write) -> anyhow::Result<()> {
    let batches = loaded.batches.as_ref().context(
        "MACRO audits batches: give --batch-tallies [JURISDICTION=]PATH and --manifest [JURISDICTION=]PATH",
    )?;
    if args.audited_tallies.is_empty() {
        bail!(
            "give the hand counts of the sampled batches with --audited-tallies [JURISDICTION=]PATH"
        );
    }
    let risk_limit = args.contest.risk_limit;
    let times: HashMap<String, u32> = args
        .times_drawn
        .iter()
        .map(|t| {
            let n = u32::try_from(t.count)
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| {
                    format!(
                        "--times-drawn {}={}: give a number of draws from 1 up",
                        t.name, t.count
                    )
                })?;
            Ok((t.name.clone(), n))
        })
        .collect::<anyhow::Result<_>>()?;
    let observed = batches.observed(&args.audited_tallies, &times)?;
    let measured = batches.macro_contest.risk(&observed, risk_limit)?;
    let next = if measured.risk_limit_met {
        Vec::new()
    } else {
        vec![NextJson {
            option: "estimate".into(),
            size: batches.macro_contest.sample_size(risk_limit, &observed)? as u64,
            cumulative: false,
            completion_probability: None,
        }]
    };
    let draws = observed
        .audited
        .iter()
        .map(|a| u64::from(a.times_drawn))
        .sum();
    let report = RiskJson {
        contest: ContestJson::of(&loaded.contest),
        method: MACRO_TITLE,
        risk_limit: risk_limit.alpha(),
        draws,
        p_value: measured.p_value,
        risk_limit_met: measured.risk_limit_met,
        next_round: next,
    };
    print_report(out, args.json, &loaded.contest, &report, "batches")
}

/// SUITE from the two strata: `--draws` with `--o1`/`--o2` for the CVR stratum's sample, `--round` for
/// the non-CVR stratum's.
fn run_suite(args: &RiskArgs, loaded: Loaded, out: &mut impl Write) -> anyhow::Result<()> {
    let mut hybrid = loaded.hybrid.context(super::hybrid_args::NEEDS_STRATA)?;
    if args.sequence.is_some() || args.discrepancies.is_some() {
        bail!(
            "SUITE takes the CVR stratum's sample as --draws with --o1/--o2, and the non-CVR stratum's as --round"
        );
    }
    let risk_limit = args.contest.risk_limit;
    let cvr_draws = args.draws.unwrap_or(0);
    if args.o1 + args.o2 > cvr_draws {
        bail!("--o1 and --o2 add up to more than the {cvr_draws} --draws of the CVR stratum");
    }
    hybrid.observe_comparison(cvr_draws, args.o1, args.o2);
    let mut polling_draws = 0;
    let mut votes: Vec<(String, u64)> = Vec::new();
    for (i, text) in args.rounds.iter().enumerate() {
        let round = parse_round(text, &hybrid.contest)
            .with_context(|| format!("--round number {}", i + 1))?;
        polling_draws += round.draws;
        for (c, n) in hybrid.contest.choices().iter().zip(&round.votes) {
            votes.push((c.name.clone(), *n));
        }
    }
    hybrid.observe_polling(polling_draws, &votes)?;
    let measured = rla_math::suite::compute_risk(
        risk_limit,
        &hybrid.contest,
        &hybrid.polling,
        &hybrid.comparison,
    )?;
    let next = if measured.meets_risk_limit {
        Vec::new()
    } else {
        let size = hybrid.sample_size(risk_limit)?;
        vec![
            NextJson {
                option: "CVR stratum".into(),
                size: size.cvr,
                cumulative: false,
                completion_probability: None,
            },
            NextJson {
                option: "non-CVR stratum".into(),
                size: size.non_cvr,
                cumulative: false,
                completion_probability: None,
            },
        ]
    };
    let report = RiskJson {
        contest: ContestJson::of(&hybrid.contest),
        method: SUITE_TITLE,
        risk_limit: risk_limit.alpha(),
        draws: cvr_draws + polling_draws,
        p_value: measured.p_value,
        risk_limit_met: measured.meets_risk_limit,
        next_round: next,
    };
    print_report(out, args.json, &hybrid.contest, &report, "ballots")
}

fn print_report(
    out: &mut impl Write,
    json: bool,
    contest: &Contest,
    report: &RiskJson,
    unit: &str,
) -> anyhow::Result<()> {
    if json {
        write_json(out, report)?;
        return Ok(());
    }
    let risk_limit = rla_math::RiskLimit::new(report.risk_limit)?;
    writeln!(out, "{}", describe(contest, risk_limit))?;
    writeln!(out)?;
    writeln!(
        out,
        "{} after {} draws: measured risk {} (p-value {:.6}).",
        report.method,
        thousands(report.draws),
        risk_percent(report.p_value),
        report.p_value
    )?;
    if report.risk_limit_met {
        writeln!(
            out,
            "The risk limit of {} is met: the audit confirms the reported outcome and can stop.",
            percent(report.risk_limit)
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "The risk limit of {} is not met: the audit must continue with another round, or a full hand count.",
        percent(report.risk_limit)
    )?;
    if !report.next_round.is_empty() {
        writeln!(out)?;
        let mut table =
            Table::new(["Next round", "To draw", "Chance to finish"]).right_align(&[1, 2]);
        for o in &report.next_round {
            let size = if o.cumulative {
                format!("{} {unit} in total", thousands(o.size))
            } else {
                format!("{} more {unit}", thousands(o.size))
            };
            table.push([
                o.option.clone(),
                size,
                o.completion_probability.map(chance).unwrap_or_default(),
            ]);
        }
        write!(out, "{}", table.to_text())?;
    }
    Ok(())
}

fn parse_observations(
    args: &RiskArgs,
    contest: &Contest,
    method: Method,
) -> anyhow::Result<Parsed> {
    let comparison_counts_given = args.draws.is_some();
    let given = [
        !args.rounds.is_empty(),
        args.sequence.is_some(),
        comparison_counts_given,
        args.discrepancies.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        bail!(
            "give the audit's observations one way: --round (ballot polling), --sequence (ballot polling in draw order), --draws with --o1/--o2/--u1/--u2 (ballot comparison), or --discrepancies (ballot comparison in draw order)"
        );
    }
    let polling_input = !args.rounds.is_empty() || args.sequence.is_some();
    if method.is_polling() != polling_input {
        bail!(
            "{} is a {} method; give {}",
            method.title(),
            if method.is_polling() {
                "ballot-polling"
            } else {
                "ballot-comparison"
            },
            if method.is_polling() {
                "--round or --sequence"
            } else {
                "--draws with --o1/--o2/--u1/--u2, or --discrepancies"
            }
        );
    }
    if !args.rounds.is_empty() {
        let rounds = args
            .rounds
            .iter()
            .enumerate()
            .map(|(i, r)| {
                parse_round(r, contest).with_context(|| format!("--round number {}", i + 1))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        return Ok(Parsed::Rounds(rounds));
    }
    if let Some(seq) = &args.sequence {
        let draws = seq
            .split(';')
            .map(str::trim)
            .enumerate()
            .map(|(i, name)| match name {
                "-" | "" => Ok(None),
                name => contest.index_of(name).map(Some).with_context(|| {
                    format!(
                        "--sequence item {}: {name:?} is not one of the contest's choices",
                        i + 1
                    )
                }),
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        return Ok(Parsed::Sequence(draws));
    }
    if let Some(draws) = args.draws {
        let found = args.o1 + args.o2 + args.u1 + args.u2;
        if found > draws {
            bail!("--o1, --o2, --u1 and --u2 add up to {found}, more than the {draws} --draws");
        }
        return Ok(Parsed::Counts(DiscrepancyCounts {
            draws,
            one_vote_over: args.o1,
            two_vote_over: args.o2,
            one_vote_under: args.u1,
            two_vote_under: args.u2,
        }));
    }
    let text = args.discrepancies.as_deref().unwrap_or("");
    let seq = text
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .enumerate()
        .map(|(i, t)| {
            t.parse::<i8>()
                .ok()
                .filter(|e| (-2..=2).contains(e))
                .with_context(|| {
                    format!(
                        "--discrepancies item {}: {t:?} is not -2, -1, 0, 1 or 2",
                        i + 1
                    )
                })
        })
        .collect::<anyhow::Result<Vec<i8>>>()?;
    Ok(Parsed::Discrepancies(seq))
}

/// `"119: A=72; B=47"` → 119 draws with 72 votes for A and 47 for B.
fn parse_round(text: &str, contest: &Contest) -> anyhow::Result<PollingRound> {
    let Some((draws, tally)) = text.split_once(':') else {
        bail!("{text:?} is not DRAWS: NAME=VOTES; NAME=VOTES (e.g. \"119: Alice=72; Bob=47\")");
    };
    let draws: u64 = draws
        .trim()
        .parse()
        .with_context(|| format!("{:?} is not a number of draws", draws.trim()))?;
    let mut votes = vec![0u64; contest.choices().len()];
    for item in tally.split(';').map(str::trim).filter(|t| !t.is_empty()) {
        let nc: crate::input::NameCount = item.parse().map_err(anyhow::Error::msg)?;
        let i = contest
            .index_of(&nc.name)
            .with_context(|| format!("{:?} is not one of the contest's choices", nc.name))?;
        votes[i] += nc.count;
    }
    let total: u64 = votes.iter().sum();
    if total > draws * u64::from(contest.votes_allowed()) {
        bail!("the round's votes add up to {total}, more than its {draws} draws allow");
    }
    Ok(PollingRound {
        draws,
        votes,
        not_found: 0,
    })
}
