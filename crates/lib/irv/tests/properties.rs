//! Property tests: the search against a brute-force enumeration of every elimination order, the
//! prefix-tree tallies against a naive count, and invariances.

use std::collections::BTreeSet;

use irv::{
    Assertion, Candidate, CandidateSet, DifficultyMeasure, IrvError, SearchLimits, count,
    find_assertions, unrefuted_elimination_order,
};
use proptest::prelude::*;

use crate::profile;

type Groups = Vec<(u64, Vec<u32>)>;

/// Random contests: 2–6 candidates, 1–12 ballot groups of 1–60 ballots, each ranking a random
/// ordered subset (possibly empty).
fn contests() -> impl Strategy<Value = (usize, Groups)> {
    (2usize..=6).prop_flat_map(|n| {
        let ranking = Just((0..n as u32).collect::<Vec<u32>>())
            .prop_shuffle()
            .prop_flat_map(move |perm| (0..=n).prop_map(move |k| perm[..k].to_vec()));
        (Just(n), prop::collection::vec((1u64..=60, ranking), 1..=12))
    })
}

fn measures() -> impl Strategy<Value = DifficultyMeasure> {
    (
        0usize..4,
        0u64..50,
        prop::sample::select(vec![0.01, 0.05, 0.1]),
    )
        .prop_map(|(kind, extra, alpha)| {
            // The caller adds the ballot total; `extra` models auditable ballots outside the contest.
            let total_auditable_ballots = 1000 + extra;
            match kind {
                0 => DifficultyMeasure::OneOnMargin {
                    total_auditable_ballots,
                },
                1 => DifficultyMeasure::OneOnMarginSquared {
                    total_auditable_ballots,
                },
                2 => DifficultyMeasure::Macro {
                    risk_limit: alpha,
                    error_inflation: 1.1,
                    total_auditable_ballots,
                },
                _ => DifficultyMeasure::Bravo {
                    risk_limit: alpha,
                    total_auditable_ballots,
                },
            }
        })
}

/// Naive tally: each ballot counts for its first continuing candidate.
fn naive_tallies(groups: &Groups, n: usize, continuing: &[u32]) -> Vec<u64> {
    let mut t = vec![0; n];
    for (count, ranking) in groups {
        if let Some(c) = ranking.iter().find(|c| continuing.contains(c)) {
            t[*c as usize] += count;
        }
    }
    t
}

/// Everyone who can win under some tie-break, by plain recursion over elimination choices.
fn naive_winners(groups: &Groups, n: usize, continuing: Vec<u32>, out: &mut BTreeSet<u32>) {
    if continuing.len() == 1 {
        out.insert(continuing[0]);
        return;
    }
    let t = naive_tallies(groups, n, &continuing);
    let low = continuing.iter().map(|&c| t[c as usize]).min().unwrap();
    for &c in continuing.iter().filter(|&&c| t[c as usize] == low) {
        let rest: Vec<u32> = continuing.iter().copied().filter(|&x| x != c).collect();
        naive_winners(groups, n, rest, out);
    }
}

/// The cheapest assertion ruling out "c eliminated while exactly `remaining` continue", straight
/// from the definitions (RAIRE paper §5, raire-rs `find_best_audit`).
fn naive_cheapest(
    groups: &Groups,
    n: usize,
    m: &DifficultyMeasure,
    c: u32,
    remaining: &[u32],
) -> f64 {
    let first = |x: u32| -> u64 {
        groups
            .iter()
            .filter(|(_, r)| r.first() == Some(&x))
            .map(|(k, _)| k)
            .sum()
    };
    let neb =
        |w: u32, l: u32| m.difficulty(first(w), naive_tallies(groups, n, &[w, l])[l as usize]);
    let mut best = f64::INFINITY;
    for other in (0..n as u32).filter(|&o| o != c) {
        let d = if remaining.contains(&other) {
            neb(c, other)
        } else {
            neb(other, c)
        };
        best = best.min(d);
    }
    if remaining.len() >= 2 {
        let t = naive_tallies(groups, n, remaining);
        let low = remaining
            .iter()
            .filter(|&&x| x != c)
            .map(|&x| t[x as usize])
            .min()
            .unwrap();
        best = best.min(m.difficulty(t[c as usize], low));
    }
    best
}

