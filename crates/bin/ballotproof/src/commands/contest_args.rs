//! Arguments shared by the calculator commands: a contest's reported results, the risk limit and
//! the method, with messages that say which argument is wrong and how to write it.

use anyhow::Context;
use clap::{Args, ValueEnum};
use rla_math::plan::Method;
use rla_math::{Contest, RiskLimit};
use serde::Serialize;

use super::batch_args::{BatchArgs, BatchContest};
use super::hybrid_args::{HybridArgs, HybridContest};
use crate::input::{NameCount, check_unique_names};

/// The reported results of one contest.
#[derive(Debug, Args)]
pub struct ContestArgs {
    /// The contest's name, for the output.
    #[arg(long, default_value = "Contest")]
    pub contest: String,
    /// A choice and its reported votes, as NAME=VOTES; repeat for every choice. (With
    /// --batch-tallies the votes are the tallies' sums instead.)
    #[arg(
        long = "vote",
        value_name = "NAME=VOTES",
        required_unless_present_any = ["batch_tallies", "cvr_votes"]
    )]
    pub votes: Vec<NameCount>,
    /// Ballot cards cast in the contest's universe (including undervotes). (With --batch-tallies,
    /// the manifests' total unless given.)
    #[arg(long, required_unless_present_any = ["batch_tallies", "cvr_votes"])]
    pub ballots: Option<u64>,
    /// Number of winners (the top vote-getters); use --winner to name them instead.
    #[arg(long, default_value_t = 1, conflicts_with = "winner")]
    pub winners: usize,
    /// A reported winner by name, when "vote for N" is not the number of winners; repeat per winner.
    #[arg(long)]
    pub winner: Vec<String>,
    /// Votes a voter may cast in the contest ("vote for N").
    #[arg(long, default_value_t = 1)]
    pub votes_allowed: u32,
    /// The risk limit, as a fraction (0.05) or a percent (5%); any value strictly between 0 and 1.
    #[arg(long, value_parser = parse_risk_limit)]
    pub risk_limit: RiskLimit,
    #[command(flatten)]
    pub batches: BatchArgs,
    #[command(flatten)]
    pub hybrid: HybridArgs,
}

/// The contest, and its batches when batch tallies were given.
pub struct Loaded {
    pub contest: Contest,
    pub batches: Option<BatchContest>,
    pub hybrid: Option<HybridContest>,
}

impl ContestArgs {
    /// The contest from --vote/--ballots, or from the batch tallies and manifests.
    pub fn load(&self) -> anyhow::Result<Loaded> {
        if self.batches.given() {
            if !self.votes.is_empty() {
                anyhow::bail!(
                    "give the reported votes one way: --vote, or --batch-tallies (whose sums are the votes)"
                );
            }
            let batches = self.batches.load(
                &self.contest,
                self.ballots,
                &self.winner,
                self.winners,
                self.votes_allowed,
            )?;
            return Ok(Loaded {
                contest: batches.contest.clone(),
                batches: Some(batches),
                hybrid: None,
            });
        }
        if self.hybrid.given() {
            if !self.votes.is_empty() || self.ballots.is_some() {
                anyhow::bail!(
                    "give the reported results one way: --vote/--ballots, or the strata (--cvr-vote, --cvr-ballots, --no-cvr-vote, --no-cvr-ballots)"
                );
            }
            let hybrid = self.hybrid.load(
                &self.contest,
                &self.winner,
                self.winners,
                self.votes_allowed,
            )?;
            return Ok(Loaded {
                contest: hybrid.contest.clone(),
                batches: None,
                hybrid: Some(hybrid),
            });
        }
        check_unique_names("choice", self.votes.iter().map(|v| v.name.as_str()))?;
        let ballots = self
            .ballots
            .context("give --ballots, the ballot cards cast in the contest")?;
        let choices = self.votes.iter().map(|v| (v.name.clone(), v.count));
        let contest = if self.winner.is_empty() {
            Contest::new(
                &self.contest,
                choices,
                ballots,
                self.winners,
                self.votes_allowed,
            )
        } else {
            let names: Vec<&str> = self.winner.iter().map(String::as_str).collect();
            Contest::with_winners(&self.contest, choices, ballots, &names, self.votes_allowed)
        };
        Ok(Loaded {
            contest: contest.context("the reported results do not add up")?,
            batches: None,
            hybrid: None,
        })
    }
}

/// `0.05`, `5%` or `0.5 %`.
pub fn parse_risk_limit(text: &str) -> Result<RiskLimit, String> {
    let trimmed = text.trim();
    let (number, percent) = match trimmed.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (trimmed, false),
    };
    let value: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a number; write the risk limit as 0.05 or 5%"))?;
    let result = if percent {
        RiskLimit::from_percent(value)
    } else {
        RiskLimit::new(value)
    };
    result.map_err(|e| e.to_string())
}

