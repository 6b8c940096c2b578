//! Benchmarks for proof generation and verification and checkpoint signing.

fn main() {
    divan::main();
}
