//! The state administrator's area: audits (create, seed, jurisdictions, contests, rounds, risk,
//! reports) and users. Every change calls the audit workflow or the account flows with the
//! logged-in user as the actor, so it is in the election log with their name.

use accounts::Role;
use audit::workflow::{AuditSpec, ContestSpec, SeedInput};
use audit::{AuditType, Math, SizeChoice};
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Result, audit_line, chart, name_counts, rounds_table, see_other};
use crate::auth::{StateAdmin, UserAdmin};
use crate::error::WebError;
use crate::state::AppState;
use crate::templates::{
    AdminHome, AuditPage, Choice, Chrome, NextRound, RoundForm, RoundOptions, Table, UserLine,
    Users, encode, render_page,
};

pub async fn home(State(state): State<AppState>, _: StateAdmin) -> Result<Response> {
    let audits = state.wf().audits().await?;
    Ok(render_page(&AdminHome {
        c: Chrome::current(),
        audits: audits
            .iter()
            .map(|a| (a.name.clone(), audit_line(a)))
            .collect(),
    })
    .into_response())
}

#[derive(Deserialize)]
pub struct CreateAudit {
    name: String,
    audit_type: String,
    #[serde(default)]
    math: String,
    risk_limit: String,
    #[serde(default)]
    seed: String,
    #[serde(default)]
    commitment: String,
    #[serde(default)]
    salt: String,
}

pub async fn create_audit(
    State(state): State<AppState>,
    StateAdmin(ctx): StateAdmin,
    Form(f): Form<CreateAudit>,
) -> Result<Response> {
    let audit_type = AuditType::parse(&f.audit_type)?;
    let math = if f.math.trim().is_empty() {
        Math::default_for(audit_type)
    } else {
        Math::parse(&f.math)?
    };
    let seed = if !f.seed.trim().is_empty() {
        let salt = accounts::secret::token()?
            .get(..32)
            .unwrap_or_default()
            .to_string();
        SeedInput::Sealed {
            seed: f.seed.trim().to_string(),
            salt,
        }
    } else if !f.commitment.trim().is_empty() {
        SeedInput::Commitment {
            commitment: f.commitment.trim().to_string(),
            salt: f.salt.trim().to_string(),
        }
    } else {
        return Err(WebError::BadRequest(
            "give the seed (kept sealed until the reveal) or its commitment and salt".into(),
        ));
    };
    let spec = AuditSpec {
        name: f.name.trim().to_string(),
        audit_type,
        math,
        risk_limit: f.risk_limit,
        seed,
    };
    let a = state.wf().create_audit(&ctx.principal.actor, &spec).await?;
    Ok(see_other(&format!("/admin/audits/{}", encode(&a.name))))
}

pub async fn audit_page(
    State(state): State<AppState>,
    _: StateAdmin,
    Path(name): Path<String>,
) -> Result<Response> {
    let wf = state.wf();
    let row = wf.audit(&name).await?;
    let record = wf.record_shared(&name).await?;
    let current = record.rounds.last().filter(|r| !r.ended).map(|r| r.number);
    let mut jurisdictions = Table::new(
        "jurisdictions",
        &[
            "Jurisdiction",
            "Manifest",
            "CVRs",
            "Batch tallies",
            "Audit boards",
            "Ballots entered",
            "Boards signed off",
            "County signed off",
        ],
        "No jurisdictions yet.",
    );
    for j in &record.jurisdictions {
        let boards: Vec<_> = record
            .audit_boards
            .iter()
            .filter(|b| b.jurisdiction == j.name && Some(b.round) == current)
            .collect();
        let ballots: Vec<_> = record
            .ballots
            .iter()
            .filter(|b| b.jurisdiction == j.name && Some(b.first_round) == current)
            .collect();
        let entered = ballots.iter().filter(|b| b.status != "not_audited").count();
        jurisdictions.rows.push(vec![
            j.name.clone(),
            j.manifest
                .as_ref()
                .map_or("not uploaded".into(), |f| f.file_name.clone()),
            j.cvrs
                .as_ref()
                .map_or("not uploaded".into(), |f| f.file_name.clone()),
            j.batch_tally_files.len().to_string(),
            boards.len().to_string(),
            if current.is_some() {
                format!("{entered} of {}", ballots.len())
            } else {
                String::new()
            },
            if current.is_some() {
                format!(
                    "{} of {}",
                    boards.iter().filter(|b| b.signed_off).count(),
                    boards.len()
                )
            } else {
                String::new()
            },
            match current {
                Some(round)
                    if record
                        .jurisdiction_sign_offs
                        .iter()
                        .any(|x| x.round == round && x.jurisdiction == j.name) =>
                {
                    "yes".into()
                }
                Some(_) => "no".into(),
                None => String::new(),
            },
        ]);
    }
    let mut contests = Table::new(
        "contests",
        &[
            "Contest",
            "Kind",
            "Jurisdictions",
            "Reported results",
            "Winners",
        ],
        "No contests yet.",
    );
    for c in &record.contests {
        contests.rows.push(vec![
            c.name.clone(),
            if c.targeted {
                "targeted"
            } else {
                "opportunistic"
            }
            .into(),
            c.jurisdictions.join(", "),
            c.choices
                .iter()
                .map(|x| format!("{} {}", x.name, x.votes))
                .collect::<Vec<_>>()
                .join("; "),
            c.winners.clone().map(|w| w.join(", ")).unwrap_or_default(),
        ]);
    }
    let in_round = current.is_some();
    let can_start = !in_round
        && record.seed.is_some()
        && row.status != "complete"
        && !record.contests.is_empty();
    let summary = format!(
        "{}. {}",
        audit_line(&row),
        match current {
            Some(n) => format!("Round {n} in progress."),
            None if row.status == "complete" => "The audit is complete.".into(),
            None if record.seed.is_none() => {
                "Next: jurisdictions, uploads and contests, then the seed.".into()
            }
            None => "Ready for the next round.".into(),
        }
    );
    Ok(render_page(&AuditPage {
        c: Chrome::current(),
        summary,
        message: None,
        commitment: record.seed_commitment.clone(),
        seed: record.seed.clone(),
        jurisdictions,
        contests,
        rounds: rounds_table(&record),
        chart: chart(&record),
        in_round,
        can_start,
        round: record.rounds.last().map_or(0, |r| r.number),
        name,
    })
    .into_response())
}

