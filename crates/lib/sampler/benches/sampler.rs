//! Benchmarks for ticket generation and sample drawing.
fn main() {
    divan::main();
}

// ---- SHANGRLA card sampling (shangrla-suite branch) --------------------------------------------

mod shangrla_card_sampling {
    #![allow(clippy::unwrap_used)]

    /// cryptorandom sample numbers for 10,000 cards.
    #[divan::bench]
    fn shangrla_sample_nums_10k() -> usize {
        let seed = sampler::cryptorandom::Seed::integer("12345678901234567890").unwrap();
        sampler::cryptorandom::assign_sample_nums(&seed, divan::black_box(10_000)).len()
    }

    /// Consistent sampling of 500 cards for each of two contests among 10,000 cards.
    #[divan::bench]
    fn shangrla_consistent_sampling_10k(bencher: divan::Bencher) {
        use sampler::cryptorandom::{Seed, assign_sample_nums, consistent_sampling};
        let nums = assign_sample_nums(&Seed::from(7u64), 10_000);
        let styles: Vec<Vec<usize>> = (0..10_000)
            .map(|i| if i % 3 == 0 { vec![0, 1] } else { vec![i % 2] })
            .collect();
        bencher.bench(|| {
            consistent_sampling(&styles, &nums, &[500, 500], &[])
                .unwrap()
                .indices
                .len()
        });
    }
}
