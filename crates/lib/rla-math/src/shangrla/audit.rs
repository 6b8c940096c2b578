//! SHANGRLA's audit workflow for one unstratified audit (`shangrla/core/Audit.py`): assertions per
//! contest, margins from the CVRs, the test each assertion uses, initial sample sizes (per assertion,
//! per contest and for the whole audit), the data an audited sample yields, and the risk.
//!
//! The order of the steps is SHANGRLA's (as in its ONEAudit demo notebook):
//! [`make_assertions`] (`Assertion.make_all_assertions`, L2260-2324); for ONEAudit
//! [`Assertion::set_pool_means`]; [`Assertion::set_margin_from_cvrs`] (`set_margin_from_cvrs`,
//! L1585-1624); [`Assertion::initial_sample_size`] (`Assertion.find_sample_size` / the ONEAudit branch
//! of `Audit.find_sample_size`); [`audit_sample_size`] (`Audit.find_sample_size`, L1129-1234); the
//! sample itself is drawn by `sampler::cryptorandom`; then [`Assertion::sample_data`]
//! (`mvrs_to_data`, L1705-1768) and [`Assertion::risk`] (`set_p_values`, L2383-2436).
//! Precision: bit-identical to SHANGRLA for the same inputs (same float operations in the same order,
//! NumPy's pairwise sum where SHANGRLA calls `np.sum`/`np.mean`).

use std::collections::{BTreeMap, BTreeSet};

use crate::risk_limit::RiskLimit;

use super::ShangrlaError;
use super::alpha::{AlphaOutcome, AlphaTest, Estimator, Population};
use super::assorter::{
    Assorter, Cvr, comparison_upper_bound, overstatement_assorter_value,
    plurality_margin_from_tally, supermajority_margin_from_tally,
};
use super::numeric::numpy_sum;
use super::oneaudit::{self, PoolMeans};
use super::sample_size::{comparison_sample_size, polling_sample_size};

/// SHANGRLA's name for "every candidate but the winner" in a supermajority assertion.
pub const ALL_OTHERS: &str = "ALL_OTHERS";

/// How the contest is audited (`Audit.AUDIT_TYPE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditType {
    /// Ballot polling: the test sees assorter values of the audited cards.
    Polling,
    /// Card-level comparison: the test sees overstatement-assorter values.
    CardComparison,
    /// Comparison where pooled cards are compared against their pool's mean.
    OneAudit,
}

/// The social choice function (`Contest.SOCIAL_CHOICE_FUNCTION`), for the functions SHANGRLA builds
/// assertions for from the contest alone. Approval contests audit like plurality.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ChoiceFunction {
    Plurality,
    Supermajority { share_to_win: f64 },
}

/// One contest under audit.
#[derive(Debug, Clone, PartialEq)]
pub struct ContestSpec {
    pub id: String,
    pub candidates: Vec<String>,
    /// Reported winners.
    pub winners: Vec<String>,
    pub choice: ChoiceFunction,
    pub risk_limit: RiskLimit,
    /// Upper bound on the cards that hold the contest: the test's population `N`.
    pub cards: u64,
    pub audit_type: AuditType,
    /// Card-style information: sample only cards that hold the contest.
    pub use_style: bool,
    pub estimator: Estimator,
}

/// Assumed overstatement rates for initial sample sizes (SHANGRLA's defaults 0.001 and 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ErrorRates {
    pub one_vote: f64,
    pub two_vote: f64,
}

impl Default for ErrorRates {
    fn default() -> Self {
        ErrorRates {
            one_vote: 0.001,
            two_vote: 0.0,
        }
    }
}

/// "The mean of this assorter over the cards exceeds 1/2", for one contest.
#[derive(Debug, Clone, PartialEq)]
pub struct Assertion {
    contest: String,
    winner: String,
    loser: String,
    assorter: Assorter,
    margin: Option<f64>,
    pool_means: Option<PoolMeans>,
}

