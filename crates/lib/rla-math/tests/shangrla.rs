//! Tests for `rla_math::shangrla`: the reference vectors `alpha_shangrla_nonnegmean.json` and
//! `shangrla_comparison_oneaudit_pipeline.json` (held to two ulps: the module is bit-identical
//! to SHANGRLA, but serde_json's default float parser can be one ulp off when reading the vectors; the
//! conformance runner, which parses exactly, has been run at zero tolerance),
//! SHANGRLA's own tests (`tests/core/test_*.py` at commit 9d5db92; file and line named, literals also
//! in `peer_tests_shangrla_literals.json`), and property tests.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use rla_math::RiskLimit;
use rla_math::shangrla::{
    AlphaTest, Assertion, Assorter, AuditType, ChoiceFunction, ContestSpec, Cvr, ErrorRates,
    Estimator, Eta, Population, ShangrlaError, ShrinkTrunc, audit_sample_size,
    comparison_sample_size, comparison_upper_bound, interleave_values, kaplan_markov,
    make_assertions, oneaudit, overstatement_assorter_margin, overstatement_assorter_mean,
    overstatement_assorter_value, plurality_margin_from_tally,
};
use serde_json::Value;

/// A vector file. (Read here rather than through `tests.rs` so this file also compiles as its own
/// test target, which cargo's test auto-discovery builds.)
fn vector(file: &str) -> Value {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../../shared/vectors/rla")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e}; the shared/ folder must sit beside the project root",
            path.display()
        )
    });
    serde_json::from_str(&text).unwrap()
}

fn num(v: &Value) -> f64 {
    match v.as_str() {
        Some("inf") => f64::INFINITY,
        Some("nan") => f64::NAN,
        _ => v.as_f64().unwrap(),
    }
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

/// Equal up to the one-ulp error of serde_json's default float parsing.
fn same(a: f64, b: f64) -> bool {
    a == b || (a.is_nan() && b.is_nan()) || (a - b).abs() <= 4.5e-16 * a.abs().max(b.abs())
}

fn assert_same(got: f64, want: f64, what: &str) {
    assert!(same(got, want), "{what}: {got:e} vs {want:e}");
}

// alpha_shangrla_nonnegmean.json, every case (polling_fixed_eta_*, polling_shrink_trunc_*,
// comparison_shrink_trunc_*): p_value, p_history and eta_j.
#[test]
fn alpha_vectors() {
    let doc = vector("alpha_shangrla_nonnegmean.json");
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let input = &case["input"];
        let (t, u) = (num(&input["t"]), num(&input["u"]));
        let n = num(&input["N"]);
        let population = if n.is_infinite() {
            Population::Infinite
        } else {
            Population::Finite(n as u64)
        };
        let params = &input["params"];
        let estimator = match input["estimator"].as_str().unwrap() {
            "shrink_trunc" => Estimator::ShrinkTrunc(ShrinkTrunc {
                d: num(&params["d"]),
                f: num(&params["f"]),
                ..ShrinkTrunc::default()
            }),
            _ => params
                .get("eta")
                .map_or(Estimator::default_fixed(t, u), |e| Estimator::fixed(num(e))),
        };
        let out = AlphaTest::new(t, u, population, estimator)
            .unwrap()
            .run(&floats(&input["x"]))
            .unwrap();
        let expected = &case["expected"];
        assert!(same(out.p_value, num(&expected["p_value"])), "{name}: p");
        for (j, (g, e)) in out
            .p_history
            .iter()
            .zip(floats(&expected["p_history"]))
            .enumerate()
        {
            assert!(same(*g, e), "{name}: p_history[{j}] {g} vs {e}");
        }
        for (j, (g, e)) in out.eta.iter().zip(floats(&expected["eta_j"])).enumerate() {
            assert!(same(*g, e), "{name}: eta_j[{j}] {g} vs {e}");
        }
    }
}

