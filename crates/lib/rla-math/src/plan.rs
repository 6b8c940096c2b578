//! One question, every method: "how many ballots for the next round?" and "what is the risk now?",
//! answered for a contest's reported results by each ballot-level risk measure in this crate.
//!
//! The modules for each method reproduce their peer tool exactly and take the peer's inputs. This
//! module puts them behind one interface so that the command line, the audit workflow and the web
//! application offer the same choices with the same numbers. It adds no statistics of its own: each
//! arm calls its method's module, and where methods differ in what they need (ALPHA's p-value depends
//! on the order of the draws; Kaplan–Markov's does not) the observed data says so in its type.
//!
//! Batch comparison (MACRO) and hybrid (SUITE) audits need batch tallies and strata rather than one
//! contest's totals; they are reached through [`crate::macro_batch`] and [`crate::suite`] directly.

use std::fmt;

use thiserror::Error;

use crate::bravo::{self, PollingRound, SampleSizeOptions};
use crate::minerva::arlo::{
    ArloRound, MinervaFirstRound, minerva_first_round, minerva_p_value, providence_p_value,
    providence_sample_sizes,
};
use crate::shangrla::alpha::{AlphaTest, Estimator, Eta, Population, ShrinkTrunc};
use crate::shangrla::assorter::{comparison_upper_bound, overstatement_assorter_value};
use crate::shangrla::sample_size::{comparison_sample_size, polling_sample_size};
use crate::supersimple::{self, DiscrepancyCounts};
use crate::{Contest, RiskLimit};

/// The ballot-level risk measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    /// Ballot polling, BRAVO (Lindeman, Stark & Yates 2012) as Arlo computes it.
    Bravo,
    /// Ballot polling, MINERVA (Zagórski et al. 2021) as Arlo computes it with athena.
    Minerva,
    /// Ballot polling, Providence (Broadrick et al. 2022) as Arlo computes it with r2b2.
    Providence,
    /// Ballot polling, SHANGRLA's plurality assorters tested with ALPHA (shrink–truncate from the
    /// reported mean).
    AlphaPolling,
    /// Ballot comparison, Kaplan–Markov "super-simple" (Stark 2010) as Arlo computes it.
    SuperSimple,
    /// Ballot comparison, SHANGRLA's overstatement assorter tested with ALPHA (shrink–truncate).
    AlphaComparison,
}

impl Method {
    pub const ALL: [Method; 6] = [
        Method::Bravo,
        Method::Minerva,
        Method::Providence,
        Method::AlphaPolling,
        Method::SuperSimple,
        Method::AlphaComparison,
    ];

    /// The name officials know the method by.
    pub fn title(self) -> &'static str {
        match self {
            Method::Bravo => "BRAVO",
            Method::Minerva => "MINERVA",
            Method::Providence => "Providence",
            Method::AlphaPolling => "ALPHA polling",
            Method::SuperSimple => "Kaplan-Markov (super-simple)",
            Method::AlphaComparison => "ALPHA comparison",
        }
    }

    /// True for ballot-polling methods (no cast-vote records needed).
    pub fn is_polling(self) -> bool {
        matches!(
            self,
            Method::Bravo | Method::Minerva | Method::Providence | Method::AlphaPolling
        )
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// One sample-size option for the next round.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeOption {
    pub method: Method,
    /// What the option is: "ASN", "90% chance", "estimate".
    pub label: String,
    /// Draws for the round (cumulative where the method sizes cumulatively; see `cumulative`).
    pub size: u64,
    /// True when the size counts the draws of earlier rounds too.
    pub cumulative: bool,
    /// The method's estimate of the chance to finish in this round if the reported outcome is right.
    pub completion_probability: Option<f64>,
    /// True when the option is a full hand count of the contest.
    pub full_hand_count: bool,
}

