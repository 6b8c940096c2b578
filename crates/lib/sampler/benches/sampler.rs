//! Benchmarks for ticket generation and sample drawing.

use divan::{Bencher, black_box};
use sampler::colorado::ColoradoGenerator;
use sampler::consistent::{
    ManifestBatch, Replacement, SampleRequest, draw_sample, first_fraction, next_fraction,
};
use sampler::python_repr::BatchKey;

fn main() {
    divan::main();
}

/// A manifest of `batches` batches of `per_batch` ballots with Arlo's production keys.
fn arlo_manifest(batches: u64, per_batch: u64) -> Vec<ManifestBatch> {
    (0..batches)
        .map(|b| {
            let key = BatchKey::arlo(
                &format!("Jurisdiction {}", b % 7),
                Some(&format!("Tabulator {}", b % 13)),
                &format!("Batch {b}"),
            );
            ManifestBatch::new(key, per_batch)
        })
        .collect()
}

/// The consistent sampler over 1,000,000 ballots (1,000 batches of 1,000): one ticket per ballot,
/// so tickets per second = 1,000,000 / the time shown. Arlo's round sizes are in the hundreds.
#[divan::bench(args = [100, 1_000], sample_count = 5, sample_size = 1)]
fn consistent_draw_from_million_ballots(bencher: Bencher, sample_size: u64) {
    let manifest = arlo_manifest(1_000, 1_000);
    bencher.bench(|| {
        let request = SampleRequest::arlo(
            "12345678901234567890abcdefghijklmnopqrstuvwxyz😊",
            sample_size,
            0,
            Replacement::With,
        );
        draw_sample(black_box(&manifest), &request)
    });
}

/// Without replacement, every ballot of a 100,000-ballot manifest: the worst case for the
/// full-string part of the draw.
#[divan::bench(sample_count = 5, sample_size = 1)]
fn consistent_full_shuffle_100k(bencher: Bencher) {
    let manifest = arlo_manifest(100, 1_000);
    bencher.bench(|| {
        let request = SampleRequest::arlo("01382438112797316654", 100_000, 0, Replacement::Without);
        draw_sample(black_box(&manifest), &request)
    });
}

#[divan::bench]
fn consistent_first_fraction() -> String {
    first_fraction(
        black_box("(('J1', 'Tabulator 1', 'Batch 1'), 17)"),
        black_box("01382438112797316654"),
    )
}

#[divan::bench]
fn consistent_next_fraction() -> String {
    next_fraction(black_box(
        "0.26299714122838008416507544297546663599715395525154425586041245287750224561854",
    ))
    .unwrap_or_default()
}

/// ColoradoRLA's generator: 1,000 numbers with replacement from a statewide-sized range.
#[divan::bench]
fn colorado_thousand_numbers() -> usize {
    let generator = ColoradoGenerator::new(
        black_box("53417960661093690826"),
        Replacement::With,
        1,
        4_746_866,
    );
    generator.map_or(0, |mut g| g.numbers(0, 1_000).map_or(0, <[i32]>::len))
}

// ---- numpy / ppeb benchmarks (numpy-macro helper) ----

/// Seeding NumPy's generator from a 256-bit integer (SeedSequence + PCG64), as Arlo does per draw.
#[divan::bench]
fn numpy_default_rng_from_256_bit_seed() -> sampler::numpy::Generator {
    let seed = divan::black_box([0x5au8; 32]);
    sampler::numpy::Generator::default_rng(&sampler::numpy::SeedSequence::from_be_bytes(&seed))
}

/// A PPEB-sized weighted draw: 100 draws over 1,000 batches.
#[divan::bench]
fn numpy_choice_100_of_1000(bencher: divan::Bencher) {
    let weights: Vec<f64> = (1..=1000).map(|i| f64::from(i % 37 + 1)).collect();
    let total: f64 = weights.iter().sum();
    let p: Vec<f64> = weights.iter().map(|w| w / total).collect();
    let seed = sampler::numpy::SeedSequence::from_u128(12345);
    bencher.bench(|| {
        sampler::numpy::Generator::default_rng(&seed)
            .choice_with_replacement(divan::black_box(&p), 100)
    });
}

/// Arlo's PPEB draw: 100 batches drawn from 1,000 (NumPy choice plus consistent-sampler tickets).
#[divan::bench]
fn ppeb_draw_100_of_1000(bencher: divan::Bencher) {
    use sampler::ppeb::{PpebBatch, draw_ppeb_sample};
    use sampler::python_repr::BatchKey;
    let weights: Vec<f64> = (1..=1000).map(|i| f64::from(i % 37 + 1)).collect();
    let total: f64 = weights.iter().sum();
    let batches: Vec<PpebBatch> = weights
        .iter()
        .enumerate()
        .map(|(i, w)| PpebBatch {
            key: BatchKey::arlo_batch(&format!("J{}", i % 7), &format!("Batch {i:04}")),
            weight: w / total,
        })
        .collect();
    bencher
        .bench(|| draw_ppeb_sample(divan::black_box("12345678901234567890"), &batches, 100, &[]));
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
