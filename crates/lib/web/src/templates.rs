//! The askama templates' data: one struct per page, each with the page [`Chrome`] (nonce, CSRF
//! token, who is logged in, navigation).

use askama::Template;
use axum::response::Html;

use crate::security::CURRENT;

/// What every page's frame needs.
pub struct Chrome {
    pub nonce: String,
    pub csrf: String,
    pub who: Option<String>,
    pub nav: Vec<(String, String)>,
}

impl Chrome {
    /// The frame for the current request.
    pub fn current() -> Chrome {
        CURRENT
            .try_with(|c| {
                let mut nav = Vec::new();
                for role in &c.principal.roles {
                    let link = match role {
                        accounts::Role::StateAdmin => {
                            vec![
                                ("/admin".into(), "Audits".into()),
                                ("/admin/users".into(), "Users".into()),
                            ]
                        }
                        accounts::Role::JurisdictionAdmin {
                            audit,
                            jurisdiction,
                        } => vec![(
                            format!("/jurisdiction/{}/{}", encode(audit), encode(jurisdiction)),
                            jurisdiction.clone(),
                        )],
                        accounts::Role::AuditBoard { .. } => {
                            vec![("/board".into(), "Ballots".into())]
                        }
                        accounts::Role::Support => vec![("/support".into(), "Support".into())],
                    };
                    nav.extend(link);
                }
                nav.push(("/public".into(), "Public".into()));
                let who = c.session.as_ref().filter(|s| s.is_full()).map(|s| {
                    let name = s
                        .email
                        .clone()
                        .or_else(|| s.board.as_ref().map(|b| b.board.clone()))
                        .unwrap_or_default();
                    let roles: Vec<String> = c
                        .principal
                        .roles
                        .iter()
                        .map(accounts::Role::describe)
                        .collect();
                    format!("{name} ({})", roles.join(", "))
                });
                Chrome {
                    nonce: c.nonce.clone(),
                    csrf: c.csrf.clone(),
                    who,
                    nav,
                }
            })
            .unwrap_or(Chrome {
                nonce: String::new(),
                csrf: String::new(),
                who: None,
                nav: Vec::new(),
            })
    }
}

/// Percent-encodes a path segment.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Renders a page; a template error (a bug) becomes a plain message, never a panic.
pub fn render_page(t: &impl Template) -> Html<String> {
    match t.render() {
        Ok(html) => Html(html),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            Html("<!doctype html><title>Error</title><p>The page could not be shown. Try again; if it keeps happening, tell your administrator.</p>".into())
        }
    }
}

/// A table: header, rows, what to say when empty.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub id: String,
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub empty: String,
}

