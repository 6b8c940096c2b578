//! Tests for `rla_math::bravo`: reference values from Arlo's `server/tests/audit_math/test_bravo.py`
//! (file and line named in each test; commit 8d86156), from `bravo_arlo.json` and r2b2's ASN data,
//! and property tests for the invariants BRAVO must keep.

use proptest::prelude::*;
use rla_math::bravo::{
    self, AllBallotsReason, AsnEstimate, BravoError, PairShares, PollingRound, SampleSizeOptions,
};
use rla_math::special::binomial_ppf;
use rla_math::{Contest, RiskLimit};

use crate::vector;

fn contest(votes: &[(&str, u64)], ballots: u64, winners: usize) -> Contest {
    Contest::new("test", votes.iter().copied(), ballots, winners, 1).unwrap()
}

fn ten_percent() -> RiskLimit {
    RiskLimit::from_percent(10.0).unwrap()
}

fn round(draws: u64, votes: &[u64]) -> PollingRound {
    PollingRound {
        draws,
        votes: votes.to_vec(),
        not_found: 0,
    }
}

/// The fixtures `bravo_contests` (test_bravo.py L705) used by the tests below.
fn arlo_contest(name: &str) -> Contest {
    match name {
        "test1" => contest(&[("cand1", 600), ("cand2", 400)], 1000, 1),
        "test2" => contest(&[("cand1", 600), ("cand2", 200), ("cand3", 100)], 900, 1),
        "test3" => contest(&[("cand1", 100)], 100, 1),
        "test5" => contest(&[("cand1", 500), ("cand2", 500)], 1000, 1),
        "test6" => contest(&[("cand1", 300), ("cand2", 200), ("cand3", 200)], 1000, 1),
        "test7" => contest(&[("cand1", 300), ("cand2", 200), ("cand3", 100)], 700, 2),
        "test8" => contest(&[("cand1", 300), ("cand2", 300), ("cand3", 100)], 700, 2),
        "test10" => contest(&[("cand1", 600), ("cand2", 300), ("cand3", 100)], 1000, 2),
        "test11" => contest(&[("cand1", 1000), ("cand2", 0)], 1000, 1),
        "test12" => contest(&[("cand1", 600), ("cand2", 400), ("cand3", 0)], 1000, 1),
        other => panic!("no fixture {other}"),
    }
}

fn asn(c: &Contest, rounds: &[PollingRound]) -> Result<Option<AsnEstimate>, BravoError> {
    bravo::expected_sample_size(c, ten_percent(), rounds)
}

/// test_bravo.py L28-40 `true_asns` (first round, empty sample).
#[test]
fn first_round_asn_matches_arlo_tests() {
    for (name, size) in [
        ("test1", 119),
        ("test2", 22),
        ("test6", 238),
        ("test7", 101),
        ("test8", 34),
        ("test10", 48),
        ("test12", 119),
    ] {
        let got = asn(&arlo_contest(name), &[]).unwrap().unwrap();
        assert_eq!(got.size, size, "{name}");
    }
    assert!(matches!(
        asn(&arlo_contest("test3"), &[]),
        Err(BravoError::NoLosers { .. })
    ));
    assert!(matches!(
        asn(&arlo_contest("test5"), &[]),
        Err(BravoError::TiedContest { .. })
    ));
    // test11: every loser has 0 votes, so no pair has an ASN: "Sample indicates the audit is over".
    assert_eq!(asn(&arlo_contest("test11"), &[]).unwrap(), None);
}

/// test_bravo.py L70-82 `true_asns` (second round, after `round1_sample_results` L832).
#[test]
fn second_round_asn_matches_arlo_tests() {
    let got = asn(&arlo_contest("test2"), &[round(48, &[25, 18, 5])]).unwrap();
    assert_eq!(got.map(|a| a.size), Some(42));
    let got = asn(&arlo_contest("test8"), &[round(100, &[72, 55, 30])]).unwrap();
    assert_eq!(got.map(|a| a.size), Some(14));
    for (name, votes) in [
        ("test1", &[72, 47][..]),
        ("test6", &[72, 48, 48][..]),
        ("test7", &[30, 25, 10][..]),
        ("test10", &[60, 30, 10][..]),
    ] {
        let got = asn(&arlo_contest(name), &[round(100, votes)]).unwrap();
        assert_eq!(got, None, "{name}: Arlo says the audit is over");
    }
}