/// What the audit has observed so far, in the form the method needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observed<'a> {
    /// Ballot-polling rounds (votes per choice found in each round).
    PollingRounds(&'a [PollingRound]),
    /// Ballot-polling draws in draw order: the choice voted on each drawn ballot (`None`: no vote
    /// for any choice in the contest). ALPHA needs the order; the other polling methods accept it too.
    PollingSequence(&'a [Option<usize>]),
    /// Ballot-comparison discrepancy counts (Kaplan–Markov does not depend on their order).
    ComparisonCounts(&'a DiscrepancyCounts),
    /// Ballot-comparison discrepancies in draw order, in votes of the reported margin (`counted_as`:
    /// 0 agrees, 1 and 2 overstate, -1 and -2 understate).
    ComparisonSequence(&'a [i8]),
}

/// The measured risk after the observations.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskMeasurement {
    pub method: Method,
    /// The audit's p-value: the largest over (winner, loser) pairs.
    pub p_value: f64,
    pub risk_limit_met: bool,
}

/// Why the question cannot be answered as asked.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum PlanError {
    #[error("{method} needs {needs}; {got}")]
    WrongObservations {
        method: Method,
        needs: &'static str,
        got: &'static str,
    },
    #[error("contest {contest:?} has no reported loser, so there is nothing to audit")]
    NoLosers { contest: String },
    #[error(
        "contest {contest:?} has a reported tie between a winner and a loser; only a full hand count can settle it"
    )]
    Tied { contest: String },
    #[error("a sampled ballot names choice number {index}, but the contest has {choices} choices")]
    UnknownChoice { index: usize, choices: usize },
    #[error("discrepancy {0} is not one of -2, -1, 0, 1, 2 (votes of margin)")]
    BadDiscrepancy(i8),
    #[error("{0}")]
    Method(String),
}

fn method_error(err: impl fmt::Display) -> PlanError {
    PlanError::Method(err.to_string())
}

/// SHANGRLA's defaults for the ALPHA options offered here: shrink–truncate with `d = 100`, and for
/// comparison audits 1-vote overstatements expected at 0.1 % and no 2-vote ones
/// (`Audit.py` L1096-1124).
const ALPHA_RATE_1: f64 = 0.001;

/// The label of the full-hand-count option.
pub const ALL_BALLOTS: &str = "all ballots";
const ALPHA_RATE_2: f64 = 0.0;

