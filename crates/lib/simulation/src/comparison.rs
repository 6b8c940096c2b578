//! Ballot-comparison simulations: cards drawn with replacement, each with a reported cast-vote
//! record and the votes truly on the paper; the risk measure sees both for sampled cards only.

use rla_math::supersimple::{self, AuditedCard, ReportedCard, SampledCard};
use rla_math::{Contest, RiskLimit};

use crate::{Outcome, SimulationError};

/// A kind of card: what its CVR says and what the paper says, with its share of all cards.
#[derive(Debug, Clone)]
pub struct CardKind {
    pub reported: Option<usize>,
    pub actual: Option<usize>,
    pub share: f64,
}

/// A two-way-or-more contest's cards, grouped by (reported, actual) votes.
#[derive(Debug, Clone)]
pub struct ComparisonWorld {
    pub reported: Contest,
    pub kinds: Vec<CardKind>,
}

impl ComparisonWorld {
    /// Reported results as given; a fraction `two_vote` of all cards are CVRs showing the winner
    /// where the paper shows the runner-up (two-vote overstatements) and a fraction `one_vote` show
    /// the winner where the paper has no vote (one-vote overstatements). Every other card agrees.
    pub fn with_overstatements(
        reported: Contest,
        one_vote: f64,
        two_vote: f64,
    ) -> Result<ComparisonWorld, SimulationError> {
        let n = reported.ballots().max(1) as f64;
        let winner = reported.winner_indices().first().copied();
        let runner_up = reported
            .loser_indices()
            .into_iter()
            .max_by_key(|&i| reported.votes(i));
        let (Some(w), Some(l)) = (winner, runner_up) else {
            return Err(SimulationError::Method(
                "the contest needs a winner and a loser".into(),
            ));
        };
        let winner_share = reported.votes(w) as f64 / n;
        if !(one_vote >= 0.0 && two_vote >= 0.0 && one_vote + two_vote <= winner_share) {
            return Err(SimulationError::BadErrorRates);
        }
        let mut kinds = Vec::new();
        for (i, choice) in reported.choices().iter().enumerate() {
            let share = choice.votes as f64 / n - if i == w { one_vote + two_vote } else { 0.0 };
            kinds.push(CardKind {
                reported: Some(i),
                actual: Some(i),
                share,
            });
        }
        kinds.push(CardKind {
            reported: Some(w),
            actual: Some(l),
            share: two_vote,
        });
        kinds.push(CardKind {
            reported: Some(w),
            actual: None,
            share: one_vote,
        });
        let blank = 1.0 - reported.total_votes() as f64 / n;
        kinds.push(CardKind {
            reported: None,
            actual: None,
            share: blank.max(0.0),
        });
        Ok(ComparisonWorld { reported, kinds })
    }

    /// Overstatements that exactly erase the reported margin between the winner and the runner-up,
    /// all of them two-vote (`two_vote = true`) or all one-vote: the true outcome is a tie.
    pub fn tied(reported: Contest, two_vote: bool) -> Result<ComparisonWorld, SimulationError> {
        let mu = reported.diluted_margin();
        if two_vote {
            ComparisonWorld::with_overstatements(reported, 0.0, mu / 2.0)
        } else {
            ComparisonWorld::with_overstatements(reported, mu, 0.0)
        }
    }

    fn draw(&self, u: f64) -> usize {
        let mut acc = 0.0;
        for (i, k) in self.kinds.iter().enumerate() {
            acc += k.share;
            if u < acc {
                return i;
            }
        }
        self.kinds.len().saturating_sub(1)
    }
}

/// A comparison risk measure run sequentially over card kinds drawn in order.
pub trait ComparisonMeasure {
    fn stopping_draw(
        &mut self,
        world: &ComparisonWorld,
        draws: &[usize],
    ) -> Result<Option<u64>, SimulationError>;
}

/// Arlo's Kaplan–Markov super-simple p-value (`rla_math::supersimple::risk`), checked after every
/// draw.
#[derive(Debug, Clone)]
pub struct SuperSimple {
    pub risk_limit: RiskLimit,
}

fn as_reported(choice: Option<usize>) -> ReportedCard {
    ReportedCard::Marked(choice.into_iter().collect())
}

