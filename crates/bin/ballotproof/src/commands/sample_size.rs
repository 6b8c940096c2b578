//! `ballotproof sample-size`: round-one (or next-round) sample-size options for a contest, by every
//! ballot-level method or the one chosen.

use std::io::Write;

use anyhow::Context;
use clap::Args;
use rla_math::RiskLimit;
use rla_math::macro_batch::Observed as MacroObserved;
use rla_math::plan::{self, Method, SizeOption};
use serde::Serialize;

use super::contest_args::{
    ContestArgs, ContestJson, Loaded, MACRO_TITLE, MethodArg, SUITE_TITLE, chance, describe,
    thousands,
};
use crate::render::{Table, write_json};

#[derive(Debug, Args)]
pub struct SampleSizeArgs {
    #[command(flatten)]
    pub contest: ContestArgs,
    /// The risk measure; every ballot-level method when omitted.
    #[arg(long, value_enum)]
    pub method: Option<MethodArg>,
    /// Print one JSON document instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct OptionJson {
    method: &'static str,
    audit_type: &'static str,
    option: String,
    size: u64,
    /// "ballots" for ballot-level methods, "batches" for MACRO.
    unit: &'static str,
    cumulative: bool,
    completion_probability: Option<f64>,
    full_hand_count: bool,
}

#[derive(Debug, Serialize)]
struct MethodErrorJson {
    method: &'static str,
    message: String,
}

#[derive(Debug, Serialize)]
struct SampleSizeJson {
    contest: ContestJson,
    risk_limit: f64,
    options: Vec<OptionJson>,
    unavailable: Vec<MethodErrorJson>,
}

fn audit_type(method: Method) -> &'static str {
    if method.is_polling() {
        "ballot polling"
    } else {
        "ballot comparison"
    }
}

pub fn run(args: &SampleSizeArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let loaded = args.contest.load()?;
    let contest = &loaded.contest;
    let risk_limit = args.contest.risk_limit;
    let methods: Vec<MethodArg> = match args.method {
        Some(m) => vec![m],
        None => {
            let mut all = vec![
                MethodArg::Bravo,
                MethodArg::Minerva,
                MethodArg::Providence,
                MethodArg::AlphaPolling,
                MethodArg::SuperSimple,
                MethodArg::AlphaComparison,
            ];
            if loaded.batches.is_some() {
                all.push(MethodArg::Macro);
            }
            if loaded.hybrid.is_some() {
                all.push(MethodArg::Suite);
            }
            all
        }
    };
    let mut options: Vec<OptionJson> = Vec::new();
    let mut unavailable: Vec<MethodErrorJson> = Vec::new();
    for arg in methods {
        let found = match arg.ballot_level() {
            Some(method) => plan::sample_size_options(method, contest, risk_limit, None)
                .map(|found| {
                    found
                        .into_iter()
                        .map(|o: SizeOption| OptionJson {
                            method: method.title(),
                            audit_type: audit_type(method),
                            option: o.label,
                            size: o.size,
                            unit: "ballots",
                            cumulative: o.cumulative,
                            completion_probability: o.completion_probability,
                            full_hand_count: o.full_hand_count,
                        })
                        .collect::<Vec<_>>()
                })
                .map_err(anyhow::Error::from),
            None if arg == MethodArg::Suite => suite_options(&loaded, risk_limit),
            None => macro_options(&loaded, risk_limit),
        };
        match found {
            Ok(found) => options.extend(found),
            // With one method chosen, its failure is the command's failure; with all, the others
            // still help, so the failure is shown beside them.
            Err(err) if args.method.is_some() => return Err(err),
            Err(err) => unavailable.push(MethodErrorJson {
                method: match arg {
                    MethodArg::Suite => SUITE_TITLE,
                    _ => arg.ballot_level().map_or(MACRO_TITLE, Method::title),
                },
                message: format!("{err:#}"),
            }),
        }
    }

    if args.json {
        let doc = SampleSizeJson {
            contest: ContestJson::of(contest),
            risk_limit: risk_limit.alpha(),
            options,
            unavailable,
        };
        write_json(out, &doc)?;
        return Ok(());
    }

    writeln!(out, "{}", describe(contest, risk_limit))?;
    writeln!(out)?;
    let mut table = Table::new([
        "Method",
        "Audit type",
        "Option",
        "To draw",
        "Chance to finish",
    ])
    .right_align(&[3, 4]);
    for o in &options {
        table.push([
            o.method.to_string(),
            o.audit_type.to_string(),
            o.option.clone(),
            format!("{} {}", thousands(o.size), o.unit),
            o.completion_probability.map(chance).unwrap_or_default(),
        ]);
    }
    write!(out, "{}", table.to_text())?;
    for u in &unavailable {
        writeln!(out, "{}: not available: {}", u.method, u.message)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "BRAVO, MINERVA, Providence, Kaplan-Markov and MACRO sizes are draws with replacement, as Arlo samples (a ballot or batch\ndrawn twice counts twice); ALPHA sizes are cards drawn without replacement, as SHANGRLA samples. Comparison estimates\nassume the peers' default error rates (Arlo: 0.1% one-vote and 0.01% two-vote overstatements and understatements;\nSHANGRLA: 0.1% one-vote overstatements)."
    )?;
    Ok(())
}

/// MACRO's round-one size in batch draws (Arlo `macro.get_sample_sizes`).
fn macro_options(loaded: &Loaded, risk_limit: RiskLimit) -> anyhow::Result<Vec<OptionJson>> {
    let batches = loaded.batches.as_ref().context(
        "MACRO audits batches: give --batch-tallies [JURISDICTION=]PATH and --manifest [JURISDICTION=]PATH",
    )?;
    let size = batches
        .macro_contest
        .sample_size(risk_limit, &MacroObserved::default())?;
    Ok(vec![OptionJson {
        method: MACRO_TITLE,
        audit_type: "batch comparison",
        option: format!("of {} batches", batches.keys.len()),
        size: size as u64,
        unit: "batches",
        cumulative: false,
        completion_probability: None,
        full_hand_count: size >= batches.keys.len(),
    }])
}

/// SUITE's sample sizes for the two strata (Arlo `suite.get_sample_size`).
fn suite_options(loaded: &Loaded, risk_limit: RiskLimit) -> anyhow::Result<Vec<OptionJson>> {
    let hybrid = loaded
        .hybrid
        .as_ref()
        .context(super::hybrid_args::NEEDS_STRATA)?;
    let size = hybrid.sample_size(risk_limit)?;
    let row = |option: &str, size: u64| OptionJson {
        method: SUITE_TITLE,
        audit_type: "hybrid",
        option: option.to_string(),
        size,
        unit: "ballots",
        cumulative: false,
        completion_probability: None,
        full_hand_count: false,
    };
    Ok(vec![
        row("CVR stratum (comparison)", size.cvr),
        row("non-CVR stratum (polling)", size.non_cvr),
    ])
}