/// The methods as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Bravo,
    Minerva,
    Providence,
    AlphaPolling,
    #[value(alias = "kaplan-markov")]
    SuperSimple,
    AlphaComparison,
    /// Batch comparison (needs --batch-tallies and --manifest).
    Macro,
    /// Hybrid audit, SUITE (needs --cvr-vote/--cvr-ballots and --no-cvr-vote/--no-cvr-ballots).
    Suite,
}

impl MethodArg {
    /// The ballot-level method, or `None` for MACRO (which works on batches).
    pub fn ballot_level(self) -> Option<Method> {
        match self {
            MethodArg::Bravo => Some(Method::Bravo),
            MethodArg::Minerva => Some(Method::Minerva),
            MethodArg::Providence => Some(Method::Providence),
            MethodArg::AlphaPolling => Some(Method::AlphaPolling),
            MethodArg::SuperSimple => Some(Method::SuperSimple),
            MethodArg::AlphaComparison => Some(Method::AlphaComparison),
            MethodArg::Macro | MethodArg::Suite => None,
        }
    }
}

/// The title of MACRO in tables, beside [`Method::title`].
pub const MACRO_TITLE: &str = "MACRO (batch comparison)";

/// The title of SUITE in tables.
pub const SUITE_TITLE: &str = "SUITE (hybrid)";

/// The contest as the JSON output shows it.
#[derive(Debug, Serialize)]
pub struct ContestJson {
    pub name: String,
    pub ballots: u64,
    pub votes: serde_json::Map<String, serde_json::Value>,
    pub winners: Vec<String>,
    pub margin: Option<u64>,
    pub diluted_margin: f64,
}

impl ContestJson {
    pub fn of(contest: &Contest) -> ContestJson {
        ContestJson {
            name: contest.name().to_string(),
            ballots: contest.ballots(),
            votes: contest
                .choices()
                .iter()
                .map(|c| (c.name.clone(), serde_json::Value::from(c.votes)))
                .collect(),
            winners: contest
                .winner_indices()
                .iter()
                .map(|&i| contest.choices()[i].name.clone())
                .collect(),
            margin: contest.margin_votes(),
            diluted_margin: contest.diluted_margin(),
        }
    }
}

/// One line describing the contest for people.
pub fn describe(contest: &Contest, risk_limit: RiskLimit) -> String {
    let votes = contest
        .choices()
        .iter()
        .map(|c| format!("{} {}", c.name, thousands(c.votes)))
        .collect::<Vec<_>>()
        .join(", ");
    let winners = contest
        .winner_indices()
        .iter()
        .map(|&i| contest.choices()[i].name.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let margin = match contest.margin_votes() {
        Some(m) => format!(
            "smallest margin {} votes, diluted margin {:.2}%",
            thousands(m),
            contest.diluted_margin() * 100.0
        ),
        None => "no losers".to_string(),
    };
    format!(
        "Contest {:?}: {} ballots; {}; reported winner(s): {}; {}; risk limit {}",
        contest.name(),
        thousands(contest.ballots()),
        votes,
        winners,
        margin,
        percent(risk_limit.alpha())
    )
}

/// `12345678` → `12,345,678`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A probability for people: one decimal at most, "73.2%", "52%", "<0.1%".
pub fn chance(p: f64) -> String {
    let pct = p * 100.0;
    if pct > 0.0 && pct < 0.05 {
        return "<0.1%".to_string();
    }
    let text = format!("{pct:.1}");
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// A measured risk for people: four significant digits, "7.14%", "0.0001234%".
pub fn risk_percent(p: f64) -> String {
    if p == 0.0 {
        return "0%".to_string();
    }
    let pct = p * 100.0;
    let decimals = (3 - pct.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let text = format!("{pct:.decimals$}");
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}%")
}

/// A fraction as a percent with no trailing zeros: 0.05 → "5%", 0.005 → "0.5%".
pub fn percent(fraction: f64) -> String {
    let text = format!("{:.6}", fraction * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    format!("{text}%")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn risk_limits_as_fraction_or_percent() {
        assert_eq!(parse_risk_limit("0.05").unwrap().alpha(), 0.05);
        assert_eq!(parse_risk_limit("5%").unwrap().alpha(), 0.05);
        assert_eq!(parse_risk_limit("0.5 %").unwrap().alpha(), 0.005);
        assert!(
            parse_risk_limit("5")
                .unwrap_err()
                .contains("between 0 and 1")
        );
        assert!(
            parse_risk_limit("abc")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(parse_risk_limit("0%").is_err());
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(percent(0.05), "5%");
        assert_eq!(percent(0.005), "0.5%");
        assert_eq!(percent(0.1), "10%");
        assert_eq!(chance(0.731860072), "73.2%");
        assert_eq!(chance(0.52), "52%");
        assert_eq!(chance(0.0001), "<0.1%");
        assert_eq!(risk_percent(0.07140372947931496), "7.14%");
        assert_eq!(risk_percent(0.000001234), "0.0001234%");
        assert_eq!(risk_percent(1.0), "100%");
    }
}
