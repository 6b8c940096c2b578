//! Checking a published audit export offline: recompute the sample from the seed and the
//! manifests and the risk from the recorded interpretations, and tie every number to the signed
//! election log that comes with the export.
//!
//! The export directory holds `audit.json` (the [`AuditRecord`]), `files/` (the uploaded
//! manifests and batch tallies, by SHA-256) and `log/` (the election log as C2SP tiles, with its
//! signed checkpoint and key). Verification reads only that directory. It fails, naming what
//! differs, when:
//! * the log does not verify against its checkpoint (tiles, entries, signature);
//! * the log holds one database change twice (the same outbox entry of the same database at two
//!   indexes), which would make a reading or a file count twice;
//! * the seed does not match the commitment, or either differs from what the log recorded, or a
//!   file was accepted after the seed was revealed;
//! * a manifest or tally file differs from its logged hash, or parses to other batches than the
//!   record holds;
//! * a round's recomputed sample differs from the logged sample hash or from the record's draws;
//! * a recomputed risk differs from the published one or from the logged one;
//! * an interpretation, tally sheet or offline tally differs from the last one logged for it;
//! * an audit board's or a county's sign-off is shown that the log does not record, or a county
//!   sign-off the log records is left out;
//! * the sampled ballots' CVRs, or the contests' reported results, differ from what was logged.

use std::collections::BTreeMap;
use std::path::Path;

use ledger::verify::verify_export_tree;
use ledger::{DirSource, Entry, VerifyOptions};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::measure::{self, RoundSize};
use crate::record::{AuditRecord, BallotRecord};
use crate::upload;
use crate::workflow::seed_commitment;

/// What a successful verification checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub audit: String,
    pub log_size: u64,
    pub log_entries_of_audit: usize,
    pub files: usize,
    pub rounds: usize,
    pub draws: usize,
    pub risks: usize,
    pub readings: usize,
}

fn hex_sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The path of an uploaded file in an export: `files/<sha256>`.
pub fn file_path(sha256: &str) -> String {
    format!("files/{sha256}")
}

