//! RAIRE: the set of NEB/NEN assertions that confirms the reported IRV winner with the smallest
//! possible maximum difficulty (Blom, Stuckey & Teague 2019, "RAIRE: Risk-Limiting Audits for IRV
//! Elections", §5, Algorithm 1; raire-rs `raire/src/raire_algorithm.rs`).
//!
//! # The problem
//! Every elimination order that ends with someone other than the reported winner must be ruled out
//! by some assertion. An elimination order is a chain of steps "eliminate c while exactly the set T
//! remains", built backwards from the last candidate standing. The paper's search grows such chains
//! (order suffixes) and, for each suffix, keeps the cheapest assertion that rules out every order
//! ending with it (`find_best_audit`): a NEB between its first candidate and another, or the NEN
//! saying its first candidate is not eliminated next. A suffix's cost is the cheapest such assertion
//! found anywhere along it; the audit's difficulty is the largest cost over the suffixes that must be
//! cut, minimised over where to cut.
//!
//! # How it is searched here
//! The cheapest assertion for a suffix depends only on its first candidate and the set of its
//! candidates, never on the order of the rest (NEB asks whether the other candidate is in the set;
//! NEN looks at the tallies of the set). So suffixes with the same set behave identically below that
//! point, and the paper's search tree over suffixes folds into a graph over sets of candidates.
//! Unfolding the paper's recursion, the optimal difficulty is
//!
//! `V* = max over alternative elimination orders of (min over their steps of the step's cheapest
//! assertion)`,
//!
//! a widest-path (bottleneck) problem on that graph. It is solved best-first, like the paper's
//! Algorithm 1 (which always expands the costliest suffix), but each set is expanded once, at its
//! best bottleneck value (Dijkstra's order for widest paths). A greedy dive first finds one complete
//! alternative order, whose value is a lower bound on `V*`; branches that cannot beat it are never
//! stored (the paper's lower bound `LB`, raised here before the search starts). The search ends
//! when the set of all candidates is reached: its value is `V*`.
//!
//! The assertions are then read off the cut: every expanded set whose value exceeds `V*`, joined to
//! a step whose cheapest assertion costs at most `V*`, contributes that assertion. Every alternative
//! order starts inside the expanded region and cannot reach the full set without crossing the cut,
//! so these assertions rule out all of them, and none costs more than `V*`. To this pool are added
//! all NEBs costing at most `V*`. One walk over the sets then chooses from the pool, preferring
//! NEBs, only what is needed to cut every path (`select`); finally assertions that are still
//! redundant are dropped, hardest first, while the rest rule out every alternative (checked as in
//! [`unrefuted_elimination_order`]), within a bounded share of the work budget. No set of NEB/NEN
//! assertions can do better than `V*` (each alternative order must be ruled out by an assertion
//! violated at one of its steps, which costs at least that step's cheapest), so trimming never
//! changes the difficulty.
//!
//! Precision: the overall difficulty equals raire-rs's bit for bit (its lower bound when its search
//! ends): both are `V*`, a value of one assertion's difficulty computed by the same formula, and the
//! search only compares and takes minima and maxima of such values, never sums them. The assertion list may
//! differ from raire-rs's, as raire-rs's own tests allow (`raire/tests/test_nsw_lge.rs`).

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use crate::count::count_with;
use crate::work::{DEFAULT_MAX_WORK, Work};
use crate::{Assertion, Candidate, CandidateSet, Difficulty, IrvError, Profile, ScoredAssertion};

/// Bounds on the search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    /// Units of work (one tally of the ballots, or one search step) before giving up with
    /// [`IrvError::WorkLimitExceeded`].
    pub max_work: u64,
}

impl Default for SearchLimits {
    fn default() -> SearchLimits {
        SearchLimits {
            max_work: DEFAULT_MAX_WORK,
        }
    }
}

