//! SHANGRLA's assorters (Stark 2020, "Sets of Half-Average Nulls Generate Risk-Limiting Audits") and
//! the overstatement assorter for card-level comparison audits, as `shangrla/core/Audit.py` defines
//! them, over SHANGRLA's cast-vote-record model.
//!
//! An assorter maps a card to a number in `[0, u_A]`; the assertion "the mean over all cards exceeds
//! 1/2" implies the reported outcome. Its margin is `v = 2·mean − 1`.
//!
//! * Plurality pair (`make_plurality_assertions`, L1979-2052): `A(b) = (vote_w − vote_l + 1)/2`,
//!   `u_A = 1`. Multi-winner plurality uses one such assertion per (winner, loser) pair.
//! * Supermajority with winning share `f` (`make_supermajority_assertion`, L2054-2142):
//!   `A(b) = vote_w/(2f)` when the card has exactly one vote among the contest's candidates, else 1/2;
//!   `u_A = 1/(2f)`.
//! * Overstatement (`Assorter.overstatement`, L2692-2741): `ω = A(cvr) − A(mvr)`, where a phantom MVR,
//!   or with `use_style` an MVR without the contest, counts `A(mvr) = 0`; a phantom CVR counts
//!   `A(cvr) = 1/2`; a pooled CVR (ONEAudit) counts its pool's mean assorter value. The overstatement
//!   assorter is `B = (1 − ω/u_A)/(2 − v/u_A)` (`overstatement_assorter`, L1551-1583).
//!
//! Votes are integers, as SHANGRLA's `CVR.as_vote` (`int(v)`) reads them: `true` is 1, `false` and a
//! missing candidate are 0, and a rank such as 2 counts 2 (SHANGRLA does not cap it).
//! Precision: the same float operations as SHANGRLA, so assorter values and means are bit-identical.

use std::collections::BTreeMap;

use super::ShangrlaError;
use super::numeric::numpy_mean;

/// One cast-vote record (or manual-vote record) in SHANGRLA's model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cvr {
    pub id: String,
    /// Contest → candidate → vote. A contest present with no votes means the card holds the contest
    /// but has no vote in it; a missing contest means the card does not hold it.
    pub votes: BTreeMap<String, BTreeMap<String, i64>>,
    /// A phantom record stands for a card that may exist but has no CVR (or was not found).
    pub phantom: bool,
    /// ONEAudit: compare this card against its tally pool's mean instead of its own CVR.
    pub pool: bool,
    /// The tally pool (batch) the card was counted in.
    pub tally_pool: Option<String>,
}

impl Cvr {
    /// A record with the given votes and no pool or phantom flags.
    pub fn new(
        id: impl Into<String>,
        votes: impl IntoIterator<Item = (String, BTreeMap<String, i64>)>,
    ) -> Cvr {
        Cvr {
            id: id.into(),
            votes: votes.into_iter().collect(),
            ..Cvr::default()
        }
    }

    /// Does the card hold the contest (`CVR.has_contest`)?
    pub fn has_contest(&self, contest: &str) -> bool {
        self.votes.contains_key(contest)
    }

    /// The vote for a candidate, 0 when absent (`CVR.get_vote_for` then `as_vote`).
    pub fn vote_for(&self, contest: &str, candidate: &str) -> i64 {
        self.votes
            .get(contest)
            .and_then(|v| v.get(candidate))
            .copied()
            .unwrap_or(0)
    }

    /// Exactly one of `candidates` has a (truthy) vote in `contest` (`CVR.has_one_vote`). A card
    /// without the contest has none (SHANGRLA would raise a KeyError there).
    pub fn has_one_vote(&self, contest: &str, candidates: &[String]) -> bool {
        let Some(votes) = self.votes.get(contest) else {
            return false;
        };
        candidates
            .iter()
            .filter(|c| votes.get(c.as_str()).is_some_and(|&v| v != 0))
            .count()
            == 1
    }
}

/// What an assorter measures.
#[derive(Debug, Clone, PartialEq)]
pub enum AssorterKind {
    /// `(vote_w − vote_l + 1)/2`.
    Plurality { winner: String, loser: String },
    /// `vote_w/(2f)` on a card with exactly one valid vote among `candidates`, else 1/2.
    Supermajority {
        winner: String,
        candidates: Vec<String>,
        share_to_win: f64,
    },
}

/// An assorter for one contest.
#[derive(Debug, Clone, PartialEq)]
pub struct Assorter {
    contest: String,
    kind: AssorterKind,
    upper_bound: f64,
}

impl Assorter {
    /// The plurality-pair assorter for `winner` against `loser`; upper bound 1.
    pub fn plurality(
        contest: impl Into<String>,
        winner: impl Into<String>,
        loser: impl Into<String>,
    ) -> Assorter {
        Assorter {
            contest: contest.into(),
            kind: AssorterKind::Plurality {
                winner: winner.into(),
                loser: loser.into(),
            },
            upper_bound: 1.0,
        }
    }

