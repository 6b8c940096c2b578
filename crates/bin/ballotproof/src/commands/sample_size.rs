//! `ballotproof sample-size`: round-one (or next-round) sample-size options for a contest, by every
//! ballot-level method or the one chosen.

use std::io::Write;

use clap::Args;
use rla_math::plan::{self, Method, SizeOption};
use serde::Serialize;

use super::contest_args::{ContestArgs, ContestJson, MethodArg, chance, describe, thousands};
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
    option: String,
    size: u64,
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

pub fn run(args: &SampleSizeArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let contest = args.contest.contest()?;
    let risk_limit = args.contest.risk_limit;
    let methods: Vec<Method> = match args.method {
        Some(m) => vec![m.into()],
        None => Method::ALL.to_vec(),
    };
    let mut options: Vec<SizeOption> = Vec::new();
    let mut unavailable = Vec::new();
    for method in &methods {
        match plan::sample_size_options(*method, &contest, risk_limit, None) {
            Ok(found) => options.extend(found),
            // With one method chosen, its failure is the command's failure; with all, the others
            // still help, so the failure is shown beside them.
            Err(err) if args.method.is_some() => return Err(err.into()),
            Err(err) => unavailable.push((*method, err.to_string())),
        }
    }

    if args.json {
        let doc = SampleSizeJson {
            contest: ContestJson::of(&contest),
            risk_limit: risk_limit.alpha(),
            options: options
                .iter()
                .map(|o| OptionJson {
                    method: o.method.title(),
                    option: o.label.clone(),
                    size: o.size,
                    cumulative: o.cumulative,
                    completion_probability: o.completion_probability,
                    full_hand_count: o.full_hand_count,
                })
                .collect(),
            unavailable: unavailable
                .iter()
                .map(|(m, e)| MethodErrorJson {
                    method: m.title(),
                    message: e.clone(),
                })
                .collect(),
        };
        write_json(out, &doc)?;
        return Ok(());
    }

    writeln!(out, "{}", describe(&contest, risk_limit))?;
    writeln!(out)?;
    let mut table = Table::new([
        "Method",
        "Audit type",
        "Option",
        "Ballots to draw",
        "Chance to finish",
    ])
    .right_align(&[3, 4]);
    for o in &options {
        table.push([
            o.method.title().to_string(),
            if o.method.is_polling() {
                "ballot polling"
            } else {
                "ballot comparison"
            }
            .to_string(),
            o.label.clone(),
            thousands(o.size),
            o.completion_probability.map(chance).unwrap_or_default(),
        ]);
    }
    write!(out, "{}", table.to_text())?;
    for (method, err) in &unavailable {
        writeln!(out, "{}: not available: {err}", method.title())?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "BRAVO, MINERVA, Providence and Kaplan-Markov sizes are draws with replacement, as Arlo samples (a ballot drawn twice counts twice);\nALPHA sizes are cards drawn without replacement, as SHANGRLA samples. Comparison estimates assume the peers' default error rates\n(Arlo: 0.1% one-vote and 0.01% two-vote overstatements and understatements; SHANGRLA: 0.1% one-vote overstatements)."
    )?;
    Ok(())
}