/// The next round's sample-size options, computed here rather than in the audit page because
/// they can take seconds on a large audit: htmx fetches them into the page (`HX-Request`, a
/// fragment), and without JavaScript the page's link opens them as a page of their own.
pub async fn round_options(
    State(state): State<AppState>,
    _: StateAdmin,
    Path(name): Path<String>,
    headers: HeaderMap,
) -> Result<Response> {
    let wf = state.wf();
    let row = wf.audit(&name).await?;
    let record = wf.record_shared(&name).await?;
    let next = NextRound {
        round: record.rounds.last().map_or(0, |r| r.number) + 1,
        not_now: None,
        error: None,
        size_options: Vec::new(),
        name,
    };
    let next = if record.rounds.last().is_some_and(|r| !r.ended) {
        NextRound {
            not_now: Some("A round is in progress: end it before starting the next.".into()),
            ..next
        }
    } else if row.status == "complete" {
        NextRound {
            not_now: Some("The audit is complete: no further round is needed.".into()),
            ..next
        }
    } else if record.seed.is_none() || record.contests.is_empty() {
        NextRound {
            not_now: Some(
                "Add the contests and reveal the seed first; then the sample sizes are offered."
                    .into(),
            ),
            ..next
        }
    } else {
        match wf.size_options(&next.name).await {
            Ok(options) => NextRound {
                size_options: options
                    .into_iter()
                    .map(|(contest, offers)| (contest, size_choices(&offers)))
                    .collect(),
                ..next
            },
            Err(e) => NextRound {
                error: Some(e.to_string()),
                ..next
            },
        }
    };
    let c = Chrome::current();
    let html = if headers.contains_key("hx-request") {
        render_page(&RoundForm { c, next })
    } else {
        render_page(&RoundOptions { c, next })
    };
    // The same address answers a fragment or a page: caches must keep them apart.
    Ok(([(header::VARY, "HX-Request")], html).into_response())
}

/// A contest's sample-size offers as radio choices, the first checked, and a full hand count.
fn size_choices(offers: &[audit::measure::SizeOffer]) -> Vec<Choice> {
    let mut choices: Vec<Choice> = offers
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let chance = o
                .completion_probability
                .map(|p| format!(", {:.0}% chance to finish", p * 100.0))
                .unwrap_or_default();
            // The workflow's own full-hand-count offer starts one, as the choice below does.
            let value = if o.label == audit::measure::FULL_HAND_COUNT {
                "full".to_string()
            } else {
                format!("option:{}", o.label)
            };
            (
                value,
                format!("{}: {} draws{chance}", o.label, o.draws),
                i == 0,
            )
        })
        .collect();
    // The workflow offers a full hand count itself when the sample would cover every ballot; one
    // such choice is enough.
    if !offers
        .iter()
        .any(|o| o.label == audit::measure::FULL_HAND_COUNT)
    {
        choices.push(("full".into(), "Full hand count".into(), choices.is_empty()));
    }
    choices
}

