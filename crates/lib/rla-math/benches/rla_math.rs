//! Benchmarks for the risk measures and sample-size estimates.
fn main() {
    divan::main();
}