/// The assertions to audit for one IRV contest.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditAssertions {
    pub winner: Candidate,
    /// One elimination order of the reported count (first eliminated first, winner last).
    pub elimination_order: Vec<Candidate>,
    /// The assertions, hardest first. Together they rule out every elimination order ending in
    /// another winner.
    pub assertions: Vec<ScoredAssertion>,
    /// The largest difficulty among the assertions: the smallest achievable by any set of NEB/NEN
    /// assertions. 0 when there is nothing to rule out (a single candidate).
    pub difficulty: f64,
    /// The smallest margin among the assertions (0 when there are none).
    pub min_margin: u64,
    /// Units of work spent.
    pub work: u64,
    /// False when the work limit was reached while removing redundant assertions: the list is
    /// still valid and has the same difficulty, but may hold assertions that are not needed.
    pub fully_trimmed: bool,
}

/// Finds the assertions that confirm the winner of `profile` with the smallest maximum difficulty
/// under `measure` (usually a [`DifficultyMeasure`](crate::DifficultyMeasure)).
///
/// `announced_winner`, if given, must be the IRV winner of the ballots (RAIRE checks this so an
/// audit never confirms someone other than the person announced).
///
/// # Errors
/// Invalid measure parameters; [`IrvError::WrongWinner`]; [`IrvError::TiedWinners`] when the winner
/// depends on breaking a tie; [`IrvError::WorkLimitExceeded`] when the search needs more than
/// `limits.max_work`; [`IrvError::CannotRuleOut`] if some alternative order has no step with a
/// finite difficulty (impossible for a unique winner and a measure that is finite for every
/// positive margin, as [`DifficultyMeasure`](crate::DifficultyMeasure) is).
pub fn find_assertions(
    profile: &Profile,
    measure: &dyn Difficulty,
    announced_winner: Option<Candidate>,
    limits: SearchLimits,
) -> Result<AuditAssertions, IrvError> {
    measure.validate()?;
    let mut work = Work::new(limits.max_work);
    let count = count_with(profile, &mut work)?;
    if let Some(announced) = announced_winner
        && !count.possible_winners.contains(&announced)
    {
        return Err(IrvError::WrongWinner {
            announced,
            possible: count.possible_winners,
        });
    }
    let winner = match count.unique_winner() {
        Some(w) => w,
        None => return Err(IrvError::TiedWinners(count.possible_winners)),
    };

    let mut search = Search::new(profile, measure, winner, &mut work)?;
    let optimum = search.widest_alternative()?;
    let pool = search.pool(optimum)?;
    drop(search);

    let n = profile.num_candidates();
    let selected = select(n, winner, &pool, &mut work)?;
    // Removing redundant assertions is a nicety: give it a bounded share of the remaining budget.
    let mut trim_work = Work::new(work.remaining().min(TRIM_WORK));
    let (kept, fully_trimmed) = trim(n, winner, selected, &mut trim_work);
    work.add(trim_work.done());
    let mut assertions = kept
        .iter()
        .map(|a| a.score(profile, measure))
        .collect::<Result<Vec<_>, _>>()?;
    assertions.sort_by(|x, y| {
        y.difficulty
            .total_cmp(&x.difficulty)
            .then(x.assertion.cmp(&y.assertion))
    });
    let min_margin = assertions.iter().map(|a| a.margin).min().unwrap_or(0);
    Ok(AuditAssertions {
        winner,
        elimination_order: count.elimination_order,
        difficulty: optimum,
        assertions,
        min_margin,
        work: work.done(),
        fully_trimmed,
    })
}

/// The cheapest assertion ruling out "eliminate c while exactly T remain" (or, when T is only c,
/// "c wins"); `None` when every candidate assertion has a non-positive margin.
#[derive(Debug, Clone, Copy)]
struct Cheapest {
    assertion: Option<Assertion>,
    difficulty: f64,
}

/// A frontier entry: a set of candidates reached by a chain whose cheapest step costs `value`.
#[derive(Debug, Clone, Copy)]
struct Frontier {
    value: f64,
    set: CandidateSet,
}

