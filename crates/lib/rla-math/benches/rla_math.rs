//! Benchmarks for the risk measures and sample-size estimates.
fn main() {
    divan::main();
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
