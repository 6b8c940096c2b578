//! Risk and sample sizes from an [`AuditRecord`], and the sample a round draws: pure functions the
//! workflow calls at round start and end and `verify-audit` calls on a published export.
//!
//! How audit-board readings become each method's inputs (Arlo's conventions, RLA-MATH.md §2–§4):
//! * **Ballot comparison**: a ballot not found, or a sampled position without a CVR, is a two-vote
//!   overstatement (Arlo `supersimple.py` L124-125); "can't agree" and "blank" read as no vote,
//!   "contest not on ballot" as the contest absent. Each distinct ballot counts as often as the
//!   contest's tickets drew it.
//! * **Ballot polling**: each draw counts its ballot's votes; a ballot not found counts for every
//!   loser (`ballot_polling.py` L36-40, applied by `rla_math::plan`). A jurisdiction's offline
//!   tally replaces its ballot-by-ballot entries for that round.
//! * **Batch comparison**: MACRO over the universe's batches, listed jurisdiction by jurisdiction
//!   in the order of each jurisdiction's batch-tally file (the order Arlo gives NumPy for PPEB).
//! * **Hybrid (SUITE)**: the manifests' CVR column splits the contest's ballots; the stratum with
//!   CVRs is drawn with replacement and compared per (winner, loser) pair, the stratum without is
//!   drawn without replacement and polled (a ballot not found counts for every loser); its reported
//!   votes are the contest's entered totals minus the CVRs' (Arlo `api/shared.py` L1005-1009,
//!   `audit_math/suite.py`).
//! * **Opportunistic contests** use every ballot sampled in their jurisdictions, with every draw,
//!   as Arlo does; they never stop or extend the audit.

use std::collections::BTreeMap;

use rla_math::macro_batch::{AuditedBatch, MacroContest, MacroOptions, Observed, ReportedBatch};
use rla_math::plan::{self, Method, SizeOption};
use rla_math::suite::{self, ComparisonStratum, Misstatements, PollingStratum};
use rla_math::supersimple::{self, AuditedCard, DiscrepancyCounts, ReportedCard, SampledCard};
use rla_math::{Contest, RiskLimit, bravo::PollingRound};
use sampler::consistent::Replacement;
use sampler::ppeb::{PpebBatch, draw_ppeb_sample};
use sampler::python_repr::BatchKey;
use serde::{Deserialize, Serialize};

use crate::AuditError;
use crate::record::{AuditRecord, BallotRecord, ContestRecord, SampleArtifact, SampleDraw};
use crate::sample::{FrameBatch, draw_contest, draw_contest_with};
use crate::types::{AuditType, Interpretation, Math};

/// The size option of a full hand count.
pub const FULL_HAND_COUNT: &str = "full hand count";

/// Discrepancy counts (Arlo's o1, o2, u1, u2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub one_vote_over: u64,
    pub two_vote_over: u64,
    pub one_vote_under: u64,
    pub two_vote_under: u64,
}

/// One ballot (or batch) whose audit differs from what was reported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discrepancy {
    pub contest: String,
    pub jurisdiction: String,
    pub tabulator: Option<String>,
    pub batch: String,
    /// 0 for a whole batch.
    pub position: u64,
    pub imprinted_id: String,
    pub reported: String,
    pub audited: String,
    /// Votes of margin: 1 and 2 overstate the winner, −1 and −2 understate.
    pub counted_as: i8,
}

/// A contest's measured risk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContestRisk {
    pub contest: String,
    pub p_value: f64,
    pub risk_limit_met: bool,
    /// Draws counted (with repeats).
    pub draws: u64,
    pub counts: Counts,
    pub discrepancies: Vec<Discrepancy>,
    /// Set when a full hand count found other winners than reported.
    pub outcome_changed: bool,
}

pub fn risk_limit(record: &AuditRecord) -> Result<RiskLimit, AuditError> {
    let alpha: f64 = record.risk_limit.trim().parse().map_err(|_| {
        AuditError::Invalid(format!(
            "risk limit {:?} is not a number",
            record.risk_limit
        ))
    })?;
    RiskLimit::new(alpha).map_err(|e| AuditError::Invalid(e.to_string()))
}

/// The contest as the risk measures see it.
pub fn rla_contest(c: &ContestRecord) -> Result<Contest, AuditError> {
    let choices: Vec<(String, u64)> = c
        .choices
        .iter()
        .map(|x| (x.name.clone(), x.votes))
        .collect();
    let contest = match &c.winners {
        Some(w) => {
            let names: Vec<&str> = w.iter().map(String::as_str).collect();
            Contest::with_winners(&c.name, choices, c.ballots, &names, c.votes_allowed)
        }
        None => Contest::new(&c.name, choices, c.ballots, c.num_winners, c.votes_allowed),
    };
    contest.map_err(|e| AuditError::Invalid(e.to_string()))
}