impl PartialEq for Frontier {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Frontier {}
impl PartialOrd for Frontier {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Frontier {
    /// Highest value first; among equal values the larger set (closer to a complete order), so
    /// that ties reach the end quickly; then by the set itself, for determinism.
    fn cmp(&self, other: &Self) -> Ordering {
        self.value
            .total_cmp(&other.value)
            .then(self.set.len().cmp(&other.set.len()))
            .then(self.set.cmp(&other.set))
    }
}

struct Search<'a> {
    profile: &'a Profile,
    measure: &'a dyn Difficulty,
    winner: Candidate,
    all: CandidateSet,
    num_candidates: usize,
    /// `neb[w * n + l]`: difficulty of "w is not eliminated before l".
    neb: Vec<f64>,
    tallies: HashMap<CandidateSet, Vec<u64>>,
    cheapest: HashMap<(Candidate, CandidateSet), Cheapest>,
    /// Sets expanded, with their bottleneck value.
    expanded: HashMap<CandidateSet, f64>,
    work: &'a mut Work,
}

impl<'a> Search<'a> {
    fn new(
        profile: &'a Profile,
        measure: &'a dyn Difficulty,
        winner: Candidate,
        work: &'a mut Work,
    ) -> Result<Search<'a>, IrvError> {
        let n = profile.num_candidates();
        let mut neb = vec![f64::INFINITY; n * n];
        // Each pair's tally needs one walk of the ballots; it serves both directions. The NEB winner's
        // side is its first preferences only (assertions.rs `NotEliminatedBefore::difficulty`).
        let all = profile.all_candidates();
        for x in all.iter() {
            for y in all.iter().filter(|&y| y > x) {
                work.tick("tallying candidate pairs", None)?;
                let pair = profile.tallies(CandidateSet::of([x, y]));
                let tally = |c: Candidate| pair.get(c.index()).copied().unwrap_or(0);
                for (w, l) in [(x, y), (y, x)] {
                    if let Some(slot) = neb.get_mut(w.index() * n + l.index()) {
                        *slot = measure.difficulty(profile.first_preferences(w), tally(l));
                    }
                }
            }
        }
        Ok(Search {
            profile,
            measure,
            winner,
            all,
            num_candidates: n,
            neb,
            tallies: HashMap::new(),
            cheapest: HashMap::new(),
            expanded: HashMap::new(),
            work,
        })
    }

    fn neb_difficulty(&self, winner: Candidate, loser: Candidate) -> f64 {
        self.neb
            .get(winner.index() * self.num_candidates + loser.index())
            .copied()
            .unwrap_or(f64::INFINITY)
    }

    /// Cheapest assertion that rules out every elimination order in which `c` is eliminated while
    /// exactly `remaining` (which contains `c`) are continuing (raire_algorithm.rs `find_best_audit`).
    fn cheapest(&mut self, c: Candidate, remaining: CandidateSet) -> Result<Cheapest, IrvError> {
        if let Some(&known) = self.cheapest.get(&(c, remaining)) {
            return Ok(known);
        }
        self.work
            .tick("comparing assertions for one elimination step", None)?;
        let mut best = Cheapest {
            assertion: None,
            difficulty: f64::INFINITY,
        };
        // NEB: against a candidate still continuing, c must not go before it; against one already
        // gone, that one must not have gone before c.
        for other in self.all.iter().filter(|&o| o != c) {
            let (assertion, difficulty) = if remaining.contains(other) {
                (
                    Assertion::NotEliminatedBefore {
                        winner: c,
                        loser: other,
                    },
                    self.neb_difficulty(c, other),
                )
            } else {
                (
                    Assertion::NotEliminatedBefore {
                        winner: other,
                        loser: c,
                    },
                    self.neb_difficulty(other, c),
                )
            };
            if difficulty < best.difficulty {
                best = Cheapest {
                    assertion: Some(assertion),
                    difficulty,
                };
            }
        }
        // NEN: c beats the lowest of the others while exactly `remaining` continue.
        if remaining.len() >= 2 {
            let tallies = self.tallies_for(remaining)?;
            let tally = |x: Candidate| tallies.get(x.index()).copied().unwrap_or(0);
            let lowest = remaining
                .iter()
                .filter(|&x| x != c)
                .min_by_key(|&x| tally(x));
            if let Some(loser) = lowest {
                let difficulty = self.measure.difficulty(tally(c), tally(loser));
                if difficulty < best.difficulty {
                    best = Cheapest {
                        assertion: Some(Assertion::NotEliminatedNext {
                            winner: c,
                            loser,
                            continuing: remaining,
                        }),
                        difficulty,
                    };
                }
            }
        }
        self.cheapest.insert((c, remaining), best);
        Ok(best)
    }

