//! The public export and `verify-audit`'s check: an untouched export verifies; any edited number,
//! ballot, ticket or log entry makes verification fail, naming what differs.

use std::path::Path;

use audit::verify::verify_export;

use crate::arapahoe::set_up;
use crate::{ACTOR, Harness, harness};

fn finished_audit(h: &Harness, dir: &Path) {
    set_up(h, "Arapahoe 2016");
    h.rt.block_on(h.wf.start_round(ACTOR, "Arapahoe 2016", &[]))
        .unwrap();
    h.audit_as_reported("Arapahoe 2016", &|_| None);
    h.sign_off_all("Arapahoe 2016");
    h.rt.block_on(h.wf.end_round(ACTOR, "Arapahoe 2016"))
        .unwrap();
    h.rt.block_on(h.wf.export(ACTOR, "Arapahoe 2016", dir))
        .unwrap();
}

fn edit_json(dir: &Path, edit: impl FnOnce(&mut serde_json::Value)) {
    let path = dir.join("audit.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&path, serde_json::to_vec_pretty(&v).unwrap()).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn an_untouched_export_verifies_and_every_edit_is_named() {
    let h = harness("export");
    let dir = h.dir.join("export");
    finished_audit(&h, &dir);
    let verified = verify_export(&dir).unwrap();
    assert_eq!(verified.rounds, 1);
    assert!(verified.draws > 0 && verified.readings > 0 && verified.risks == 1);

    let case = |name: &str, edit: &dyn Fn(&Path), expect: &str| {
        let copy = h.dir.join(format!("tampered-{name}"));
        copy_dir(&dir, &copy);
        edit(&copy);
        let problems = verify_export(&copy).unwrap_err();
        assert!(
            problems.iter().any(|p| p.contains(expect)),
            "{name}: expected {expect:?} in {problems:#?}"
        );
    };
    case(
        "p-value",
        &|d| {
            edit_json(d, |v| {
                v["rounds"][0]["contests"][0]["p_value"] = serde_json::json!(0.0001)
            })
        },
        "published risk",
    );
    case(
        "reading",
        &|d| {
            edit_json(d, |v| {
                let b = v["ballots"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|b| b["interpretations"][0]["interpretation"] == "vote")
                    .unwrap();
                b["interpretations"][0]["interpretation"] = serde_json::json!("blank");
                b["interpretations"][0]["choices"] = serde_json::json!([]);
            })
        },
        "readings in audit.json differ",
    );
    case(
        "ticket",
        &|d| {
            edit_json(d, |v| {
                v["ballots"][0]["draws"][0]["ticket"] = serde_json::json!("0.123")
            })
        },
        "differ from the recomputed sample",
    );
    case(
        "sign-off",
        &|d| {
            edit_json(d, |v| {
                v["audit_boards"][0]["members"] = serde_json::json!(["Eve", "Mallory"])
            })
        },
        "signed off",
    );
    case(
        "seed",
        &|d| edit_json(d, |v| v["seed"] = serde_json::json!("20161109")),
        "seed",
    );
    case(
        "cvr",
        &|d| {
            edit_json(d, |v| {
                let b = v["ballots"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|b| !b["cvr"].is_null())
                    .unwrap();
                b["cvr"]["imprinted_id"] = serde_json::json!("forged");
            })
        },
        "CVRs in audit.json differ",
    );
    case(
        "manifest",
        &|d| {
            let files = d.join("files");
            let f = std::fs::read_dir(&files)
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            let mut bytes = std::fs::read(&f).unwrap();
            bytes.extend_from_slice(b"Arapahoe,\"99\",\"1\",5,Bin 9\n");
            std::fs::write(f, bytes).unwrap();
        },
        "manifest",
    );
    case(
        "log entry",
        &|d| {
            let bundle = d.join("log/tile/entries/000.p");
            let f = std::fs::read_dir(&bundle)
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path();
            let mut bytes = std::fs::read(&f).unwrap();
            let text = String::from_utf8_lossy(&bytes)
                .replace("audit.ballot_audited", "audit.ballot_audxted");
            bytes = text.into_bytes();
            std::fs::write(f, bytes).unwrap();
        },
        "does not verify",
    );
}

#[test]
fn edited_reported_results_are_caught() {
    let h = harness("export-results");
    let dir = h.dir.join("export");
    finished_audit(&h, &dir);
    edit_json(&dir, |v| {
        v["contests"][0]["choices"][1]["votes"] = serde_json::json!(40)
    });
    let problems = verify_export(&dir).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("reported results differ")),
        "{problems:#?}"
    );
}

