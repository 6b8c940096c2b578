//! `ballotproof user …`: the web application's accounts from the command line — create the first
//! state administrator of a fresh install, list users, disable one, reset a lost second factor.
//! Each change is logged to the election log with `--actor` (default `cli:$USER`). The commands
//! open the data directory's field-encryption key as `serve` does ([`accounts`]), so a secret
//! they store reads back in the server, and a key file others can read is refused here too.

use std::io::{BufRead, Write};
use std::path::Path;

use accounts::field_key::FieldKey;
use accounts::password::HashCost;
use accounts::{Accounts, Role};
use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use store::SqliteStore;

use super::audit::{Session, open};
use crate::render::Table;

#[derive(Debug, Args)]
pub struct UserArgs {
    #[command(subcommand)]
    pub command: UserCommand,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    StateAdmin,
    JurisdictionAdmin,
    Support,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user. The password is read from standard input with --password-stdin (one line),
    /// else asked for on the terminal.
    Add {
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The audit of a jurisdiction administrator.
        #[arg(long)]
        audit: Option<String>,
        /// The jurisdiction of a jurisdiction administrator.
        #[arg(long)]
        jurisdiction: Option<String>,
        /// Read the password from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users and their roles.
    List,
    /// Disable a user (ends their sessions) or, with --enable, enable them again.
    Disable {
        email: String,
        #[arg(long)]
        enable: bool,
    },
    /// Remove a user's authenticator and recovery codes (a lost phone); they set it up again at
    /// their next login.
    ResetMfa { email: String },
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

fn role(role: RoleArg, audit: Option<&str>, jurisdiction: Option<&str>) -> anyhow::Result<Role> {
    Ok(match role {
        RoleArg::StateAdmin => Role::StateAdmin,
        RoleArg::Support => Role::Support,
        RoleArg::JurisdictionAdmin => match (audit, jurisdiction) {
            (Some(a), Some(j)) => Role::JurisdictionAdmin {
                audit: a.into(),
                jurisdiction: j.into(),
            },
            _ => bail!("a jurisdiction administrator needs --audit NAME and --jurisdiction NAME"),
        },
    })
}

pub fn run(
    args: &UserArgs,
    data_dir: anyhow::Result<std::path::PathBuf>,
    actor: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let dir = data_dir?;
    run_in(args, &dir, actor, out)
}

/// The account flows on an opened data directory, with its field-encryption key loaded by the
/// function `serve` uses (`FieldKey::load_or_create`: created with mode 0600 on first use,
/// refused when other users can read it), so the command line and the server seal and open TOTP
/// secrets with the same key.
pub(crate) fn accounts<'a>(
    s: &'a Session,
    dir: &Path,
) -> anyhow::Result<Accounts<'a, SqliteStore>> {
    let key = FieldKey::load_or_create(dir)?;
    Ok(Accounts::new(s.wf.store(), HashCost::Production).with_field_key(key))
}

fn run_in(args: &UserArgs, dir: &Path, actor: &str, out: &mut impl Write) -> anyhow::Result<()> {
    let s = open(dir)?;
    let accounts = accounts(&s, dir)?;
    match &args.command {
        UserCommand::Add {
            email,
            role: r,
            audit,
            jurisdiction,
            password_stdin,
        } => {
            let role = role(*r, audit.as_deref(), jurisdiction.as_deref())?;
            let password = read_password(*password_stdin)?;
            s.rt.block_on(accounts.create_user(
                actor,
                email,
                &password,
                std::slice::from_ref(&role),
                now_ms(),
            ))?;
            s.rt.block_on(s.wf.flush())?;
            writeln!(
                out,
                "Created {} ({}). They log in at /login and set up an authenticator app at their first login.",
                email.trim().to_lowercase(),
                role.describe()
            )?;
        }
        UserCommand::List => {
            let users = s.rt.block_on(accounts.users())?;
            let mut t = Table::new(["Email", "Roles", "Authenticator", "Disabled"]);
            for (u, roles) in users {
                t.push(vec![
                    u.email.clone(),
                    roles
                        .iter()
                        .map(Role::describe)
                        .collect::<Vec<_>>()
                        .join("; "),
                    if u.totp_secret.is_some() {
                        "set up"
                    } else {
                        "at next login"
                    }
                    .into(),
                    if u.disabled { "yes" } else { "no" }.into(),
                ]);
            }
            write!(out, "{}", t.to_text())?;
        }
        UserCommand::Disable { email, enable } => {
            s.rt.block_on(accounts.set_disabled(actor, email, !enable, now_ms()))?;
            s.rt.block_on(s.wf.flush())?;
            writeln!(
                out,
                "{} is {}.",
                email,
                if *enable { "enabled" } else { "disabled" }
            )?;
        }
        UserCommand::ResetMfa { email } => {
            s.rt.block_on(accounts.reset_mfa(actor, email, now_ms()))?;
            s.rt.block_on(s.wf.flush())?;
            writeln!(
                out,
                "{email}'s authenticator and recovery codes are removed; they set up a new one at their next login."
            )?;
        }
    }
    Ok(())
}

fn read_password(stdin: bool) -> anyhow::Result<String> {
    if !stdin {
        bail!(
            "give the password on standard input with --password-stdin (e.g. from a password manager), so it never appears in the shell history"
        );
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
