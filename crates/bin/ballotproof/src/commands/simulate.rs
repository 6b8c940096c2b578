//! `ballotproof simulate`: measures how often each risk measure confirms an outcome that is wrong
//! (it must be at most the risk limit) and how many ballots it examines when the outcome is right.

use std::io::{IsTerminal, Write};

use clap::Args;
use rla_math::RiskLimit;
use serde::Serialize;
use simulation::scenarios::{self, Config, Row};

use super::contest_args::{parse_risk_limit, percent, thousands};
use crate::render::{Table, write_json};

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The risk limit the audits use.
    #[arg(long, default_value = "10%", value_parser = parse_risk_limit)]
    pub risk_limit: RiskLimit,
    /// Simulated audits per method and election for methods checked after every draw.
    #[arg(long, default_value_t = 2000)]
    pub trials: u64,
    /// Simulated audits for round-by-round methods (MINERVA, Providence), which cost more each.
    #[arg(long, default_value_t = 300)]
    pub round_trials: u64,
    /// Seed of the simulation's random numbers (a simulation device, not an audit seed).
    #[arg(long, default_value_t = 20261123)]
    pub seed: u64,
    /// Ballots in the simulated polling and comparison contests.
    #[arg(long, default_value_t = 10_000)]
    pub ballots: u64,
    /// Print one JSON document instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Serialize)]
struct RowJson<'a> {
    election: &'a str,
    method: &'a str,
    outcome_wrong: bool,
    trials: u64,
    confirmed: u64,
    rate: f64,
    interval_95: [f64; 2],
    mean_draws: f64,
    estimate: Option<u64>,
    sound: bool,
}

pub fn run(args: &SimulateArgs, out: &mut impl Write) -> anyhow::Result<()> {
    let config = Config {
        risk_limit: args.risk_limit,
        trials: args.trials,
        round_trials: args.round_trials,
        seed: args.seed,
        ballots: args.ballots,
    };
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(15)
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} simulations, {elapsed}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message("simulating audits");
    let rows = scenarios::run(&config, |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();

    if args.json {
        let doc: Vec<RowJson> = rows
            .iter()
            .map(|r| {
                let i = r.interval();
                RowJson {
                    election: &r.world,
                    method: &r.method,
                    outcome_wrong: r.wrong_outcome,
                    trials: r.outcome.trials,
                    confirmed: r.outcome.confirmed,
                    rate: r.outcome.rate(),
                    interval_95: [i.low, i.high],
                    mean_draws: r.outcome.mean_draws(),
                    estimate: r.estimate,
                    sound: r.sound(args.risk_limit),
                }
            })
            .collect();
        write_json(out, &doc)?;
        return Ok(());
    }

    writeln!(
        out,
        "Soundness: elections whose reported winner actually tied; a risk-limiting audit may confirm such an outcome at most {} of the time.",
        percent(args.risk_limit.alpha())
    )?;
    writeln!(out)?;
    let wrong: Vec<&Row> = rows.iter().filter(|r| r.wrong_outcome).collect();
    let mut table = Table::new([
        "Election",
        "Method",
        "Audits",
        "Wrongly confirmed",
        "Rate",
        "95% interval",
        "Within the limit (99.9%)",
    ])
    .right_align(&[2, 3, 4]);
    for r in &wrong {
        let i = r.interval();
        table.push([
            r.world.clone(),
            r.method.clone(),
            thousands(r.outcome.trials),
            thousands(r.outcome.confirmed),
            format!("{:.4}", r.outcome.rate()),
            format!("{:.4}–{:.4}", i.low, i.high),
            if r.sound(args.risk_limit) {
                "yes"
            } else {
                "NO"
            }
            .to_string(),
        ]);
    }
    write!(out, "{}", table.to_text())?;
    writeln!(out)?;
    writeln!(
        out,
        "Work: the same elections reported correctly; ballots (batches for MACRO) examined before the audit stopped."
    )?;
    writeln!(out)?;
    let mut table = Table::new([
        "Election",
        "Method",
        "Audits",
        "Stopped",
        "Mean examined",
        "Method's estimate",
    ])
    .right_align(&[2, 3, 4, 5]);
    for r in rows.iter().filter(|r| !r.wrong_outcome) {
        table.push([
            r.world.clone(),
            r.method.clone(),
            thousands(r.outcome.trials),
            thousands(r.outcome.confirmed),
            format!("{:.1}", r.outcome.mean_draws()),
            r.estimate.map(thousands).unwrap_or_default(),
        ]);
    }
    write!(out, "{}", table.to_text())?;
    if wrong.iter().any(|r| !r.sound(args.risk_limit)) {
        anyhow::bail!(
            "a method confirmed wrong outcomes significantly more often than the risk limit allows"
        );
    }
    Ok(())
}