// alpha_shangrla_nonnegmean.json sample_size_checks = SHANGRLA tests/core/test_NonnegMean.py::
// test_sample_size (L107-131): constant data 1 → 8 draws, 0.75 → 14 draws (N = 1000, η = 0.75, α = 5 %).
#[test]
fn nonnegmean_sample_size() {
    let test = AlphaTest::new(0.5, 1.0, Population::Finite(1000), Estimator::fixed(0.75)).unwrap();
    let alpha = RiskLimit::new(0.05).unwrap();
    assert_eq!(test.sample_size(&[1.0; 5], alpha).unwrap(), 8);
    assert_eq!(test.sample_size(&[0.75; 5], alpha).unwrap(), 14);
}

fn pipeline_cvr(v: &Value) -> Cvr {
    let mut cvr = Cvr {
        id: v["id"].as_str().unwrap().to_string(),
        ..Cvr::default()
    };
    for (contest, marks) in v["votes"].as_object().unwrap() {
        cvr.votes.insert(
            contest.clone(),
            marks
                .as_object()
                .unwrap()
                .iter()
                .map(|(c, x)| (c.clone(), x.as_i64().unwrap()))
                .collect(),
        );
    }
    cvr.pool = v.get("pool").and_then(Value::as_bool).unwrap_or(false);
    cvr.tally_pool = v
        .get("tally_pool")
        .and_then(Value::as_str)
        .map(String::from);
    cvr
}

// shangrla_comparison_oneaudit_pipeline.json, every case, through the library API alone: margins,
// test upper bounds, pool means, per-assertion and audit sample sizes, and (with the sampled cards
// taken from the vector) overstatement values and p-values.
#[test]
fn pipeline_vectors_through_the_library() {
    let doc = vector("shangrla_comparison_oneaudit_pipeline.json");
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (input, expected) = (&case["input"], &case["expected"]);
        let mut cvrs: Vec<Cvr> = input["cvrs"]
            .as_array()
            .unwrap()
            .iter()
            .map(pipeline_cvr)
            .collect();
        let audit_type = match input["audit_type"].as_str().unwrap() {
            "ONEAUDIT" => AuditType::OneAudit,
            _ => AuditType::CardComparison,
        };
        let contest = ContestSpec {
            id: "c1".into(),
            candidates: input["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_string())
                .collect(),
            winners: vec![input["reported_winner"].as_str().unwrap().to_string()],
            choice: ChoiceFunction::Plurality,
            risk_limit: RiskLimit::new(num(&input["risk_limit"])).unwrap(),
            cards: cvrs.len() as u64,
            audit_type,
            use_style: true,
            estimator: Estimator::shrink_trunc(),
        };
        let rates = ErrorRates {
            one_vote: num(&input["error_rate_1"]),
            two_vote: num(&input["error_rate_2"]),
        };
        let mut assertions = make_assertions(&contest).unwrap();
        if audit_type == AuditType::OneAudit {
            let pools = oneaudit::pool_contests(&cvrs).unwrap();
            oneaudit::add_pool_contests(&mut cvrs, &pools);
            let labels: BTreeSet<String> = pools.keys().cloned().collect();
            for a in &mut assertions {
                a.set_pool_means(&cvrs, Some(&labels), true).unwrap();
            }
        }
        let mut min_margin = f64::INFINITY;
        for a in &mut assertions {
            min_margin = min_margin.min(a.set_margin_from_cvrs(&cvrs, true).unwrap());
        }
        assert_same(min_margin, num(&expected["min_margin"]), name);

        let by_id: BTreeMap<&str, &Cvr> = cvrs.iter().map(|c| (c.id.as_str(), c)).collect();
        let cvr_sample: Vec<Cvr> = expected["sampled_card_ids_in_order"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| (*by_id[id.as_str().unwrap()]).clone())
            .collect();
        let mvrs: BTreeMap<String, Cvr> = input["mvrs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                let m = pipeline_cvr(m);
                (m.id.clone(), m)
            })
            .collect();
        let mvr_sample: Vec<Cvr> = cvr_sample
            .iter()
            .map(|c| {
                let mut m = mvrs[&c.id].clone();
                m.pool = c.pool;
                m.tally_pool = c.tally_pool.clone();
                m
            })
            .collect();

        let mut largest = 0;
        for a in &assertions {
            let want = &expected["assertions"][a.name()];
            assert_same(a.margin().unwrap(), num(&want["assorter_margin"]), name);
            assert_same(
                a.test_upper_bound(audit_type).unwrap(),
                num(&want["test_u"]),
                name,
            );
            if let Some(means) = want["tally_pool_means"].as_object() {
                for (pool, m) in means {
                    assert_same(a.pool_means().unwrap()[pool], num(m), name);
                }
            }
            let size = a.initial_sample_size(&contest, rates, &cvrs).unwrap();
            assert_eq!(
                size,
                want["sample_size_estimate"].as_u64().unwrap(),
                "{name}"
            );
            largest = largest.max(size);
            let data = a.sample_data(&contest, &mvr_sample, &cvr_sample).unwrap();
            let values = floats(&want["overstatement_assorter_values"]);
            assert_eq!(data.len(), values.len(), "{name}");
            for (g, w) in data.iter().zip(values) {
                assert_same(*g, w, name);
            }
            let risk = a.risk(&contest, &data).unwrap();
            assert_same(risk.p_value, num(&want["p_value"]), name);
        }
        let total = audit_sample_size(
            &[(&contest, largest)],
            &cvrs,
            &vec![false; cvrs.len()],
            true,
        )
        .unwrap();
        assert_eq!(
            total,
            expected["initial_sample_size"].as_u64().unwrap(),
            "{name}"
        );
    }
}