/// The assertions that imply the contest's reported outcome: each winner against each loser for
/// plurality (losers in candidate order; SHANGRLA takes them from an unordered set), one
/// "winner v ALL_OTHERS" assertion for a supermajority.
pub fn make_assertions(contest: &ContestSpec) -> Result<Vec<Assertion>, ShangrlaError> {
    let mut seen = BTreeSet::new();
    for w in &contest.winners {
        if !contest.candidates.contains(w) || !seen.insert(w) {
            return Err(ShangrlaError::UnknownWinner {
                contest: contest.id.clone(),
                winner: w.clone(),
            });
        }
    }
    let losers: Vec<&String> = contest
        .candidates
        .iter()
        .filter(|c| !contest.winners.contains(c))
        .collect();
    if contest.winners.is_empty() || losers.is_empty() {
        return Err(ShangrlaError::NothingToAudit {
            contest: contest.id.clone(),
        });
    }
    match contest.choice {
        ChoiceFunction::Plurality => Ok(contest
            .winners
            .iter()
            .flat_map(|w| losers.iter().map(move |l| (w, *l)))
            .map(|(w, l)| {
                Assertion::new(
                    &contest.id,
                    w,
                    l,
                    Assorter::plurality(contest.id.clone(), w.clone(), l.clone()),
                )
            })
            .collect()),
        ChoiceFunction::Supermajority { share_to_win } => {
            let [winner] = contest.winners.as_slice() else {
                return Err(ShangrlaError::NothingToAudit {
                    contest: contest.id.clone(),
                });
            };
            let assorter = Assorter::supermajority(
                contest.id.clone(),
                winner.clone(),
                contest.candidates.clone(),
                share_to_win,
            )?;
            Ok(vec![Assertion::new(
                &contest.id,
                winner,
                ALL_OTHERS,
                assorter,
            )])
        }
    }
}

impl Assertion {
    /// An assertion with the given assorter; its margin is set later.
    pub fn new(contest: &str, winner: &str, loser: &str, assorter: Assorter) -> Assertion {
        Assertion {
            contest: contest.to_string(),
            winner: winner.to_string(),
            loser: loser.to_string(),
            assorter,
            margin: None,
            pool_means: None,
        }
    }

    /// SHANGRLA's key for the assertion: `"winner v loser"`.
    pub fn name(&self) -> String {
        format!("{} v {}", self.winner, self.loser)
    }

    pub fn contest(&self) -> &str {
        &self.contest
    }

    pub fn winner(&self) -> &str {
        &self.winner
    }

    pub fn loser(&self) -> &str {
        &self.loser
    }

    pub fn assorter(&self) -> &Assorter {
        &self.assorter
    }

    /// The assorter margin `v`, once set.
    pub fn margin(&self) -> Option<f64> {
        self.margin
    }

    /// ONEAudit pool means, once set.
    pub fn pool_means(&self) -> Option<&PoolMeans> {
        self.pool_means.as_ref()
    }

    fn margin_or_err(&self) -> Result<f64, ShangrlaError> {
        self.margin.ok_or_else(|| ShangrlaError::MarginNotSet {
            assertion: self.name(),
        })
    }

    /// Sets the margin directly (e.g. from a previous round's log).
    pub fn set_margin(&mut self, margin: f64) {
        self.margin = Some(margin);
    }

    /// Sets the margin from reported tallies (`find_margin_from_tally`); `tally` maps candidates to
    /// votes and `cards` is the number of cards holding the contest.
    pub fn set_margin_from_tally(
        &mut self,
        tally: &BTreeMap<String, u64>,
        cards: u64,
    ) -> Result<f64, ShangrlaError> {
        if cards == 0 {
            return Err(ShangrlaError::NoCardsWithContest {
                contest: self.contest.clone(),
            });
        }
        let votes = |c: &str| tally.get(c).copied().unwrap_or(0);
        let margin = match self.assorter.kind() {
            super::AssorterKind::Plurality { winner, loser } => {
                plurality_margin_from_tally(votes(winner), votes(loser), cards)
            }
            super::AssorterKind::Supermajority {
                winner,
                candidates,
                share_to_win,
            } => {
                let all: u64 = candidates.iter().map(|c| votes(c)).sum();
                supermajority_margin_from_tally(votes(winner), all, cards, *share_to_win)
            }
        };
        self.margin = Some(margin);
        Ok(margin)
    }

    /// Sets the margin `2·mean(A) − 1` over the CVRs (only those holding the contest with
    /// `use_style`) and returns it.
    pub fn set_margin_from_cvrs(
        &mut self,
        cvrs: &[Cvr],
        use_style: bool,
    ) -> Result<f64, ShangrlaError> {
        let margin = self.assorter.margin(cvrs, use_style)?;
        self.margin = Some(margin);
        Ok(margin)
    }

    /// Sets the ONEAudit pool means from the CVRs (see [`oneaudit::pool_means`]).
    pub fn set_pool_means(
        &mut self,
        cvrs: &[Cvr],
        pools: Option<&BTreeSet<String>>,
        use_style: bool,
    ) -> Result<(), ShangrlaError> {
        self.pool_means = Some(oneaudit::pool_means(
            &self.assorter,
            cvrs,
            pools,
            use_style,
        )?);
        Ok(())
    }

    /// The upper bound the test uses: `u_A` for polling, `2/(2 − v/u_A)` for comparison audits.
    pub fn test_upper_bound(&self, audit_type: AuditType) -> Result<f64, ShangrlaError> {
        let u_a = self.assorter.upper_bound();
        match audit_type {
            AuditType::Polling => Ok(u_a),
            AuditType::CardComparison | AuditType::OneAudit => {
                Ok(comparison_upper_bound(u_a, self.margin_or_err()?))
            }
        }
    }

