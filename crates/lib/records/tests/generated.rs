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

/// Two counties, each with its own Dominion CVR export and manifest, whose tabulators, batches and
/// CVR ids are numbered the same way: given as jurisdictions, each reconciles with its own manifest
/// and nothing is a duplicate; the contests' totals are the election's. Given without
/// jurisdictions, the same files collide (every id repeated, every batch double-counted).
#[test]
fn jurisdictions_reconcile_separately() {
    let adams = Spec {
        seed: 1,
        cards: 900,
        ..spec()
    };
    let boone = Spec {
        seed: 2,
        cards: 700,
        ..spec()
    };
    let files = |s: &Spec| {
        let (mut cvrs, mut manifest) = (Vec::new(), Vec::new());
        generate::write_dominion_csv(s, &mut cvrs).unwrap();
        generate::write_manifest(s, false, &mut manifest).unwrap();
        (cvrs, manifest)
    };
    let ((a_cvrs, a_manifest), (b_cvrs, b_manifest)) = (files(&adams), files(&boone));
    let inputs = |named: bool| {
        let j = |n: &'static str| if named { n } else { "" };
        vec![
            Input::bytes("adams/cvrs.csv", a_cvrs.clone()).in_jurisdiction(j("Adams")),
            Input::bytes("adams/manifest.csv", a_manifest.clone()).in_jurisdiction(j("Adams")),
            Input::bytes("boone/cvrs.csv", b_cvrs.clone()).in_jurisdiction(j("Boone")),
            Input::bytes("boone/manifest.csv", b_manifest.clone()).in_jurisdiction(j("Boone")),
        ]
    };
    let r = records::inspect(inputs(true));
    assert_eq!(errors(&r), Vec::<String>::new());
    let per: Vec<(&str, u64, u64, u64)> = r
        .jurisdictions
        .iter()
        .map(|j| {
            let rec = j.reconciliation.as_ref().unwrap();
            (
                j.name.as_str(),
                j.cards,
                rec.matched_batches,
                rec.count_mismatches,
            )
        })
        .collect();
    assert_eq!(per, [("Adams", 900, 5, 0), ("Boone", 700, 4, 0)]);
    assert_eq!(
        (r.cards, r.batches, r.ballots_in_manifests),
        (1600, 9, 1600)
    );
    assert_eq!(r.files[2].jurisdiction, "Boone");
    // Contest totals are the sum of the two counties'.
    let alone = |cvrs: &[u8]| run(vec![("cvrs.csv", cvrs.to_vec())]).contests[0].ballots;
    assert_eq!(r.contests[0].ballots, alone(&a_cvrs) + alone(&b_cvrs));

    let mixed = records::inspect(inputs(false));
    assert_eq!(mixed.jurisdictions.len(), 1);
    assert!(
        errors(&mixed)
            .iter()
            .any(|e| e.contains("appears more than once in these files")),
        "{:?}",
        errors(&mixed)
    );
}

/// A jurisdiction named with the files but missing from the jurisdictions file is flagged.
#[test]
fn unknown_jurisdiction_names_are_flagged() {
    let mut cvrs = Vec::new();
    generate::write_dominion_csv(&spec(), &mut cvrs).unwrap();
    let r = records::inspect(vec![
        Input::bytes("cvrs.csv", cvrs).in_jurisdiction("Adms"),
        Input::bytes(
            "jurisdictions.csv",
            b"Jurisdiction,Admin Email\nAdams,a@example.com\n".to_vec(),
        ),
    ]);
    assert!(
        r.problems.iter().any(|p| p.to_string().contains(
            "jurisdiction \"Adms\" (given as JURISDICTION=PATH) is not in the jurisdictions file"
        )),
        "{:?}",
        r.problems
    );
}

/// Two counties' exports numbered alike: a reconciliation problem in one names its jurisdiction,
/// since "batch 3 of tabulator 1" alone could be either county's.
#[test]
fn reconciliation_messages_name_the_jurisdiction() {
    let mut cvrs = Vec::new();
    generate::write_dominion_csv(&spec(), &mut cvrs).unwrap();
    let full = manifest(false);
    // Boone's manifest lacks its last batch.
    let text = String::from_utf8(full.clone()).unwrap();
    let short: String = text
        .lines()
        .take(text.lines().count() - 1)
        .map(|l| format!("{l}\n"))
        .collect();
    let report = records::inspect(vec![
        Input::bytes("adams-cvrs.csv", cvrs.clone()).in_jurisdiction("Adams"),
        Input::bytes("adams-manifest.csv", full).in_jurisdiction("Adams"),
        Input::bytes("boone-cvrs.csv", cvrs).in_jurisdiction("Boone County"),
        Input::bytes("boone-manifest.csv", short.into_bytes()).in_jurisdiction("Boone County"),
    ]);
    let errors = errors(&report);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("boone-cvrs.csv")
            && errors[0].contains("Jurisdiction \"Boone County\": the CVRs have")
            && errors[0].contains("which no ballot manifest lists"),
        "{errors:?}"
    );
}