// SHANGRLA tests/core/test_NonnegMean.py::test_alpha_mart (L12-45; data s L22, s1 L26, s2 L36). The
// test object keeps NonnegMean()'s default η = 0.75 while t and u are changed afterwards.
#[test]
fn nonnegmean_test_alpha_mart() {
    let eps = 0.0001;
    let halves = [0.5; 5];
    let test =
        |t: f64, u: f64, n: Population| AlphaTest::new(t, u, n, Estimator::fixed(0.75)).unwrap();
    let n = Population::Finite(1_000_000);
    assert!((test(0.5, 1.0, n).p_value(&halves).unwrap() - 1.0).abs() < 1e-7);
    let out = test(eps, 1.0, n).run(&halves).unwrap();
    assert!(out.p_history[1..].iter().all(|&p| p < eps));
    let s = [0.6, 0.8, 1.0, 1.2, 1.4];
    let out = test(eps, 2.0, n).run(&s).unwrap();
    assert!(out.p_history[1..].iter().all(|&p| p < eps));

    let s1 = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0];
    let s2 = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0];
    let t7 = test(3.0 / 7.0, 1.0, Population::Finite(7));
    let h1 = t7.run(&s1).unwrap().p_history;
    assert!(h1.iter().all(|p| !p.is_nan()));
    // The sample total exceeds N·t on the last draw: the final p-value is 0.
    assert_eq!(*h1.last().unwrap(), 0.0);
    let h2 = t7.run(&s2).unwrap().p_history;
    assert_eq!(h1[..6], h2[..6]);
}