#[derive(Deserialize)]
pub struct NameForm {
    name: String,
}

pub async fn add_jurisdiction(
    State(state): State<AppState>,
    StateAdmin(ctx): StateAdmin,
    Path(audit): Path<String>,
    Form(f): Form<NameForm>,
) -> Result<Response> {
    state
        .wf()
        .add_jurisdiction(&ctx.principal.actor, &audit, &f.name)
        .await?;
    Ok(see_other(&format!("/admin/audits/{}#j-h", encode(&audit))))
}

#[derive(Deserialize)]
pub struct ContestForm {
    name: String,
    #[serde(default)]
    targeted: String,
    #[serde(default)]
    jurisdictions: String,
    #[serde(default)]
    winners: String,
    #[serde(default)]
    votes: String,
}

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

pub async fn add_contest(
    State(state): State<AppState>,
    StateAdmin(ctx): StateAdmin,
    Path(audit): Path<String>,
    Form(f): Form<ContestForm>,
) -> Result<Response> {
    let winners = list(&f.winners);
    let votes = name_counts(&f.votes)?;
    let spec = ContestSpec {
        name: f.name.trim().to_string(),
        targeted: f.targeted != "false",
        jurisdictions: list(&f.jurisdictions),
        winners: (!winners.is_empty()).then_some(winners),
        votes: (!votes.is_empty()).then_some(votes),
        ..ContestSpec::default()
    };
    state
        .wf()
        .add_contest(&ctx.principal.actor, &audit, &spec)
        .await?;
    Ok(see_other(&format!("/admin/audits/{}#c-h", encode(&audit))))
}

#[derive(Deserialize)]
pub struct SeedForm {
    #[serde(default)]
    seed: String,
}

pub async fn reveal_seed(
    State(state): State<AppState>,
    StateAdmin(ctx): StateAdmin,
    Path(audit): Path<String>,
    Form(f): Form<SeedForm>,
) -> Result<Response> {
    let seed = f.seed.trim();
    state
        .wf()
        .reveal_seed(
            &ctx.principal.actor,
            &audit,
            (!seed.is_empty()).then_some(seed),
        )
        .await?;
    Ok(see_other(&format!(
        "/admin/audits/{}#seed-h",
        encode(&audit)
    )))
}

pub async fn start_round(
    State(state): State<AppState>,
    StateAdmin(ctx): StateAdmin,
    Path(audit): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let choices: Vec<(String, SizeChoice)> = fields
        .iter()
        .filter_map(|(k, v)| {
            let contest = k.strip_prefix("size:")?;
            let choice = match v.as_str() {
                "full" => SizeChoice::FullHandCount,
                other => match other.strip_prefix("option:") {
                    Some(label) => SizeChoice::Option(label.to_string()),
                    None => SizeChoice::Default,
                },
            };
            Some((contest.to_string(), choice))
        })
        .collect();
    state
        .wf()
        .start_round(&ctx.principal.actor, &audit, &choices)
        .await?;
    Ok(see_other(&format!("/admin/audits/{}#r-h", encode(&audit))))
}

pub async fn end_round(
    State(state): State<AppState>,
    StateAdmin(ctx): StateAdmin,
    Path(audit): Path<String>,
) -> Result<Response> {
    state.wf().end_round(&ctx.principal.actor, &audit).await?;
    Ok(see_other(&format!("/admin/audits/{}#r-h", encode(&audit))))
}