    /// The ALPHA test for this assertion: null mean 1/2, the audit type's upper bound, the contest's
    /// cards as the population and the contest's estimator.
    pub fn alpha_test(&self, contest: &ContestSpec) -> Result<AlphaTest, ShangrlaError> {
        AlphaTest::new(
            0.5,
            self.test_upper_bound(contest.audit_type)?,
            Population::Finite(contest.cards),
            contest.estimator,
        )
    }

    /// The overstatement-assorter value for an overstatement of `overs` (in multiples of `u_A`):
    /// `(1 − overs/u_A)/(2 − v/u_A)` (`make_overstatement`).
    pub fn make_overstatement(&self, overs: f64) -> Result<f64, ShangrlaError> {
        Ok(overstatement_assorter_value(
            overs,
            self.assorter.upper_bound(),
            self.margin_or_err()?,
        ))
    }

    /// The overstatement-assorter value of one audited card (`overstatement_assorter`).
    pub fn overstatement_assorter(
        &self,
        mvr: &Cvr,
        cvr: &Cvr,
        use_style: bool,
    ) -> Result<f64, ShangrlaError> {
        let omega = self
            .assorter
            .overstatement(mvr, cvr, use_style, self.pool_means.as_ref())?;
        self.make_overstatement(omega)
    }

    /// The test data from an audited sample (`mvrs_to_data`): for comparison audits the
    /// overstatement-assorter values of the (MVR, CVR) pairs, keeping with `use_style` only cards whose
    /// CVR holds the contest; for polling the assorter values of the MVRs.
    ///
    /// Pass the pairs in selection order, and for a contest sampled alongside others only the cards up
    /// to the contest's sample-number threshold (`CardSample::thresholds` in `sampler`), as SHANGRLA
    /// filters them. `cvrs` is ignored for polling.
    pub fn sample_data(
        &self,
        contest: &ContestSpec,
        mvrs: &[Cvr],
        cvrs: &[Cvr],
    ) -> Result<Vec<f64>, ShangrlaError> {
        match contest.audit_type {
            AuditType::Polling => Ok(mvrs.iter().map(|m| self.assorter.assort(m)).collect()),
            AuditType::CardComparison | AuditType::OneAudit => {
                if mvrs.len() != cvrs.len() {
                    return Err(ShangrlaError::LengthMismatch {
                        mvrs: mvrs.len(),
                        cvrs: cvrs.len(),
                    });
                }
                let mut data = Vec::with_capacity(mvrs.len());
                for (position, (mvr, cvr)) in mvrs.iter().zip(cvrs).enumerate() {
                    if mvr.id != cvr.id {
                        return Err(ShangrlaError::IdMismatch {
                            position,
                            mvr: mvr.id.clone(),
                            cvr: cvr.id.clone(),
                        });
                    }
                    if contest.use_style && !cvr.has_contest(&self.contest) {
                        continue;
                    }
                    data.push(self.overstatement_assorter(mvr, cvr, contest.use_style)?);
                }
                Ok(data)
            }
        }
    }

    /// The ALPHA p-value, history and `η_j` for the test data (`set_p_values`).
    pub fn risk(&self, contest: &ContestSpec, data: &[f64]) -> Result<AlphaOutcome, ShangrlaError> {
        self.alpha_test(contest)?.run(data)
    }

    /// The initial sample size for this assertion (`Assertion.find_sample_size` with no data, or with
    /// the ONEAudit data of `Audit.find_sample_size`). `cvrs` are all the CVRs: ONEAudit needs them,
    /// and polling tallies them with SHANGRLA's `Contest.tally` rule. The margin must be positive.
    pub fn initial_sample_size(
        &self,
        contest: &ContestSpec,
        rates: ErrorRates,
        cvrs: &[Cvr],
    ) -> Result<u64, ShangrlaError> {
        let margin = self.margin_or_err()?;
        if margin.is_nan() || margin <= 0.0 {
            return Err(ShangrlaError::NonPositiveMargin { margin });
        }
        let test = self.alpha_test(contest)?;
        let u_a = self.assorter.upper_bound();
        match contest.audit_type {
            AuditType::CardComparison => comparison_sample_size(
                &test,
                u_a,
                margin,
                rates.one_vote,
                rates.two_vote,
                contest.risk_limit,
            ),
            AuditType::OneAudit => {
                let empty = PoolMeans::new();
                let means = self.pool_means.as_ref().unwrap_or(&empty);
                let data = oneaudit::sample_size_data(
                    &self.assorter,
                    margin,
                    cvrs,
                    means,
                    contest.use_style,
                    rates.one_vote,
                    rates.two_vote,
                )?;
                test.sample_size(&data, contest.risk_limit)
            }
            AuditType::Polling => {
                let tally = tally(&contest.id, contest.winners.len(), cvrs);
                let votes = |c: &str| tally.get(c).copied().unwrap_or(0);
                let loser_votes = if self.loser == ALL_OTHERS {
                    contest
                        .candidates
                        .iter()
                        .filter(|c| **c != self.winner)
                        .map(|c| votes(c))
                        .sum()
                } else {
                    votes(&self.loser)
                };
                polling_sample_size(
                    &test,
                    u_a,
                    votes(&self.winner),
                    loser_votes,
                    contest.risk_limit,
                )
            }
        }
    }

