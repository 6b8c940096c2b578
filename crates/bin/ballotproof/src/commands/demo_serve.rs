//! `ballotproof demo --serve`: the demo, then the web application on its data, so a person can
//! look at the finished audit, try ballot entry in a second audit left in round one, and log in
//! as every kind of user. The data directory is kept (and named) so it can be served again with
//! `ballotproof serve --data-dir DIR`.
//!
//! The demo users get random passwords, printed once; the state administrator's authenticator is
//! set up here and its secret printed, so a visitor adds it to an authenticator app and logs in
//! at once. That is acceptable only because this is a demo on an example election: real accounts
//! are created with `ballotproof user add` and enrol their own authenticator.

use std::io::Write;
use std::path::{Path, PathBuf};

use accounts::password::HashCost;
use accounts::service::{BoardLogin, CredentialKind};
use accounts::{Accounts, Role};
use anyhow::{Context, bail};
use audit::workflow::{AuditSpec, ContestSpec, NamedFile, SeedInput, Upload};
use audit::{AuditType, Math, UploadKind};

use super::audit::{Session, open};
use super::demo::{ACTOR, AUDIT, DemoArgs, counties, county_files, run_in, short};
use super::serve::{ServeArgs, serve_dir};

/// The second audit, left in round one for a visitor to enter ballots.
pub const PRACTICE: &str = "Practice Audit 2026";
const PRACTICE_SEED: &str = "48213907655120493817";
const PRACTICE_SALT: &str = "5eed5a170000000000000000000000bb";
/// Marks a data directory as the demo's, so a later run may replace it (and nothing else).
const MARKER: &str = "ballotproof-demo-data.txt";

/// A demo user as printed.
struct Login {
    who: String,
    email: String,
    password: String,
    note: String,
}

/// The state administrator's authenticator: secret, otpauth URI, recovery codes.
type Totp = (String, String, Vec<String>);

/// What the banner prints after the listening line.
struct Banner {
    data: PathBuf,
    logins: Vec<Login>,
    totp: Totp,
    boards: Vec<(String, String, String)>,
}

impl Banner {
    fn text(&self, url: &str) -> String {
        let mut t = String::new();
        let mut line = |s: String| {
            t.push_str(&s);
            t.push('\n');
        };
        line(format!(
            "The demo is served at {url} — open it in a browser; Ctrl-C stops it."
        ));
        line(format!("Public observer page (no login): {url}public"));
        line(format!(
            "Log in at {url}login (random passwords, printed only now):"
        ));
        for l in &self.logins {
            line(format!(
                "  {:<28} {:<28} password {}{}",
                l.who, l.email, l.password, l.note
            ));
        }
        let (secret, uri, codes) = &self.totp;
        line(format!(
            "The state administrator's authenticator is already set up: add the TOTP secret {secret} to an authenticator app"
        ));
        line(format!(
            "  (or run: oathtool --totp -b {secret}); otpauth URI: {uri}"
        ));
        line(format!(
            "  Recovery codes, each usable once instead of a code: {}",
            codes.join(" ")
        ));
        line(
            "The county administrators and support staff set up their authenticator at their first login (the page shows the secret and a QR code)."
                .into(),
        );
        line(format!(
            "Audit boards of \"{PRACTICE}\" (round 1 in progress) log in at {url}board/login:"
        ));
        for (county, board, passphrase) in &self.boards {
            line(format!("  {county}, {board}: passphrase {passphrase}"));
        }
        line("What to try: log in as the state administrator and open the two audits (the finished one shows the risk chart and reports);".into());
        line("  log in as an audit board in another browser window, enter both members' names, and interpret the ballots it lists;".into());
        line(
            "  log in as a county administrator to see its retrieval list, boards and uploads."
                .into(),
        );
        line(format!(
            "The data is kept in {}; serve it again with: ballotproof serve --data-dir {}",
            self.data.display(),
            self.data.display()
        ));
        t
    }
}

