//! Benchmarks for the risk measures and sample-size estimates.
fn main() {
    divan::main();
}

// ---- MACRO (batch comparison) benchmarks (numpy-macro helper) ----

/// A three-choice contest over `n` batches with varied tallies, as MACRO sees it.
fn macro_contest(
    n: u64,
) -> Result<rla_math::macro_batch::MacroContest, Box<dyn std::error::Error>> {
    use rla_math::macro_batch::{MacroContest, MacroOptions, ReportedBatch};
    let batches: Vec<ReportedBatch> = (0..n)
        .map(|i| {
            let ballots = 200 + i % 300;
            let a = ballots / 2 + i % 17;
            let b = ballots / 3 - i % 13;
            ReportedBatch::new(format!("Batch {i}"), vec![a, b, ballots - a - b], ballots)
        })
        .collect();
    let total = |k: usize| {
        batches
            .iter()
            .map(|b| b.tally.as_ref().map_or(0, |t| t.votes[k]))
            .sum::<u64>()
    };
    let ballots = batches
        .iter()
        .map(|b| b.tally.as_ref().map_or(0, |t| t.ballots))
        .sum();
    let contest = rla_math::Contest::new(
        "Mayor",
        [("a", total(0)), ("b", total(1)), ("c", total(2))],
        ballots,
        1,
        1,
    )?;
    Ok(MacroContest::new(
        &contest,
        MacroOptions::default(),
        batches,
    )?)
}

/// u_p for every batch and their exact sum U, for 1,000 batches.
#[divan::bench]
fn macro_prepare_1000_batches(bencher: divan::Bencher) {
    bencher.bench(|| macro_contest(divan::black_box(1000)));
}

/// p-value after 50 audited batches (some with errors) and the next round's size, 1,000 batches.
#[divan::bench]
fn macro_risk_and_next_size_1000_batches(bencher: divan::Bencher) {
    use rla_math::macro_batch::{AuditedBatch, Observed};
    let (Ok(m), Ok(alpha)) = (macro_contest(1000), rla_math::RiskLimit::new(0.05)) else {
        return;
    };
    let audited = (0..50)
        .map(|i| {
            let mut votes = m.batches()[i * 7]
                .tally
                .as_ref()
                .map_or_else(Vec::new, |t| t.votes.clone());
            if i % 5 == 0 {
                votes[0] -= 2;
                votes[1] += 2;
            }
            AuditedBatch {
                batch: i * 7,
                times_drawn: 1 + (i % 2) as u32,
                votes,
            }
        })
        .collect();
    let observed = Observed {
        audited,
        combined_batches: Vec::new(),
    };
    bencher.bench(|| {
        (
            m.risk(divan::black_box(&observed), alpha),
            m.sample_size(alpha, &observed),
        )
    });
}

// ---- bravo and supersimple (bravo-supersimple branch) ----

#[allow(clippy::unwrap_used)] // fixed, valid inputs
mod bravo_supersimple {
    use rla_math::bravo::{self, PollingRound};
    use rla_math::supersimple::{self, AuditedCard, DiscrepancyCounts, ReportedCard, SampledCard};
    use rla_math::{Contest, RiskLimit};

    fn five_way() -> Contest {
        Contest::new(
            "bench",
            [
                ("a", 350_000u64),
                ("b", 300_000),
                ("c", 150_000),
                ("d", 100_000),
                ("e", 50_000),
            ],
            1_000_000,
            1,
            1,
        )
        .unwrap()
    }

    fn alpha() -> RiskLimit {
        RiskLimit::from_percent(5.0).unwrap()
    }

    /// p-values of all four pairs after a 20,000-ballot sample.
    #[divan::bench]
    fn bravo_risk() -> bravo::BravoRisk {
        let round = PollingRound {
            draws: 20_000,
            votes: vec![7_000, 6_000, 3_000, 2_000, 1_000],
            not_found: 3,
        };
        bravo::risk(divan::black_box(&five_way()), alpha(), &[round]).unwrap()
    }

    /// Round-1 options (ASN and the 70/80/90 % quantile sizes) for a close 1,000,000-ballot contest.
    #[divan::bench]
    fn bravo_round_one_options() -> bravo::SampleSizeOptions {
        bravo::sample_size_options(divan::black_box(&five_way()), alpha(), &[]).unwrap()
    }

