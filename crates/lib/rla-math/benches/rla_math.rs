//! Benchmarks for the risk measures and sample-size estimates.
fn main() {
    divan::main();
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
