//! `ballotproof sample`: retrieval lists, JSON draws, rounds and bad input.

use crate::{ballotproof, example, stderr, stdout, temp_dir};

fn manifests() -> Vec<String> {
    vec![
        "--manifest".into(),
        format!("Adams County={}", example("Adams - ballot manifest.csv")),
        "--manifest".into(),
        format!("Baker County={}", example("Baker - ballot manifest.csv")),
    ]
}

fn sample(extra: &[&str]) -> std::process::Output {
    let mut args: Vec<String> = vec![
        "sample".into(),
        "--seed".into(),
        "70271148905320617352".into(),
    ];
    args.extend(manifests());
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    ballotproof(&refs)
}

/// The retrieval list of the bundled example (checked against votingworks/consistent_sampler
/// 46f6f0a run on the same manifests and seed when the snapshot was recorded).
#[test]
fn retrieval_list_table() {
    let out = sample(&["--size", "12"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out).replace(&example(""), "<examples>/");
    insta::assert_snapshot!(text);
}

#[test]
fn json_lists_every_draw_in_order_and_rounds_continue_the_stream() {
    let whole: serde_json::Value =
        serde_json::from_str(&stdout(&sample(&["--size", "30", "--format", "json"]))).unwrap();
    let first: serde_json::Value =
        serde_json::from_str(&stdout(&sample(&["--size", "10", "--format", "json"]))).unwrap();
    let second: serde_json::Value = serde_json::from_str(&stdout(&sample(&[
        "--size",
        "20",
        "--already-drawn",
        "10",
        "--format",
        "json",
    ])))
    .unwrap();
    let whole = whole.as_array().unwrap();
    assert_eq!(whole.len(), 30);
    let joined: Vec<_> = first
        .as_array()
        .unwrap()
        .iter()
        .chain(second.as_array().unwrap())
        .cloned()
        .collect();
    assert_eq!(whole, &joined);
    let draw = &whole[0];
    for key in [
        "ticket_number",
        "jurisdiction",
        "tabulator",
        "batch",
        "ballot_position",
        "generation",
    ] {
        assert!(draw.get(key).is_some(), "missing {key} in {draw}");
    }
}

#[test]
fn csv_has_one_row_per_ballot_with_multiplicity() {
    let out = sample(&["--size", "2000", "--format", "csv"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(headers.iter().next_back(), Some("Times Drawn"));
    let mut draws = 0;
    let mut repeated = 0;
    for row in reader.records() {
        let row = row.unwrap();
        let times: usize = row[6].parse().unwrap();
        assert_eq!(row[5].split(", ").count(), times);
        draws += times;
        repeated += usize::from(times > 1);
    }
    assert_eq!(draws, 2000);
    assert!(
        repeated > 0,
        "2000 draws with replacement from 11,746 ballots repeat some ballot"
    );
}

#[test]
fn without_replacement_never_repeats() {
    let out = sample(&[
        "--size",
        "3000",
        "--without-replacement",
        "--format",
        "json",
    ]);
    let draws: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let mut seen = std::collections::HashSet::new();
    for d in draws.as_array().unwrap() {
        assert_eq!(d["generation"], 1);
        assert!(seen.insert((
            d["jurisdiction"].to_string(),
            d["batch"].to_string(),
            d["ballot_position"].to_string()
        )));
    }
}

#[test]
fn bad_manifest_names_file_line_and_column() {
    let dir = temp_dir("bad-manifest");
    let path = dir.join("bad.csv");
    std::fs::write(&path, "Batch Name,Number of Ballots\nB1,10\nB2,-4\n").unwrap();
    let out = ballotproof(&[
        "sample",
        "--seed",
        "1",
        "--manifest",
        path.to_str().unwrap(),
        "--size",
        "3",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("bad.csv, line 3, column 2"), "{err}");
    assert!(err.contains("negative"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn same_jurisdiction_twice_is_refused() {
    let a = format!("J={}", example("Adams - ballot manifest.csv"));
    let out = ballotproof(&[
        "sample",
        "--seed",
        "1",
        "--manifest",
        &a,
        "--manifest",
        &a,
        "--size",
        "3",
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("jurisdiction \"J\" is given twice"),
        "{}",
        stderr(&out)
    );
}