    /// Kaplan–Markov p-value over 2,000 sampled cards with a few discrepancies.
    #[divan::bench]
    fn supersimple_risk(bencher: divan::Bencher) {
        let c = Contest::new(
            "bench",
            [("w", 520_000u64), ("l", 470_000)],
            1_000_000,
            1,
            1,
        )
        .unwrap();
        let cards: Vec<SampledCard> = (0..2_000)
            .map(|i| SampledCard {
                reported: ReportedCard::Marked(vec![i % 2]),
                audited: if i % 500 == 0 {
                    AuditedCard::Marked(vec![])
                } else {
                    AuditedCard::Marked(vec![i % 2])
                },
                times_sampled: 1 + (i % 7 == 0) as u64,
            })
            .collect();
        bencher.bench(|| supersimple::risk(&c, alpha(), divan::black_box(&cards)).unwrap());
    }

    /// Next-round size from observed counts (exact decimal rounding included).
    #[divan::bench]
    fn supersimple_next_round_size() -> u64 {
        let c = Contest::new(
            "bench",
            [("w", 520_000u64), ("l", 470_000)],
            1_000_000,
            1,
            1,
        )
        .unwrap();
        let counts = DiscrepancyCounts {
            draws: 1_013,
            one_vote_over: 3,
            two_vote_over: 0,
            one_vote_under: 1,
            two_vote_under: 0,
        };
        supersimple::additional_sample_size(&c, alpha(), Some(divan::black_box(&counts)))
    }
}

// ---- minerva: MINERVA / Providence / Bayesian RLA ----------------------------------------------

// Benchmarks, like tests, may unwrap: a failure here is a bug to see, not an input to handle.
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod minerva {
    use rla_math::minerva::R2b2Audit;
    use rla_math::minerva::arlo::{ArloRound, minerva_first_round, providence_sample_sizes};
    use rla_math::minerva::brla::BayesianRla;
    use rla_math::{Contest, RiskLimit};

    fn contest(tally: &[(&str, u64)], ballots: u64) -> Contest {
        Contest::new("c", tally.iter().copied(), ballots, 1, 1).unwrap()
    }

    /// r2b2 Minerva round-1 size for a 2-point margin (sizes of ~5,000 ballots).
    #[divan::bench]
    fn r2b2_first_round_size_narrow() -> u64 {
        let c = contest(&[("A", 51_000), ("B", 49_000)], 100_000);
        let audit = R2b2Audit::minerva(&c, RiskLimit::new(0.1).unwrap()).unwrap();
        audit.next_round_size(divan::black_box(0.9)).unwrap().size
    }

    /// Two rounds of 100,001 and 200,001 ballots (r2b2 `arlo_tests.json` test8): the convolution of
    /// the truncated first-round distribution with a 100,000-ballot round.
    #[divan::bench(sample_count = 10)]
    fn r2b2_two_large_rounds() -> f64 {
        let c = contest(
            &[("a", 5_100_000), ("b", 4_900_000), ("c", 100)],
            10_100_100,
        );
        let mut audit = R2b2Audit::minerva(&c, RiskLimit::new(0.1).unwrap()).unwrap();
        audit.record_round(100_001, &[50_100, 49_900, 1]).unwrap();
        audit.record_round(200_001, &[101_100, 98_900, 1]).unwrap();
        audit.risk_level().unwrap()
    }

    /// Arlo MINERVA (athena) round-1 options just above the 1.5 % approximation threshold.
    #[divan::bench]
    fn athena_first_round_options() -> Vec<i64> {
        let c = contest(&[("a", 5076), ("b", 4925)], 10_001);
        minerva_first_round(&c, RiskLimit::new(0.1).unwrap())
            .unwrap()
            .arlo_sizes()
    }

    /// Arlo PROVIDENCE round-2 options after a 100-ballot first round, two winners.
    #[divan::bench]
    fn providence_second_round_options() -> u64 {
        let c = Contest::new(
            "c",
            [("a", 400u64), ("b", 400), ("c", 200), ("d", 100)],
            1100,
            2,
            1,
        )
        .unwrap();
        let rounds = [ArloRound {
            size: 100,
            tally: vec![30, 30, 20, 20],
        }];
        providence_sample_sizes(&c, RiskLimit::new(0.1).unwrap(), &rounds).unwrap()[2].size
    }

    /// Bayesian RLA kmins for the BRLA paper's nine-round schedule on 100,000 ballots.
    #[divan::bench]
    fn brla_kmins_nine_rounds() -> usize {
        let c = contest(&[("A", 60_000), ("B", 40_000)], 100_000);
        let brla = BayesianRla::new(&c, RiskLimit::new(0.1).unwrap()).unwrap();
        let rounds = [200, 400, 800, 1600, 3200, 6400, 12800, 25600, 51200];
        brla.kmins(&brla.pairs()[0], &rounds).unwrap().len()
    }
}