// SHANGRLA tests/core/test_NonnegMean.py::test_shrink_trunc (L47-75; η values L49): with d = 10,
// f = 0, c = (η − t)/2, η_j = min(max(m_j + e_j, (dη + S_j)/(d + j − 1)), u(1 − ε) − e_j), checked as
// SHANGRLA does with assert_allclose (relative 1e-7). The test's third, random data set is replaced by
// a fixed alternating one.
#[test]
fn nonnegmean_test_shrink_trunc() {
    let (t, u, d) = (0.5, 1.0, 10.0);
    let data: [Vec<f64>; 3] = [
        vec![0., 0., 0., 0., 0., 1., 1., 1., 1., 1.],
        vec![1., 1., 1., 1., 1., 1., 0., 0., 0., 0.],
        (0..20).map(|i| f64::from(i % 2)).collect(),
    ];
    for eta in [0.51, 0.55, 0.6] {
        let c = (eta - t) / 2.0;
        for x in &data {
            let n = x.len();
            for population in [Population::Infinite, Population::Finite(n as u64)] {
                let est = Estimator::ShrinkTrunc(ShrinkTrunc {
                    eta: Eta::Value(eta),
                    c: Some(c),
                    d,
                    f: 0.0,
                    minsd: 1e-6,
                });
                let got = AlphaTest::new(t, u, population, est)
                    .unwrap()
                    .run(x)
                    .unwrap()
                    .eta;
                let mut sum = 0.0;
                for (j, g) in got.iter().enumerate() {
                    let jj = j as f64 + 1.0;
                    let e = c / (d + jj - 1.0).sqrt();
                    let m = match population {
                        Population::Infinite => t,
                        Population::Finite(nn) => (nn as f64 * t - sum) / (nn as f64 - jj + 1.0),
                    };
                    let est = (d * eta + sum) / (d + jj - 1.0);
                    let want = (m + e).max(est).min(u * (1.0 - f64::EPSILON) - e);
                    assert!(
                        (g - want).abs() <= 1e-7 * want.abs(),
                        "{eta} {j}: {g} {want}"
                    );
                    sum += x[j];
                }
            }
        }
    }
}

// SHANGRLA tests/core/test_NonnegMean.py::test_kaplan_markov (L77-90).
#[test]
fn nonnegmean_test_kaplan_markov() {
    let (p, _) = kaplan_markov(&[1.0; 5], 0.5, 0.0, true).unwrap();
    assert!((p - 2f64.powi(-5)).abs() < 1e-7);
    let s = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0];
    let (p, _) = kaplan_markov(&s, 0.5, 0.1, true).unwrap();
    assert!((p - (1.1f64 / 0.6).powi(-5)).abs() < 1e-7);
    let (p, _) = kaplan_markov(&s, 0.5, 0.1, false).unwrap();
    assert!((p - (1.1f64 / 0.6).powi(-5) * 0.6 / 0.1).abs() < 1e-7);
    assert!(kaplan_markov(&[1.0, -1.0], 0.5, 0.1, true).is_err());
}

// SHANGRLA tests/core/test_NonnegMean.py::test_sjm (without replacement: N = 5, mean 1.53,
// x = [1, 2, 0.5, 1, 4] → m = [1.53, 1.6625, 1.55, 2.075, 3.15]), seen through the fixed-alternative
// estimator, whose η_j is the same formula with η in place of t.
#[test]
fn nonnegmean_test_sjm() {
    let test = AlphaTest::new(0.5, 5.0, Population::Finite(5), Estimator::fixed(1.53)).unwrap();
    let eta = test.run(&[1.0, 2.0, 0.5, 1.0, 4.0]).unwrap().eta;
    for (g, w) in eta.iter().zip([1.53, 1.6625, 1.55, 2.075, 3.15]) {
        assert!((g - w).abs() < 1e-6, "{g} {w}");
    }
    let test = AlphaTest::new(0.5, 5.0, Population::Finite(4), Estimator::fixed(0.55)).unwrap();
    assert!(matches!(
        test.run(&[1.0, 2.0, 3.0, 4.0, 5.0]),
        Err(ShangrlaError::SampleLargerThanPopulation { .. })
    ));
}

fn vote(contest: &str, marks: &[(&str, i64)]) -> Cvr {
    Cvr::new(
        "v",
        [(
            contest.to_string(),
            marks.iter().map(|(c, v)| (c.to_string(), *v)).collect(),
        )],
    )
}