    /// The sample size if the rest of the population looked like `data` (SHANGRLA's estimate for the
    /// next round from the MVRs so far: `find_sample_size(data=…)` with `reps=None`).
    pub fn sample_size_from_data(
        &self,
        contest: &ContestSpec,
        data: &[f64],
    ) -> Result<u64, ShangrlaError> {
        self.alpha_test(contest)?
            .sample_size(data, contest.risk_limit)
    }
}

/// Votes per candidate over the cards holding the contest, skipping overvoted cards (more truthy votes
/// than winners), as SHANGRLA's `Contest.tally` with `enforce_rules=True` (L3159-3210).
pub fn tally(contest: &str, n_winners: usize, cvrs: &[Cvr]) -> BTreeMap<String, u64> {
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for votes in cvrs.iter().filter_map(|c| c.votes.get(contest)) {
        let marks = votes
            .iter()
            .filter(|(c, v)| !c.is_empty() && **v != 0)
            .count();
        if marks <= n_winners {
            for (candidate, &vote) in votes.iter().filter(|(c, _)| !c.is_empty()) {
                *counts.entry(candidate.clone()).or_insert(0) += u64::from(vote != 0);
            }
        }
    }
    counts
}

/// A contest's initial sample size: the largest over its assertions not yet proved
/// (`Audit.find_sample_size`'s per-contest step; 0 when all are proved).
pub fn contest_sample_size(
    contest: &ContestSpec,
    assertions: &[(&Assertion, bool)],
    rates: ErrorRates,
    cvrs: &[Cvr],
) -> Result<u64, ShangrlaError> {
    let mut size = 0;
    for (assertion, proved) in assertions {
        if !proved {
            size = size.max(assertion.initial_sample_size(contest, rates, cvrs)?);
        }
    }
    Ok(size)
}

/// The audit's total initial sample size (`Audit.find_sample_size`, L1209-1233).
///
/// With card styles, each card not yet sampled is drawn with probability
/// `p = max over its contests of size_c/(cards_c − sampled_c)` (already sampled cards count 1), and
/// the total is `⌈Σ p⌉` over the non-phantom cards, summed as NumPy does; without styles it is the
/// largest contest size. `sampled[i]` says whether card `i` is already in the sample.
pub fn audit_sample_size(
    contests: &[(&ContestSpec, u64)],
    cvrs: &[Cvr],
    sampled: &[bool],
    use_style: bool,
) -> Result<u64, ShangrlaError> {
    if !use_style {
        return Ok(contests.iter().map(|(_, s)| *s).max().unwrap_or(0));
    }
    if sampled.len() != cvrs.len() {
        return Err(ShangrlaError::LengthMismatch {
            mvrs: sampled.len(),
            cvrs: cvrs.len(),
        });
    }
    let mut rates = Vec::with_capacity(contests.len());
    for (contest, size) in contests {
        let already = cvrs
            .iter()
            .zip(sampled)
            .filter(|(c, s)| **s && c.has_contest(&contest.id))
            .count() as u64;
        let left = contest.cards.saturating_sub(already);
        if left == 0 {
            return Err(ShangrlaError::AllCardsSampled {
                contest: contest.id.clone(),
            });
        }
        rates.push((contest.id.as_str(), *size as f64 / left as f64));
    }
    let mut p = Vec::with_capacity(cvrs.len());
    for (cvr, &is_sampled) in cvrs.iter().zip(sampled) {
        if cvr.phantom {
            continue;
        }
        if is_sampled {
            p.push(1.0);
            continue;
        }
        let mut pi: f64 = 0.0;
        for &(id, rate) in &rates {
            if cvr.has_contest(id) && rate > pi {
                pi = rate;
            }
        }
        p.push(pi);
    }
    let total = numpy_sum(&p).ceil();
    if !(total.is_finite() && total >= 0.0) {
        return Err(ShangrlaError::BadParameter {
            name: "sample size",
            value: total,
            why: "the sampling probabilities do not add up to a finite total",
        });
    }
    Ok(total as u64)
}
