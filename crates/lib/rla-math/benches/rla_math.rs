//! Benchmarks for the risk measures and sample-size estimates.
fn main() {
    divan::main();
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