fn activity_csv(activity: &[audit::workflow::Activity]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["time_ms", "actor", "event", "sha256", "details"]);
    for a in activity {
        let _ = w.write_record([
            a.time_ms.to_string(),
            a.actor.clone(),
            a.kind.clone(),
            a.sha256.clone().unwrap_or_default(),
            a.details.to_string(),
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

pub async fn report(
    State(state): State<AppState>,
    _: StateAdmin,
    Path((audit, report)): Path<(String, String)>,
) -> Result<Response> {
    let wf = state.wf();
    let record = wf.record_shared(&audit).await?;
    let (body, kind) = match report.as_str() {
        "audit-report.csv" => (audit::report::audit_report(&record), "text/csv"),
        "discrepancies.csv" => (audit::report::discrepancy_report(&record), "text/csv"),
        "activity.csv" => (activity_csv(&wf.activity(&audit).await?), "text/csv"),
        "audit.json" => (
            serde_json::to_string_pretty(&record).map_err(|e| WebError::Internal(e.to_string()))?,
            "application/json",
        ),
        _ => return Err(WebError::NotFound(format!("the report {report:?}"))),
    };
    Ok((
        [
            (header::CONTENT_TYPE, format!("{kind}; charset=utf-8")),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{report}\""),
            ),
        ],
        body,
    )
        .into_response())
}

async fn users_page(state: &AppState, message: Option<String>) -> Result<Response> {
    let users = state.accounts().users().await?;
    Ok(render_page(&Users {
        c: Chrome::current(),
        message,
        users: users
            .into_iter()
            .map(|(u, roles)| UserLine {
                roles: roles
                    .iter()
                    .map(Role::describe)
                    .collect::<Vec<_>>()
                    .join("; "),
                mfa: if u.totp_secret.is_some() {
                    "set up".into()
                } else {
                    "at next login".into()
                },
                state: if u.disabled { "disabled" } else { "active" }.into(),
                disabled: u.disabled,
                email: u.email,
            })
            .collect(),
    })
    .into_response())
}

pub async fn users(State(state): State<AppState>, _: UserAdmin) -> Result<Response> {
    users_page(&state, None).await
}

#[derive(Deserialize)]
pub struct NewUserForm {
    email: String,
    role: String,
    #[serde(default)]
    audit: String,
    #[serde(default)]
    jurisdiction: String,
    password: String,
}

pub async fn create_user(
    State(state): State<AppState>,
    UserAdmin(ctx): UserAdmin,
    Form(f): Form<NewUserForm>,
) -> Result<Response> {
    let role =
        Role::from_grant(&f.role, f.audit.trim(), f.jurisdiction.trim()).ok_or_else(|| {
            WebError::BadRequest(
                "choose a role; a jurisdiction administrator needs the audit and the jurisdiction"
                    .into(),
            )
        })?;
    if let Role::JurisdictionAdmin {
        audit,
        jurisdiction,
    } = &role
    {
        let a = state.wf().record_shared(audit).await?;
        if !a.jurisdictions.iter().any(|j| &j.name == jurisdiction) {
            return Err(WebError::BadRequest(format!(
                "audit {audit:?} has no jurisdiction {jurisdiction:?}; add it first"
            )));
        }
    }
    state
        .accounts()
        .create_user(
            &ctx.principal.actor,
            &f.email,
            &f.password,
            &[role],
            state.now_ms(),
        )
        .await?;
    users_page(&state, Some(format!("Created {}.", f.email.trim()))).await
}

#[derive(Deserialize)]
pub struct DisableForm {
    email: String,
    disabled: String,
}

pub async fn disable_user(
    State(state): State<AppState>,
    UserAdmin(ctx): UserAdmin,
    Form(f): Form<DisableForm>,
) -> Result<Response> {
    let disabled = f.disabled == "true";
    state
        .accounts()
        .set_disabled(&ctx.principal.actor, &f.email, disabled, state.now_ms())
        .await?;
    Ok(see_other("/admin/users"))
}

#[derive(Deserialize)]
pub struct EmailForm {
    email: String,
}

pub async fn reset_mfa(
    State(state): State<AppState>,
    UserAdmin(ctx): UserAdmin,
    Form(f): Form<EmailForm>,
) -> Result<Response> {
    state
        .accounts()
        .reset_mfa(&ctx.principal.actor, &f.email, state.now_ms())
        .await?;
    Ok(see_other("/admin/users"))
}

#[cfg(test)]
mod tests {
    use audit::measure::{FULL_HAND_COUNT, SizeOffer};

    use super::size_choices;

    fn offer(label: &str, draws: u64) -> SizeOffer {
        SizeOffer {
            label: label.into(),
            draws,
            completion_probability: None,
            non_cvr_draws: 0,
        }
    }

    #[test]
    fn a_full_hand_count_is_offered_once() {
        let sampled = size_choices(&[offer("estimate", 40)]);
        let full: Vec<_> = sampled
            .iter()
            .filter(|c| c.1.contains("ull hand count"))
            .collect();
        assert_eq!(full.len(), 1, "{sampled:?}");
        assert!(sampled[0].2, "the first offer is checked");

        let only_full = size_choices(&[offer(FULL_HAND_COUNT, 400)]);
        let full: Vec<_> = only_full
            .iter()
            .filter(|c| c.1.to_lowercase().contains("full hand count"))
            .collect();
        assert_eq!(full.len(), 1, "{only_full:?}");
        assert!(only_full[0].2, "and checked");
        assert_eq!(only_full[0].0, "full", "it starts a full hand count");
    }
}