/// The sample-size options for the next round. With no observations, round one.
pub fn sample_size_options(
    method: Method,
    contest: &Contest,
    risk_limit: RiskLimit,
    observed: Option<Observed<'_>>,
) -> Result<Vec<SizeOption>, PlanError> {
    let pairs = contest.pairs();
    if pairs.is_empty() {
        return Err(PlanError::NoLosers {
            contest: contest.name().to_string(),
        });
    }
    let option = |label: String, size: u64, cumulative: bool, prob: Option<f64>| SizeOption {
        method,
        full_hand_count: label == ALL_BALLOTS,
        label,
        size,
        cumulative,
        completion_probability: prob,
    };
    match method {
        Method::Bravo => {
            let rounds = polling_rounds(method, contest, observed)?;
            match bravo::sample_size_options(contest, risk_limit, &rounds).map_err(method_error)? {
                SampleSizeOptions::AllBallots { ballots, .. } => {
                    Ok(vec![option(ALL_BALLOTS.into(), ballots, true, None)])
                }
                SampleSizeOptions::SampleSufficient => Ok(Vec::new()),
                SampleSizeOptions::Estimates {
                    asn,
                    by_probability,
                } => {
                    let mut options = vec![option(
                        "ASN".into(),
                        asn.size,
                        true,
                        asn.completion_probability,
                    )];
                    options.extend(by_probability.iter().map(|q| {
                        option(
                            chance_label(q.completion_probability),
                            q.size,
                            true,
                            Some(q.completion_probability),
                        )
                    }));
                    Ok(options)
                }
            }
        }
        Method::Minerva => {
            let rounds = arlo_rounds(method, contest, observed)?;
            if rounds.is_empty() {
                return match minerva_first_round(contest, risk_limit).map_err(method_error)? {
                    MinervaFirstRound::Estimated(sizes) => Ok(sizes
                        .iter()
                        .zip(crate::minerva::arlo::ARLO_STOPPING_PROBABILITIES)
                        .map(|(&s, p)| option(chance_label(p), s, false, Some(p)))
                        .collect()),
                    MinervaFirstRound::AllBallots(b) => {
                        Ok(vec![option(ALL_BALLOTS.into(), b, true, None)])
                    }
                    MinervaFirstRound::Fallback => Err(PlanError::Method(
                        "athena cannot size this contest (a loser has no votes); use BRAVO".into(),
                    )),
                    MinervaFirstRound::NoLosers => Err(PlanError::NoLosers {
                        contest: contest.name().to_string(),
                    }),
                };
            }
            // Arlo does not re-estimate MINERVA after round one; ballotproof offers r2b2's
            // conditional estimates (Providence shares MINERVA's first-round distribution).
            providence_options(method, contest, risk_limit, &rounds, option)
        }
        Method::Providence => {
            let rounds = arlo_rounds(method, contest, observed)?;
            providence_options(method, contest, risk_limit, &rounds, option)
        }
        Method::SuperSimple => {
            let counts = match observed {
                None => None,
                Some(Observed::ComparisonCounts(c)) => Some(*c),
                Some(Observed::ComparisonSequence(seq)) => Some(counts_of(seq)?),
                Some(_) => return Err(wrong(method, "comparison discrepancies")),
            };
            let size = supersimple::additional_sample_size(contest, risk_limit, counts.as_ref());
            Ok(vec![option("estimate".into(), size, false, None)])
        }
        Method::AlphaPolling => {
            if observed.is_some() {
                return Err(PlanError::Method(
                    "ALPHA polling estimates are offered for round one; for later rounds use the risk measured so far with BRAVO's or Providence's estimates".into(),
                ));
            }
            let mut size = 0;
            for &(w, l) in &pairs {
                pair_margin(contest, w, l)?;
                let test = alpha_polling_test(contest, w, l)?;
                size = size.max(
                    polling_sample_size(&test, 1.0, contest.votes(w), contest.votes(l), risk_limit)
                        .map_err(method_error)?,
                );
            }
            Ok(vec![option("estimate".into(), size, false, None)])
        }
        Method::AlphaComparison => {
            if observed.is_some() {
                return Err(PlanError::Method(
                    "ALPHA comparison estimates are offered for round one; for later rounds use the Kaplan-Markov estimate from the discrepancies found".into(),
                ));
            }
            let mut size = 0;
            for &(w, l) in &pairs {
                let margin = pair_margin(contest, w, l)?;
                let test = alpha_comparison_test(contest, margin)?;
                size = size.max(
                    comparison_sample_size(
                        &test,
                        1.0,
                        margin,
                        ALPHA_RATE_1,
                        ALPHA_RATE_2,
                        risk_limit,
                    )
                    .map_err(method_error)?,
                );
            }
            Ok(vec![option("estimate".into(), size, false, None)])
        }
    }
}