fn choice_indexes(c: &ContestRecord, names: &[String]) -> Result<Vec<usize>, AuditError> {
    names
        .iter()
        .map(|n| {
            c.choices.iter().position(|x| &x.name == n).ok_or_else(|| {
                AuditError::Invalid(format!(
                    "{n:?} is not a choice of contest {:?}; the choices are {}",
                    c.name,
                    c.choices
                        .iter()
                        .map(|x| x.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })
        })
        .collect()
}

/// How many draws of `contest` (or, for an opportunistic contest, of any contest in its universe)
/// picked `ballot` in rounds up to `through`.
fn draws_counted(contest: &ContestRecord, ballot: &BallotRecord, through: u64) -> u64 {
    ballot
        .draws
        .iter()
        .filter(|d| d.round <= through)
        .filter(|d| {
            if contest.targeted {
                d.contest == contest.name
            } else {
                contest.jurisdictions.contains(&ballot.jurisdiction)
            }
        })
        .count() as u64
}

fn describe(ballot: &BallotRecord) -> String {
    format!(
        "ballot {} of batch {:?} in {}",
        ballot.position, ballot.batch, ballot.jurisdiction
    )
}

fn reported_card(c: &ContestRecord, ballot: &BallotRecord) -> Result<ReportedCard, AuditError> {
    Ok(match &ballot.cvr {
        None => ReportedCard::NoCvr,
        Some(cvr) => match cvr.votes.get(&c.name) {
            None => ReportedCard::ContestNotOnCard,
            Some(names) => ReportedCard::Marked(choice_indexes(c, names)?),
        },
    })
}

fn audited_card(c: &ContestRecord, ballot: &BallotRecord) -> Result<AuditedCard, AuditError> {
    match ballot.status.as_str() {
        "not_found" => return Ok(AuditedCard::NotFound),
        "audited" => {}
        _ => {
            return Err(AuditError::State(format!(
                "{} has not been audited yet; enter it (or mark it not found) before ending the round",
                describe(ballot)
            )));
        }
    }
    let Some(reading) = ballot.interpretations.iter().find(|r| r.contest == c.name) else {
        return Err(AuditError::State(format!(
            "{} has no reading for contest {:?}; enter one (contest not on ballot if it is not there)",
            describe(ballot),
            c.name
        )));
    };
    Ok(match reading.interpretation {
        Interpretation::Vote => AuditedCard::Marked(choice_indexes(c, &reading.choices)?),
        Interpretation::Blank | Interpretation::CantAgree => AuditedCard::Marked(Vec::new()),
        Interpretation::ContestNotOnBallot => AuditedCard::ContestNotOnCard,
    })
}

fn show_reported(c: &ContestRecord, r: &ReportedCard) -> String {
    match r {
        ReportedCard::NoCvr => "no CVR".into(),
        ReportedCard::ContestNotOnCard => "contest not on card".into(),
        ReportedCard::Marked(m) => show_marks(c, m),
        ReportedCard::EssOvervote => "overvote".into(),
        ReportedCard::EssUndervote => "undervote".into(),
    }
}

fn show_audited(c: &ContestRecord, a: &AuditedCard) -> String {
    match a {
        AuditedCard::NotFound => "ballot not found".into(),
        AuditedCard::ContestNotOnCard => "contest not on ballot".into(),
        AuditedCard::Marked(m) => show_marks(c, m),
    }
}

fn show_marks(c: &ContestRecord, marks: &[usize]) -> String {
    if marks.is_empty() {
        return "blank".into();
    }
    marks
        .iter()
        .filter_map(|&i| c.choices.get(i).map(|x| x.name.clone()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn count(counts: &mut Counts, e: i8) {
    match e {
        1 => counts.one_vote_over += 1,
        2 => counts.two_vote_over += 1,
        -1 => counts.one_vote_under += 1,
        -2 => counts.two_vote_under += 1,
        _ => {}
    }
}

fn audit_kind(record: &AuditRecord) -> Result<(AuditType, Math), AuditError> {
    Ok((
        AuditType::parse(&record.audit_type)?,
        Math::parse(&record.math)?,
    ))
}

/// The risk of `contest` after the rounds up to `through`.
pub fn measure(
    record: &AuditRecord,
    contest: &str,
    through: u64,
) -> Result<ContestRisk, AuditError> {
    let c = record
        .contest(contest)
        .ok_or_else(|| AuditError::NotFound(format!("contest {contest:?}")))?;
    let alpha = risk_limit(record)?;
    let model = rla_contest(c)?;
    if let Some(result) = full_hand_count(record, c, &model, through)? {
        return Ok(result);
    }
    let (audit_type, math) = audit_kind(record)?;
    match audit_type {
        AuditType::BallotComparison => comparison(record, c, &model, alpha, math, through),
        AuditType::BallotPolling => polling(record, c, &model, alpha, math, through),
        AuditType::BatchComparison => batch(record, c, &model, alpha, through),
        AuditType::Hybrid => hybrid(record, c, &model, alpha, through),
    }
}

/// Whether a sampled ballot is in a batch with CVRs (the manifest's CVR column).
pub fn ballot_has_cvrs(record: &AuditRecord, ballot: &BallotRecord) -> bool {
    record
        .jurisdiction(&ballot.jurisdiction)
        .and_then(|j| {
            j.batches
                .iter()
                .find(|b| b.name == ballot.batch && b.tabulator == ballot.tabulator)
        })
        .is_some_and(|b| b.has_cvrs == Some(true))
}

/// The two SUITE strata of a hybrid contest after the rounds up to `through`.
fn hybrid_strata(
    record: &AuditRecord,
    c: &ContestRecord,
    model: &Contest,
    through: u64,
) -> Result<(PollingStratum, ComparisonStratum), AuditError> {
    let stratum = c.cvr_stratum.as_ref().ok_or_else(|| {
        AuditError::State(format!(
            "contest {:?} has no CVR stratum; a hybrid audit needs the manifests' CVR column and the CVRs",
            c.name
        ))
    })?;
    let cvr_votes: BTreeMap<String, u64> = stratum
        .choices
        .iter()
        .map(|x| (x.name.clone(), x.votes))
        .collect();
    let mut non_cvr_votes: BTreeMap<String, u64> = BTreeMap::new();
    for x in &c.choices {
        let cvr = cvr_votes.get(&x.name).copied().unwrap_or(0);
        let rest = x.votes.checked_sub(cvr).ok_or_else(|| {
            AuditError::Invalid(format!(
                "contest {:?}: the CVRs give {} {cvr} votes, more than the {} reported for the whole contest",
                c.name, x.name, x.votes
            ))
        })?;
        non_cvr_votes.insert(x.name.clone(), rest);
    }
    let mut comparison = ComparisonStratum {
        ballots: stratum.ballots,
        vote_totals: cvr_votes,
        misstatements: BTreeMap::new(),
        sample_size: 0,
    };
    let mut polling = PollingStratum {
        ballots: c.ballots.saturating_sub(stratum.ballots),
        vote_totals: non_cvr_votes,
        sample: BTreeMap::new(),
        sample_size: 0,
    };
    let pairs = model.pairs();
    let name = |i: usize| {
        model
            .choices()
            .get(i)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let mut errors: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for ballot in &record.ballots {
        let times = draws_counted(c, ballot, through);
        if times == 0 {
            continue;
        }
        let audited = audited_card(c, ballot)?;
        if ballot_has_cvrs(record, ballot) {
            comparison.sample_size += times;
            let reported = reported_card(c, ballot)?;
            for &(w, l) in &pairs {
                // One pair's margin error, as Arlo's `discrepancy` computes it per pair.
                let e = supersimple::discrepancy(
                    &Contest::new(
                        "pair",
                        [(name(w), model.votes(w)), (name(l), model.votes(l))],
                        model.ballots(),
                        1,
                        model.votes_allowed(),
                    )
                    .map_err(|e| AuditError::Invalid(e.to_string()))?,
                    &remap(&reported, w, l),
                    &remap_audited(&audited, w, l),
                )
                .map_or(0, |d| i64::from(d.counted_as));
                for _ in 0..times {
                    errors.entry((name(w), name(l))).or_default().push(e);
                }
            }
        } else {
            polling.sample_size += times;
            match &audited {
                AuditedCard::NotFound => {
                    // Counted for every loser, as Arlo does for polling.
                    for &l in &model.loser_indices() {
                        *polling.sample.entry(name(l)).or_default() += times;
                    }
                }
                AuditedCard::Marked(m) if m.len() <= c.votes_allowed as usize => {
                    for &i in m {
                        *polling.sample.entry(name(i)).or_default() += times;
                    }
                }
                _ => {}
            }
        }
    }
    comparison.misstatements = errors
        .into_iter()
        .map(|(pair, e)| (pair, Misstatements::from_discrepancies(e)))
        .collect();
    Ok((polling, comparison))
}

/// A card's marks restricted to one pair, renumbered 0 (winner) and 1 (loser).
fn remap(card: &ReportedCard, w: usize, l: usize) -> ReportedCard {
    match card {
        ReportedCard::Marked(m) => ReportedCard::Marked(pair_marks(m, w, l)),
        other => other.clone(),
    }
}

fn remap_audited(card: &AuditedCard, w: usize, l: usize) -> AuditedCard {
    match card {
        AuditedCard::Marked(m) => AuditedCard::Marked(pair_marks(m, w, l)),
        other => other.clone(),
    }
}

fn pair_marks(m: &[usize], w: usize, l: usize) -> Vec<usize> {
    let mut out = Vec::new();
    if m.contains(&w) {
        out.push(0);
    }
    if m.contains(&l) {
        out.push(1);
    }
    out
}

fn hybrid(
    record: &AuditRecord,
    c: &ContestRecord,
    model: &Contest,
    alpha: RiskLimit,
    through: u64,
) -> Result<ContestRisk, AuditError> {
    let (polling, comparison) = hybrid_strata(record, c, model, through)?;
    let draws = polling.sample_size + comparison.sample_size;
    let (p_value, met) = match suite::compute_risk(alpha, model, &polling, &comparison) {
        Ok(r) => (r.p_value, r.meets_risk_limit),
        Err(suite::SuiteError::StratumRecounted {
            p_value,
            meets_risk_limit,
        }) => (p_value, meets_risk_limit),
        Err(e) => return Err(AuditError::Invalid(e.to_string())),
    };
    let mut counts = Counts::default();
    for m in comparison.misstatements.values() {
        counts.one_vote_over = counts.one_vote_over.max(m.o1);
        counts.two_vote_over = counts.two_vote_over.max(m.o2);
    }
    Ok(ContestRisk {
        contest: c.name.clone(),
        p_value,
        risk_limit_met: met && draws > 0,
        draws,
        counts,
        discrepancies: Vec::new(),
        outcome_changed: false,
    })
}

/// A contest fully hand counted in some round: the outcome stands if the hand count's winners are
/// the reported winners (risk 0); otherwise the hand count is the correct outcome.
fn full_hand_count(
    record: &AuditRecord,
    c: &ContestRecord,
    model: &Contest,
    through: u64,
) -> Result<Option<ContestRisk>, AuditError> {
    let Some(round) = record.rounds.iter().find(|r| {
        r.number <= through
            && r.contests
                .iter()
                .any(|rc| rc.contest == c.name && rc.size_option == FULL_HAND_COUNT)
    }) else {
        return Ok(None);
    };
    let mut totals: BTreeMap<&str, u64> = BTreeMap::new();
    if record.audit_type == AuditType::BatchComparison.as_str() {
        // Every batch of the contest is drawn (the PPEB sampler's full hand tally) and counted;
        // the outcome is what the counted batches add up to.
        let mut uncounted = 0;
        for b in record.batches.iter().filter(|b| {
            c.jurisdictions.contains(&b.jurisdiction)
                && b.draws
                    .iter()
                    .any(|d| d.contest == c.name && d.round <= through)
        }) {
            match b.results.get(&c.name) {
                Some(votes) => {
                    for (name, v) in votes {
                        *totals.entry(name.as_str()).or_default() += v;
                    }
                }
                None => uncounted += 1,
            }
        }
        if uncounted > 0 {
            return Err(AuditError::State(format!(
                "the full hand count of {:?} needs every batch's count; {uncounted} batches have none yet — enter them with the batch tally of round {}",
                c.name, round.number
            )));
        }
        return Ok(Some(hand_count_outcome(c, model, &totals)));
    }
    for j in &c.jurisdictions {
        let tally = record
            .offline_tallies
            .iter()
            .find(|t| t.round == round.number && &t.jurisdiction == j && t.contest == c.name)
            .ok_or_else(|| {
                AuditError::State(format!(
                    "the full hand count of {:?} needs {j}'s totals: enter them with the offline tally of round {}",
                    c.name, round.number
                ))
            })?;
        for (name, v) in &tally.votes {
            *totals.entry(name.as_str()).or_default() += v;
        }
    }
    Ok(Some(hand_count_outcome(c, model, &totals)))
}

/// The outcome of a full hand count with these totals: confirmed (risk 0) when its winners are the
/// reported winners; otherwise the hand count's outcome stands and the reported one is wrong.
fn hand_count_outcome(
    c: &ContestRecord,
    model: &Contest,
    totals: &BTreeMap<&str, u64>,
) -> ContestRisk {
    let mut ranked: Vec<(&str, u64)> = c
        .choices
        .iter()
        .map(|x| {
            (
                x.name.as_str(),
                totals.get(x.name.as_str()).copied().unwrap_or(0),
            )
        })
        .collect();
    ranked.sort_by_key(|r| std::cmp::Reverse(r.1));
    let mut found: Vec<&str> = ranked
        .iter()
        .take(model.num_winners())
        .map(|(n, _)| *n)
        .collect();
    let mut reported: Vec<&str> = model
        .winner_indices()
        .iter()
        .filter_map(|&i| model.choices().get(i).map(|x| x.name.as_str()))
        .collect();
    found.sort_unstable();
    reported.sort_unstable();
    let same = found == reported;
    ContestRisk {
        contest: c.name.clone(),
        p_value: if same { 0.0 } else { 1.0 },
        risk_limit_met: same,
        draws: 0,
        counts: Counts::default(),
        discrepancies: Vec::new(),
        outcome_changed: !same,
    }
}

fn comparison(
    record: &AuditRecord,
    c: &ContestRecord,
    model: &Contest,
    alpha: RiskLimit,
    math: Math,
    through: u64,
) -> Result<ContestRisk, AuditError> {
    let mut cards = Vec::new();
    let mut counts = Counts::default();
    let mut discrepancies = Vec::new();
    let mut sequence: Vec<(String, i8)> = Vec::new();
    for ballot in &record.ballots {
        let times = draws_counted(c, ballot, through);
        if times == 0 {
            continue;
        }
        let reported = reported_card(c, ballot)?;
        let audited = audited_card(c, ballot)?;
        let e = supersimple::discrepancy(model, &reported, &audited).map_or(0, |d| d.counted_as);
        if e != 0 {
            count(&mut counts, e);
            discrepancies.push(Discrepancy {
                contest: c.name.clone(),
                jurisdiction: ballot.jurisdiction.clone(),
                tabulator: ballot.tabulator.clone(),
                batch: ballot.batch.clone(),
                position: ballot.position,
                imprinted_id: ballot
                    .cvr
                    .as_ref()
                    .map(|x| x.imprinted_id.clone())
                    .unwrap_or_default(),
                reported: show_reported(c, &reported),
                audited: show_audited(c, &audited),
                counted_as: e,
            });
        }
        for d in ballot.draws.iter().filter(|d| d.round <= through) {
            if !c.targeted || d.contest == c.name {
                sequence.push((d.ticket.clone(), e));
            }
        }
        cards.push(SampledCard {
            reported,
            audited,
            times_sampled: times,
        });
    }
    let draws: u64 = cards.iter().map(|x| x.times_sampled).sum();
    let (p_value, met) = match math {
        Math::Alpha => {
            // ALPHA depends on the order of the draws: ticket order (the order they were drawn).
            sequence.sort();
            let seq: Vec<i8> = sequence.iter().map(|(_, e)| *e).collect();
            let r = plan::risk(
                Method::AlphaComparison,
                model,
                alpha,
                plan::Observed::ComparisonSequence(&seq),
            )
            .map_err(|e| AuditError::Invalid(e.to_string()))?;
            (r.p_value, r.risk_limit_met)
        }
        _ => {
            let r = supersimple::risk(model, alpha, &cards)
                .map_err(|e| AuditError::Invalid(e.to_string()))?;
            (r.p_value, r.risk_limit_met)
        }
    };
    Ok(ContestRisk {
        contest: c.name.clone(),
        p_value,
        risk_limit_met: met && draws > 0,
        draws,
        counts,
        discrepancies,
        outcome_changed: false,
    })
}

/// Per-round polling tallies: offline tallies where a jurisdiction entered one, else the
/// ballot-by-ballot readings with multiplicity.
pub fn polling_rounds(
    record: &AuditRecord,
    c: &ContestRecord,
    through: u64,
) -> Result<Vec<PollingRound>, AuditError> {
    let mut rounds = Vec::new();
    for round in record.rounds.iter().filter(|r| r.number <= through) {
        let mut pr = PollingRound {
            draws: 0,
            votes: vec![0; c.choices.len()],
            not_found: 0,
        };
        for j in &c.jurisdictions {
            if let Some(t) = record
                .offline_tallies
                .iter()
                .find(|t| t.round == round.number && &t.jurisdiction == j && t.contest == c.name)
            {
                pr.draws += t.ballots;
                for (i, choice) in c.choices.iter().enumerate() {
                    if let Some(v) = pr.votes.get_mut(i) {
                        *v += t.votes.get(&choice.name).copied().unwrap_or(0);
                    }
                }
                continue;
            }
            for ballot in record.ballots.iter().filter(|b| &b.jurisdiction == j) {
                let times = ballot
                    .draws
                    .iter()
                    .filter(|d| d.round == round.number)
                    .filter(|d| !c.targeted || d.contest == c.name)
                    .count() as u64;
                if times == 0 {
                    continue;
                }
                pr.draws += times;
                match audited_card(c, ballot)? {
                    AuditedCard::NotFound => pr.not_found += times,
                    AuditedCard::Marked(m) => {
                        // An overvote is no vote (Arlo counts only valid marks).
                        if m.len() <= c.votes_allowed as usize {
                            for i in m {
                                if let Some(v) = pr.votes.get_mut(i) {
                                    *v += times;
                                }
                            }
                        }
                    }
                    AuditedCard::ContestNotOnCard => {}
                }
            }
        }
        // A round that drew nothing for this contest (it had met the limit, or another contest
        // was being audited) is not one of its rounds: MINERVA and Providence count rounds.
        if pr.draws > 0 {
            rounds.push(pr);
        }
    }
    Ok(rounds)
}

fn polling(
    record: &AuditRecord,
    c: &ContestRecord,
    model: &Contest,
    alpha: RiskLimit,
    math: Math,
    through: u64,
) -> Result<ContestRisk, AuditError> {
    let rounds = polling_rounds(record, c, through)?;
    let draws: u64 = rounds.iter().map(|r| r.draws).sum();
    let method = math.plan_method().unwrap_or(Method::Bravo);
    let (p_value, met) = if draws == 0 {
        (1.0, false)
    } else {
        let r = plan::risk(method, model, alpha, plan::Observed::PollingRounds(&rounds))
            .map_err(|e| AuditError::Invalid(e.to_string()))?;
        (r.p_value, r.risk_limit_met)
    };
    Ok(ContestRisk {
        contest: c.name.clone(),
        p_value,
        risk_limit_met: met,
        draws,
        counts: Counts::default(),
        discrepancies: Vec::new(),
        outcome_changed: false,
    })
}

/// The universe's batches for MACRO and PPEB: jurisdiction by jurisdiction (in the contest's
/// order), each in its batch-tally file's order, with the manifest's ballot count.
pub fn macro_batches(
    record: &AuditRecord,
    c: &ContestRecord,
) -> Result<Vec<(FrameBatch, ReportedBatch)>, AuditError> {
    let mut out = Vec::new();
    // Arlo lists the batches offered to PPEB jurisdiction by jurisdiction, ordered by name
    // (`Contest.jurisdictions` is `order_by="Jurisdiction.name"`, models.py L510-514; read by
    // `api/shared.py::batch_tallies` L89-96), each jurisdiction's in the order of its batch-tally
    // file. NumPy's draw depends on that order, so the frame follows it, with names in code-point
    // order (Arlo's database collation may order names that differ in case, spaces or
    // punctuation otherwise; see the crate docs on "the same sample as Arlo").
    let mut names: Vec<&String> = c.jurisdictions.iter().collect();
    names.sort();
    for (ji, jname) in names.into_iter().enumerate() {
        let j = record
            .jurisdiction(jname)
            .ok_or_else(|| AuditError::NotFound(format!("jurisdiction {jname:?}")))?;
        let tallies: Vec<_> = j.tallies.iter().filter(|t| t.contest == c.name).collect();
        if tallies.is_empty() {
            return Err(AuditError::State(format!(
                "{jname} has no batch tallies for {:?}; upload its candidate totals by batch",
                c.name
            )));
        }
        for t in tallies {
            let mb = j
                .batches
                .iter()
                .find(|b| b.name == t.batch)
                .ok_or_else(|| {
                    AuditError::Invalid(format!(
                        "{jname}'s tallies name batch {:?}, which its manifest does not list",
                        t.batch
                    ))
                })?;
            let votes = c
                .choices
                .iter()
                .map(|x| t.votes.get(&x.name).copied().unwrap_or(0))
                .collect();
            out.push((
                FrameBatch {
                    jurisdiction_id: ji as i64,
                    jurisdiction: jname.clone(),
                    container: mb.container.clone(),
                    tabulator: mb.tabulator.clone(),
                    name: mb.name.clone(),
                    ballots: mb.ballots,
                },
                ReportedBatch::new(format!("{jname} / {}", mb.name), votes, mb.ballots),
            ));
        }
    }
    Ok(out)
}

fn macro_contest(
    record: &AuditRecord,
    c: &ContestRecord,
    model: &Contest,
) -> Result<(Vec<FrameBatch>, MacroContest), AuditError> {
    let batches = macro_batches(record, c)?;
    let (frame, reported): (Vec<FrameBatch>, Vec<ReportedBatch>) = batches.into_iter().unzip();
    let m = MacroContest::new(model, MacroOptions::default(), reported)
        .map_err(|e| AuditError::Invalid(e.to_string()))?;
    Ok((frame, m))
}

fn macro_observed(
    record: &AuditRecord,
    c: &ContestRecord,
    frame: &[FrameBatch],
    through: u64,
) -> Result<(Observed, Vec<Discrepancy>, u64), AuditError> {
    let mut observed = Observed::default();
    let mut discrepancies = Vec::new();
    let mut draws = 0;
    for sb in &record.batches {
        let Some(index) = frame
            .iter()
            .position(|f| f.jurisdiction == sb.jurisdiction && f.name == sb.batch)
        else {
            continue;
        };
        let times = sb
            .draws
            .iter()
            .filter(|d| d.round <= through && d.contest == c.name)
            .count() as u32;
        if times == 0 && sb.first_round > through {
            continue;
        }
        let Some(result) = sb.results.get(&c.name) else {
            if times > 0 {
                return Err(AuditError::State(format!(
                    "batch {:?} of {} has no hand count for {:?}; enter its tally sheet before ending the round",
                    sb.batch, sb.jurisdiction, c.name
                )));
            }
            continue;
        };
        draws += u64::from(times);
        let votes: Vec<u64> = c
            .choices
            .iter()
            .map(|x| result.get(&x.name).copied().unwrap_or(0))
            .collect();
        if let Some(tally) = record.jurisdiction(&sb.jurisdiction).and_then(|j| {
            j.tallies
                .iter()
                .find(|t| t.contest == c.name && t.batch == sb.batch)
        }) {
            let reported: Vec<u64> = c
                .choices
                .iter()
                .map(|x| tally.votes.get(&x.name).copied().unwrap_or(0))
                .collect();
            if reported != votes {
                let show = |v: &[u64]| {
                    c.choices
                        .iter()
                        .zip(v)
                        .map(|(x, n)| format!("{} {n}", x.name))
                        .collect::<Vec<_>>()
                        .join("; ")
                };
                discrepancies.push(Discrepancy {
                    contest: c.name.clone(),
                    jurisdiction: sb.jurisdiction.clone(),
                    tabulator: sb.tabulator.clone(),
                    batch: sb.batch.clone(),
                    position: 0,
                    imprinted_id: String::new(),
                    reported: show(&reported),
                    audited: show(&votes),
                    counted_as: 0,
                });
            }
        }
        observed.audited.push(AuditedBatch {
            batch: index,
            times_drawn: times,
            votes,
        });
    }
    Ok((observed, discrepancies, draws))
}

fn batch(
    record: &AuditRecord,
    c: &ContestRecord,
    model: &Contest,
    alpha: RiskLimit,
    through: u64,
) -> Result<ContestRisk, AuditError> {
    let (frame, m) = macro_contest(record, c, model)?;
    let (observed, discrepancies, draws) = macro_observed(record, c, &frame, through)?;
    let r = m
        .risk(&observed, alpha)
        .map_err(|e| AuditError::Invalid(e.to_string()))?;
    Ok(ContestRisk {
        contest: c.name.clone(),
        p_value: r.p_value,
        risk_limit_met: r.risk_limit_met && (draws > 0 || r.p_value == 0.0),
        draws,
        counts: Counts::default(),
        discrepancies,
        outcome_changed: false,
    })
}

/// A size option for the next round: draws to add this round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeOffer {
    pub label: String,
    pub draws: u64,
    pub completion_probability: Option<f64>,
    /// Hybrid audits: draws from the stratum without CVRs (`draws` are from the CVR stratum).
    #[serde(default)]
    pub non_cvr_draws: u64,
}

/// The next round's size options for a contest, after the rounds so far.
pub fn size_options(record: &AuditRecord, contest: &str) -> Result<Vec<SizeOffer>, AuditError> {
    let c = record
        .contest(contest)
        .ok_or_else(|| AuditError::NotFound(format!("contest {contest:?}")))?;
    let alpha = risk_limit(record)?;
    let model = rla_contest(c)?;
    let (audit_type, math) = audit_kind(record)?;
    let through = record
        .rounds
        .iter()
        .filter(|r| r.ended)
        .map(|r| r.number)
        .max()
        .unwrap_or(0);
    let before = draws_before(record, c);
    let mut offers = Vec::new();
    match audit_type {
        AuditType::Hybrid => {
            let (polling, comparison) = hybrid_strata(record, c, &model, through)?;
            let size = suite::sample_size(alpha, &model, &polling, &comparison)
                .map_err(|e| AuditError::Invalid(e.to_string()))?;
            offers.push(SizeOffer {
                label: "estimate".into(),
                draws: size.cvr,
                completion_probability: None,
                non_cvr_draws: size.non_cvr,
            });
            return Ok(offers);
        }
        AuditType::BatchComparison => {
            let (frame, m) = macro_contest(record, c, &model)?;
            let (observed, _, _) = macro_observed(record, c, &frame, through)?;
            let n = m
                .sample_size(alpha, &observed)
                .map_err(|e| AuditError::Invalid(e.to_string()))?;
            offers.push(SizeOffer {
                label: "estimate".into(),
                draws: n as u64,
                completion_probability: None,
                non_cvr_draws: 0,
            });
            if through > 0 {
                offers.push(SizeOffer {
                    label: "one more batch".into(),
                    draws: 1,
                    completion_probability: None,
                    non_cvr_draws: 0,
                });
            }
        }
        _ => {
            let method = math.plan_method().unwrap_or(Method::SuperSimple);
            let options: Vec<SizeOption> = if through == 0 {
                plan::sample_size_options(method, &model, alpha, None)
            } else if audit_type == AuditType::BallotPolling {
                let rounds = polling_rounds(record, c, through)?;
                plan::sample_size_options(
                    method,
                    &model,
                    alpha,
                    Some(plan::Observed::PollingRounds(&rounds)),
                )
            } else {
                let risk = comparison(record, c, &model, alpha, Math::KaplanMarkov, through)?;
                let counts = DiscrepancyCounts {
                    draws: risk.draws,
                    one_vote_over: risk.counts.one_vote_over,
                    two_vote_over: risk.counts.two_vote_over,
                    one_vote_under: risk.counts.one_vote_under,
                    two_vote_under: risk.counts.two_vote_under,
                };
                // Later comparison rounds are sized with Kaplan–Markov's estimate (ALPHA offers
                // round-one estimates only).
                plan::sample_size_options(
                    Method::SuperSimple,
                    &model,
                    alpha,
                    Some(plan::Observed::ComparisonCounts(&counts)),
                )
            }
            .map_err(|e| AuditError::Invalid(e.to_string()))?;
            for o in options {
                let draws = if o.cumulative {
                    o.size.saturating_sub(before)
                } else {
                    o.size
                };
                offers.push(SizeOffer {
                    label: o.label,
                    draws,
                    completion_probability: o.completion_probability,
                    non_cvr_draws: 0,
                });
            }
        }
    }
    offers.push(SizeOffer {
        label: FULL_HAND_COUNT.into(),
        draws: if audit_type == AuditType::BatchComparison {
            macro_batches(record, c)?.len() as u64
        } else {
            c.ballots
        },
        completion_probability: Some(1.0),
        non_cvr_draws: 0,
    });
    Ok(offers)
}

/// Draws a hybrid contest has had so far in its (CVR, no-CVR) strata.
pub fn draws_before_strata(record: &AuditRecord, c: &ContestRecord) -> (u64, u64) {
    let mut cvr = 0;
    let mut non_cvr = 0;
    for b in &record.ballots {
        let n = b.draws.iter().filter(|d| d.contest == c.name).count() as u64;
        if ballot_has_cvrs(record, b) {
            cvr += n;
        } else {
            non_cvr += n;
        }
    }
    (cvr, non_cvr)
}

/// Draws a contest has had so far (ballots or batches).
pub fn draws_before(record: &AuditRecord, c: &ContestRecord) -> u64 {
    let ballots: usize = record
        .ballots
        .iter()
        .map(|b| b.draws.iter().filter(|d| d.contest == c.name).count())
        .sum();
    let batches: usize = record
        .batches
        .iter()
        .map(|b| b.draws.iter().filter(|d| d.contest == c.name).count())
        .sum();
    (ballots + batches) as u64
}

/// The ballot frame of a contest: its jurisdictions' manifest batches, jurisdiction by
/// jurisdiction in file order (the sampler does not depend on the order).
pub fn ballot_frame(
    record: &AuditRecord,
    c: &ContestRecord,
) -> Result<Vec<FrameBatch>, AuditError> {
    let mut frame = Vec::new();
    for (ji, jname) in c.jurisdictions.iter().enumerate() {
        let j = record
            .jurisdiction(jname)
            .ok_or_else(|| AuditError::NotFound(format!("jurisdiction {jname:?}")))?;
        if j.batches.is_empty() {
            return Err(AuditError::State(format!(
                "{jname} has no ballot manifest; upload it before drawing a sample"
            )));
        }
        for b in &j.batches {
            frame.push(FrameBatch {
                jurisdiction_id: ji as i64,
                jurisdiction: jname.clone(),
                container: b.container.clone(),
                tabulator: b.tabulator.clone(),
                name: b.name.clone(),
                ballots: b.ballots,
            });
        }
    }
    Ok(frame)
}

/// One contest's part in a round: how many draws after how many earlier ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundSize {
    pub contest: String,
    pub draws: u64,
    pub draws_before: u64,
    pub full_hand_count: bool,
    /// Hybrid audits: draws from the stratum without CVRs, and before this round.
    pub non_cvr_draws: u64,
    pub non_cvr_draws_before: u64,
}

/// The sample of round `round`: every contest's draws, as the round-start log entry records them
/// (by hash). Pure: the seed, the manifests (and for batch audits the batch tallies) and the sizes
/// determine it.
pub fn draw_round(
    record: &AuditRecord,
    round: u64,
    sizes: &[RoundSize],
) -> Result<SampleArtifact, AuditError> {
    let seed = record
        .seed
        .clone()
        .ok_or_else(|| AuditError::State("the seed has not been revealed yet; reveal it at the public ceremony first (audit reveal-seed)".into()))?;
    let (audit_type, _) = audit_kind(record)?;
    let mut artifact = SampleArtifact {
        audit: record.name.clone(),
        round,
        seed: seed.clone(),
        ballot_draws: Vec::new(),
        batch_draws: Vec::new(),
    };
    for size in sizes {
        let c = record
            .contest(&size.contest)
            .ok_or_else(|| AuditError::NotFound(format!("contest {:?}", size.contest)))?;
        if audit_type == AuditType::BatchComparison {
            let model = rla_contest(c)?;
            let (frame, m) = macro_contest(record, c, &model)?;
            let weights = if m.total_max_error().is_finite() {
                m.ppeb_weights()
                    .map_err(|e| AuditError::Invalid(e.to_string()))?
            } else {
                vec![1.0; frame.len()]
            };
            let ppeb: Vec<PpebBatch> = frame
                .iter()
                .zip(&weights)
                .map(|(f, &weight)| PpebBatch {
                    key: f.batch_key(),
                    weight,
                })
                .collect();
            let previous: Vec<BatchKey> = record
                .batches
                .iter()
                .flat_map(|b| {
                    b.draws
                        .iter()
                        .filter(|d| d.contest == c.name && d.round < round)
                        .map(|_| BatchKey::arlo_batch(&b.jurisdiction, &b.batch))
                })
                .collect();
            let n = if size.full_hand_count {
                frame.len()
            } else {
                size.draws as usize
            };
            let drawn = draw_ppeb_sample(&seed, &ppeb, n, &previous)
                .map_err(|e| AuditError::Invalid(e.to_string()))?;
            for d in drawn {
                if let Some(f) = frame.get(d.batch) {
                    artifact.batch_draws.push(SampleDraw {
                        contest: c.name.clone(),
                        jurisdiction: f.jurisdiction.clone(),
                        tabulator: f.tabulator.clone(),
                        batch: f.name.clone(),
                        position: 0,
                        ticket: d.ticket_number,
                    });
                }
            }
        } else if audit_type == AuditType::Hybrid {
            if size.full_hand_count {
                continue; // both strata counted by hand, entered as totals
            }
            let frame = ballot_frame(record, c)?;
            let (cvr, non_cvr): (Vec<FrameBatch>, Vec<FrameBatch>) =
                frame.into_iter().partition(|f| {
                    record
                        .jurisdiction(&f.jurisdiction)
                        .and_then(|j| {
                            j.batches
                                .iter()
                                .find(|b| b.name == f.name && b.tabulator == f.tabulator)
                        })
                        .is_some_and(|b| b.has_cvrs == Some(true))
                });
            for (stratum, n, before, replacement) in [
                (&cvr, size.draws, size.draws_before, Replacement::With),
                (
                    &non_cvr,
                    size.non_cvr_draws,
                    size.non_cvr_draws_before,
                    Replacement::Without,
                ),
            ] {
                if n == 0 || stratum.is_empty() {
                    continue;
                }
                let by_key: std::collections::HashMap<BatchKey, &FrameBatch> =
                    stratum.iter().map(|f| (f.key(), f)).collect();
                for d in draw_contest_with(&seed, stratum, n, before, replacement)? {
                    let Some(f) = by_key.get(&d.ballot.batch) else {
                        continue;
                    };
                    artifact.ballot_draws.push(SampleDraw {
                        contest: c.name.clone(),
                        jurisdiction: f.jurisdiction.clone(),
                        tabulator: f.tabulator.clone(),
                        batch: f.name.clone(),
                        position: d.ballot.position,
                        ticket: d.ticket_number,
                    });
                }
            }
        } else {
            if size.full_hand_count {
                continue; // counted by hand, entered as totals
            }
            let frame = ballot_frame(record, c)?;
            let by_key: std::collections::HashMap<BatchKey, &FrameBatch> =
                frame.iter().map(|f| (f.key(), f)).collect();
            for d in draw_contest(&seed, &frame, size.draws, size.draws_before)? {
                let Some(f) = by_key.get(&d.ballot.batch) else {
                    continue;
                };
                artifact.ballot_draws.push(SampleDraw {
                    contest: c.name.clone(),
                    jurisdiction: f.jurisdiction.clone(),
                    tabulator: f.tabulator.clone(),
                    batch: f.name.clone(),
                    position: d.ballot.position,
                    ticket: d.ticket_number,
                });
            }
        }
    }
    Ok(artifact)
}