    fn tallies_for(&mut self, remaining: CandidateSet) -> Result<Vec<u64>, IrvError> {
        if let Some(t) = self.tallies.get(&remaining) {
            return Ok(t.clone());
        }
        self.work.tick("tallying continuing candidates", None)?;
        let t = self.profile.tallies(remaining);
        self.tallies.insert(remaining, t.clone());
        Ok(t)
    }

    /// Candidates that may be added in front of a chain whose candidates are `set`: anyone not yet
    /// in it, except that the last one standing (the first added) must not be the winner.
    fn extensions(&self, set: CandidateSet) -> impl Iterator<Item = Candidate> + use<> {
        let winner = self.winner;
        let first = set.is_empty();
        self.all
            .minus(set)
            .iter()
            .filter(move |&c| !(first && c == winner))
    }

    /// A quick complete alternative order, choosing at each step the extension that keeps the
    /// bottleneck highest. Its value is a lower bound on the optimum. `None` when there is no
    /// alternative (a single candidate).
    fn greedy_dive(&mut self) -> Result<Option<(f64, Vec<Candidate>)>, IrvError> {
        let mut set = CandidateSet::EMPTY;
        let mut value = f64::INFINITY;
        let mut added = Vec::with_capacity(self.num_candidates);
        while set != self.all {
            let mut best: Option<(f64, Candidate)> = None;
            for c in self.extensions(set).collect::<Vec<_>>() {
                let v = value.min(self.cheapest(c, set.with(c))?.difficulty);
                if best.is_none_or(|(b, _)| v > b) {
                    best = Some((v, c));
                }
            }
            let Some((v, c)) = best else {
                return Ok(None);
            };
            value = v;
            set = set.with(c);
            added.push(c);
        }
        added.reverse();
        Ok(Some((value, added)))
    }

    /// The optimal (smallest achievable) maximum difficulty `V*`: the widest bottleneck over all
    /// alternative elimination orders.
    fn widest_alternative(&mut self) -> Result<f64, IrvError> {
        let Some((floor, dive_order)) = self.greedy_dive()? else {
            return Ok(0.0);
        };
        if floor == f64::INFINITY {
            return Err(IrvError::CannotRuleOut {
                elimination_order: dive_order,
            });
        }
        // Best value pushed for each set, and the step that achieved it (to report an order that
        // cannot be ruled out).
        let mut reached: HashMap<CandidateSet, (f64, CandidateSet, Candidate)> = HashMap::new();
        let mut frontier = BinaryHeap::new();
        frontier.push(Frontier {
            value: f64::INFINITY,
            set: CandidateSet::EMPTY,
        });
        while let Some(Frontier { value, set }) = frontier.pop() {
            if self.expanded.contains_key(&set) {
                continue;
            }
            self.expanded.insert(set, value);
            if set == self.all {
                if value == f64::INFINITY {
                    return Err(IrvError::CannotRuleOut {
                        elimination_order: chain_to(&reached, set),
                    });
                }
                return Ok(value);
            }
            self.work
                .tick("searching for assertions", Some(floor.max(0.0)))?;
            for c in self.extensions(set).collect::<Vec<_>>() {
                let next = set.with(c);
                let v = value.min(self.cheapest(c, next)?.difficulty);
                // A chain no better than the dive's cannot raise the optimum.
                if v <= floor || self.expanded.contains_key(&next) {
                    continue;
                }
                if reached.get(&next).is_some_and(|&(best, _, _)| best >= v) {
                    continue;
                }
                reached.insert(next, (v, set, c));
                frontier.push(Frontier {
                    value: v,
                    set: next,
                });
            }
        }
        // Nothing beats the dive: its order is a hardest alternative.
        Ok(floor)
    }

