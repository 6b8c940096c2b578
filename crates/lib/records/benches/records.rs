//! Benchmarks for the records crate: parsing and totalling generated exports.

fn main() {
    divan::main();
}