fn as_audited(choice: Option<usize>) -> AuditedCard {
    AuditedCard::Marked(choice.into_iter().collect())
}

impl ComparisonMeasure for SuperSimple {
    fn stopping_draw(
        &mut self,
        world: &ComparisonWorld,
        draws: &[usize],
    ) -> Result<Option<u64>, SimulationError> {
        // One SampledCard per kind with its multiplicity: the p-value is a product over draws, so
        // grouping equal cards changes nothing and keeps each check O(kinds).
        let mut cards: Vec<SampledCard> = world
            .kinds
            .iter()
            .map(|k| SampledCard {
                reported: as_reported(k.reported),
                audited: as_audited(k.actual),
                times_sampled: 0,
            })
            .collect();
        for (i, &kind) in draws.iter().enumerate() {
            if let Some(card) = cards.get_mut(kind) {
                card.times_sampled += 1;
            }
            let risk = supersimple::risk(&world.reported, self.risk_limit, &cards)
                .map_err(|e| SimulationError::Method(e.to_string()))?;
            if risk.risk_limit_met {
                return Ok(Some(i as u64 + 1));
            }
        }
        Ok(None)
    }
}

/// Runs `trials` sequential comparison audits of `world` with up to `max_draws` draws each (capped
/// below the number of cards, so that the full-count rule never counts as a confirmation).
pub fn run_sequential(
    world: &ComparisonWorld,
    measure: &mut impl ComparisonMeasure,
    max_draws: u64,
    trials: u64,
    seed: u64,
) -> Result<Outcome, SimulationError> {
    crate::run_trials(
        world.reported.ballots(),
        max_draws,
        trials,
        seed,
        |u| world.draw(u),
        |draws| measure.stopping_draw(world, draws),
    )
}

/// SHANGRLA's ALPHA on the overstatement assorter of the reported winner against the runner-up, with
/// SHANGRLA's default shrink–truncate estimator, sampling with replacement, checked after every draw.
#[derive(Debug, Clone)]
pub struct AlphaComparison {
    pub risk_limit: RiskLimit,
}

impl ComparisonMeasure for AlphaComparison {
    fn stopping_draw(
        &mut self,
        world: &ComparisonWorld,
        draws: &[usize],
    ) -> Result<Option<u64>, SimulationError> {
        use rla_math::shangrla::alpha::{AlphaTest, Estimator, Population};
        use rla_math::shangrla::assorter::{comparison_upper_bound, overstatement_assorter_value};
        let contest = &world.reported;
        let error = |e: rla_math::shangrla::ShangrlaError| SimulationError::Method(e.to_string());
        let alpha = self.risk_limit.alpha();
        let mut histories = Vec::new();
        for (w, l) in contest.pairs() {
            let n = contest.ballots() as f64;
            let margin = (contest.votes(w) as f64 - contest.votes(l) as f64) / n;
            let test = AlphaTest::new(
                0.5,
                comparison_upper_bound(1.0, margin),
                Population::Infinite,
                Estimator::shrink_trunc(),
            )
            .map_err(error)?;
            // The plurality assorter is (vote_w − vote_l + 1)/2, so a card's overstatement is half the
            // change in (vote_w − vote_l) between its CVR and its paper.
            let assort = |choice: Option<usize>| match choice {
                Some(c) if c == w => 1.0,
                Some(c) if c == l => 0.0,
                _ => 0.5,
            };
            let x: Vec<f64> = draws
                .iter()
                .map(|&k| {
                    let kind = &world.kinds[k.min(world.kinds.len().saturating_sub(1))];
                    let overstatement = assort(kind.reported) - assort(kind.actual);
                    overstatement_assorter_value(overstatement, 1.0, margin)
                })
                .collect();
            if x.is_empty() {
                return Ok(None);
            }
            histories.push(test.run(&x).map_err(error)?.p_history);
        }
        let mut running_min = vec![1.0f64; histories.len()];
        for j in 0..draws.len() {
            for (k, h) in histories.iter().enumerate() {
                if let Some(&p) = h.get(j) {
                    running_min[k] = running_min[k].min(p);
                }
            }
            if running_min.iter().all(|&p| p <= alpha) {
                return Ok(Some(j as u64 + 1));
            }
        }
        Ok(None)
    }
}