    /// Assertions (with their difficulties) that may be chosen, all costing at most `optimum`: those
    /// on the boundary of the region of sets whose value exceeds `optimum`, which together rule out
    /// every alternative, plus every NEB within budget (each rules out many orders at once).
    fn pool(&mut self, optimum: f64) -> Result<Vec<(Assertion, f64)>, IrvError> {
        let mut region: Vec<CandidateSet> = self
            .expanded
            .iter()
            .filter(|&(_, &v)| v > optimum)
            .map(|(&s, _)| s)
            .collect();
        region.sort_unstable();
        let mut seen = HashSet::new();
        let mut cut = Vec::new();
        for set in region {
            for c in self.extensions(set).collect::<Vec<_>>() {
                let step = self.cheapest(c, set.with(c))?;
                if step.difficulty <= optimum
                    && let Some(a) = step.assertion
                    && seen.insert(a)
                {
                    cut.push((a, step.difficulty));
                }
            }
        }
        for w in self.all.iter() {
            for l in self.all.iter().filter(|&l| l != w) {
                let difficulty = self.neb_difficulty(w, l);
                let a = Assertion::NotEliminatedBefore {
                    winner: w,
                    loser: l,
                };
                if difficulty <= optimum && seen.insert(a) {
                    cut.push((a, difficulty));
                }
            }
        }
        Ok(cut)
    }
}

/// The elimination order (first eliminated first) of the chain that reached `set`.
fn chain_to(
    reached: &HashMap<CandidateSet, (f64, CandidateSet, Candidate)>,
    mut set: CandidateSet,
) -> Vec<Candidate> {
    let mut order = Vec::new();
    while let Some(&(_, previous, c)) = reached.get(&set) {
        order.push(c);
        set = previous;
    }
    order
}

/// Work allowed for removing redundant assertions after [`select`].
const TRIM_WORK: u64 = 300_000;