/// Empties `dir` if it is an earlier demo's (or new), and marks it as the demo's; refuses a
/// directory holding anything else, so the demo never mixes into an office's data.
fn prepare_data_dir(dir: &Path) -> anyhow::Result<()> {
    let has_files = std::fs::read_dir(dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if has_files {
        if !dir.join(MARKER).exists() {
            bail!(
                "{} already holds files and is not a demo's data directory; the demo does not add its example audits to other data — choose a new or empty --data-dir",
                dir.display()
            );
        }
        std::fs::remove_dir_all(dir)
            .with_context(|| format!("cannot replace the old demo data in {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| {
        format!(
            "cannot create the data directory {}; choose a writable one with --data-dir DIR",
            dir.display()
        )
    })?;
    std::fs::write(
        dir.join(MARKER),
        "Made by `ballotproof demo --serve`: an example election's audits, demo users and election log. A later demo run replaces it; delete it freely.\n",
    )
    .with_context(|| format!("cannot write in {}", dir.display()))?;
    Ok(())
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The practice audit: two counties, the Governor race, seed revealed, round one started, one
/// audit board per county with a passphrase. Returns (county, board, passphrase).
fn practice_audit(s: &Session) -> anyhow::Result<Vec<(String, String, String)>> {
    let Session { rt, wf } = s;
    rt.block_on(wf.create_audit(
        ACTOR,
        &AuditSpec {
            name: PRACTICE.into(),
            audit_type: AuditType::BallotComparison,
            math: Math::KaplanMarkov,
            risk_limit: "0.1".into(),
            seed: SeedInput::Sealed {
                seed: PRACTICE_SEED.into(),
                salt: PRACTICE_SALT.into(),
            },
        },
    ))?;
    let practice: Vec<_> = counties().into_iter().take(2).collect();
    for county in &practice {
        rt.block_on(wf.add_jurisdiction(ACTOR, PRACTICE, county.name))?;
        let (manifest, cvrs) = county_files(county)?;
        let c = short(county.name);
        for (kind, file, bytes) in [
            (
                UploadKind::Manifest,
                format!("{c} - ballot manifest.csv"),
                manifest,
            ),
            (UploadKind::Cvrs, format!("{c} - CVR export.csv"), cvrs),
        ] {
            let report = rt.block_on(wf.upload(
                ACTOR,
                PRACTICE,
                county.name,
                &Upload::new(kind, &[NamedFile::new(&file, &bytes)]),
            ))?;
            if !report.accepted {
                bail!(
                    "the practice audit's {file} was not accepted: {:?}",
                    report.problems
                );
            }
        }
    }
    rt.block_on(wf.add_contest(
        ACTOR,
        PRACTICE,
        &ContestSpec {
            name: "Governor".into(),
            targeted: true,
            ..ContestSpec::default()
        },
    ))?;
    rt.block_on(wf.reveal_seed(ACTOR, PRACTICE, None))?;
    rt.block_on(wf.start_round(ACTOR, PRACTICE, &[]))?;
    let accounts = Accounts::new(wf.store(), HashCost::Production);
    let mut boards = Vec::new();
    for county in &practice {
        let board = "Board 1".to_string();
        rt.block_on(wf.set_audit_boards(
            ACTOR,
            PRACTICE,
            county.name,
            std::slice::from_ref(&board),
        ))?;
        let issued = rt.block_on(accounts.issue_board_credential(
            ACTOR,
            &BoardLogin {
                audit: PRACTICE.into(),
                jurisdiction: county.name.into(),
                board: board.clone(),
                round: 1,
                members: None,
            },
            CredentialKind::Passphrase,
            now_ms(),
        ))?;
        boards.push((county.name.to_string(), board, issued.secret));
    }
    Ok(boards)
}

/// The demo users: a state administrator (authenticator set up, its secret returned), one
/// administrator per county (of both audits) and a support user.
fn demo_users(s: &Session, data: &Path) -> anyhow::Result<(Vec<Login>, Totp)> {
    let Session { rt, .. } = s;
    let accounts = super::user::accounts(s, data)?;
    let mut users: Vec<(String, String, Vec<Role>, String)> = vec![(
        "State administrator".into(),
        "state.admin@example.gov".into(),
        vec![Role::StateAdmin],
        String::new(),
    )];
    for county in counties() {
        let c = short(county.name).to_lowercase();
        let mut roles = vec![Role::JurisdictionAdmin {
            audit: AUDIT.into(),
            jurisdiction: county.name.into(),
        }];
        if county.name != "Clark County" {
            roles.push(Role::JurisdictionAdmin {
                audit: PRACTICE.into(),
                jurisdiction: county.name.into(),
            });
        }
        users.push((
            format!("{} administrator", county.name),
            format!("{c}.admin@example.gov"),
            roles,
            String::new(),
        ));
    }
    users.push((
        "Support staff".into(),
        "support@example.gov".into(),
        vec![Role::Support],
        " (sees risk mid-round)".into(),
    ));
    let mut logins = Vec::new();
    for (who, email, roles, note) in users {
        let password = accounts::secret::password()?;
        rt.block_on(accounts.create_user(ACTOR, &email, &password, &roles, now_ms()))?;
        logins.push(Login {
            who,
            email,
            password,
            note,
        });
    }
    let totp = rt.block_on(accounts.enrol_totp_for(ACTOR, "state.admin@example.gov", now_ms()))?;
    Ok((logins, totp))
}

/// Runs the demo into a kept data directory, adds the practice audit and the users, and serves.
pub fn run(args: &DemoArgs, data_dir: Option<&Path>) -> anyhow::Result<()> {
    let data = data_dir.map_or_else(|| args.out.join("data"), Path::to_path_buf);
    prepare_data_dir(&data)?;
    let mut out = std::io::stdout();
    run_in(args, &data, &mut out)?;
    let (boards, (logins, totp)) = {
        let s = open(&data)?;
        let boards = practice_audit(&s)?;
        let users = demo_users(&s, &data)?;
        s.rt.block_on(s.wf.flush())?;
        (boards, users)
    };
    writeln!(
        out,
        "Serving the demo: \"{AUDIT}\" (finished) and \"{PRACTICE}\" (round 1 in progress, for trying ballot entry)."
    )?;
    let banner = Banner {
        data: data.clone(),
        logins,
        totp,
        boards,
    };
    serve_dir(
        &ServeArgs {
            port: args.port,
            bind: std::net::IpAddr::from([127, 0, 0, 1]),
            tls_cert: None,
            tls_key: None,
            behind_https_proxy: false,
        },
        &data,
        &|url| banner.text(url),
        &mut out,
    )
}
