//! Benchmarks for ticket generation and sample drawing.
fn main() {
    divan::main();
}