/// Chooses from `pool` (which rules out every alternative order) a subset that still does, in one
/// walk over sets of candidates: starting from the last candidate standing, each step that adds a
/// candidate c (c eliminated while the set T remains) is
/// - skipped if a chosen assertion already rules out every order through it: NEB(c, l) with l in T
///   or NEN(c, ·, T) forbid the step itself; NEB(x, c) with x not in T is violated by every
///   completion, since x will be eliminated before c;
/// - otherwise cut by a pool assertion of the same kinds, which is then chosen (the cheapest NEB if
///   any, as a NEB rules out many orders);
/// - otherwise followed. Each set is visited once.
///
/// Every alternative order is ruled out: the walk reaches the first step at which some pool
/// assertion it violates becomes certain (step forbidden, or a NEB's loser placed before its winner)
/// and chooses an assertion that rules out that step.
fn select(
    num_candidates: usize,
    winner: Candidate,
    pool: &[(Assertion, f64)],
    work: &mut Work,
) -> Result<Vec<(Assertion, f64)>, IrvError> {
    let all = CandidateSet::first_n(num_candidates);
    // Pool NEBs by the candidate they protect, cheapest first; pool NENs by step.
    let mut nebs: Vec<Vec<(f64, Candidate)>> = vec![Vec::new(); num_candidates];
    let mut nens: HashMap<(Candidate, CandidateSet), (Assertion, f64)> = HashMap::new();
    for &(a, d) in pool {
        match a {
            Assertion::NotEliminatedBefore { winner: w, loser } => {
                if let Some(list) = nebs.get_mut(w.index()) {
                    list.push((d, loser));
                }
            }
            Assertion::NotEliminatedNext {
                winner: w,
                continuing,
                ..
            } => {
                nens.insert((w, continuing), (a, d));
            }
        }
    }
    for list in &mut nebs {
        list.sort_by(|(da, la), (db, lb)| da.total_cmp(db).then(la.cmp(lb)));
    }
    // The same NEBs by the candidate they hold back (their loser).
    let mut nebs_against: Vec<Vec<(f64, Candidate)>> = vec![Vec::new(); num_candidates];
    for (w, list) in nebs.iter().enumerate() {
        for &(d, loser) in list {
            if let Some(against) = nebs_against.get_mut(loser.index()) {
                against.push((d, Candidate::new(w as u32)));
            }
        }
    }
    for list in &mut nebs_against {
        list.sort_by(|(da, wa), (db, wb)| da.total_cmp(db).then(wa.cmp(wb)));
    }
    let mut chosen: Vec<(Assertion, f64)> = Vec::new();
    let mut chosen_neb_winners = vec![CandidateSet::EMPTY; num_candidates];
    let mut chosen_neb_losers = vec![CandidateSet::EMPTY; num_candidates];
    let mut chosen_nen: HashSet<(Candidate, CandidateSet)> = HashSet::new();
    let mut visited: HashSet<CandidateSet> = HashSet::new();
    // (set, path of candidates added) to walk from; the path only serves the defect report.
    let mut pending: Vec<(CandidateSet, Vec<Candidate>)> = vec![(CandidateSet::EMPTY, Vec::new())];
    while let Some((set, path)) = pending.pop() {
        work.tick("choosing assertions", None)?;
        for c in all.minus(set).iter() {
            if set.is_empty() && c == winner {
                continue;
            }
            let next = set.with(c);
            if visited.contains(&next)
                || chosen_neb_losers
                    .get(c.index())
                    .is_some_and(|l| l.intersects(next))
                || chosen_neb_winners
                    .get(c.index())
                    .is_some_and(|w| !w.minus(next).is_empty())
                || chosen_nen.contains(&(c, next))
            {
                continue;
            }
            // Cheapest pool NEB cutting here: c protected against someone still in, or someone
            // not yet placed protected against c.
            let protecting = nebs
                .get(c.index())
                .and_then(|list| list.iter().find(|(_, l)| next.contains(*l)))
                .map(|&(d, loser)| (d, c, loser));
            let against = nebs_against
                .get(c.index())
                .and_then(|list| list.iter().find(|(_, w)| !next.contains(*w)))
                .map(|&(d, w)| (d, w, c));
            let neb = match (protecting, against) {
                (Some(p), Some(a)) => Some(if a.0 < p.0 { a } else { p }),
                (p, a) => p.or(a),
            };
            if let Some((d, w, loser)) = neb {
                if let Some(l) = chosen_neb_losers.get_mut(w.index()) {
                    *l = l.with(loser);
                }
                if let Some(x) = chosen_neb_winners.get_mut(loser.index()) {
                    *x = x.with(w);
                }
                chosen.push((Assertion::NotEliminatedBefore { winner: w, loser }, d));
                continue;
            }
            if let Some(&(a, d)) = nens.get(&(c, next)) {
                chosen_nen.insert((c, next));
                chosen.push((a, d));
                continue;
            }
            let mut longer = path.clone();
            longer.push(c);
            if next == all {
                // The pool failed to rule this order out: a defect, reported rather than hidden.
                longer.reverse();
                return Err(IrvError::CannotRuleOut {
                    elimination_order: longer,
                });
            }
            visited.insert(next);
            pending.push((next, longer));
        }
    }
    Ok(chosen)
}

/// Drops assertions not needed to rule out every alternative, hardest first (NEN before NEB at
/// equal difficulty: a NEB rules out more orders, so it is the one worth keeping). Returns the kept
/// assertions and whether trimming finished within the work budget.
fn trim(
    num_candidates: usize,
    winner: Candidate,
    mut candidates: Vec<(Assertion, f64)>,
    work: &mut Work,
) -> (Vec<Assertion>, bool) {
    candidates.sort_by(|(a, da), (b, db)| {
        db.total_cmp(da)
            .then(is_neb(a).cmp(&is_neb(b)))
            .then(a.cmp(b))
    });
    let mut kept: Vec<Assertion> = candidates.into_iter().map(|(a, _)| a).collect();
    let mut i = 0;
    while i < kept.len() {
        let removed = kept.remove(i);
        match surviving_order(num_candidates, winner, &kept, work) {
            Ok(None) => {}
            Ok(Some(_)) => {
                kept.insert(i, removed);
                i += 1;
            }
            Err(_) => {
                kept.insert(i, removed);
                return (kept, false);
            }
        }
    }
    (kept, true)
}

fn is_neb(a: &Assertion) -> bool {
    matches!(a, Assertion::NotEliminatedBefore { .. })
}