/// test_bravo.py L106-256: `bravo_sample_sizes` with α = Decimal(0.1) and 10,000 ballots.
#[test]
fn quantile_sizes_match_arlo_tests() {
    let cases = [
        // (line, p_w, p_r, sample_w, sample_r, p_completion, expected)
        (109, 0.4, 0.32, 0, 0, 0.9, 1599),
        (130, 0.36, 0.32, 0, 0, 0.9, 6067),
        (149, 0.36, 0.32, 0, 0, 0.6, 2476),
        (168, 0.52, 0.47, 0, 0, 0.9, 5657),
        (189, 0.4, 0.32, 0, 0, 0.4, 409),
        (215, 0.52, 0.47, 10000, 0, 0.9, 0),
        (236, 0.52, 0.47, 2923, 2735, 0.9, 2636),
    ];
    for (line, p_w, p_r, w, r, prob, expected) in cases {
        let pair = PairShares {
            winner_share: p_w,
            loser_share: p_r,
            winner_sampled: w,
            loser_sampled: r,
        };
        let got = bravo::quantile_sample_size(RiskLimit::new(0.1).unwrap(), pair, prob, 10000);
        assert_eq!(got.unwrap(), expected, "test_bravo.py L{line}");
    }
}

/// test_bravo.py L330-345: `expected_prob(0.1, 0.6, 0.4, 0, 0, asn=119)` rounds to 0.52.
#[test]
fn completion_probability_matches_arlo_test() {
    let pair = PairShares {
        winner_share: 0.6,
        loser_share: 0.4,
        winner_sampled: 0,
        loser_sampled: 0,
    };
    let p = bravo::completion_probability(RiskLimit::new(0.1).unwrap(), pair, 119).unwrap();
    assert_eq!(p, 0.52);
}

/// test_bravo.py L661-687: round 1 met the risk limit for candidates 1 and 2 but not 1 and 3, so
/// the round-2 sizes come from the (1, 3) pair.
#[test]
fn round_two_sizes_consider_every_pair() {
    let c = contest(
        &[
            ("candidate1", 200_000),
            ("candidate2", 120_000),
            ("candidate3", 100_000),
        ],
        500_000,
        1,
    );
    let got = bravo::sample_size_options(&c, ten_percent(), &[round(520, &[200, 120, 200])]);
    let SampleSizeOptions::Estimates {
        asn,
        by_probability,
    } = got.unwrap()
    else {
        panic!("expected estimates");
    };
    assert_eq!(
        asn,
        AsnEstimate {
            size: 766,
            completion_probability: Some(0.51)
        }
    );
    let sizes: Vec<(f64, u64)> = by_probability
        .iter()
        .map(|q| (q.completion_probability, q.size))
        .collect();
    assert_eq!(sizes, vec![(0.7, 877), (0.8, 954), (0.9, 1075)]);
}

/// Lindeman's quantile sizes are not monotone in the margin one vote at a time: a wider margin
/// makes each sampled loser vote cost more. Arlo (bravo.py `get_sample_size`, run on these inputs)
/// gives 14 then 15 for the 80 % size; we reproduce both.
#[test]
fn quantile_sizes_are_not_monotone_vote_by_vote() {
    let alpha = RiskLimit::from_percent(12.0).unwrap();
    let at_80 = |w: u64| match bravo::sample_size_options(
        &contest(&[("a", w), ("b", 10_000 - w)], 10_000, 1),
        alpha,
        &[],
    )
    .unwrap()
    {
        SampleSizeOptions::Estimates { by_probability, .. } => by_probability[1].size,
        other => panic!("unexpected {other:?}"),
    };
    assert_eq!((at_80(8537), at_80(8630)), (14, 15));
}

/// test_bravo.py L578-618: a tie needs every ballot, and only a full count confirms it.
#[test]
fn tied_contest_needs_a_full_count() {
    let c = arlo_contest("test5");
    assert_eq!(
        bravo::sample_size_options(&c, ten_percent(), &[round(0, &[0, 0])]).unwrap(),
        SampleSizeOptions::AllBallots {
            ballots: 1000,
            reason: AllBallotsReason::TiedContest
        }
    );
    let r = bravo::risk(&c, ten_percent(), &[]).unwrap();
    assert!(r.pairs[0].p_value > 0.1 && !r.risk_limit_met);
    let r = bravo::risk(&c, ten_percent(), &[round(1000, &[501, 499])]).unwrap();
    assert_eq!(r.pairs[0].p_value, 0.0);
    assert!(r.risk_limit_met);
}