// SHANGRLA tests/core/test_Assertion.py::test_make_plurality_assertions (L67-91; winners L72,
// losers L73): every winner–loser assorter gives 1, 0 or 1/2.
#[test]
fn assertion_test_make_plurality_assertions() {
    let contest = ContestSpec {
        id: "AvB".into(),
        candidates: ["Alice", "Bob", "Candy", "Dan"].map(String::from).to_vec(),
        winners: vec!["Alice".into(), "Bob".into()],
        choice: ChoiceFunction::Plurality,
        risk_limit: RiskLimit::new(0.05).unwrap(),
        cards: 10_000,
        audit_type: AuditType::CardComparison,
        use_style: true,
        estimator: Estimator::shrink_trunc(),
    };
    let assertions: BTreeMap<String, Assertion> = make_assertions(&contest)
        .unwrap()
        .into_iter()
        .map(|a| (a.name(), a))
        .collect();
    let names: Vec<&str> = assertions.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["Alice v Candy", "Alice v Dan", "Bob v Candy", "Bob v Dan"]
    );
    let expect = [
        ("Alice v Candy", [1.0, 0.5, 0.0, 0.5]),
        ("Alice v Dan", [1.0, 0.5, 0.5, 0.0]),
        ("Bob v Candy", [0.5, 1.0, 0.0, 0.5]),
        ("Bob v Dan", [0.5, 1.0, 0.5, 0.0]),
    ];
    for (name, values) in expect {
        for (who, want) in ["Alice", "Bob", "Candy", "Dan"].iter().zip(values) {
            let got = assertions[name]
                .assorter()
                .assort(&vote("AvB", &[(who, 1)]));
            assert_eq!(got, want, "{name} {who}");
        }
    }
}

// SHANGRLA tests/core/test_Assertion.py::test_supermajority_assorter (L100-121; losers L104) with the
// con_test fixture (conftest.py L12-26: share_to_win 2/3).
#[test]
fn assertion_test_supermajority_assorter() {
    let cands = ["Alice", "Bob", "Candy"].map(String::from).to_vec();
    let a = Assorter::supermajority("AvB", "Alice", cands, 2.0 / 3.0).unwrap();
    assert_eq!(a.assort(&vote("AvB", &[("Alice", 1)])), 0.75);
    assert_eq!(a.assort(&vote("AvB", &[("Bob", 1)])), 0.0);
    assert_eq!(a.assort(&vote("AvB", &[("Dan", 1)])), 0.5);
    assert_eq!(a.assort(&vote("AvB", &[("Alice", 1), ("Bob", 1)])), 0.5);
    assert_eq!(
        a.assort(&vote("AvB", &[("Alice", 0), ("Bob", 1), ("Candy", 1)])),
        0.5
    );
}

fn pool_cards() -> Vec<Cvr> {
    // SHANGRLA tests/core/test_Assertion.py L244 (cvr_dicts of test_set_tally_pool_means).
    let card = |id: &str, pool: &str, votes: &[(&str, &[(&str, i64)])]| Cvr {
        id: id.into(),
        votes: votes
            .iter()
            .map(|(c, m)| {
                (
                    c.to_string(),
                    m.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
                )
            })
            .collect(),
        pool: true,
        tally_pool: Some(pool.into()),
        phantom: false,
    };
    vec![
        card(
            "1",
            "1",
            &[("AvB", &[("Alice", 1)]), ("CvD", &[("Candy", 1)])],
        ),
        card(
            "2",
            "1",
            &[("CvD", &[("Elvis", 1), ("Candy", 0)]), ("EvF", &[])],
        ),
        card("3", "1", &[("GvH", &[])]),
        card(
            "4",
            "2",
            &[("AvB", &[("Bob", 1)]), ("CvD", &[("Candy", 1)])],
        ),
        card(
            "5",
            "2",
            &[("CvD", &[("Elvis", 1), ("Candy", 0)]), ("EvF", &[])],
        ),
    ]
}