    /// The supermajority assorter: `winner` got more than `share_to_win` of the valid votes among
    /// `candidates` (which must include the winner); upper bound `1/(2f)`.
    pub fn supermajority(
        contest: impl Into<String>,
        winner: impl Into<String>,
        candidates: Vec<String>,
        share_to_win: f64,
    ) -> Result<Assorter, ShangrlaError> {
        if !(share_to_win > 0.0 && share_to_win < 1.0) {
            return Err(ShangrlaError::BadParameter {
                name: "share_to_win",
                value: share_to_win,
                why: "the winning share must be between 0 and 1",
            });
        }
        let winner = winner.into();
        let mut candidates = candidates;
        if !candidates.contains(&winner) {
            candidates.push(winner.clone());
        }
        Ok(Assorter {
            contest: contest.into(),
            kind: AssorterKind::Supermajority {
                winner,
                candidates,
                share_to_win,
            },
            upper_bound: 1.0 / (2.0 * share_to_win),
        })
    }

    pub fn contest(&self) -> &str {
        &self.contest
    }

    pub fn kind(&self) -> &AssorterKind {
        &self.kind
    }

    /// `u_A`, the largest value the assorter can give a card.
    pub fn upper_bound(&self) -> f64 {
        self.upper_bound
    }

    /// The assorter's value for a card.
    pub fn assort(&self, cvr: &Cvr) -> f64 {
        let contest = self.contest.as_str();
        match &self.kind {
            AssorterKind::Plurality { winner, loser } => {
                (cvr.vote_for(contest, winner) - cvr.vote_for(contest, loser) + 1) as f64 / 2.0
            }
            AssorterKind::Supermajority {
                winner,
                candidates,
                share_to_win,
            } => {
                if cvr.has_one_vote(contest, candidates) {
                    cvr.vote_for(contest, winner) as f64 / (2.0 * share_to_win)
                } else {
                    0.5
                }
            }
        }
    }

    /// The mean over the cards (`Assorter.mean`, L2563-2585): with `use_style`, over the cards that
    /// hold the contest only. Errors when no card counts.
    pub fn mean(&self, cvrs: &[Cvr], use_style: bool) -> Result<f64, ShangrlaError> {
        let values: Vec<f64> = cvrs
            .iter()
            .filter(|c| !use_style || c.has_contest(&self.contest))
            .map(|c| self.assort(c))
            .collect();
        if values.is_empty() {
            return Err(ShangrlaError::NoCardsWithContest {
                contest: self.contest.clone(),
            });
        }
        Ok(numpy_mean(&values))
    }

    /// The assorter margin `2·mean − 1` over the cards (`Assertion.margin`, L1489-1503).
    pub fn margin(&self, cvrs: &[Cvr], use_style: bool) -> Result<f64, ShangrlaError> {
        Ok(2.0 * self.mean(cvrs, use_style)? - 1.0)
    }

    /// The overstatement `ω = A(cvr) − A(mvr)` for one audited card (`Assorter.overstatement`).
    ///
    /// `pool_means` are the ONEAudit pool means; a pooled CVR then counts its pool's mean. With
    /// `use_style`, the CVR must hold the contest (SHANGRLA raises otherwise).
    pub fn overstatement(
        &self,
        mvr: &Cvr,
        cvr: &Cvr,
        use_style: bool,
        pool_means: Option<&BTreeMap<String, f64>>,
    ) -> Result<f64, ShangrlaError> {
        if use_style && !cvr.has_contest(&self.contest) {
            return Err(ShangrlaError::CardLacksContest {
                card: cvr.id.clone(),
                contest: self.contest.clone(),
            });
        }
        let mvr_assort = if mvr.phantom || (use_style && !mvr.has_contest(&self.contest)) {
            0.0
        } else {
            self.assort(mvr)
        };
        let cvr_assort = match pool_means {
            Some(means) if cvr.pool => {
                let pool =
                    cvr.tally_pool
                        .as_ref()
                        .ok_or_else(|| ShangrlaError::PoolWithoutLabel {
                            card: cvr.id.clone(),
                        })?;
                *means
                    .get(pool)
                    .ok_or_else(|| ShangrlaError::MissingPoolMean {
                        card: cvr.id.clone(),
                        pool: pool.clone(),
                    })?
            }
            _ => {
                let phantom = f64::from(u8::from(cvr.phantom));
                phantom / 2.0 + (1.0 - phantom) * self.assort(cvr)
            }
        };
        Ok(cvr_assort - mvr_assort)
    }
}

/// The overstatement assorter `(1 − ω/u_A)/(2 − v/u_A)` for an overstatement `ω`
/// (`Assertion.make_overstatement`, L1683-1703, and `overstatement_assorter`, L1551-1583).
pub fn overstatement_assorter_value(overstatement: f64, upper_bound: f64, margin: f64) -> f64 {
    (1.0 - overstatement / upper_bound) / (2.0 - margin / upper_bound)
}