/// The risk measured from the observations, and whether it meets the risk limit.
pub fn risk(
    method: Method,
    contest: &Contest,
    risk_limit: RiskLimit,
    observed: Observed<'_>,
) -> Result<RiskMeasurement, PlanError> {
    let measurement = |p_value: f64, met: bool| RiskMeasurement {
        method,
        p_value,
        risk_limit_met: met,
    };
    match method {
        Method::Bravo => {
            let rounds = polling_rounds(method, contest, Some(observed))?;
            let r = bravo::risk(contest, risk_limit, &rounds).map_err(method_error)?;
            Ok(measurement(r.max_p_value(), r.risk_limit_met))
        }
        Method::Minerva => {
            let rounds = arlo_rounds(method, contest, Some(observed))?;
            let (p, met) = minerva_p_value(contest, risk_limit, &rounds).map_err(method_error)?;
            Ok(measurement(p, met))
        }
        Method::Providence => {
            let rounds = arlo_rounds(method, contest, Some(observed))?;
            let (p, met) =
                providence_p_value(contest, risk_limit, &rounds).map_err(method_error)?;
            Ok(measurement(p, met))
        }
        Method::AlphaPolling => {
            let Observed::PollingSequence(draws) = observed else {
                return Err(wrong(
                    method,
                    "the drawn ballots in draw order (ALPHA's risk depends on the order)",
                ));
            };
            let mut p_value: f64 = 0.0;
            for (w, l) in contest.pairs() {
                pair_margin(contest, w, l)?;
                let test = alpha_polling_test(contest, w, l)?;
                let x = draws
                    .iter()
                    .map(|d| match *d {
                        Some(c) if c >= contest.choices().len() => Err(PlanError::UnknownChoice {
                            index: c,
                            choices: contest.choices().len(),
                        }),
                        Some(c) if c == w => Ok(1.0),
                        Some(c) if c == l => Ok(0.0),
                        _ => Ok(0.5),
                    })
                    .collect::<Result<Vec<f64>, _>>()?;
                p_value = p_value.max(test.p_value(&x).map_err(method_error)?);
            }
            Ok(measurement(p_value, p_value <= risk_limit.alpha()))
        }
        Method::SuperSimple => {
            let counts = match observed {
                Observed::ComparisonCounts(c) => *c,
                Observed::ComparisonSequence(seq) => counts_of(seq)?,
                _ => return Err(wrong(method, "comparison discrepancies")),
            };
            let p = kaplan_markov_from_counts(contest, &counts)?;
            let full = counts.draws >= contest.ballots();
            let p = if full { 0.0 } else { p };
            Ok(measurement(p, full || p < risk_limit.alpha()))
        }
        Method::AlphaComparison => {
            let Observed::ComparisonSequence(seq) = observed else {
                return Err(wrong(
                    method,
                    "the discrepancies in draw order (ALPHA's risk depends on the order)",
                ));
            };
            let mut p_value: f64 = 0.0;
            for (w, l) in contest.pairs() {
                let margin = pair_margin(contest, w, l)?;
                let test = alpha_comparison_test(contest, margin)?;
                // A discrepancy of `e` votes of margin is an overstatement of e/2 in assorter units
                // (the plurality assorter moves by 1/2 per vote).
                let x = seq
                    .iter()
                    .map(|&e| {
                        check_discrepancy(e)?;
                        Ok(overstatement_assorter_value(
                            f64::from(e) / 2.0,
                            1.0,
                            margin,
                        ))
                    })
                    .collect::<Result<Vec<f64>, PlanError>>()?;
                p_value = p_value.max(test.p_value(&x).map_err(method_error)?);
            }
            Ok(measurement(p_value, p_value <= risk_limit.alpha()))
        }
    }
}

fn wrong(method: Method, needs: &'static str) -> PlanError {
    PlanError::WrongObservations {
        method,
        needs,
        got: "the observations given are of another kind",
    }
}

fn chance_label(p: f64) -> String {
    format!("{:.0}% chance", p * 100.0)
}

fn check_discrepancy(e: i8) -> Result<(), PlanError> {
    if (-2..=2).contains(&e) {
        Ok(())
    } else {
        Err(PlanError::BadDiscrepancy(e))
    }
}

fn counts_of(seq: &[i8]) -> Result<DiscrepancyCounts, PlanError> {
    let mut counts = DiscrepancyCounts {
        draws: seq.len() as u64,
        ..DiscrepancyCounts::default()
    };
    for &e in seq {
        check_discrepancy(e)?;
        match e {
            1 => counts.one_vote_over += 1,
            2 => counts.two_vote_over += 1,
            -1 => counts.one_vote_under += 1,
            -2 => counts.two_vote_under += 1,
            _ => {}
        }
    }
    Ok(counts)
}

/// Kaplan–Markov p-value from discrepancy counts (Arlo `supersimple.compute_risk`, L297-315).
///
/// Counts do not say which (winner, loser) pair a discrepancy hit, so each is charged against the
/// pair with the smallest margin, the largest factor it can have: `Π (1 − μ/2γ)/(1 − e/2γ)` over
/// draws, understatements ignored. For a two-choice contest this is exactly Arlo's value (see the
/// test below); with more choices it is never smaller, so never closer to stopping.
fn kaplan_markov_from_counts(contest: &Contest, c: &DiscrepancyCounts) -> Result<f64, PlanError> {
    let mu = contest.diluted_margin();
    if contest.is_tied() || mu <= 0.0 {
        return Err(PlanError::Tied {
            contest: contest.name().to_string(),
        });
    }
    let g = supersimple::GAMMA;
    let ln_none = (-mu / (2.0 * g)).ln_1p();
    let ln_o1 = ln_none - (-1.0 / (2.0 * g)).ln_1p();
    let ln_o2 = ln_none - (-1.0 / g).ln_1p();
    let errors = c.one_vote_over + c.two_vote_over;
    let agreeing = c.draws.saturating_sub(errors);
    let ln_p =
        agreeing as f64 * ln_none + c.one_vote_over as f64 * ln_o1 + c.two_vote_over as f64 * ln_o2;
    Ok(ln_p.exp().min(1.0))
}

