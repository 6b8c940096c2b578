//! Benchmarks for the risk measures and sample-size estimates.
fn main() {
    divan::main();
}

// ---- MACRO (batch comparison) benchmarks (numpy-macro helper) ----

/// A three-choice contest over `n` batches with varied tallies, as MACRO sees it.
fn macro_contest(
    n: u64,
) -> Result<rla_math::macro_batch::MacroContest, Box<dyn std::error::Error>> {
    use rla_math::macro_batch::{MacroContest, MacroOptions, ReportedBatch};
    let batches: Vec<ReportedBatch> = (0..n)
        .map(|i| {
            let ballots = 200 + i % 300;
            let a = ballots / 2 + i % 17;
            let b = ballots / 3 - i % 13;
            ReportedBatch::new(format!("Batch {i}"), vec![a, b, ballots - a - b], ballots)
        })
        .collect();
    let total = |k: usize| {
        batches
            .iter()
            .map(|b| b.tally.as_ref().map_or(0, |t| t.votes[k]))
            .sum::<u64>()
    };
    let ballots = batches
        .iter()
        .map(|b| b.tally.as_ref().map_or(0, |t| t.ballots))
        .sum();
    let contest = rla_math::Contest::new(
        "Mayor",
        [("a", total(0)), ("b", total(1)), ("c", total(2))],
        ballots,
        1,
        1,
    )?;
    Ok(MacroContest::new(
        &contest,
        MacroOptions::default(),
        batches,
    )?)
}

/// u_p for every batch and their exact sum U, for 1,000 batches.
#[divan::bench]
fn macro_prepare_1000_batches(bencher: divan::Bencher) {
    bencher.bench(|| macro_contest(divan::black_box(1000)));
}

/// p-value after 50 audited batches (some with errors) and the next round's size, 1,000 batches.
#[divan::bench]
fn macro_risk_and_next_size_1000_batches(bencher: divan::Bencher) {
    use rla_math::macro_batch::{AuditedBatch, Observed};
    let (Ok(m), Ok(alpha)) = (macro_contest(1000), rla_math::RiskLimit::new(0.05)) else {
        return;
    };
    let audited = (0..50)
        .map(|i| {
            let mut votes = m.batches()[i * 7]
                .tally
                .as_ref()
                .map_or_else(Vec::new, |t| t.votes.clone());
            if i % 5 == 0 {
                votes[0] -= 2;
                votes[1] += 2;
            }
            AuditedBatch {
                batch: i * 7,
                times_drawn: 1 + (i % 2) as u32,
                votes,
            }
        })
        .collect();
    let observed = Observed {
        audited,
        combined_batches: Vec::new(),
    };
    bencher.bench(|| {
        (
            m.risk(divan::black_box(&observed), alpha),
            m.sample_size(alpha, &observed),
        )
    });
}