/// test_bravo.py L621-658 and snapshots/snap_test_bravo.py L10: one ballot not found counts as a
/// vote for every loser; the snapshot holds the exact p-values Arlo's code returns.
#[test]
fn not_found_ballots_match_arlo_snapshot() {
    let c = Contest::new(
        "Contest",
        [
            ("cand1", 500u64),
            ("cand2", 200),
            ("cand3", 100),
            ("cand4", 100),
        ],
        1000,
        2,
        2,
    )
    .unwrap();
    let rounds = [PollingRound {
        draws: 93,
        votes: vec![50, 20, 10, 12],
        not_found: 1,
    }];
    let r = bravo::risk(&c, ten_percent(), &rounds).unwrap();
    let expected = [
        ((0, 2), 1.431846034590505e-06),
        ((0, 3), 1.2886614311314533e-05),
        ((1, 2), 0.27430209050114257),
        ((1, 3), 0.6171797036275707),
    ];
    for ((w, l), want) in expected {
        let got = r
            .pairs
            .iter()
            .find(|p| p.winner == w && p.loser == Some(l))
            .unwrap()
            .p_value;
        assert!(
            (got - want).abs() <= 1e-12 * want,
            "{w}|{l}: {got} vs {want}"
        );
    }
    // Without the lost ballot every p-value is smaller (test_bravo.py L655-656).
    let found = [PollingRound {
        not_found: 0,
        ..rounds[0].clone()
    }];
    let all_found = bravo::risk(&c, ten_percent(), &found).unwrap();
    for (a, b) in all_found.pairs.iter().zip(&r.pairs) {
        assert!(a.p_value < b.p_value);
    }
}

/// Every case of bravo_arlo.json: round-1 options and the p-value per pair (the conformance runner
/// checks the rest of each case).
#[test]
fn bravo_arlo_vectors_round_one() {
    let doc = vector("bravo_arlo.json");
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let input = &case["input"];
        let choices: Vec<(String, u64)> = input["votes"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
            .collect();
        let c = Contest::new(
            name,
            choices.clone(),
            input["ballots"].as_u64().unwrap(),
            input["num_winners"].as_u64().unwrap() as usize,
            1,
        )
        .unwrap();
        let risk_limit =
            RiskLimit::from_percent(input["risk_limit_percent"].as_f64().unwrap()).unwrap();
        let expected = &case["expected"]["round1_sample_size_options"];
        match bravo::sample_size_options(&c, risk_limit, &[]).unwrap() {
            SampleSizeOptions::Estimates {
                asn,
                by_probability,
            } => {
                assert_eq!(
                    asn.size,
                    expected["asn"]["size"].as_u64().unwrap(),
                    "{name}"
                );
                assert_eq!(
                    asn.completion_probability,
                    expected["asn"]["prob"].as_f64(),
                    "{name}"
                );
                for q in by_probability {
                    let key = format!("{}", q.completion_probability);
                    assert_eq!(
                        q.size,
                        expected[&key]["size"].as_u64().unwrap(),
                        "{name} {key}"
                    );
                }
            }
            SampleSizeOptions::AllBallots { ballots, .. } => {
                assert_eq!(ballots, expected["all-ballots"]["size"].as_u64().unwrap());
            }
            SampleSizeOptions::SampleSufficient => panic!("{name}: nothing sampled yet"),
        }
        let tally: Vec<u64> = choices
            .iter()
            .map(|(k, _)| input["round1_sample_tally"][k].as_u64().unwrap_or(0))
            .collect();
        let draws = input["round1_sample_size"].as_u64().unwrap();
        let r = bravo::risk(&c, risk_limit, &[round(draws, &tally)]).unwrap();
        for p in &r.pairs {
            let key = format!(
                "{}|{}",
                choices[p.winner].0,
                p.loser.map(|l| choices[l].0.as_str()).unwrap_or("")
            );
            let want = case["expected"]["p_values_after_round1"][&key]
                .as_f64()
                .unwrap();
            assert!(
                (p.p_value - want).abs() <= 1e-9 * want.max(1e-300),
                "{name} {key}: {} vs {want}",
                p.p_value
            );
        }
    }
}