#[test]
fn a_change_logged_twice_is_named() {
    let h = harness("export-duplicate");
    let dir = h.dir.join("export");
    set_up(&h, "Arapahoe 2016");
    h.rt.block_on(h.wf.start_round(ACTOR, "Arapahoe 2016", &[]))
        .unwrap();
    h.audit_as_reported("Arapahoe 2016", &|_| None);
    // A ballot's reading appended to the log a second time, as concurrent flushes once did.
    let index =
        h.wf.with_ledger(|l| {
            let (i, e) = l
                .entries()
                .iter()
                .enumerate()
                .map(|(i, b)| (i, ledger::Entry::parse(b).unwrap()))
                .rfind(|(_, e)| e.kind == "audit.ballot_audited")
                .unwrap();
            let again =
                ledger::NewEntry::new(&e.kind, &e.actor, serde_json::Value::Object(e.body.clone()))
                    .unwrap();
            l.append(again).unwrap();
            i
        })
        .unwrap();
    h.sign_off_all("Arapahoe 2016");
    h.rt.block_on(h.wf.end_round(ACTOR, "Arapahoe 2016"))
        .unwrap();
    h.rt.block_on(h.wf.export(ACTOR, "Arapahoe 2016", &dir))
        .unwrap();
    let problems = verify_export(&dir).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.contains(&format!("log entries {index} and")) && p.contains("logged twice")),
        "{problems:#?}"
    );
}

#[test]
fn a_county_signs_off_after_its_boards_once_and_the_export_shows_it() {
    let h = harness("export-county-sign-off");
    let dir = h.dir.join("export");
    let audit = "Arapahoe 2016";
    set_up(&h, audit);
    h.rt.block_on(h.wf.start_round(ACTOR, audit, &[])).unwrap();
    h.audit_as_reported(audit, &|_| None);
    let early =
        h.rt.block_on(h.wf.sign_off_jurisdiction(ACTOR, audit, "Arapahoe"))
            .unwrap_err()
            .to_string();
    assert!(early.contains("have not signed off round 1"), "{early}");
    h.sign_off_all(audit);
    h.rt.block_on(h.wf.sign_off_jurisdiction(ACTOR, audit, "Arapahoe"))
        .unwrap();
    let twice =
        h.rt.block_on(h.wf.sign_off_jurisdiction(ACTOR, audit, "Arapahoe"))
            .unwrap_err()
            .to_string();
    assert!(twice.contains("already signed off round 1"), "{twice}");
    let record = h.record(audit);
    assert_eq!(record.jurisdiction_sign_offs.len(), 1);
    assert_eq!(record.jurisdiction_sign_offs[0].jurisdiction, "Arapahoe");
    assert_eq!(record.jurisdiction_sign_offs[0].round, 1);

    h.rt.block_on(h.wf.end_round(ACTOR, audit)).unwrap();
    h.rt.block_on(h.wf.export(ACTOR, audit, &dir)).unwrap();
    verify_export(&dir).unwrap();
    // Left out of audit.json, or invented for another round: both named.
    let copy = h.dir.join("without-sign-off");
    copy_dir(&dir, &copy);
    edit_json(&copy, |v| {
        v.as_object_mut().unwrap().remove("jurisdiction_sign_offs");
    });
    let problems = verify_export(&copy).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Arapahoe's sign-off of round 1, which audit.json leaves out")),
        "{problems:#?}"
    );
    let copy = h.dir.join("invented-sign-off");
    copy_dir(&dir, &copy);
    edit_json(&copy, |v| {
        v["jurisdiction_sign_offs"][0]["round"] = 2.into();
    });
    let problems = verify_export(&copy).unwrap_err();
    assert!(
        problems
            .iter()
            .any(|p| p.contains("Arapahoe is shown as signed off in round 2")),
        "{problems:#?}"
    );
}