// SHANGRLA tests/core/test_Assertion.py::test_set_tally_pool_means (L240-271; cards L244 and L265):
// pool means (1 + 1/2 + 1/2)/3 and (0 + 1/2)/2 without styles or after adding the pools' contests;
// 1 and 0 with styles when the contests were not added.
#[test]
fn assertion_test_set_tally_pool_means() {
    let a = Assorter::plurality("AvB", "Alice", "Bob");
    let mut cards = pool_cards();
    let pools = oneaudit::pool_contests(&cards).unwrap();
    let untouched = oneaudit::pool_means(&a, &cards, None, true).unwrap();
    assert_eq!(untouched["1"], 1.0);
    assert_eq!(untouched["2"], 0.0);
    assert!(!oneaudit::add_pool_contests(&mut cards, &pools).is_empty());
    for use_style in [false, true] {
        let means = oneaudit::pool_means(&a, &cards, None, use_style).unwrap();
        assert!((means["1"] - (1.0 + 0.5 + 0.5) / 3.0).abs() < 1e-7);
        assert!((means["2"] - (0.0 + 0.5) / 2.0).abs() < 1e-7);
    }
}

// SHANGRLA tests/core/test_CVR.py::test_add_pool_contests (L115-135; cards L116, expected counts
// L125-128: AvB 3, CvD 1, EvF 3, GvH 2; a second pass adds nothing).
#[test]
fn cvr_test_add_pool_contests() {
    let mut cards = pool_cards();
    cards[0].votes.insert("AvB".into(), BTreeMap::new()); // L117: card 1 has AvB with no vote
    cards[0].votes.get_mut("AvB").unwrap().clear();
    cards[3].votes.get_mut("AvB").unwrap().clear();
    let pools = oneaudit::pool_contests(&cards).unwrap();
    let added = oneaudit::add_pool_contests(&mut cards, &pools);
    let want: BTreeMap<String, u64> = [("AvB", 3), ("CvD", 1), ("EvF", 3), ("GvH", 2)]
        .map(|(c, n)| (c.to_string(), n))
        .into();
    assert_eq!(added, want);
    for card in &cards[..3] {
        assert_eq!(
            card.votes.keys().map(String::as_str).collect::<Vec<_>>(),
            ["AvB", "CvD", "EvF", "GvH"]
        );
    }
    for card in &cards[3..] {
        assert_eq!(
            card.votes.keys().map(String::as_str).collect::<Vec<_>>(),
            ["AvB", "CvD", "EvF"]
        );
    }
    assert_eq!(
        oneaudit::add_pool_contests(&mut cards, &pools)
            .values()
            .sum::<u64>(),
        0
    );
}

// SHANGRLA tests/core/test_Assertion.py::test_overstatement (L300-360; MVRs L308, CVRs L315, winner
// L322, loser L323).
#[test]
fn assertion_test_overstatement() {
    let a = Assorter::plurality("AvB", "Alice", "Bob");
    let mvr = [
        vote("AvB", &[("Alice", 1)]),
        vote("AvB", &[("Bob", 1)]),
        vote("AvB", &[]),
        vote("CvD", &[("Elvis", 1), ("Candy", 0)]),
        Cvr {
            phantom: true,
            ..vote("AvB", &[])
        },
    ];
    let cvr = [
        vote("AvB", &[("Alice", 1)]),
        vote("AvB", &[("Bob", 1)]),
        vote("AvB", &[]),
        vote("CvD", &[("Elvis", 1)]),
        Cvr {
            phantom: true,
            ..vote("AvB", &[])
        },
    ];
    let o = |m: usize, c: usize, style: bool| a.overstatement(&mvr[m], &cvr[c], style, None);
    for style in [true, false] {
        assert_eq!(o(0, 0, style).unwrap(), 0.0);
        assert_eq!(o(0, 1, style).unwrap(), -1.0);
        assert_eq!(o(2, 0, style).unwrap(), 0.5);
        assert_eq!(o(2, 1, style).unwrap(), -0.5);
        assert_eq!(o(1, 0, style).unwrap(), 1.0);
        assert_eq!(o(4, 4, style).unwrap(), 0.5);
        assert_eq!(o(4, 0, style).unwrap(), 1.0);
        assert_eq!(o(4, 1, style).unwrap(), 0.0);
    }
    assert_eq!(o(3, 0, true).unwrap(), 1.0);
    assert_eq!(o(3, 0, false).unwrap(), 0.5);
    assert!(matches!(
        o(3, 3, true),
        Err(ShangrlaError::CardLacksContest { .. })
    ));
    assert_eq!(o(3, 3, false).unwrap(), 0.0);
}

