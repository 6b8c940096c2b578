//! The two kinds of RAIRE assertion (RAIRE paper, Blom, Stuckey & Teague 2019, §4; raire-rs
//! `raire/src/assertions.rs`), their margins and difficulties, and which elimination orders each one
//! rules out.
//!
//! An assertion is a claim about the reported tallies that, if true, makes some elimination orders
//! impossible. Auditing a set of assertions that together make every order ending in another winner
//! impossible confirms the reported winner.
//!
//! Precision: margins are exact integers; difficulties as in [`crate::difficulty`] (bit for bit with
//! raire-rs).

use std::fmt;

use crate::{Candidate, CandidateSet, Difficulty, IrvError, Profile};

/// One RAIRE assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Assertion {
    /// NEB ("winner-only" in the paper): `winner` cannot be eliminated before `loser`, because
    /// `winner`'s first preferences alone exceed every vote `loser` could ever hold (its tally when
    /// only the two remain).
    NotEliminatedBefore { winner: Candidate, loser: Candidate },
    /// NEN ("IRV" in the paper): when exactly `continuing` remain, `winner` has more votes than
    /// `loser`, so `winner` is not the next candidate eliminated.
    NotEliminatedNext {
        winner: Candidate,
        loser: Candidate,
        continuing: CandidateSet,
    },
}

/// An assertion with its margin (winner's minus loser's tally, 0 if not positive) and difficulty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScoredAssertion {
    pub assertion: Assertion,
    pub margin: u64,
    pub difficulty: f64,
}

impl Assertion {
    pub fn winner(&self) -> Candidate {
        match *self {
            Assertion::NotEliminatedBefore { winner, .. }
            | Assertion::NotEliminatedNext { winner, .. } => winner,
        }
    }

    pub fn loser(&self) -> Candidate {
        match *self {
            Assertion::NotEliminatedBefore { loser, .. }
            | Assertion::NotEliminatedNext { loser, .. } => loser,
        }
    }

    /// Checks the assertion is well formed for a contest of `num_candidates` candidates.
    pub fn validate(&self, num_candidates: usize) -> Result<(), IrvError> {
        let named = match *self {
            Assertion::NotEliminatedBefore { winner, loser } => vec![winner, loser],
            Assertion::NotEliminatedNext {
                winner,
                loser,
                continuing,
            } => {
                if !continuing.contains(winner) || !continuing.contains(loser) {
                    return Err(IrvError::MalformedNotEliminatedNext { winner, loser });
                }
                continuing.iter().chain([winner, loser]).collect()
            }
        };
        if let Some(&c) = named.iter().find(|c| c.index() >= num_candidates) {
            return Err(IrvError::AssertionCandidateOutOfRange {
                candidate: c,
                num_candidates,
            });
        }
        if self.winner() == self.loser() {
            return Err(IrvError::SelfComparison(self.winner()));
        }
        Ok(())
    }

    /// The winner's and loser's tallies the assertion compares, from the reported ballots.
    ///
    /// NEB compares the winner's first preferences with the loser's tally when only the two remain
    /// (assertions.rs `NotEliminatedBefore::difficulty`); NEN compares their tallies when exactly the
    /// continuing candidates remain (`NotEliminatedNext::difficulty`).
    pub fn tallies(&self, profile: &Profile) -> Result<(u64, u64), IrvError> {
        self.validate(profile.num_candidates())?;
        Ok(match *self {
            Assertion::NotEliminatedBefore { winner, loser } => {
                let pair = profile.tallies(CandidateSet::of([winner, loser]));
                (
                    profile.first_preferences(winner),
                    pair.get(loser.index()).copied().unwrap_or(0),
                )
            }
            Assertion::NotEliminatedNext {
                winner,
                loser,
                continuing,
            } => {
                let t = profile.tallies(continuing);
                (
                    t.get(winner.index()).copied().unwrap_or(0),
                    t.get(loser.index()).copied().unwrap_or(0),
                )
            }
        })
    }

    /// Margin and difficulty of this assertion on the reported ballots.
    pub fn score(
        &self,
        profile: &Profile,
        measure: &dyn Difficulty,
    ) -> Result<ScoredAssertion, IrvError> {
        let (w, l) = self.tallies(profile)?;
        Ok(ScoredAssertion {
            assertion: *self,
            margin: w.saturating_sub(l),
            difficulty: measure.difficulty(w, l),
        })
    }

