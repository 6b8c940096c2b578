//! `ballotproof user …` and the web application on one data directory: a user the command line
//! adds (or whose authenticator it resets) logs in with TOTP through the server's account flows,
//! the secret is stored encrypted under the key file the command line and the server share, and
//! both refuse that key file when other users can read it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use accounts::LoginStep;
use accounts::field_key::{FieldKey, user_totp_aad};
use store::AccountStore;

use crate::{stderr, stdout, temp_dir};

const EMAIL: &str = "admin@example.gov";
const PASSWORD: &str = "correct horse battery";

/// `ballotproof --data-dir DIR ARGS…` with `stdin` as its standard input.
fn user_cli(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ballotproof"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--actor", "test:cli"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// Logs in through the web application's account flows (enrolling the authenticator if the
/// password step asks for it, with `secret` otherwise); returns the TOTP secret in use.
async fn web_login(state: &web::AppState, secret: Option<&str>, now: i64) -> String {
    let accounts = state.accounts();
    let (token, step) = accounts
        .login_password(EMAIL, PASSWORD, "127.0.0.1", now)
        .await
        .unwrap();
    let code = |s: &str| accounts::totp::code_at(s, (now / 1000) as u64).unwrap();
    match (step, secret) {
        (LoginStep::Enrol, None) => {
            let (secret, _) = accounts.enrolment(&token, now).await.unwrap();
            accounts
                .finish_enrolment(&token, &code(&secret), "127.0.0.1", now)
                .await
                .unwrap();
            secret
        }
        (LoginStep::SecondFactor, Some(secret)) => {
            accounts
                .second_factor(&token, &code(secret), "127.0.0.1", now)
                .await
                .unwrap();
            secret.to_string()
        }
        other => panic!("unexpected login step {other:?}"),
    }
}

/// The user's TOTP secret as stored, checked to be sealed under the data directory's key and to
/// open to `plain`.
async fn assert_stored_encrypted(state: &web::AppState, dir: &Path, plain: &str) {
    let user = state
        .wf()
        .store()
        .user_by_email(EMAIL)
        .await
        .unwrap()
        .unwrap();
    let stored = user.totp_secret.unwrap();
    assert!(
        FieldKey::is_sealed(&stored) && !stored.contains(plain),
        "{stored}"
    );
    let key = FieldKey::load_or_create(dir).unwrap();
    assert_eq!(key.open(&user_totp_aad(user.id), &stored).unwrap(), plain);
}

async fn open_server_state(dir: &Path) -> web::AppState {
    web::AppState::open(dir, web::state::Settings::default())
        .await
        .unwrap()
}

#[test]
fn a_user_added_or_reset_by_the_cli_logs_in_with_totp_and_its_secret_is_encrypted() {
    let dir = temp_dir("user-cli-totp");
    let add = user_cli(
        &dir,
        &[
            "user",
            "add",
            EMAIL,
            "--role",
            "state-admin",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(add.status.success(), "{}", stderr(&add));
    // The command line created the key file the server will use, private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(accounts::field_key::FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let t0 = now_ms();
    let first = rt.block_on(async {
        let state = open_server_state(&dir).await;
        let secret = web_login(&state, None, t0).await;
        assert_stored_encrypted(&state, &dir, &secret).await;
        // The next login uses the stored secret.
        web_login(&state, Some(&secret), t0 + 60_000).await;
        secret
    });

    let reset = user_cli(&dir, &["user", "reset-mfa", EMAIL], "");
    assert!(reset.status.success(), "{}", stderr(&reset));
    let list = user_cli(&dir, &["user", "list"], "");
    assert!(stdout(&list).contains("at next login"), "{}", stdout(&list));
    rt.block_on(async {
        let state = open_server_state(&dir).await;
        let second = web_login(&state, None, t0 + 120_000).await;
        assert_ne!(second, first);
        assert_stored_encrypted(&state, &dir, &second).await;
        web_login(&state, Some(&second), t0 + 180_000).await;
    });

    // A key file others can read is refused by the command line as by the server.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join(accounts::field_key::FILE),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let list = user_cli(&dir, &["user", "list"], "");
        assert!(!list.status.success());
        assert!(stderr(&list).contains("chmod 600"), "{}", stderr(&list));
        let served = rt.block_on(web::AppState::open(&dir, web::state::Settings::default()));
        let e = served.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("chmod 600"), "{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