// SHANGRLA tests/core/test_Assertion.py::test_overstatement_assorter (L362-395; MVRs L372, CVRs L377,
// winner L381, losers L382): (1 − o/u)/(2 − v/u).
#[test]
fn assertion_test_overstatement_assorter() {
    let assorter = Assorter::plurality("AvB", "Alice", "Bob");
    let mvr = [
        vote("AvB", &[("Alice", 1)]),
        vote("AvB", &[("Bob", 1)]),
        vote("AvB", &[("Candy", 1)]),
    ];
    let cvr = [vote("AvB", &[("Alice", 1)]), vote("AvB", &[("Bob", 1)])];
    let value = |margin: f64, m: usize, c: usize, style: bool| {
        let mut a = Assertion::new("AvB", "Alice", "Bob", assorter.clone());
        a.set_margin(margin);
        a.overstatement_assorter(&mvr[m], &cvr[c], style).unwrap()
    };
    for style in [true, false] {
        assert_eq!(value(0.2, 0, 0, style), 1.0 / 1.8);
        assert_eq!(value(0.2, 1, 0, style), 0.0);
        assert_eq!(value(0.3, 0, 1, style), 2.0 / 1.7);
        assert_eq!(value(0.1, 2, 0, style), 0.5 / 1.9);
    }
}

// SHANGRLA tests/core/test_Assertion.py::test_overstatement_assorter_margin and _mean (L24-63):
// margin 0.5, u = 1 → margin 1/3; means 1/1.5, 0.5, 0.5 and (1 − 0.125 − 0.25)/1.5.
#[test]
fn assertion_test_overstatement_assorter_margin_and_mean() {
    assert_eq!(overstatement_assorter_margin(1.0, 0.5, 0.0, 0.0), 1.0 / 3.0);
    assert_eq!(overstatement_assorter_mean(1.0, 0.5, 0.0, 0.0), 1.0 / 1.5);
    assert_eq!(overstatement_assorter_mean(1.0, 0.5, 0.5, 0.0), 0.5);
    assert_eq!(overstatement_assorter_mean(1.0, 0.5, 0.0, 0.25), 0.5);
    assert_eq!(
        overstatement_assorter_mean(1.0, 0.5, 0.25, 0.25),
        (1.0 - 0.125 - 0.25) / (2.0 - 0.5)
    );
}

// SHANGRLA tests/core/test_Assertion.py::test_find_margin_from_tally (L448-466; tally L458):
// (V_w − V_l)/cards with 10^4 cards.
#[test]
fn assertion_test_find_margin_from_tally() {
    let tally: BTreeMap<String, u64> = [("Alice", 3000), ("Bob", 2000), ("Carol", 1000)]
        .map(|(c, v)| (c.to_string(), v))
        .into();
    let mut a = Assertion::new(
        "AvB",
        "Alice",
        "Bob",
        Assorter::plurality("AvB", "Alice", "Bob"),
    );
    assert_eq!(a.set_margin_from_tally(&tally, 10_000).unwrap(), 0.1);
    let tally: BTreeMap<String, u64> = [("Alice", 4000), ("Bob", 2000), ("Carol", 1000)]
        .map(|(c, v)| (c.to_string(), v))
        .into();
    let mut a = Assertion::new(
        "AvB",
        "Alice",
        "Carol",
        Assorter::plurality("AvB", "Alice", "Carol"),
    );
    assert_eq!(a.set_margin_from_tally(&tally, 10_000).unwrap(), 0.3);
    assert_eq!(plurality_margin_from_tally(4000, 1000, 10_000), 0.3);
}