    /// True when the assertion contradicts eliminating `eliminated` while exactly `continuing`
    /// remain (`eliminated` among them).
    ///
    /// Every elimination order is a sequence of such steps, and each assertion forbids a fixed set of
    /// steps, whatever happened before or after: NEB(w, l) forbids eliminating w while l remains;
    /// NEN(w, l, S) forbids eliminating w when exactly S remain. The search and the verifier rely on
    /// this.
    pub fn forbids_step(&self, eliminated: Candidate, continuing: CandidateSet) -> bool {
        match *self {
            Assertion::NotEliminatedBefore { winner, loser } => {
                eliminated == winner && continuing.contains(loser)
            }
            Assertion::NotEliminatedNext {
                winner,
                continuing: s,
                ..
            } => eliminated == winner && continuing == s,
        }
    }

    /// True when the complete elimination order `order` (first eliminated first, winner last)
    /// contradicts this assertion.
    pub fn rules_out(&self, order: &[Candidate]) -> bool {
        let mut continuing = CandidateSet::of(order.iter().copied());
        order.iter().any(|&c| {
            let forbidden = self.forbids_step(c, continuing);
            continuing = continuing.without(c);
            forbidden
        })
    }
}

impl fmt::Display for Assertion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Assertion::NotEliminatedBefore { winner, loser } => write!(
                f,
                "NEB: candidate {} is never eliminated before candidate {}",
                winner.number(),
                loser.number()
            ),
            Assertion::NotEliminatedNext {
                winner,
                loser,
                continuing,
            } => {
                let set: Vec<u32> = continuing.iter().map(Candidate::number).collect();
                write!(
                    f,
                    "NEN: candidate {} beats candidate {} when only {:?} remain",
                    winner.number(),
                    loser.number(),
                    set
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DifficultyMeasure, RankedBallots};

    const A: Candidate = Candidate::new(0);
    const B: Candidate = Candidate::new(1);
    const C: Candidate = Candidate::new(2);
    const D: Candidate = Candidate::new(3);

    fn guide_profile() -> Profile {
        let g = |count, r: &[Candidate]| RankedBallots {
            count,
            ranking: r.to_vec(),
        };
        Profile::new(
            4,
            [
                g(5000, &[C, B, A]),
                g(1000, &[B, C, D]),
                g(1500, &[D, A]),
                g(4000, &[A, D]),
                g(2000, &[D]),
            ],
        )
        .unwrap()
    }

    /// raire-rs `raire/tests/test_guide_to_raire_examples.rs` `test_neb_assertions` (L61): the
    /// Guide to RAIRE's table 6.1; only C NEB B is finite, with difficulty 3.375.
    #[test]
    fn guide_neb_table_matches_raire_rs_test() {
        let p = guide_profile();
        let m = DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: 13500,
        };
        let neb = |winner, loser| {
            Assertion::NotEliminatedBefore { winner, loser }
                .score(&p, &m)
                .unwrap()
                .difficulty
        };
        for (w, l) in [
            (B, A),
            (C, A),
            (D, A),
            (A, B),
            (D, B),
            (A, D),
            (B, D),
            (C, D),
        ] {
            assert!(neb(w, l).is_infinite(), "{w} NEB {l}");
        }
        assert_eq!(neb(C, B), 3.375);
    }

    #[test]
    fn steps_forbidden_by_each_kind() {
        let neb = Assertion::NotEliminatedBefore {
            winner: C,
            loser: B,
        };
        // C eliminated first, B later: contradicted. B first: fine.
        assert!(neb.rules_out(&[C, B, A, D]));
        assert!(neb.rules_out(&[A, C, D, B]));
        assert!(!neb.rules_out(&[B, D, A, C]));
        let nen = Assertion::NotEliminatedNext {
            winner: A,
            loser: D,
            continuing: CandidateSet::of([A, C, D]),
        };
        assert!(nen.rules_out(&[B, A, D, C]));
        assert!(!nen.rules_out(&[B, D, A, C]));
        // {A, C, D} never remain exactly.
        assert!(!nen.rules_out(&[A, B, D, C]));
    }

    #[test]
    fn malformed_assertions_are_rejected() {
        let p = guide_profile();
        let m = DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: 13500,
        };
        let bad = Assertion::NotEliminatedNext {
            winner: A,
            loser: D,
            continuing: CandidateSet::of([A, C]),
        };
        assert_eq!(
            bad.score(&p, &m).unwrap_err(),
            IrvError::MalformedNotEliminatedNext {
                winner: A,
                loser: D
            }
        );
        let out = Assertion::NotEliminatedBefore {
            winner: A,
            loser: Candidate::new(9),
        };
        assert!(matches!(
            out.score(&p, &m),
            Err(IrvError::AssertionCandidateOutOfRange { .. })
        ));
        let same = Assertion::NotEliminatedBefore {
            winner: A,
            loser: A,
        };
        assert_eq!(same.validate(4), Err(IrvError::SelfComparison(A)));
    }
}
