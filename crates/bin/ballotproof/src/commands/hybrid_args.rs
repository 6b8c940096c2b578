//! Hybrid (SUITE) inputs for the calculator: the reported results of the CVR stratum (ballot
//! comparison) and of the non-CVR stratum (ballot polling), and for `risk` what each stratum's sample
//! found.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use clap::Args;
use rla_math::Contest;
use rla_math::suite::{ComparisonStratum, Misstatements, PollingStratum};

use crate::input::{NameCount, check_unique_names};

/// The two strata of a hybrid audit.
#[derive(Debug, Args, Default)]
pub struct HybridArgs {
    /// Hybrid audit: a choice's reported votes on ballots with cast-vote records, as NAME=VOTES;
    /// repeat per choice. Enables SUITE.
    #[arg(long = "cvr-vote", value_name = "NAME=VOTES")]
    pub cvr_votes: Vec<NameCount>,
    /// Hybrid audit: ballot cards with cast-vote records.
    #[arg(long = "cvr-ballots", requires = "cvr_votes")]
    pub cvr_ballots: Option<u64>,
    /// Hybrid audit: a choice's reported votes on ballots without cast-vote records, as NAME=VOTES.
    #[arg(
        long = "no-cvr-vote",
        value_name = "NAME=VOTES",
        requires = "cvr_votes"
    )]
    pub no_cvr_votes: Vec<NameCount>,
    /// Hybrid audit: ballot cards without cast-vote records.
    #[arg(long = "no-cvr-ballots", requires = "cvr_votes")]
    pub no_cvr_ballots: Option<u64>,
}

/// A hybrid contest: the whole contest and its two strata (samples empty until observations are
/// added).
pub struct HybridContest {
    pub contest: Contest,
    pub comparison: ComparisonStratum,
    pub polling: PollingStratum,
}

impl HybridArgs {
    pub fn given(&self) -> bool {
        !self.cvr_votes.is_empty()
    }

    /// Builds the contest (votes and ballots the sums of the strata) and its strata.
    pub fn load(
        &self,
        name: &str,
        winners: &[String],
        num_winners: usize,
        votes_allowed: u32,
    ) -> anyhow::Result<HybridContest> {
        let cvr_ballots = self
            .cvr_ballots
            .context("give --cvr-ballots, the ballot cards with cast-vote records")?;
        let no_cvr_ballots = self
            .no_cvr_ballots
            .context("give --no-cvr-ballots, the ballot cards without cast-vote records")?;
        check_unique_names("choice", self.cvr_votes.iter().map(|v| v.name.as_str()))?;
        check_unique_names("choice", self.no_cvr_votes.iter().map(|v| v.name.as_str()))?;
        let cvr: BTreeMap<String, u64> = self
            .cvr_votes
            .iter()
            .map(|v| (v.name.clone(), v.count))
            .collect();
        let mut no_cvr: BTreeMap<String, u64> = self
            .no_cvr_votes
            .iter()
            .map(|v| (v.name.clone(), v.count))
            .collect();
        for name in no_cvr.keys() {
            if !cvr.contains_key(name) {
                bail!(
                    "--no-cvr-vote names {name:?}, which has no --cvr-vote; give every choice in both strata (0 votes is fine)"
                );
            }
        }
        for name in cvr.keys() {
            no_cvr.entry(name.clone()).or_insert(0);
        }
        // Choices in the order given on the command line, as the contest lists them.
        let totals: Vec<(String, u64)> = self
            .cvr_votes
            .iter()
            .map(|v| {
                (
                    v.name.clone(),
                    v.count + no_cvr.get(&v.name).copied().unwrap_or(0),
                )
            })
            .collect();
        let ballots = cvr_ballots + no_cvr_ballots;
        let contest = if winners.is_empty() {
            Contest::new(name, totals, ballots, num_winners, votes_allowed)
        } else {
            let names: Vec<&str> = winners.iter().map(String::as_str).collect();
            Contest::with_winners(name, totals, ballots, &names, votes_allowed)
        }
        .context("the strata's reported results do not add up")?;
        for (label, votes, cards) in [
            ("CVR", &cvr, cvr_ballots),
            ("non-CVR", &no_cvr, no_cvr_ballots),
        ] {
            let sum: u64 = votes.values().sum();
            if sum > cards * u64::from(votes_allowed) {
                bail!(
                    "the {label} stratum reports {sum} votes on {cards} ballots; check its votes and ballots"
                );
            }
        }
        Ok(HybridContest {
            contest,
            comparison: ComparisonStratum {
                ballots: cvr_ballots,
                vote_totals: cvr,
                misstatements: BTreeMap::new(),
                sample_size: 0,
            },
            polling: PollingStratum {
                ballots: no_cvr_ballots,
                vote_totals: no_cvr,
                sample: BTreeMap::new(),
                sample_size: 0,
            },
        })
    }
}

/// What to say when SUITE is asked for without its strata.
pub const NEEDS_STRATA: &str = "SUITE audits two strata: give --cvr-vote and --cvr-ballots for ballots with cast-vote records, --no-cvr-vote and --no-cvr-ballots for the others";

impl HybridContest {
    /// The next round's sizes for the two strata (Arlo `suite.get_sample_size`).
    pub fn sample_size(
        &self,
        risk_limit: rla_math::RiskLimit,
    ) -> Result<rla_math::suite::HybridSampleSize, rla_math::suite::SuiteError> {
        rla_math::suite::sample_size(risk_limit, &self.contest, &self.polling, &self.comparison)
    }

    /// Records the comparison stratum's sample: `draws` ballots with `o1` one-vote and `o2` two-vote
    /// overstatements. Counts do not say which pair a discrepancy hit, so each is charged to every
    /// (winner, loser) pair — the most any pair could have, never closer to stopping.
    pub fn observe_comparison(&mut self, draws: u64, o1: u64, o2: u64) {
        self.comparison.sample_size = draws;
        let names = |idx: &[usize]| -> Vec<String> {
            idx.iter()
                .map(|&i| self.contest.choices()[i].name.clone())
                .collect()
        };
        for w in names(self.contest.winner_indices()) {
            for l in names(&self.contest.loser_indices()) {
                self.comparison.misstatements.insert(
                    (w.clone(), l),
                    Misstatements {
                        o1,
                        o2,
                        u1: 0,
                        u2: 0,
                    },
                );
            }
        }
    }

    /// Records the polling stratum's sample: `draws` ballots with these votes.
    pub fn observe_polling(&mut self, draws: u64, votes: &[(String, u64)]) -> anyhow::Result<()> {
        self.polling.sample_size = draws;
        for (name, n) in votes {
            if !self.polling.vote_totals.contains_key(name) {
                bail!(
                    "the non-CVR sample names {name:?}, which is not one of the contest's choices"
                );
            }
            *self.polling.sample.entry(name.clone()).or_insert(0) += n;
        }
        for name in self.polling.vote_totals.keys() {
            self.polling.sample.entry(name.clone()).or_insert(0);
        }
        Ok(())
    }
}
