//! Generated exports read back: every vendor format reconciles with its manifest without errors,
//! and exports of the same cards in different formats give the same totals.

use records::generate::{self, Spec};
use records::{Input, Report, Severity};

fn run(files: Vec<(&str, Vec<u8>)>) -> Report {
    records::inspect(files.into_iter().map(|(n, b)| Input::bytes(n, b)).collect())
}

fn errors(r: &Report) -> Vec<String> {
    r.problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.to_string())
        .collect()
}

fn spec() -> Spec {
    Spec {
        seed: 7,
        cards: 1500,
        contests: 6,
        tabulators: 3,
        batch_size: 200,
    }
}

fn manifest(four_digits: bool) -> Vec<u8> {
    let mut m = Vec::new();
    generate::write_manifest(&spec(), four_digits, &mut m).unwrap();
    m
}

#[test]
fn dominion_csv_and_json_give_the_same_totals_and_reconcile() {
    let spec = spec();
    let mut csv = Vec::new();
    generate::write_dominion_csv(&spec, &mut csv).unwrap();
    let from_csv = run(vec![("cvr.csv", csv), ("manifest.csv", manifest(false))]);
    assert_eq!(errors(&from_csv), Vec::<String>::new());
    let (mut a, mut b, mut c, mut json) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    generate::write_dominion_json_manifests(&spec, &mut a, &mut b, &mut c).unwrap();
    generate::write_dominion_json(&spec, &mut json).unwrap();
    let from_json = run(vec![
        ("CvrExport_0.json", json),
        ("ContestManifest.json", a),
        ("CandidateManifest.json", b),
        ("CountingGroupManifest.json", c),
        ("manifest.csv", manifest(false)),
    ]);
    assert_eq!(errors(&from_json), Vec::<String>::new());
    assert_eq!((from_csv.cards, from_csv.batches), (1500, 8));
    let rec = from_csv.reconciliation.clone().unwrap();
    assert_eq!((rec.matched_batches, rec.count_mismatches), (8, 0));
    assert_eq!(from_csv.contests.len(), 6);
    for (x, y) in from_csv.contests.iter().zip(&from_json.contests) {
        assert_eq!(
            (&x.name, &x.votes, x.ballots, &x.winners),
            (&y.name, &y.votes, y.ballots, &y.winners)
        );
    }
    // Overvotes, undervotes and the ranked and vote-for-2 contests are all there.
    assert!(
        from_csv
            .contests
            .iter()
            .filter(|c| c.ranks == 0)
            .all(|c| c.overvoted_cards > 0 && c.undervotes > 0)
    );
    assert_eq!(from_csv.contests[1].ranks, 3);
    assert_eq!(from_csv.contests[2].votes_allowed, 2);
}

#[test]
fn ess_and_hart_give_the_same_totals_and_reconcile() {
    let spec = spec();
    let (mut cvr, mut ballots) = (Vec::new(), Vec::new());
    generate::write_ess(&spec, &mut cvr, &mut ballots).unwrap();
    let ess = run(vec![
        ("cvr.csv", cvr),
        ("ballots.csv", ballots),
        ("manifest.csv", manifest(true)),
    ]);
    assert_eq!(errors(&ess), Vec::<String>::new());
    let zip = generate::write_hart_zip(&spec, true, std::io::Cursor::new(Vec::new()))
        .unwrap()
        .into_inner();
    let hart = run(vec![("hart.zip", zip), ("manifest.csv", manifest(false))]);
    assert_eq!(errors(&hart), Vec::<String>::new());
    assert_eq!((ess.cards, hart.cards), (1500, 1500));
    assert_eq!(ess.reconciliation.unwrap().count_mismatches, 0);
    assert_eq!(hart.reconciliation.unwrap().matched_batches, 8);
    for (x, y) in ess.contests.iter().zip(&hart.contests) {
        assert_eq!(
            (&x.name, &x.votes, x.ballots),
            (&y.name, &y.votes, y.ballots)
        );
    }
}

#[test]
fn clearballot_reconciles() {
    let mut cb = Vec::new();
    generate::write_clearballot(&spec(), &mut cb).unwrap();
    let r = run(vec![("cb.csv", cb), ("manifest.csv", manifest(false))]);
    assert_eq!(errors(&r), Vec::<String>::new());
    assert_eq!((r.cards, r.contests.len()), (1500, 5));
}
