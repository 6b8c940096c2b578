//! Reports as CSV, from an [`AuditRecord`]: the audit report in the sections Arlo users know
//! (`api/reports.py`: ELECTION INFO, CONTESTS, AUDIT SETTINGS, AUDIT BOARDS, ROUNDS, SAMPLED
//! BALLOTS or SAMPLED BATCHES), the discrepancy report, retrieval lists with ticket numbers and
//! multiplicity, and batch tally sheets. Pure functions; the caller writes the files.

use std::cmp::Ordering;

use sha2::{Digest, Sha256};

use crate::measure::{self, Discrepancy};
use crate::record::{AuditRecord, BallotRecord};

/// RFC 4180 CSV; an empty row is an empty line (between sections, as Arlo writes them).
fn csv_text(rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    for row in rows {
        if row.is_empty() {
            out.push('\n');
            continue;
        }
        let mut w = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(Vec::new());
        let _ = w.write_record(row);
        let bytes = w.into_inner().unwrap_or_default();
        out.push_str(&String::from_utf8_lossy(&bytes));
    }
    out
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_string()).collect()
}

fn section(rows: &mut Vec<Vec<String>>, title: &str) {
    if !rows.is_empty() {
        rows.push(Vec::new());
    }
    rows.push(vec![format!("######## {title} ########")]);
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

fn yes_no(b: bool) -> String {
    if b { "Yes".into() } else { "No".into() }
}

/// p-values as Arlo prints them: plain decimal, enough digits to recompute the stop decision.
pub fn format_p(p: f64) -> String {
    if p == 0.0 {
        "0".into()
    } else {
        format!("{p:.6e}")
    }
}

/// Compares batch names the way people sort them: digit runs by value.
pub fn human_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, text)) if *d == digit => text.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(&cb) {
        let ord = match (x.0, y.0) {
            (true, true) => {
                let (tx, ty) = (x.1.trim_start_matches('0'), y.1.trim_start_matches('0'));
                tx.len()
                    .cmp(&ty.len())
                    .then_with(|| tx.cmp(ty))
                    .then_with(|| x.1.len().cmp(&y.1.len()))
            }
            _ => x.1.to_lowercase().cmp(&y.1.to_lowercase()),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}

fn ballot_order(a: &BallotRecord, b: &BallotRecord) -> Ordering {
    a.jurisdiction
        .cmp(&b.jurisdiction)
        .then_with(|| opt(&a.audit_board).cmp(&opt(&b.audit_board)))
        .then_with(|| human_cmp(&opt(&a.container), &opt(&b.container)))
        .then_with(|| human_cmp(&opt(&a.tabulator), &opt(&b.tabulator)))
        .then_with(|| human_cmp(&a.batch, &b.batch))
        .then_with(|| a.position.cmp(&b.position))
}

/// The audit report.
pub fn audit_report(record: &AuditRecord) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    section(&mut rows, "ELECTION INFO");
    rows.push(row(["Audit Name", "Jurisdictions", "Status"]));
    rows.push(vec![
        record.name.clone(),
        record
            .jurisdictions
            .iter()
            .map(|j| j.name.as_str())
            .collect::<Vec<_>>()
            .join("; "),
        record.status.clone(),
    ]);

    section(&mut rows, "CONTESTS");
    rows.push(row([
        "Contest Name",
        "Targeted?",
        "Number of Winners",
        "Votes Allowed",
        "Total Ballots Cast",
        "Tabulated Votes",
        "Winners",
        "Jurisdictions",
    ]));
    for c in &record.contests {
        let winners = measure::rla_contest(c)
            .map(|m| {
                m.winner_indices()
                    .iter()
                    .filter_map(|&i| m.choices().get(i).map(|x| x.name.clone()))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        rows.push(vec![
            c.name.clone(),
            if c.targeted {
                "Targeted".into()
            } else {
                "Opportunistic".into()
            },
            c.num_winners.to_string(),
            c.votes_allowed.to_string(),
            c.ballots.to_string(),
            c.choices
                .iter()
                .map(|x| format!("{}: {}", x.name, x.votes))
                .collect::<Vec<_>>()
                .join("; "),
            winners,
            c.jurisdictions.join("; "),
        ]);
    }

    section(&mut rows, "AUDIT SETTINGS");
    rows.push(row([
        "Audit Type",
        "Audit Math Type",
        "Risk Limit",
        "Random Seed",
        "Seed Commitment",
        "Seed Salt",
    ]));
    rows.push(vec![
        record.audit_type.clone(),
        record.math.clone(),
        record.risk_limit.clone(),
        opt(&record.seed),
        record.seed_commitment.clone(),
        opt(&record.seed_salt),
    ]);

    section(&mut rows, "AUDIT BOARDS");
    rows.push(row([
        "Jurisdiction Name",
        "Round Number",
        "Audit Board Name",
        "Member 1",
        "Member 2",
        "Signed Off?",
    ]));
    for b in &record.audit_boards {
        let (m1, m2) = b.members.clone().unwrap_or_default();
        rows.push(vec![
            b.jurisdiction.clone(),
            b.round.to_string(),
            b.name.clone(),
            m1,
            m2,
            yes_no(b.signed_off),
        ]);
    }

    section(&mut rows, "ROUNDS");
    rows.push(row([
        "Round Number",
        "Contest Name",
        "Targeted?",
        "Sample Size",
        "Size Option",
        "Draws Before",
        "Risk Limit Met?",
        "P-Value",
        "Sample SHA-256",
    ]));
    for r in &record.rounds {
        for rc in &r.contests {
            let targeted = record.contest(&rc.contest).is_some_and(|c| c.targeted);
            rows.push(vec![
                r.number.to_string(),
                rc.contest.clone(),
                if targeted {
                    "Targeted".into()
                } else {
                    "Opportunistic".into()
                },
                if rc.non_cvr_sample_size > 0 {
                    format!(
                        "{} + {} without CVRs",
                        rc.sample_size, rc.non_cvr_sample_size
                    )
                } else {
                    rc.sample_size.to_string()
                },
                rc.size_option.clone(),
                rc.draws_before.to_string(),
                match rc.risk_limit_met {
                    // A full hand count does not measure risk: it is the outcome.
                    Some(met) if rc.size_option == crate::measure::FULL_HAND_COUNT => if met {
                        "Yes: the full hand count confirms the reported winners".to_string()
                    } else {
                        "No: the full hand count's winners differ from the reported ones; its outcome is the correct one".to_string()
                    },
                    met => met.map(yes_no).unwrap_or_default(),
                },
                rc.p_value.map(format_p).unwrap_or_default(),
                r.sample_sha256.clone(),
            ]);
        }
    }

    if !record.ballots.is_empty() {
        section(&mut rows, "SAMPLED BALLOTS");
        let mut header = row([
            "Jurisdiction Name",
            "Container",
            "Tabulator",
            "Batch Name",
            "Ballot Position",
            "Imprinted ID",
            "Audit Board",
            "Audited?",
        ]);
        for c in &record.contests {
            header.push(format!("Ticket Numbers: {}", c.name));
            header.push(format!("Audit Result: {}", c.name));
            if record.audit_type == "ballot_comparison" || record.audit_type == "hybrid" {
                header.push(format!("CVR Result: {}", c.name));
            }
        }
        rows.push(header);
        let mut ballots: Vec<&BallotRecord> = record.ballots.iter().collect();
        ballots.sort_by(|a, b| ballot_order(a, b));
        for b in ballots {
            let mut line = vec![
                b.jurisdiction.clone(),
                opt(&b.container),
                opt(&b.tabulator),
                b.batch.clone(),
                b.position.to_string(),
                b.cvr
                    .as_ref()
                    .map(|c| c.imprinted_id.clone())
                    .unwrap_or_default(),
                opt(&b.audit_board),
                match b.status.as_str() {
                    "audited" => "Audited".into(),
                    "not_found" => "Not Found".into(),
                    _ => "Not Audited".into(),
                },
            ];
            for c in &record.contests {
                line.push(
                    b.draws
                        .iter()
                        .filter(|d| d.contest == c.name)
                        .map(|d| d.ticket.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                );
                line.push(
                    b.interpretations
                        .iter()
                        .find(|r| r.contest == c.name)
                        .map(|r| match r.interpretation {
                            crate::types::Interpretation::Vote => r.choices.join("; "),
                            other => other.as_str().to_uppercase(),
                        })
                        .unwrap_or_default(),
                );
                if record.audit_type == "ballot_comparison" || record.audit_type == "hybrid" {
                    line.push(match &b.cvr {
                        None => "NO CVR".into(),
                        Some(cvr) => match cvr.votes.get(&c.name) {
                            None => "CONTEST_NOT_ON_BALLOT".into(),
                            Some(v) if v.is_empty() => "BLANK".into(),
                            Some(v) => v.join("; "),
                        },
                    });
                }
            }
            rows.push(line);
        }
    }
    if !record.batches.is_empty() {
        section(&mut rows, "SAMPLED BATCHES");
        rows.push(row([
            "Jurisdiction Name",
            "Container",
            "Tabulator",
            "Batch Name",
            "Ticket Numbers",
            "Times Drawn",
            "Audited?",
            "Audit Results",
            "Reported Results",
        ]));
        for b in &record.batches {
            let reported = record
                .jurisdiction(&b.jurisdiction)
                .map(|j| {
                    j.tallies
                        .iter()
                        .filter(|t| t.batch == b.batch)
                        .map(|t| {
                            format!(
                                "{}: {}",
                                t.contest,
                                t.votes
                                    .iter()
                                    .map(|(k, v)| format!("{k} {v}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default();
            rows.push(vec![
                b.jurisdiction.clone(),
                opt(&b.container),
                opt(&b.tabulator),
                b.batch.clone(),
                b.draws
                    .iter()
                    .map(|d| d.ticket.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                b.draws.len().to_string(),
                yes_no(b.status == "audited"),
                b.results
                    .iter()
                    .map(|(c, v)| {
                        format!(
                            "{c}: {}",
                            v.iter()
                                .map(|(k, n)| format!("{k} {n}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                reported,
            ]);
        }
    }
    csv_text(&rows)
}

/// Every discrepancy found so far, contest by contest (measured through the last ended round).
pub fn discrepancies(record: &AuditRecord) -> Vec<Discrepancy> {
    let through = record
        .rounds
        .iter()
        .filter(|r| r.ended)
        .map(|r| r.number)
        .max()
        .unwrap_or(0);
    if through == 0 {
        return Vec::new();
    }
    record
        .contests
        .iter()
        .filter_map(|c| measure::measure(record, &c.name, through).ok())
        .flat_map(|r| r.discrepancies)
        .collect()
}

/// The discrepancy report.
pub fn discrepancy_report(record: &AuditRecord) -> String {
    let mut rows = vec![row([
        "Jurisdiction Name",
        "Contest Name",
        "Tabulator",
        "Batch Name",
        "Ballot Position",
        "Imprinted ID",
        "Reported",
        "Audited",
        "Discrepancy (votes of margin)",
    ])];
    for d in discrepancies(record) {
        rows.push(vec![
            d.jurisdiction,
            d.contest,
            opt(&d.tabulator),
            d.batch,
            if d.position == 0 {
                String::new()
            } else {
                d.position.to_string()
            },
            d.imprinted_id,
            d.reported,
            d.audited,
            d.counted_as.to_string(),
        ]);
    }
    csv_text(&rows)
}

/// A jurisdiction's retrieval list for a round: one row per ballot to pull, with every ticket that
/// drew it and how many times (multiplicity), sorted by audit board, container, tabulator, batch
/// and position (Arlo's `ballot_retrieval_list` columns, plus Times Drawn).
pub fn retrieval_list(record: &AuditRecord, jurisdiction: &str, round: u64) -> String {
    let mut rows = vec![row([
        "Container",
        "Tabulator",
        "Batch Name",
        "Ballot Number",
        "Imprinted ID",
        "Record ID",
        "Ticket Numbers",
        "Times Drawn",
        "Already Audited",
        "Audit Board",
    ])];
    let mut ballots: Vec<&BallotRecord> = record
        .ballots
        .iter()
        .filter(|b| b.jurisdiction == jurisdiction && b.draws.iter().any(|d| d.round == round))
        .collect();
    ballots.sort_by(|a, b| ballot_order(a, b));
    for b in ballots {
        let tickets: Vec<&str> = b
            .draws
            .iter()
            .filter(|d| d.round <= round)
            .map(|d| d.ticket.as_str())
            .collect();
        rows.push(vec![
            opt(&b.container),
            opt(&b.tabulator),
            b.batch.clone(),
            b.position.to_string(),
            b.cvr
                .as_ref()
                .map(|c| c.imprinted_id.clone())
                .unwrap_or_default(),
            b.cvr
                .as_ref()
                .and_then(|c| c.record_id)
                .map(|r| r.to_string())
                .unwrap_or_default(),
            tickets.join(", "),
            tickets.len().to_string(),
            yes_no(b.first_round < round),
            opt(&b.audit_board),
        ]);
    }
    csv_text(&rows)
}

/// A jurisdiction's batch tally sheets for a round: one row per batch to hand count, with a blank
/// column per contest choice to fill in.
pub fn batch_tally_sheets(record: &AuditRecord, jurisdiction: &str, round: u64) -> String {
    let contests: Vec<_> = record
        .contests
        .iter()
        .filter(|c| c.jurisdictions.iter().any(|j| j == jurisdiction))
        .collect();
    let mut header = row([
        "Audit Board",
        "Container",
        "Tabulator",
        "Batch Name",
        "Ticket Numbers",
        "Times Drawn",
    ]);
    for c in &contests {
        for x in &c.choices {
            header.push(format!("{}: {}", c.name, x.name));
        }
    }
    let mut rows = vec![header];
    let mut batches: Vec<_> = record
        .batches
        .iter()
        .filter(|b| b.jurisdiction == jurisdiction && b.draws.iter().any(|d| d.round == round))
        .collect();
    batches.sort_by(|a, b| {
        opt(&a.audit_board)
            .cmp(&opt(&b.audit_board))
            .then_with(|| human_cmp(&a.batch, &b.batch))
    });
    for b in batches {
        let mut line = vec![
            opt(&b.audit_board),
            opt(&b.container),
            opt(&b.tabulator),
            b.batch.clone(),
            b.draws
                .iter()
                .map(|d| d.ticket.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            b.draws.len().to_string(),
        ];
        for c in &contests {
            for x in &c.choices {
                line.push(
                    b.results
                        .get(&c.name)
                        .and_then(|v| v.get(&x.name))
                        .map(u64::to_string)
                        .unwrap_or_default(),
                );
            }
        }
        rows.push(line);
    }
    csv_text(&rows)
}

/// SHA-256 (hex) of the sampled ballots' CVRs as the record holds them, logged at each round's end
/// so that an edited CVR in a published record is caught.
pub fn sampled_cvrs_sha256(record: &AuditRecord, through: u64) -> String {
    let cvrs: Vec<_> = record
        .ballots
        .iter()
        .filter(|b| b.first_round <= through)
        .map(|b| (&b.jurisdiction, &b.tabulator, &b.batch, b.position, &b.cvr))
        .collect();
    let digest = Sha256::digest(serde_json::to_vec(&cvrs).unwrap_or_default());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_names_sort_by_number() {
        let mut v = vec!["Batch 10", "Batch 2", "batch 1", "Batch 02"];
        v.sort_by(|a, b| human_cmp(a, b));
        assert_eq!(v, vec!["batch 1", "Batch 2", "Batch 02", "Batch 10"]);
    }
}