/// Verifies the export in `dir`; `Err` lists every difference found.
pub fn verify_export(dir: &Path) -> Result<Verified, Vec<String>> {
    let mut problems: Vec<String> = Vec::new();
    let text = std::fs::read(dir.join("audit.json")).map_err(|e| {
        vec![format!(
            "cannot read {}: {e}",
            dir.join("audit.json").display()
        )]
    })?;
    let record: AuditRecord = serde_json::from_slice(&text)
        .map_err(|e| vec![format!("audit.json is not an audit record: {e}")])?;

    // The log: every tile and entry against the signed checkpoint.
    let (report, tiles) =
        verify_export_tree(&DirSource(dir.join("log")), &VerifyOptions::default())
            .map_err(|e| vec![format!("the election log in log/ does not verify: {e}")])?;
    let entries: Vec<(usize, Entry)> = tiles
        .entries
        .iter()
        .enumerate()
        .filter_map(|(i, bytes)| Entry::parse(bytes).ok().map(|e| (i, e)))
        .filter(|(_, e)| {
            e.kind.starts_with("audit.")
                && e.body.get("audit").and_then(Value::as_str) == Some(&record.name)
        })
        .collect();
    // Each change of the database is logged once: its outbox id, stamped with the database's
    // instance, appears at one index only.
    let mut first_index: std::collections::HashMap<(String, i64), usize> =
        std::collections::HashMap::new();
    for (i, e) in &entries {
        let db = e.body.get("db").and_then(Value::as_str);
        let outbox = e.body.get("outbox").and_then(Value::as_i64);
        if let (Some(db), Some(outbox)) = (db, outbox)
            && let Some(first) = first_index.insert((db.to_string(), outbox), *i)
        {
            problems.push(format!(
                "log entries {first} and {i} are the same change (outbox entry {outbox} of database {db}) logged twice"
            ));
        }
    }
    let body_str =
        |e: &Entry, key: &str| e.body.get(key).and_then(Value::as_str).map(str::to_string);
    let body_u64 = |e: &Entry, key: &str| e.body.get(key).and_then(Value::as_u64);

    // audit.json itself was logged when exported.
    let json_sha = hex_sha256(&text);
    if !of_kind(&entries, "audit.report")
        .any(|(_, e)| e.sha256.as_deref() == Some(json_sha.as_str()))
    {
        problems.push("audit.json differs from every copy the log recorded (no audit.report entry has its SHA-256)".into());
    }

    // Seed and commitment.
    let created = of_kind(&entries, "audit.created").last().map(|(_, e)| e);
    if created
        .and_then(|e| body_str(e, "seed_commitment"))
        .as_deref()
        != Some(record.seed_commitment.as_str())
    {
        problems.push(
            "the seed commitment differs from the one logged when the audit was created".into(),
        );
    }
    if created.and_then(|e| body_str(e, "risk_limit")).as_deref()
        != Some(record.risk_limit.as_str())
    {
        problems
            .push("the risk limit differs from the one logged when the audit was created".into());
    }
    let reveal = of_kind(&entries, "audit.seed_revealed").last();
    match (&record.seed, reveal) {
        (Some(seed), Some((reveal_index, e))) => {
            if body_str(e, "seed").as_deref() != Some(seed.as_str()) {
                problems.push(format!(
                    "the seed {seed:?} differs from the seed revealed in the log"
                ));
            }
            if seed_commitment(record.seed_salt.as_deref().unwrap_or(""), seed)
                != record.seed_commitment
            {
                problems.push("the seed does not match its commitment".into());
            }
            for (i, u) in of_kind(&entries, "audit.upload") {
                if i > reveal_index && u.body.get("accepted").and_then(Value::as_bool) == Some(true)
                {
                    problems.push(format!(
                        "{} was accepted after the seed was revealed (log entry {i})",
                        body_str(u, "file_name").unwrap_or_default()
                    ));
                }
            }
        }
        (Some(_), None) => {
            problems.push("the record has a seed but the log has no seed reveal".into())
        }
        (None, _) => {}
    }

    // Files: logged by hash, and parsing to what the record holds.
    let mut files = 0;
    for j in &record.jurisdictions {
        let logged = |sha: &str| {
            of_kind(&entries, "audit.upload").any(|(_, e)| e.sha256.as_deref() == Some(sha))
        };
        if let Some(m) = &j.manifest {
            files += 1;
            match std::fs::read(dir.join(file_path(&m.sha256))) {
                Err(e) => problems.push(format!(
                    "{}'s manifest {}: {e}",
                    j.name,
                    file_path(&m.sha256)
                )),
                Ok(bytes) => {
                    if hex_sha256(&bytes) != m.sha256 {
                        problems.push(format!(
                            "{}'s manifest file differs from its SHA-256",
                            j.name
                        ));
                    }
                    if !logged(&m.sha256) {
                        problems.push(format!(
                            "{}'s manifest ({}) is not in the log",
                            j.name, m.file_name
                        ));
                    }
                    let parsed = upload::read_manifest(&m.file_name, &bytes);
                    if let store::UploadData::Manifest(rows) = parsed.data {
                        let same = rows.len() == j.batches.len()
                            && rows.iter().zip(&j.batches).all(|(r, b)| {
                                r.name == b.name
                                    && r.tabulator == b.tabulator
                                    && u64::try_from(r.ballots).ok() == Some(b.ballots)
                            });
                        if !same {
                            problems.push(format!(
                                "{}'s batches in audit.json differ from its manifest file",
                                j.name
                            ));
                        }
                    } else {
                        problems.push(format!("{}'s manifest file no longer parses", j.name));
                    }
                }
            }
        }
        for f in &j.batch_tally_files {
            files += 1;
            match std::fs::read(dir.join(file_path(&f.sha256))) {
                Err(e) => problems.push(format!(
                    "{}'s batch tallies {}: {e}",
                    j.name,
                    file_path(&f.sha256)
                )),
                Ok(bytes) => {
                    if hex_sha256(&bytes) != f.sha256 || !logged(&f.sha256) {
                        problems.push(format!(
                            "{}'s batch tally file {} differs from the logged one",
                            j.name, f.file_name
                        ));
                    }
                    let parsed = upload::read_batch_tallies(&f.file_name, &bytes, None, None);
                    if let store::UploadData::BatchTallies(rows) = parsed.data {
                        for r in rows {
                            let names: Vec<String> =
                                serde_json::from_str(&r.choices).unwrap_or_default();
                            let votes: Vec<u64> =
                                serde_json::from_str(&r.votes).unwrap_or_default();
                            let file_votes: BTreeMap<String, u64> =
                                names.into_iter().zip(votes).collect();
                            if !j
                                .tallies
                                .iter()
                                .any(|t| t.batch == r.batch && t.votes == file_votes)
                            {
                                problems.push(format!("{}'s reported tally of batch {:?} in audit.json differs from its file", j.name, r.batch));
                            }
                        }
                    }
                }
            }
        }
        if let Some(c) = &j.cvrs
            && !j.cvr_files.is_empty()
            && hex_sha256(&crate::record::file_listing(&j.cvr_files)) != c.sha256
        {
            problems.push(format!(
                "{}'s CVR files listed in audit.json are not the files of its logged upload {}",
                j.name, c.file_name
            ));
        }
        if let Some(c) = &j.cvrs
            && !logged(&c.sha256)
        {
            problems.push(format!(
                "{}'s CVR file {} is not in the log",
                j.name, c.file_name
            ));
        }
    }

    // Reported results as frozen at round one.
    if !record.rounds.is_empty() {
        let frozen = hex_sha256(&serde_json::to_vec(&record.contests).unwrap_or_default());
        let logged = of_kind(&entries, "audit.results_frozen")
            .last()
            .and_then(|(_, e)| e.sha256.clone());
        if logged.as_deref() != Some(frozen.as_str()) {
            problems.push(
                "the contests' reported results differ from those logged when round one started"
                    .into(),
            );
        }
    }

    // Samples.
    let mut draws = 0;
    for round in &record.rounds {
        let sizes: Vec<RoundSize> = round
            .contests
            .iter()
            .map(|rc| RoundSize {
                contest: rc.contest.clone(),
                draws: rc.sample_size,
                draws_before: rc.draws_before,
                full_hand_count: rc.size_option == measure::FULL_HAND_COUNT,
                non_cvr_draws: rc.non_cvr_sample_size,
                non_cvr_draws_before: rc.non_cvr_draws_before,
            })
            .collect();
        match measure::draw_round(&record, round.number, &sizes) {
            Err(e) => problems.push(format!(
                "round {}: the sample cannot be recomputed: {e}",
                round.number
            )),
            Ok(artifact) => {
                let sha = hex_sha256(&artifact.to_bytes());
                if sha != round.sample_sha256 {
                    problems.push(format!(
                        "round {}: the recomputed sample differs from the published sample hash",
                        round.number
                    ));
                }
                let logged = of_kind(&entries, "audit.round_started")
                    .find(|(_, e)| body_u64(e, "round") == Some(round.number))
                    .and_then(|(_, e)| e.sha256.clone());
                if logged.as_deref() != Some(sha.as_str()) {
                    problems.push(format!("round {}: the recomputed sample differs from the sample logged when the round started", round.number));
                }
                let mut published: Vec<(String, String, u64, String)> = record
                    .ballots
                    .iter()
                    .flat_map(|b| {
                        b.draws
                            .iter()
                            .filter(|d| d.round == round.number)
                            .map(move |d| {
                                (
                                    d.contest.clone(),
                                    b.batch.clone(),
                                    b.position,
                                    d.ticket.clone(),
                                )
                            })
                    })
                    .chain(record.batches.iter().flat_map(|b| {
                        b.draws
                            .iter()
                            .filter(|d| d.round == round.number)
                            .map(move |d| (d.contest.clone(), b.batch.clone(), 0, d.ticket.clone()))
                    }))
                    .collect();
                let mut recomputed: Vec<(String, String, u64, String)> = artifact
                    .ballot_draws
                    .iter()
                    .chain(&artifact.batch_draws)
                    .map(|d| {
                        (
                            d.contest.clone(),
                            d.batch.clone(),
                            d.position,
                            d.ticket.clone(),
                        )
                    })
                    .collect();
                published.sort();
                recomputed.sort();
                if published != recomputed {
                    problems.push(format!("round {}: the ballots and tickets in audit.json differ from the recomputed sample", round.number));
                }
                draws += recomputed.len();
            }
        }
    }

    // Readings against the last logged entry for each ballot, batch and offline tally.
    let mut readings = 0;
    for b in record.ballots.iter().filter(|b| b.status != "not_audited") {
        readings += 1;
        let last = of_kind(&entries, "audit.ballot_audited")
            .filter(|(_, e)| same_ballot(e, b))
            .last()
            .map(|(_, e)| e);
        let Some(e) = last else {
            problems.push(format!(
                "{} has readings that are not in the log",
                describe(b)
            ));
            continue;
        };
        let logged: Vec<crate::types::ContestReading> = e
            .body
            .get("readings")
            .and_then(|v| serde_json::from_value(v.clone()).ok())
            .unwrap_or_default();
        if body_str(e, "status").as_deref() != Some(b.status.as_str())
            || logged != b.interpretations
        {
            problems.push(format!(
                "{}: the readings in audit.json differ from the last ones logged",
                describe(b)
            ));
        }
    }
    for b in &record.batches {
        for (contest, votes) in &b.results {
            readings += 1;
            let last = of_kind(&entries, "audit.batch_tally")
                .filter(|(_, e)| {
                    body_str(e, "jurisdiction").as_deref() == Some(b.jurisdiction.as_str())
                        && body_str(e, "batch").as_deref() == Some(b.batch.as_str())
                        && body_str(e, "contest").as_deref() == Some(contest.as_str())
                })
                .last()
                .map(|(_, e)| e);
            let logged: Option<BTreeMap<String, u64>> = last
                .and_then(|e| e.body.get("votes"))
                .and_then(|v| serde_json::from_value(v.clone()).ok());
            let nonzero = |m: &BTreeMap<String, u64>| {
                m.iter()
                    .filter(|(_, v)| **v > 0)
                    .map(|(k, v)| (k.clone(), *v))
                    .collect::<BTreeMap<_, _>>()
            };
            if logged.as_ref().map(nonzero) != Some(nonzero(votes)) {
                problems.push(format!("batch {:?} of {}: the hand count of {contest:?} differs from the last one logged", b.batch, b.jurisdiction));
            }
        }
    }
    for t in &record.offline_tallies {
        readings += 1;
        let last = of_kind(&entries, "audit.offline_tally")
            .filter(|(_, e)| {
                body_u64(e, "round") == Some(t.round)
                    && body_str(e, "jurisdiction").as_deref() == Some(t.jurisdiction.as_str())
                    && body_str(e, "contest").as_deref() == Some(t.contest.as_str())
            })
            .last()
            .map(|(_, e)| e);
        let logged: Option<BTreeMap<String, u64>> = last
            .and_then(|e| e.body.get("votes"))
            .and_then(|v| serde_json::from_value(v.clone()).ok());
        let nonzero = |m: &BTreeMap<String, u64>| {
            m.iter()
                .filter(|(_, v)| **v > 0)
                .map(|(k, v)| (k.clone(), *v))
                .collect::<BTreeMap<_, _>>()
        };
        if logged.as_ref().map(nonzero) != Some(nonzero(&t.votes))
            || last.and_then(|e| body_u64(e, "ballots")) != Some(t.ballots)
        {
            problems.push(format!(
                "{}'s offline tally of {:?} in round {} differs from the last one logged",
                t.jurisdiction, t.contest, t.round
            ));
        }
    }

    for b in record.audit_boards.iter().filter(|b| b.signed_off) {
        let logged = of_kind(&entries, "audit.board_signed_off").any(|(_, e)| {
            body_u64(e, "round") == Some(b.round)
                && body_str(e, "jurisdiction").as_deref() == Some(b.jurisdiction.as_str())
                && body_str(e, "board").as_deref() == Some(b.name.as_str())
                && e.body
                    .get("members")
                    .and_then(|m| serde_json::from_value::<(String, String)>(m.clone()).ok())
                    == b.members
        });
        if !logged {
            problems.push(format!(
                "{}'s audit board {:?} of round {} is shown as signed off by {:?}, which the log does not record",
                b.jurisdiction, b.name, b.round, b.members
            ));
        }
    }

    // County sign-offs: the record's and the log's are the same set.
    let logged_sign_offs: std::collections::BTreeSet<(u64, String)> =
        of_kind(&entries, "audit.jurisdiction_signed_off")
            .filter_map(|(_, e)| Some((body_u64(e, "round")?, body_str(e, "jurisdiction")?)))
            .collect();
    let shown_sign_offs: std::collections::BTreeSet<(u64, String)> = record
        .jurisdiction_sign_offs
        .iter()
        .map(|x| (x.round, x.jurisdiction.clone()))
        .collect();
    for (round, jurisdiction) in shown_sign_offs.difference(&logged_sign_offs) {
        problems.push(format!(
            "{jurisdiction} is shown as signed off in round {round}, which the log does not record"
        ));
    }
    for (round, jurisdiction) in logged_sign_offs.difference(&shown_sign_offs) {
        problems.push(format!(
            "the log records {jurisdiction}'s sign-off of round {round}, which audit.json leaves out"
        ));
    }

    // Risk, recomputed and compared with the published and the logged values.
    let mut risks = 0;
    for round in record.rounds.iter().filter(|r| r.ended) {
        let logged_round = of_kind(&entries, "audit.round_ended")
            .find(|(_, e)| body_u64(e, "round") == Some(round.number))
            .map(|(_, e)| e);
        let Some(logged_round) = logged_round else {
            problems.push(format!(
                "round {} ended but its end is not in the log",
                round.number
            ));
            continue;
        };
        if body_str(logged_round, "sampled_cvrs_sha256").as_deref()
            != Some(crate::report::sampled_cvrs_sha256(&record, round.number).as_str())
        {
            problems.push(format!("round {}: the sampled ballots' CVRs in audit.json differ from those the round was measured with", round.number));
        }
        let logged: Vec<Value> = logged_round
            .body
            .get("contests")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for rc in &round.contests {
            risks += 1;
            let computed = match measure::measure(&record, &rc.contest, round.number) {
                Ok(r) => r,
                Err(e) => {
                    problems.push(format!(
                        "round {} {:?}: the risk cannot be recomputed: {e}",
                        round.number, rc.contest
                    ));
                    continue;
                }
            };
            let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs()) || a == b;
            match rc.p_value {
                Some(p)
                    if close(p, computed.p_value)
                        && rc.risk_limit_met == Some(computed.risk_limit_met) => {}
                other => problems.push(format!(
                    "round {} {:?}: the published risk {:?} differs from the recomputed {}",
                    round.number, rc.contest, other, computed.p_value
                )),
            }
            let logged_p = logged
                .iter()
                .find(|v| v.get("contest").and_then(Value::as_str) == Some(rc.contest.as_str()))
                .and_then(|v| v.get("p_value"))
                .and_then(Value::as_f64);
            if !logged_p.is_some_and(|p| close(p, computed.p_value)) {
                problems.push(format!(
                    "round {} {:?}: the recomputed risk {} differs from the logged {:?}",
                    round.number, rc.contest, computed.p_value, logged_p
                ));
            }
        }
    }

    if problems.is_empty() {
        Ok(Verified {
            audit: record.name.clone(),
            log_size: report.checkpoint.size,
            log_entries_of_audit: entries.len(),
            files,
            rounds: record.rounds.len(),
            draws,
            risks,
            readings,
        })
    } else {
        Err(problems)
    }
}

fn same_ballot(e: &Entry, b: &BallotRecord) -> bool {
    e.body.get("jurisdiction").and_then(Value::as_str) == Some(b.jurisdiction.as_str())
        && e.body.get("batch").and_then(Value::as_str) == Some(b.batch.as_str())
        && e.body.get("position").and_then(Value::as_u64) == Some(b.position)
        && e.body
            .get("tabulator")
            .and_then(Value::as_str)
            .map(str::to_string)
            == b.tabulator
}

fn describe(b: &BallotRecord) -> String {
    format!(
        "ballot {} of batch {:?} in {}",
        b.position, b.batch, b.jurisdiction
    )
}

fn of_kind<'a>(
    entries: &'a [(usize, Entry)],
    kind: &'a str,
) -> impl Iterator<Item = &'a (usize, Entry)> {
    entries.iter().filter(move |(_, e)| e.kind == kind)
}
