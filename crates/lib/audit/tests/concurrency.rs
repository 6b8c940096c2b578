//! Many audit boards entering ballots at once, as in a busy audit room served by the web app:
//! every reading is stored, every log entry is appended exactly once, and the kept record follows.

use std::collections::HashMap;

use audit::workflow::BallotRef;
use audit::{BallotEntry, Math};

use crate::{ACTOR, harness};

#[test]
fn concurrent_entries_each_reach_the_log_exactly_once() {
    let h = harness("concurrent-entries");
    let spec = crate::polling::set_up(&h, "Busy", Math::Bravo);
    h.rt.block_on(h.wf.start_round(ACTOR, "Busy", &[])).unwrap();
    h.rt.block_on(h.wf.set_audit_boards(ACTOR, "Busy", "Lake County", &["Board 1".into()]))
        .unwrap();
    let before = h.record("Busy");
    let ballots: Vec<_> = before.ballots.iter().collect();
    assert!(ballots.len() >= 8, "{} ballots", ballots.len());
    // The kept record is the one the first page built; entries below must replace it.
    let shared = h.rt.block_on(h.wf.record_shared("Busy")).unwrap();

    // Every entry in flight at once: their store writes, flushes and log appends interleave at
    // every await.
    let entries = ballots.iter().map(|b| {
        let entry: BallotEntry = crate::polling::read_paper(&spec, b);
        let reference = BallotRef {
            jurisdiction: b.jurisdiction.clone(),
            tabulator: b.tabulator.clone(),
            batch: b.batch.clone(),
            position: b.position,
        };
        let wf = &h.wf;
        async move { wf.record_ballot(ACTOR, "Busy", &reference, &entry).await }
    });
    let results = h.rt.block_on(futures_util::future::join_all(entries));
    for r in results {
        r.unwrap();
    }

    let after = h.record("Busy");
    assert!(after.ballots.iter().all(|b| b.status == "audited"));
    let stale = h.rt.block_on(h.wf.record_shared("Busy")).unwrap();
    assert!(
        !std::sync::Arc::ptr_eq(&shared, &stale),
        "the kept record was replaced"
    );

    // The election log holds each outbox entry once.
    let mut seen: HashMap<i64, usize> = HashMap::new();
    let mut audited = 0;
    h.wf.with_ledger(|l| {
        for bytes in l.entries() {
            let e = ledger::Entry::parse(bytes).unwrap();
            if let Some(id) = e.body.get("outbox").and_then(|v| v.as_i64()) {
                *seen.entry(id).or_default() += 1;
            }
            if e.kind == "audit.ballot_audited" {
                audited += 1;
            }
        }
    })
    .unwrap();
    let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "outbox entries appended twice: {twice:?}");
    assert_eq!(audited, ballots.len());
}