// SHANGRLA tests/core/test_Assertion.py::test_interleave_values (L468-488).
#[test]
fn assertion_test_interleave_values() {
    let x = interleave_values(5, 3, 6, 0.0, 0.5, 1.0);
    assert_eq!(x.len(), 14);
    assert_eq!(x[0], 0.0);
    assert_eq!(x.iter().filter(|&&v| v == 0.0).count(), 5);
    assert_eq!(x.iter().filter(|&&v| v == 0.5).count(), 3);
    assert_eq!(x.iter().filter(|&&v| v == 1.0).count(), 6);
    assert_eq!(interleave_values(0, 3, 6, 0.1, 1.0, 2.0).len(), 9);
}

fn comparison_test(margin: f64, n: u64) -> AlphaTest {
    AlphaTest::new(
        0.5,
        comparison_upper_bound(1.0, margin),
        Population::Finite(n),
        Estimator::shrink_trunc(),
    )
    .unwrap()
}

proptest! {
    // ALPHA's p-value is sequential: appending agreeing ballots (overstatement value 1/(2 − v), above
    // the null mean) never raises the p-value or any later step of the history.
    #[test]
    fn alpha_pvalue_never_rises_with_agreeing_ballots(
        margin in 0.01f64..0.6,
        errors in proptest::collection::vec(0usize..3, 0..40),
        agree in 1usize..80,
    ) {
        let n = 5_000u64;
        let test = comparison_test(margin, n);
        let values = [
            overstatement_assorter_value(0.0, 1.0, margin),
            overstatement_assorter_value(0.5, 1.0, margin),
            overstatement_assorter_value(1.0, 1.0, margin),
        ];
        let prefix: Vec<f64> = errors.iter().map(|&e| values[e]).collect();
        let mut x = prefix.clone();
        x.extend(std::iter::repeat_n(values[0], agree));
        let out = test.run(&x).unwrap();
        if !prefix.is_empty() {
            prop_assert!(out.p_value <= test.p_value(&prefix).unwrap());
        }
        for j in prefix.len().max(1)..x.len() {
            prop_assert!(out.p_history[j] <= out.p_history[j - 1], "step {j}");
        }
    }

    // Polling: observations at or above the alternative mean keep the history non-increasing.
    #[test]
    fn alpha_polling_history_falls_with_winner_votes(eta in 0.55f64..0.95, k in 1usize..60, infinite in any::<bool>()) {
        let population = if infinite { Population::Infinite } else { Population::Finite(100_000) };
        let test = AlphaTest::new(0.5, 1.0, population, Estimator::fixed(eta)).unwrap();
        let out = test.run(&vec![1.0; k]).unwrap();
        for j in 1..k {
            prop_assert!(out.p_history[j] <= out.p_history[j - 1]);
        }
    }

    // A wider margin never needs a larger comparison sample.
    #[test]
    fn comparison_sample_size_falls_with_margin(m1 in 0.01f64..0.5, dm in 0.0f64..0.3, rate in 0.0f64..0.01) {
        let alpha = RiskLimit::new(0.05).unwrap();
        let n = 20_000;
        let m2 = m1 + dm;
        let s1 = comparison_sample_size(&comparison_test(m1, n), 1.0, m1, rate, 0.0, alpha).unwrap();
        let s2 = comparison_sample_size(&comparison_test(m2, n), 1.0, m2, rate, 0.0, alpha).unwrap();
        prop_assert!(s2 <= s1, "{m1} → {s1}, {m2} → {s2}");
    }
}