/// r2b2 src/r2b2/tests/data/asn_tests.json (via peer_tests_r2b2_asn_tests.json), all ten cases.
#[test]
fn r2b2_pairwise_asn() {
    let doc = vector("peer_tests_r2b2_asn_tests.json");
    for case in doc["cases"].as_array().unwrap() {
        let ballots = case["ballots"].as_u64().unwrap();
        let winner = case["winner_ballots"].as_u64().unwrap();
        let alpha = RiskLimit::new(case["alpha"].as_f64().unwrap()).unwrap();
        let got = bravo::pairwise_asn(winner, ballots - winner, alpha).unwrap();
        assert_eq!(got, case["asn"].as_u64().unwrap(), "case {}", case["name"]);
    }
    assert!(bravo::pairwise_asn(50, 50, ten_percent()).is_err());
}

/// A contest of 2–4 choices with a strict leader, and a sample tally for it.
fn contest_and_sample() -> impl Strategy<Value = (Vec<u64>, u64, Vec<u64>)> {
    (2usize..=4)
        .prop_flat_map(|k| {
            (
                prop::collection::vec(1u64..5_000, k),
                prop::collection::vec(0u64..300, k),
            )
        })
        .prop_map(|(mut votes, sample)| {
            votes.sort_unstable_by(|a, b| b.cmp(a));
            votes[0] += 1; // a strict winner
            let ballots = votes.iter().sum::<u64>() + 100;
            (votes, ballots, sample)
        })
}