fn permutations(items: Vec<u32>) -> Vec<Vec<u32>> {
    if items.len() <= 1 {
        return vec![items];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.clone();
        let x = rest.remove(i);
        for mut p in permutations(rest) {
            p.insert(0, x);
            out.push(p);
        }
    }
    out
}

fn ids(order: &[u32]) -> Vec<Candidate> {
    order.iter().copied().map(Candidate::new).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(160))]

    /// The search's difficulty is the brute-force optimum `max over alternative orders of min over
    /// their steps of the cheapest assertion`, and its assertions rule out exactly the alternatives.
    #[test]
    fn search_matches_brute_force((n, groups) in contests(), measure in measures()) {
        let p = profile(n, &groups);
        let total: u64 = groups.iter().map(|g| g.0).sum();
        let measure = with_total(measure, total);
        let mut winners = BTreeSet::new();
        naive_winners(&groups, n, (0..n as u32).collect(), &mut winners);
        let result = find_assertions(&p, &measure, None, SearchLimits::default());
        if winners.len() > 1 {
            prop_assert_eq!(
                result.unwrap_err(),
                IrvError::TiedWinners(ids(&winners.iter().copied().collect::<Vec<_>>()))
            );
            return Ok(());
        }
        let w = *winners.iter().next().unwrap();
        let r = result.unwrap();
        prop_assert_eq!(r.winner, Candidate::new(w));

        let mut optimum: f64 = 0.0;
        let alternatives: Vec<Vec<u32>> = permutations((0..n as u32).collect())
            .into_iter()
            .filter(|o| *o.last().unwrap() != w)
            .collect();
        for order in &alternatives {
            let value = (0..n)
                .map(|i| naive_cheapest(&groups, n, &measure, order[i], &order[i..]))
                .fold(f64::INFINITY, f64::min);
            optimum = optimum.max(value);
        }
        prop_assert_eq!(r.difficulty, optimum);

        let plain: Vec<Assertion> = r.assertions.iter().map(|a| a.assertion).collect();
        for order in &alternatives {
            prop_assert!(plain.iter().any(|a| a.rules_out(&ids(order))), "{:?} survives", order);
        }
        prop_assert!(!plain.iter().any(|a| a.rules_out(&r.elimination_order)));
        let hardest = r.assertions.iter().map(|a| a.difficulty).fold(0.0, f64::max);
        prop_assert_eq!(hardest, r.difficulty);
        for a in &r.assertions {
            prop_assert_eq!(a.assertion.score(&p, &measure).unwrap(), *a);
        }
        prop_assert_eq!(unrefuted_elimination_order(n, r.winner, &plain, 100_000).unwrap(), None);
        // Trimming leaves nothing redundant: dropping any one assertion lets an alternative through.
        if r.fully_trimmed {
            for i in 0..plain.len() {
                let mut fewer = plain.clone();
                fewer.remove(i);
                prop_assert!(unrefuted_elimination_order(n, r.winner, &fewer, 100_000).unwrap().is_some());
            }
        }
    }

    /// The prefix-tree tallies equal a naive count for every set of continuing candidates.
    #[test]
    fn tallies_match_a_naive_count((n, groups) in contests(), mask in 0u32..64) {
        let p = profile(n, &groups);
        let continuing: Vec<u32> = (0..n as u32).filter(|c| mask & (1 << c) != 0).collect();
        let set = CandidateSet::of(continuing.iter().copied().map(Candidate::new));
        prop_assert_eq!(p.tallies(set), naive_tallies(&groups, n, &continuing));
    }

    /// The order in which ballot groups are given changes nothing.
    #[test]
    fn ballot_group_order_does_not_matter((n, groups) in contests(), seed in any::<u64>()) {
        let m = DifficultyMeasure::OneOnMargin { total_auditable_ballots: 5000 };
        let a = find_assertions(&profile(n, &groups), &m, None, SearchLimits::default());
        let mut shuffled = groups.clone();
        // A fixed pseudo-random rotation and reversal driven by the seed.
        let k = (seed % shuffled.len() as u64) as usize;
        shuffled.rotate_left(k);
        if seed & 1 == 1 {
            shuffled.reverse();
        }
        let b = find_assertions(&profile(n, &shuffled), &m, None, SearchLimits::default());
        match (a, b) {
            (Ok(a), Ok(b)) => {
                prop_assert_eq!(a.difficulty, b.difficulty);
                prop_assert_eq!(a.winner, b.winner);
                prop_assert_eq!(a.assertions, b.assertions);
            }
            (a, b) => prop_assert_eq!(a.err(), b.err()),
        }
    }

    /// Doubling the auditable ballots exactly doubles a 1/margin difficulty (the assertions found
    /// are the same problem scaled).
    #[test]
    fn one_on_margin_scales_with_the_ballot_total((n, groups) in contests()) {
        let p = profile(n, &groups);
        let m1 = DifficultyMeasure::OneOnMargin { total_auditable_ballots: 7000 };
        let m2 = DifficultyMeasure::OneOnMargin { total_auditable_ballots: 14000 };
        if let (Ok(a), Ok(b)) = (
            find_assertions(&p, &m1, None, SearchLimits::default()),
            find_assertions(&p, &m2, None, SearchLimits::default()),
        ) {
            prop_assert_eq!(2.0 * a.difficulty, b.difficulty);
        }
    }

    /// Every measure is non-increasing in the margin: more votes for the winner, or fewer for the
    /// loser, never make an assertion harder.
    #[test]
    fn difficulty_never_rises_with_the_margin(
        measure in measures(), w in 0u64..5000, l in 0u64..5000, more in 0u64..500
    ) {
        let d = measure.difficulty(w, l);
        prop_assert!(!d.is_nan());
        prop_assert!(measure.difficulty(w + more, l) <= d);
        prop_assert!(measure.difficulty(w, l.saturating_sub(more)) <= d);
    }

    /// The announced winner is checked: announcing anyone else is refused.
    #[test]
    fn announcing_the_wrong_winner_is_refused((n, groups) in contests(), pick in 0u32..6) {
        let p = profile(n, &groups);
        let m = DifficultyMeasure::OneOnMargin { total_auditable_ballots: 5000 };
        let c = count(&p, 100_000).unwrap();
        let announced = Candidate::new(pick % n as u32);
        let r = find_assertions(&p, &m, Some(announced), SearchLimits::default());
        if !c.possible_winners.contains(&announced) {
            let is_wrong_winner = matches!(r, Err(IrvError::WrongWinner { .. }));
            prop_assert!(is_wrong_winner);
        }
    }
}

/// `measure` with the contest's ballot total added to its auditable ballots (every ballot in the
/// contest is auditable).
fn with_total(measure: DifficultyMeasure, total: u64) -> DifficultyMeasure {
    match measure {
        DifficultyMeasure::OneOnMargin {
            total_auditable_ballots,
        } => DifficultyMeasure::OneOnMargin {
            total_auditable_ballots: total_auditable_ballots + total,
        },
        DifficultyMeasure::OneOnMarginSquared {
            total_auditable_ballots,
        } => DifficultyMeasure::OneOnMarginSquared {
            total_auditable_ballots: total_auditable_ballots + total,
        },
        DifficultyMeasure::Macro {
            risk_limit,
            error_inflation,
            total_auditable_ballots,
        } => DifficultyMeasure::Macro {
            risk_limit,
            error_inflation,
            total_auditable_ballots: total_auditable_ballots + total,
        },
        DifficultyMeasure::Bravo {
            risk_limit,
            total_auditable_ballots,
        } => DifficultyMeasure::Bravo {
            risk_limit,
            total_auditable_ballots: total_auditable_ballots + total,
        },
    }
}