/// An elimination order ending with someone other than `winner` that none of `assertions` rules out
/// (first eliminated first), or `None` when the assertions confirm `winner`.
///
/// # Errors
/// Malformed assertions (candidates outside the contest, NEN not listing its own candidates);
/// [`IrvError::WorkLimitExceeded`].
pub fn unrefuted_elimination_order(
    num_candidates: usize,
    winner: Candidate,
    assertions: &[Assertion],
    max_work: u64,
) -> Result<Option<Vec<Candidate>>, IrvError> {
    if num_candidates == 0 {
        return Err(IrvError::NoCandidates);
    }
    if num_candidates > crate::MAX_CANDIDATES {
        return Err(IrvError::TooManyCandidates {
            given: num_candidates,
            max: crate::MAX_CANDIDATES,
        });
    }
    if winner.index() >= num_candidates {
        return Err(IrvError::AssertionCandidateOutOfRange {
            candidate: winner,
            num_candidates,
        });
    }
    for a in assertions {
        a.validate(num_candidates)?;
    }
    let mut work = Work::new(max_work);
    surviving_order(num_candidates, winner, assertions, &mut work)
}

/// Depth-first search over sets of candidates for a chain of allowed steps from the last candidate
/// standing (not `winner`) back to the full field. Each set is visited once: whether a step dooms
/// the order depends only on the candidate eliminated and the set remaining.
fn surviving_order(
    num_candidates: usize,
    winner: Candidate,
    assertions: &[Assertion],
    work: &mut Work,
) -> Result<Option<Vec<Candidate>>, IrvError> {
    let all = CandidateSet::first_n(num_candidates);
    // For each candidate, the losers of its NEB assertions and the winners of NEBs against it; and
    // the forbidden NEN steps.
    let mut neb_losers = vec![CandidateSet::EMPTY; num_candidates];
    let mut neb_winners = vec![CandidateSet::EMPTY; num_candidates];
    let mut nen_steps: HashSet<(Candidate, CandidateSet)> = HashSet::new();
    for a in assertions {
        match *a {
            Assertion::NotEliminatedBefore { winner: w, loser } => {
                if let Some(s) = neb_losers.get_mut(w.index()) {
                    *s = s.with(loser);
                }
                if let Some(s) = neb_winners.get_mut(loser.index()) {
                    *s = s.with(w);
                }
            }
            Assertion::NotEliminatedNext {
                winner: w,
                continuing,
                ..
            } => {
                nen_steps.insert((w, continuing));
            }
        }
    }
    // Placing c while `remaining` continue dooms every completion when the step itself is forbidden,
    // or when a NEB protects someone not yet placed against c (they will go before c). Earlier
    // placements were checked when they were made.
    let forbidden = |c: Candidate, remaining: CandidateSet| {
        neb_losers
            .get(c.index())
            .is_some_and(|losers| losers.intersects(remaining))
            || neb_winners
                .get(c.index())
                .is_some_and(|winners| !winners.minus(remaining).is_empty())
            || nen_steps.contains(&(c, remaining))
    };
    let mut dead_ends: HashSet<CandidateSet> = HashSet::new();
    // Stack of (set, candidates still to try from it); `path` holds the candidates added.
    let mut path: Vec<Candidate> = Vec::new();
    let first: Vec<Candidate> = all.iter().filter(|&c| c != winner).collect();
    let mut stack: Vec<(CandidateSet, Vec<Candidate>)> = vec![(CandidateSet::EMPTY, first)];
    while let Some((set, options)) = stack.last_mut() {
        let set = *set;
        if set == all {
            let mut order = path.clone();
            order.reverse();
            return Ok(Some(order));
        }
        match options.pop() {
            Some(c) => {
                let next = set.with(c);
                if dead_ends.contains(&next) || forbidden(c, next) {
                    continue;
                }
                work.tick("checking the assertions rule out every other winner", None)?;
                path.push(c);
                let more: Vec<Candidate> = all.minus(next).iter().collect();
                stack.push((next, more));
            }
            None => {
                dead_ends.insert(set);
                stack.pop();
                path.pop();
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DifficultyMeasure, RankedBallots};

    const A: Candidate = Candidate::new(0);
    const B: Candidate = Candidate::new(1);
    const C: Candidate = Candidate::new(2);
    const D: Candidate = Candidate::new(3);

    fn profile(n: usize, groups: &[(u64, &[Candidate])]) -> Profile {
        Profile::new(
            n,
            groups.iter().map(|(count, r)| RankedBallots {
                count: *count,
                ranking: r.to_vec(),
            }),
        )
        .unwrap()
    }

    /// raire-rs `raire/tests/test_guide_to_raire_examples.rs` `test_raire`: the Guide to RAIRE's
    /// example (13,500 ballots) has difficulty exactly 27 with winner Chuan.
    #[test]
    fn guide_example_difficulty_is_27() {
        let p = profile(
            4,
            &[
                (5000, &[C, B, A]),
                (1000, &[B, C, D]),
                (1500, &[D, A]),
                (4000, &[A, D]),
                (2000, &[D]),
            ],
        );
        let m = DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: 13500,
        };
        let result = find_assertions(&p, &m, Some(C), SearchLimits::default()).unwrap();
        assert_eq!(result.winner, C);
        assert_eq!(result.difficulty, 27.0);
        assert_eq!(result.assertions.first().map(|a| a.difficulty), Some(27.0));
        let plain: Vec<Assertion> = result.assertions.iter().map(|a| a.assertion).collect();
        assert_eq!(
            unrefuted_elimination_order(4, C, &plain, 10_000).unwrap(),
            None
        );
        // raire-rs's MinimizeAssertions trim keeps 5 assertions; ours must be no larger.
        assert!(plain.len() <= 5, "{plain:?}");
    }

    #[test]
    fn wrong_or_tied_winners_are_refused() {
        let p = profile(2, &[(10, &[A]), (7, &[B])]);
        let m = DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: 17,
        };
        assert_eq!(
            find_assertions(&p, &m, Some(B), SearchLimits::default()).unwrap_err(),
            IrvError::WrongWinner {
                announced: B,
                possible: vec![A]
            }
        );
        let tied = profile(2, &[(7, &[A]), (7, &[B])]);
        assert_eq!(
            find_assertions(&tied, &m, None, SearchLimits::default()).unwrap_err(),
            IrvError::TiedWinners(vec![A, B])
        );
    }

    /// A measure that finds every assertion infinitely hard leaves the other orders standing.
    struct Impossible;
    impl Difficulty for Impossible {
        fn difficulty(&self, _: u64, _: u64) -> f64 {
            f64::INFINITY
        }
    }

    #[test]
    fn an_order_no_assertion_can_refute_is_reported() {
        let p = profile(3, &[(5, &[A]), (4, &[B, A]), (3, &[C])]);
        match find_assertions(&p, &Impossible, Some(A), SearchLimits::default()) {
            Err(IrvError::CannotRuleOut { elimination_order }) => {
                assert_eq!(elimination_order.len(), 3);
                assert_ne!(elimination_order.last(), Some(&A));
            }
            other => panic!("expected CannotRuleOut, got {other:?}"),
        }
    }

    #[test]
    fn a_single_candidate_needs_no_assertions() {
        let p = profile(1, &[(3, &[A])]);
        let m = DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: 3,
        };
        let r = find_assertions(&p, &m, Some(A), SearchLimits::default()).unwrap();
        assert_eq!(r.difficulty, 0.0);
        assert!(r.assertions.is_empty());
    }

    #[test]
    fn the_work_limit_gives_a_clear_error() {
        let p = profile(
            4,
            &[
                (5000, &[C, B, A]),
                (1000, &[B, C, D]),
                (1500, &[D, A]),
                (4000, &[A, D]),
                (2000, &[D]),
            ],
        );
        let m = DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: 13500,
        };
        let err = find_assertions(&p, &m, None, SearchLimits { max_work: 5 }).unwrap_err();
        assert!(matches!(err, IrvError::WorkLimitExceeded { limit: 5, .. }));
        assert!(err.to_string().contains("Raise the work limit"));
    }
}
