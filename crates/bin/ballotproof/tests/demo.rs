//! `ballotproof demo`, the README's first command: it must run with no files and no setup, and its
//! numbers are the methods' own (snapshot reviewed by hand against `sample-size` and `sample`).

use crate::{ballotproof, stderr, stdout};

#[test]
fn demo_prints_sizes_for_every_method_and_the_drawn_sample() {
    let out = ballotproof(&["demo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for method in [
        "BRAVO",
        "MINERVA",
        "Providence",
        "ALPHA polling",
        "Kaplan-Markov (super-simple)",
        "ALPHA comparison",
        "MACRO (batch comparison)",
    ] {
        assert!(text.contains(method), "demo output lacks {method}");
    }
    insta::assert_snapshot!(text);
}

/// The demo's retrieval list is the `sample` command's list for the same seed, manifests and size.
#[test]
fn demo_sample_matches_the_sample_command() {
    let demo = stdout(&ballotproof(&["demo", "--rows", "1000"]));
    let size_line = demo
        .lines()
        .find(|l| l.starts_with("2. Round-one ballot sample"))
        .unwrap();
    let size: String = size_line
        .rsplit("estimate of ")
        .next()
        .unwrap()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let mut args = vec!["sample", "--seed", "70271148905320617352", "--size", &size];
    let manifests: Vec<String> = ["Adams", "Baker", "Clark"]
        .iter()
        .map(|c| {
            format!(
                "{c} County={}",
                crate::example(&format!("{c} - ballot manifest.csv"))
            )
        })
        .collect();
    for m in &manifests {
        args.extend(["--manifest", m.as_str()]);
    }
    let sample = stdout(&ballotproof(&args));
    let table_of = |text: &str| -> Vec<String> {
        text.lines()
            .skip_while(|l| !l.starts_with("Jurisdiction  Container"))
            .take_while(|l| !l.is_empty() && !l.starts_with('…'))
            .map(str::to_string)
            .collect()
    };
    let from_demo = table_of(&demo);
    assert!(from_demo.len() > 10);
    assert_eq!(from_demo, table_of(&sample));
}