impl Table {
    pub fn new(id: &str, header: &[&str], empty: &str) -> Table {
        Table {
            id: id.into(),
            caption: String::new(),
            header: header.iter().map(|h| (*h).to_string()).collect(),
            rows: Vec::new(),
            empty: empty.into(),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub c: Chrome,
    pub title: &'a str,
    pub what: &'a str,
    pub todo: &'a str,
    pub login: bool,
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct Login {
    pub c: Chrome,
    pub error: Option<String>,
    pub email: String,
}

#[derive(Template)]
#[template(path = "totp.html")]
pub struct Totp {
    pub c: Chrome,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "enrol.html")]
pub struct Enrol {
    pub c: Chrome,
    pub error: Option<String>,
    pub secret: String,
    pub uri: String,
    pub qr: String,
}

#[derive(Template)]
#[template(path = "recovery.html")]
pub struct Recovery {
    pub c: Chrome,
    pub codes: Vec<String>,
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct Message {
    pub c: Chrome,
    pub title: String,
    pub paragraphs: Vec<String>,
    pub next: String,
    pub next_label: String,
}

#[derive(Template)]
#[template(path = "admin_home.html")]
pub struct AdminHome {
    pub c: Chrome,
    pub audits: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub c: Chrome,
    pub name: String,
    pub summary: String,
    pub message: Option<String>,
    pub commitment: String,
    pub seed: Option<String>,
    pub jurisdictions: Table,
    pub contests: Table,
    pub rounds: Table,
    pub chart: String,
    pub in_round: bool,
    pub can_start: bool,
    pub round: u64,
}

/// The next round's sample-size options and the form that starts it: an htmx fragment of the
/// audit page ([`RoundForm`]) or, without JavaScript, a page of its own ([`RoundOptions`]).
pub struct NextRound {
    pub name: String,
    /// The next round's number.
    pub round: u64,
    /// Why no round can start now (then there is no form).
    pub not_now: Option<String>,
    /// Why the sizes could not be computed (the form still starts the round with the defaults).
    pub error: Option<String>,
    /// Per contest: its options.
    pub size_options: Vec<(String, Vec<Choice>)>,
}

#[derive(Template)]
#[template(path = "round_form.html")]
pub struct RoundForm {
    pub c: Chrome,
    pub next: NextRound,
}

#[derive(Template)]
#[template(path = "round_options.html")]
pub struct RoundOptions {
    pub c: Chrome,
    pub next: NextRound,
}

/// A radio or checkbox choice: (value, label, checked).
pub type Choice = (String, String, bool);

pub struct UserLine {
    pub email: String,
    pub roles: String,
    pub mfa: String,
    pub state: String,
    pub disabled: bool,
}

#[derive(Template)]
#[template(path = "users.html")]
pub struct Users {
    pub c: Chrome,
    pub message: Option<String>,
    pub users: Vec<UserLine>,
}

#[derive(Template)]
#[template(path = "jurisdiction.html")]
pub struct JurisdictionPage {
    pub c: Chrome,
    pub audit: String,
    pub jurisdiction: String,
    pub message: Option<String>,
    pub report: Option<audit::ValidationReport>,
    pub uploads: Table,
    pub can_upload: bool,
    pub round: u64,
    pub boards: Table,
    pub can_set_boards: bool,
    pub board_names: Vec<String>,
    pub retrieval: Table,
    /// The county has signed off the current round.
    pub signed_off: bool,
    /// The viewer may sign it off now: a county administrator, every board signed off.
    pub can_sign_off: bool,
}

#[derive(Template)]
#[template(path = "credential.html")]
pub struct Credential {
    pub c: Chrome,
    pub audit: String,
    pub jurisdiction: String,
    pub board: String,
    pub round: i64,
    pub is_link: bool,
    pub secret: String,
    pub origin: String,
}

#[derive(Template)]
#[template(path = "board_login.html")]
pub struct BoardLogin {
    pub c: Chrome,
    pub error: Option<String>,
    pub action: String,
    pub link: bool,
}

#[derive(Template)]
#[template(path = "board_home.html")]
pub struct BoardHome {
    pub c: Chrome,
    pub board: String,
    pub jurisdiction: String,
    pub round: i64,
    pub message: Option<String>,
    pub members: Option<(String, String)>,
    pub signed_off: bool,
    /// (index, where, status).
    pub ballots: Vec<(usize, String, String)>,
    pub done: usize,
    pub next: Option<usize>,
    /// (batch, contest, choices).
    pub batches: Vec<(String, String, Vec<String>)>,
}

pub struct ContestForm {
    pub name: String,
    pub votes_allowed: u32,
    /// (value, label, checked).
    pub options: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "board_ballot.html")]
pub struct BoardBallot {
    pub c: Chrome,
    pub n: usize,
    pub total: usize,
    pub location: Vec<(String, String)>,
    pub error: Option<String>,
    pub review: bool,
    pub summary: Vec<(String, String)>,
    pub contests: Vec<ContestForm>,
}

#[derive(Template)]
#[template(path = "public_home.html")]
pub struct PublicHome {
    pub c: Chrome,
    pub audits: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "public_audit.html")]
pub struct PublicAudit {
    pub c: Chrome,
    pub name: String,
    pub summary: String,
    pub commitment: String,
    pub seed: Option<String>,
    pub salt: String,
    pub rounds: Table,
    pub chart: String,
    pub retrieval: Table,
    pub checkpoint: String,
}

#[derive(Template)]
#[template(path = "support.html")]
pub struct SupportPage {
    pub c: Chrome,
    pub tables: Vec<(String, Table)>,
}