fn named(votes: &[u64], ballots: u64) -> Contest {
    Contest::new(
        "p",
        votes.iter().enumerate().map(|(i, &v)| (format!("c{i}"), v)),
        ballots,
        1,
        1,
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// More sampled votes for the winner never raise any pair's p-value.
    #[test]
    fn p_value_never_rises_with_more_winner_votes(
        (votes, ballots, sample) in contest_and_sample(),
        extra in 1u64..200,
    ) {
        let c = named(&votes, ballots);
        let before = bravo::risk(&c, ten_percent(), &[round(0, &sample)]).unwrap();
        let mut more = sample.clone();
        more[0] += extra;
        let after = bravo::risk(&c, ten_percent(), &[round(0, &more)]).unwrap();
        for (a, b) in after.pairs.iter().zip(&before.pairs) {
            prop_assert!(a.p_value <= b.p_value, "{:?} > {:?}", a, b);
        }
        prop_assert!(after.max_p_value() <= before.max_p_value());
        prop_assert!(after.risk_limit_met || !before.risk_limit_met);
    }

    /// Splitting the same votes and lost ballots over several rounds changes nothing: Arlo sums the
    /// rounds (compute_cumulative_sample L330-338) before measuring or sizing.
    #[test]
    fn rounds_are_cumulative(
        (votes, ballots, sample) in contest_and_sample(),
        split in 0.0f64..1.0,
        lost in (0u64..5, 0u64..5),
    ) {
        let c = named(&votes, ballots);
        let first: Vec<u64> = sample.iter().map(|&v| (v as f64 * split) as u64).collect();
        let second: Vec<u64> = sample.iter().zip(&first).map(|(a, b)| a - b).collect();
        let rounds = [
            PollingRound { draws: 10, votes: first, not_found: lost.0 },
            PollingRound { draws: 10, votes: second, not_found: lost.1 },
        ];
        let merged = [PollingRound { draws: 20, votes: sample.clone(), not_found: lost.0 + lost.1 }];
        prop_assert_eq!(
            bravo::risk(&c, ten_percent(), &rounds).unwrap(),
            bravo::risk(&c, ten_percent(), &merged).unwrap()
        );
        prop_assert_eq!(
            bravo::sample_size_options(&c, ten_percent(), &rounds).unwrap(),
            bravo::sample_size_options(&c, ten_percent(), &merged).unwrap()
        );
    }

    /// Moving reported votes from the loser to the winner (a larger margin) never raises the ASN.
    #[test]
    fn asn_never_rises_with_the_margin(
        winner in 5_001u64..9_990,
        shift in 1u64..400,
        undervotes in 0u64..2_000,
        percent in 1u32..=20,
    ) {
        let total = 10_000u64;
        let loser = total - winner;
        prop_assume!(loser > shift);
        let alpha = RiskLimit::from_percent(f64::from(percent)).unwrap();
        let ballots = total + undervotes;
        let asn = |w: u64, l: u64| {
            bravo::expected_sample_size(&named(&[w, l], ballots), alpha, &[])
                .unwrap()
                .unwrap()
                .size
        };
        prop_assert!(asn(winner + shift, loser - shift) <= asn(winner, loser));
    }

    /// The 70/80/90 % sizes are not monotone in the margin vote by vote (see
    /// `quantile_sizes_are_not_monotone_vote_by_vote`), but doubling the margin never raises them.
    #[test]
    fn quantile_sizes_never_rise_when_the_margin_doubles(
        winner in 5_001u64..7_499,
        undervotes in 0u64..2_000,
        percent in 1u32..=20,
    ) {
        let total = 10_000u64;
        let loser = total - winner;
        let margin = winner - loser;
        prop_assume!(loser > margin / 2 + 1);
        let alpha = RiskLimit::from_percent(f64::from(percent)).unwrap();
        let ballots = total + undervotes;
        let sizes = |w: u64, l: u64| match bravo::sample_size_options(&named(&[w, l], ballots), alpha, &[])
            .unwrap()
        {
            SampleSizeOptions::Estimates { by_probability, .. } => {
                by_probability.iter().map(|q| q.size).collect::<Vec<_>>()
            }
            other => panic!("unexpected {other:?}"),
        };
        let narrow = sizes(winner, loser);
        let wide = sizes(winner + margin / 2 + 1, loser - margin / 2 - 1);
        for (n, w) in narrow.iter().zip(&wide) {
            prop_assert!(w <= n, "narrow {:?} wide {:?}", narrow, wide);
        }
    }

    /// The quantile size is never below the smallest two-way sample that actually reaches the
    /// threshold at the chosen quantile (found here by brute force), scaled for other ballots.
    #[test]
    fn quantile_size_is_never_rounded_down(
        winner_votes in 520u64..900,
        loser_votes in 50u64..400,
        prob in prop::sample::select(vec![0.7, 0.8, 0.9]),
    ) {
        prop_assume!(winner_votes > loser_votes);
        let ballots = 1_300u64;
        let pair = PairShares {
            winner_share: winner_votes as f64 / ballots as f64,
            loser_share: loser_votes as f64 / ballots as f64,
            winner_sampled: 0,
            loser_sampled: 0,
        };
        let alpha = ten_percent();
        let size = bravo::quantile_sample_size(alpha, pair, prob, 1_000_000).unwrap();
        let s = winner_votes as f64 / (winner_votes + loser_votes) as f64;
        let (plus, minus) = ((2.0 * s).ln(), (2.0 * (1.0 - s)).ln());
        let threshold = -alpha.alpha().ln();
        let needed = (0u64..)
            .find(|&n| {
                let x = binomial_ppf(1.0 - prob, n, s) as f64;
                x * plus + (n as f64 - x) * minus >= threshold
            })
            .unwrap();
        let share = (winner_votes + loser_votes) as f64 / ballots as f64;
        prop_assert!(size as f64 >= needed as f64 / share - 1e-9, "size {} needed {}", size, needed);
    }

    /// The ASN is the smallest integer at or above Arlo's real-valued formula for the worst pair.
    #[test]
    fn asn_is_the_ceiling_of_the_formula(
        (votes, ballots, _sample) in contest_and_sample(),
        percent in 1u32..=20,
    ) {
        let c = named(&votes, ballots);
        let alpha = RiskLimit::from_percent(f64::from(percent)).unwrap();
        let got = bravo::expected_sample_size(&c, alpha, &[]).unwrap().unwrap().size as f64;
        let p_w = votes[0] as f64 / ballots as f64;
        let worst = votes[1..]
            .iter()
            .map(|&l| {
                let p_l = l as f64 / ballots as f64;
                let s = p_w / (p_w + p_l);
                let (z_w, z_l) = ((2.0 * s).ln(), (2.0 - 2.0 * s).ln());
                (-alpha.alpha().ln() + z_w / 2.0) / (p_w * z_w + p_l * z_l)
            })
            .fold(f64::NEG_INFINITY, f64::max);
        prop_assert!(got >= worst && got - 1.0 < worst, "asn {} formula {}", got, worst);
    }
}