/// The upper bound of the overstatement assorter, which is the comparison test's `u`:
/// `2/(2 − v/u_A)` (`set_margin_from_cvrs`, L1620).
pub fn comparison_upper_bound(upper_bound: f64, margin: f64) -> f64 {
    2.0 / (2.0 - margin / upper_bound)
}

/// The overstatement assorter's mean if 1-vote and 2-vote overstatements occur at the given rates:
/// `(1 − r₁/2 − r₂)/(2 − v/u_A)` (`Assertion.overstatement_assorter_mean`, L1529-1549).
pub fn overstatement_assorter_mean(upper_bound: f64, margin: f64, rate_1: f64, rate_2: f64) -> f64 {
    (1.0 - rate_1 / 2.0 - rate_2) / (2.0 - margin / upper_bound)
}

/// The overstatement assorter's margin at those rates:
/// `(1 − (r₂ + r₁/2)·u_A/v)/(2u_A/v − 1)` (`Assertion.overstatement_assorter_margin`, L1505-1527).
pub fn overstatement_assorter_margin(
    upper_bound: f64,
    margin: f64,
    rate_1: f64,
    rate_2: f64,
) -> f64 {
    (1.0 - (rate_2 + rate_1 / 2.0) * upper_bound / margin) / (2.0 * upper_bound / margin - 1.0)
}

/// Plurality (or approval) assorter margin from reported tallies: `(V_w − V_l)/cards`
/// (`Assertion.find_margin_from_tally`, L1626-1681).
pub fn plurality_margin_from_tally(winner_votes: u64, loser_votes: u64, cards: u64) -> f64 {
    (winner_votes as f64 - loser_votes as f64) / cards as f64
}

/// Supermajority assorter margin from reported tallies: `q(p/f − 1)` with `q` the fraction of cards
/// with a valid vote for any candidate and `p` the winner's fraction (L1662-1677).
pub fn supermajority_margin_from_tally(
    winner_votes: u64,
    all_candidate_votes: u64,
    cards: u64,
    share_to_win: f64,
) -> f64 {
    let q = all_candidate_votes as f64 / cards as f64;
    let p = winner_votes as f64 / cards as f64;
    q * (p / share_to_win - 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(id: &str, contest: &str, votes: &[(&str, i64)]) -> Cvr {
        Cvr::new(
            id,
            [(
                contest.to_string(),
                votes.iter().map(|(c, v)| (c.to_string(), *v)).collect(),
            )],
        )
    }

    #[test]
    fn plurality_values() {
        let a = Assorter::plurality("c", "A", "B");
        assert_eq!(a.assort(&card("1", "c", &[("A", 1)])), 1.0);
        assert_eq!(a.assort(&card("2", "c", &[("B", 1)])), 0.0);
        assert_eq!(a.assort(&card("3", "c", &[("C", 1)])), 0.5);
        assert_eq!(a.assort(&card("4", "d", &[("A", 1)])), 0.5);
    }

    #[test]
    fn supermajority_values() {
        let a = Assorter::supermajority(
            "c",
            "A",
            vec!["A".into(), "B".into(), "C".into()],
            2.0 / 3.0,
        )
        .unwrap();
        assert_eq!(a.upper_bound(), 0.75);
        assert_eq!(a.assort(&card("1", "c", &[("A", 1)])), 0.75);
        assert_eq!(a.assort(&card("2", "c", &[("B", 1)])), 0.0);
        // An overvote is not exactly one vote: 1/2.
        assert_eq!(a.assort(&card("3", "c", &[("A", 1), ("B", 1)])), 0.5);
        assert!(Assorter::supermajority("c", "A", vec![], 1.0).is_err());
    }

    #[test]
    fn phantoms_and_style() {
        let a = Assorter::plurality("c", "A", "B");
        let cvr = card("1", "c", &[("A", 1)]);
        let mut phantom_mvr = card("1", "c", &[("A", 1)]);
        phantom_mvr.phantom = true;
        assert_eq!(
            a.overstatement(&phantom_mvr, &cvr, true, None).unwrap(),
            1.0
        );
        let missing = Cvr::new("1", []);
        assert_eq!(a.overstatement(&missing, &cvr, true, None).unwrap(), 1.0);
        assert_eq!(a.overstatement(&missing, &cvr, false, None).unwrap(), 0.5);
        let mut phantom_cvr = card("1", "c", &[]);
        phantom_cvr.phantom = true;
        assert_eq!(
            a.overstatement(&card("1", "c", &[("B", 1)]), &phantom_cvr, true, None)
                .unwrap(),
            0.5
        );
        assert!(a.overstatement(&cvr, &missing, true, None).is_err());
    }
}
