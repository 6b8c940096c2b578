//! Benchmarks for ticket generation and sample drawing.
fn main() {
    divan::main();
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