// ---- SHANGRLA and SUITE (shangrla-suite branch) ------------------------------------------------

mod shangrla_suite {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;

    use rla_math::shangrla::{
        AlphaTest, Estimator, Population, comparison_sample_size, comparison_upper_bound,
        overstatement_assorter_value,
    };
    use rla_math::suite::{
        ComparisonStratum, Misstatements, PollingStratum, compute_risk, sample_size,
    };
    use rla_math::{Contest, RiskLimit};

    /// ALPHA with shrink_trunc over 1,000 comparison observations (two 1-vote overstatements).
    #[divan::bench]
    fn alpha_shrink_trunc_1000_draws(bencher: divan::Bencher) {
        let margin = 0.05;
        let test = AlphaTest::new(
            0.5,
            comparison_upper_bound(1.0, margin),
            Population::Finite(100_000),
            Estimator::shrink_trunc(),
        )
        .unwrap();
        let mut x = vec![overstatement_assorter_value(0.0, 1.0, margin); 1000];
        x[100] = overstatement_assorter_value(0.5, 1.0, margin);
        x[600] = overstatement_assorter_value(0.5, 1.0, margin);
        bencher.bench(|| test.run(divan::black_box(&x)).unwrap().p_value);
    }

    /// SHANGRLA's initial comparison sample size for a 1 % margin among a million cards.
    #[divan::bench]
    fn comparison_sample_size_1pct_margin_1m_cards() -> u64 {
        let margin = divan::black_box(0.01);
        let test = AlphaTest::new(
            0.5,
            comparison_upper_bound(1.0, margin),
            Population::Finite(1_000_000),
            Estimator::shrink_trunc(),
        )
        .unwrap();
        comparison_sample_size(
            &test,
            1.0,
            margin,
            0.001,
            0.0,
            RiskLimit::new(0.05).unwrap(),
        )
        .unwrap()
    }

    fn escalation() -> (Contest, PollingStratum, ComparisonStratum) {
        // Arlo test_suite.py::test_escalation (L626-751), after round 1.
        let totals = |w, l| BTreeMap::from([("winner".to_string(), w), ("loser".to_string(), l)]);
        let contest = Contest::new("ex1", [("winner", 600), ("loser", 400)], 1000, 1, 1).unwrap();
        let polling = PollingStratum {
            ballots: 300,
            vote_totals: totals(200, 100),
            sample: totals(14, 10),
            sample_size: 24,
        };
        let comparison = ComparisonStratum {
            ballots: 700,
            vote_totals: totals(400, 300),
            misstatements: BTreeMap::from([(
                ("winner".to_string(), "loser".to_string()),
                Misstatements::default(),
            )]),
            sample_size: 56,
        };
        (contest, polling, comparison)
    }

    /// SUITE risk (Fisher combination maximised over λ) after one round.
    #[divan::bench]
    fn suite_compute_risk(bencher: divan::Bencher) {
        let (c, p, k) = escalation();
        let alpha = RiskLimit::from_percent(5.0).unwrap();
        bencher.bench(|| compute_risk(alpha, &c, divan::black_box(&p), &k).unwrap());
    }

    /// SUITE next-round sample sizes (many hypothetical risks).
    #[divan::bench(sample_count = 10)]
    fn suite_sample_size_round_2(bencher: divan::Bencher) {
        let (c, p, k) = escalation();
        let alpha = RiskLimit::from_percent(5.0).unwrap();
        bencher.bench(|| sample_size(alpha, &c, divan::black_box(&p), &k).unwrap());
    }
}