fn pair_margin(contest: &Contest, w: usize, l: usize) -> Result<f64, PlanError> {
    let n = contest.ballots();
    let (vw, vl) = (contest.votes(w), contest.votes(l));
    if vw <= vl || n == 0 {
        return Err(PlanError::Tied {
            contest: contest.name().to_string(),
        });
    }
    Ok((vw - vl) as f64 / n as f64)
}

/// ALPHA for a polling pair: shrink–truncate starting from the reported assorter mean
/// `(V_w + (N − V_w − V_l)/2)/N`, the choice Stark (2023, §2.5.2) recommends for ballot polling.
/// SHANGRLA's comparison default `η₀ = u(1 − ε)` bets everything on the winner and makes a polling
/// audit pay heavily for every loser vote, so it is not used here.
fn alpha_polling_test(contest: &Contest, w: usize, l: usize) -> Result<AlphaTest, PlanError> {
    let n = contest.ballots() as f64;
    let (vw, vl) = (contest.votes(w) as f64, contest.votes(l) as f64);
    let reported_mean = (vw + (n - vw - vl) / 2.0) / n;
    AlphaTest::new(
        0.5,
        1.0,
        Population::Finite(contest.ballots()),
        Estimator::ShrinkTrunc(ShrinkTrunc {
            eta: Eta::Value(reported_mean),
            ..ShrinkTrunc::default()
        }),
    )
    .map_err(method_error)
}

fn alpha_comparison_test(contest: &Contest, margin: f64) -> Result<AlphaTest, PlanError> {
    AlphaTest::new(
        0.5,
        comparison_upper_bound(1.0, margin),
        Population::Finite(contest.ballots()),
        Estimator::shrink_trunc(),
    )
    .map_err(method_error)
}

/// Polling observations as BRAVO takes them (a sequence becomes one round).
fn polling_rounds(
    method: Method,
    contest: &Contest,
    observed: Option<Observed<'_>>,
) -> Result<Vec<PollingRound>, PlanError> {
    match observed {
        None => Ok(Vec::new()),
        Some(Observed::PollingRounds(rounds)) => Ok(rounds.to_vec()),
        Some(Observed::PollingSequence(draws)) => {
            let mut votes = vec![0u64; contest.choices().len()];
            for d in draws.iter().flatten() {
                let slot = votes.get_mut(*d).ok_or(PlanError::UnknownChoice {
                    index: *d,
                    choices: contest.choices().len(),
                })?;
                *slot += 1;
            }
            Ok(vec![PollingRound {
                draws: draws.len() as u64,
                votes,
                not_found: 0,
            }])
        }
        Some(_) => Err(wrong(method, "ballot-polling rounds")),
    }
}

/// Polling observations as Arlo passes them to athena and r2b2: per-round sizes and tallies, with
/// ballots not found counted for every loser (Arlo `ballot_polling.py` L36-40).
fn arlo_rounds(
    method: Method,
    contest: &Contest,
    observed: Option<Observed<'_>>,
) -> Result<Vec<ArloRound>, PlanError> {
    let losers = contest.loser_indices();
    Ok(polling_rounds(method, contest, observed)?
        .into_iter()
        .map(|r| {
            let mut tally = r.votes;
            for &l in &losers {
                if let Some(t) = tally.get_mut(l) {
                    *t += r.not_found;
                }
            }
            ArloRound {
                size: r.draws,
                tally,
            }
        })
        .collect())
}

fn providence_options(
    _method: Method,
    contest: &Contest,
    risk_limit: RiskLimit,
    rounds: &[ArloRound],
    option: impl Fn(String, u64, bool, Option<f64>) -> SizeOption,
) -> Result<Vec<SizeOption>, PlanError> {
    if contest.is_tied() {
        return Ok(vec![option(
            ALL_BALLOTS.into(),
            contest.ballots(),
            true,
            None,
        )]);
    }
    let estimates = providence_sample_sizes(contest, risk_limit, rounds).map_err(method_error)?;
    Ok(estimates
        .iter()
        .zip(crate::minerva::arlo::ARLO_STOPPING_PROBABILITIES)
        .map(|(e, p)| option(chance_label(p), e.size, true, Some(e.stopping_probability)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contest() -> Contest {
        Contest::new("Mayor", [("A", 600u64), ("B", 400)], 1000, 1, 1).unwrap()
    }

    fn alpha() -> RiskLimit {
        RiskLimit::new(0.1).unwrap()
    }

    /// Each arm is its method's own function: the facade adds nothing to the numbers.
    #[test]
    fn round_one_options_are_the_methods_own_numbers() {
        let c = contest();
        let bravo = sample_size_options(Method::Bravo, &c, alpha(), None).unwrap();
        assert_eq!(bravo[0].label, "ASN");
        // Arlo test_bravo.py test1 (peer_tests_arlo_bravo_curated.json): ASN 119, 0.9 → 1 … sizes.
        assert_eq!(bravo[0].size, 119);
        let minerva = sample_size_options(Method::Minerva, &c, alpha(), None).unwrap();
        // minerva_providence_arlo.json arlo_minerva_00: 0.7 → 111, 0.8 → 138, 0.9 → 179.
        assert_eq!(
            minerva.iter().map(|o| o.size).collect::<Vec<_>>(),
            vec![111, 138, 179]
        );
        let km = sample_size_options(Method::SuperSimple, &c, alpha(), None).unwrap();
        assert_eq!(km[0].size, supersimple::initial_sample_size(&c, alpha()));
        for method in Method::ALL {
            let options = sample_size_options(method, &c, alpha(), None).unwrap();
            assert!(!options.is_empty(), "{method}");
            assert!(
                options
                    .iter()
                    .all(|o| o.size > 0 && o.size <= 10 * c.ballots())
            );
        }
    }

    #[test]
    fn kaplan_markov_from_counts_matches_per_card_risk() {
        use crate::supersimple::{AuditedCard, ReportedCard, SampledCard};
        let c = contest();
        let cards = vec![
            SampledCard {
                reported: ReportedCard::Marked(vec![0]),
                audited: AuditedCard::Marked(vec![0]),
                times_sampled: 40,
            },
            SampledCard {
                reported: ReportedCard::Marked(vec![0]),
                audited: AuditedCard::Marked(vec![]),
                times_sampled: 1,
            },
        ];
        let per_card = supersimple::risk(&c, alpha(), &cards).unwrap();
        let counts = DiscrepancyCounts {
            draws: 41,
            one_vote_over: 1,
            ..DiscrepancyCounts::default()
        };
        let facade = risk(
            Method::SuperSimple,
            &c,
            alpha(),
            Observed::ComparisonCounts(&counts),
        )
        .unwrap();
        assert!((facade.p_value - per_card.p_value).abs() <= 1e-12 * per_card.p_value);
        assert_eq!(facade.risk_limit_met, per_card.risk_limit_met);
    }

    #[test]
    fn alpha_needs_the_draw_order() {
        let c = contest();
        let counts = DiscrepancyCounts::default();
        let err = risk(
            Method::AlphaComparison,
            &c,
            alpha(),
            Observed::ComparisonCounts(&counts),
        )
        .unwrap_err();
        assert!(err.to_string().contains("order"), "{err}");
        let agreeing = vec![0i8; 60];
        let r = risk(
            Method::AlphaComparison,
            &c,
            alpha(),
            Observed::ComparisonSequence(&agreeing),
        )
        .unwrap();
        assert!(
            r.risk_limit_met,
            "60 agreeing draws at a 20% margin: p = {}",
            r.p_value
        );
    }

    #[test]
    fn polling_risk_agrees_between_rounds_and_sequences_for_bravo() {
        let c = contest();
        let seq: Vec<Option<usize>> = (0..120).map(|i| Some(usize::from(i % 5 >= 3))).collect();
        let from_seq = risk(Method::Bravo, &c, alpha(), Observed::PollingSequence(&seq)).unwrap();
        let round = PollingRound {
            draws: 120,
            votes: vec![72, 48],
            not_found: 0,
        };
        let from_rounds = risk(
            Method::Bravo,
            &c,
            alpha(),
            Observed::PollingRounds(std::slice::from_ref(&round)),
        )
        .unwrap();
        assert_eq!(from_seq, from_rounds);
    }
}
