//! The security rules a browser cannot easily show: recovery codes work once, sessions end at
//! their absolute limit however active, "log out everywhere" ends the other sessions, expired
//! sessions are deleted, a network address with many failed logins is refused (logged once, and
//! still after a restart), audit boards reach only their own ballots and no administrator page, a
//! new board credential ends the sessions of the old one, the upload script writes no markup, and
//! TOTP secrets stored in plain text before encryption at rest are encrypted (at login, at start).

use accounts::Role;
use accounts::service::{BoardLogin, CredentialKind};
use audit::workflow::{AuditSpec, ContestSpec, NamedFile, SeedInput, Upload};
use audit::{AuditType, Math, UploadKind};
use axum::http::StatusCode;
use web::routes::{Access, ROUTES};

use crate::{App, PASSWORD, between, csrf_of, session_cookie};

fn refused(status: StatusCode) -> bool {
    matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
}

#[tokio::test]
async fn a_recovery_code_logs_in_once() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    let (first, csrf, _, codes) = app.login_with_codes("admin@example.gov").await;
    let r = app.post("/logout", &first, &[("csrf", &csrf)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for (attempt, expected) in [(1, StatusCode::SEE_OTHER), (2, StatusCode::UNAUTHORIZED)] {
        let (r, cookie) = app.password_step("admin@example.gov", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "attempt {attempt}");
        let csrf = csrf_of(&app.get("/login/totp", &cookie).await.body);
        // Typed with spaces and in capitals, as people copy them from paper.
        let typed = codes[3].to_uppercase().replace('-', " ");
        let r = app
            .post("/login/totp", &cookie, &[("csrf", &csrf), ("code", &typed)])
            .await;
        assert_eq!(r.status, expected, "attempt {attempt}: {}", r.body);
        let admin = app.get("/admin", &cookie).await.status;
        assert_eq!(admin == StatusCode::OK, attempt == 1, "attempt {attempt}");
    }
    let log = app.log_kinds().await;
    assert_eq!(
        log.iter()
            .filter(|(k, _, _)| k == "auth.recovery_code_used")
            .count(),
        1
    );
    assert!(log.iter().all(|(_, _, body)| !body.contains(&codes[3])));
}

#[tokio::test]
async fn sessions_end_at_the_absolute_limit_and_everywhere_on_request() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    let (busy, _, secret) = app.login("admin@example.gov").await;
    // Active every 25 minutes (never idle), still ended 12 hours after login.
    let mut elapsed = 0;
    while elapsed + 25 * 60_000 < 12 * 60 * 60_000 {
        app.advance(25 * 60_000);
        elapsed += 25 * 60_000;
        assert_eq!(
            app.get("/admin", &busy).await.status,
            StatusCode::OK,
            "{elapsed}"
        );
    }
    app.advance(12 * 60 * 60_000 - elapsed);
    assert_eq!(
        app.get("/admin", &busy).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The ended session is deleted at the next login (anyone's).
    let token = busy.split("bp_session=").nth(1).unwrap().to_string();
    let store = app.state.wf().store();
    let hash = accounts::secret::sha256(&token);
    use store::AccountStore;
    app.advance(60_000);
    let code = |app: &App| accounts::totp::code_at(&secret, (app.now_ms() / 1000) as u64).unwrap();

    // Two live sessions; "log out everywhere" in one ends both.
    let mut sessions = Vec::new();
    for _ in 0..2 {
        app.advance(30_000);
        let (r, cookie) = app.password_step("admin@example.gov", PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            store.session(&hash).await.unwrap().is_none(),
            "expired session deleted"
        );
        let csrf = csrf_of(&app.get("/login/totp", &cookie).await.body);
        let r = app
            .post(
                "/login/totp",
                &cookie,
                &[("csrf", &csrf), ("code", &code(&app))],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let csrf = csrf_of(&app.get("/public", &cookie).await.body);
        sessions.push((cookie, csrf));
    }
    for (cookie, _) in &sessions {
        assert_eq!(app.get("/admin", cookie).await.status, StatusCode::OK);
    }
    let r = app
        .post(
            "/logout/everywhere",
            &sessions[0].0,
            &[("csrf", &sessions[0].1)],
        )
        .await;
    assert!(
        r.status.is_redirection() || r.status.is_success(),
        "{}",
        r.body
    );
    for (cookie, _) in &sessions {
        assert_eq!(
            app.get("/admin", cookie).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    assert!(
        app.log_kinds()
            .await
            .iter()
            .any(|(k, a, _)| k == "auth.logout_everywhere" && a == "user:admin@example.gov")
    );
}

#[tokio::test]
async fn an_address_with_many_failures_is_refused_and_logged_once() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    let limit = accounts::policy::AddressPolicy::default().max_failures;
    // Different emails, so no account lockout: only the address limit applies.
    for i in 0..limit {
        let (r, _) = app
            .password_step(&format!("guess{i}@example.gov"), "wrong-wrong-wrong")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    for _ in 0..3 {
        let (r, _) = app.password_step("admin@example.gov", PASSWORD).await;
        assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(r.body.contains("network address"), "{}", r.body);
    }
    // Board passphrases from that address are refused too.
    let (pre, token) = app.pre().await;
    let r = app
        .post(
            "/board/login",
            &pre,
            &[("csrf", &token), ("passphrase", "x")],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let log = app.log_kinds().await;
    assert_eq!(
        log.iter()
            .filter(|(k, _, _)| k == "auth.address_blocked")
            .count(),
        1
    );
    // The window slides: ten minutes later the right password works.
    app.advance(10 * 60_000);
    let (r, _) = app.password_step("admin@example.gov", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_address_limit_survives_a_restart_and_old_failures_expire() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    let policy = accounts::policy::AddressPolicy::default();
    let guess = |i: usize| format!("guess{i}@example.gov");
    for i in 1..policy.max_failures {
        let (r, _) = app.password_step(&guess(i), "wrong-wrong-wrong").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    app.advance(5 * 60_000);
    // A restart does not forget the failures: one more blocks the address.
    let app = app.reopen().await;
    let (r, _) = app.password_step(&guess(0), "wrong-wrong-wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let (r, _) = app.password_step("admin@example.gov", PASSWORD).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{}", r.body);
    let app = app.reopen().await;
    let (r, _) = app.password_step("admin@example.gov", PASSWORD).await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "still, after another restart"
    );
    // Ten minutes after the first failures they have expired; the one since counts alone.
    app.advance(5 * 60_000);
    let (r, _) = app.password_step(&guess(0), "wrong-wrong-wrong").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let (r, _) = app.password_step("admin@example.gov", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // ... and their rows are gone (deleted when a failure is counted): two are left.
    use store::AccountStore;
    let kept = app
        .state
        .wf()
        .store()
        .address_failures("unknown", 0, 100)
        .await
        .unwrap();
    assert_eq!(kept.len(), 2, "{kept:?}");
    let log = app.log_kinds().await;
    let blocks: Vec<_> = log
        .iter()
        .filter(|(k, _, _)| k == "auth.address_blocked")
        .collect();
    assert_eq!(blocks.len(), 1, "{blocks:?}");
    assert!(
        blocks[0].2.contains("\"remote\":\"unknown\""),
        "{}",
        blocks[0].2
    );
    assert!(
        log.iter()
            .all(|(_, _, body)| !body.contains("wrong-wrong-wrong"))
    );
}

#[tokio::test]
async fn failures_at_the_same_moment_log_the_block_once() {
    let app = App::new().await;
    let policy = accounts::policy::AddressPolicy::default();
    for i in 2..policy.max_failures {
        let (r, _) = app
            .password_step(&format!("guess{i}@example.gov"), "wrong-wrong-wrong")
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    // The last two failures before the block are counted at the same moment, their reads and
    // writes interleaved; only one of them starts the block.
    let (accounts, now) = (app.state.accounts(), app.state.now_ms());
    let (a, b) = tokio::join!(
        accounts.address_failed("unknown", now),
        accounts.address_failed("unknown", now),
    );
    assert!(a.unwrap() ^ b.unwrap(), "exactly one starts the block");
    app.state.wf().flush().await.unwrap();
    let blocks = app
        .log_kinds()
        .await
        .into_iter()
        .filter(|(k, _, _)| k == "auth.address_blocked")
        .count();
    assert_eq!(blocks, 1);
}

/// A TOTP secret as it was stored before encryption at rest: in plain text, through the same
/// store update an enrolment made then. Returns the secret.
async fn plain_text_totp_secret(app: &App, email: &str) -> String {
    use store::AccountStore;
    let store = app.state.wf().store();
    let user = store.user_by_email(email).await.unwrap().unwrap();
    let secret = accounts::totp::new_secret().unwrap();
    store
        .update_user(
            user.id,
            &store::UserUpdate::TotpEnrolled {
                secret: secret.clone(),
                step: 0,
            },
            &[],
        )
        .await
        .unwrap();
    secret
}

/// The TOTP secret of `email` as stored.
async fn stored_totp_secret(app: &App, email: &str) -> (i64, String) {
    use store::AccountStore;
    let user = app
        .state
        .wf()
        .store()
        .user_by_email(email)
        .await
        .unwrap()
        .unwrap();
    (user.id, user.totp_secret.unwrap())
}

/// Logs in with password and the current TOTP code; returns the final status.
async fn totp_login(app: &App, email: &str, secret: &str) -> StatusCode {
    app.advance(30_000);
    let (r, cookie) = app.password_step(email, PASSWORD).await;
    assert_eq!(r.headers[axum::http::header::LOCATION], "/login/totp");
    let csrf = csrf_of(&app.get("/login/totp", &cookie).await.body);
    let code = accounts::totp::code_at(secret, (app.now_ms() / 1000) as u64).unwrap();
    let r = app
        .post("/login/totp", &cookie, &[("csrf", &csrf), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    app.get("/admin", &cookie).await.status
}

#[tokio::test]
async fn totp_secrets_stored_in_plain_text_are_encrypted_at_login_and_at_start() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    app.user("other@example.gov", Role::StateAdmin).await;
    let admin = plain_text_totp_secret(&app, "admin@example.gov").await;
    let other = plain_text_totp_secret(&app, "other@example.gov").await;
    let key = accounts::field_key::FieldKey::load_or_create(&app.dir).unwrap();
    let encrypted = |(id, stored): (i64, String), plain: &str| {
        assert!(
            accounts::field_key::FieldKey::is_sealed(&stored) && !stored.contains(plain),
            "{stored}"
        );
        let aad = accounts::field_key::user_totp_aad(id);
        assert_eq!(key.open(&aad, &stored).unwrap(), plain);
        stored
    };

    // A login with the old secret works and encrypts it.
    assert_eq!(
        totp_login(&app, "admin@example.gov", &admin).await,
        StatusCode::OK
    );
    let admin_sealed = encrypted(stored_totp_secret(&app, "admin@example.gov").await, &admin);
    assert_eq!(stored_totp_secret(&app, "other@example.gov").await.1, other);

    // The server's start encrypts the rest.
    let app = app.reopen().await;
    let other_sealed = encrypted(stored_totp_secret(&app, "other@example.gov").await, &other);
    assert_eq!(
        stored_totp_secret(&app, "admin@example.gov").await.1,
        admin_sealed,
        "an encrypted secret is left alone"
    );
    for (email, secret) in [("admin@example.gov", &admin), ("other@example.gov", &other)] {
        assert_eq!(
            totp_login(&app, email, secret).await,
            StatusCode::OK,
            "{email}"
        );
    }

    // Another start changes nothing.
    let app = app.reopen().await;
    assert_eq!(
        stored_totp_secret(&app, "admin@example.gov").await.1,
        admin_sealed
    );
    assert_eq!(
        stored_totp_secret(&app, "other@example.gov").await.1,
        other_sealed
    );
    let log = app.log_kinds().await;
    let entries: Vec<_> = log
        .iter()
        .filter(|(k, _, _)| k == "auth.totp_secret_encrypted")
        .map(|(_, actor, body)| {
            let body: serde_json::Value = serde_json::from_str(body).unwrap();
            (actor.as_str(), body["user"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(
        entries,
        [
            ("user:admin@example.gov", "admin@example.gov".to_string()),
            (web::state::STARTUP_ACTOR, "other@example.gov".to_string()),
        ]
    );
    assert!(
        log.iter()
            .all(|(_, _, body)| !body.contains(&admin) && !body.contains(&other))
    );
}

/// An audit in round one with two audit boards in Adams.
pub(super) async fn audit_with_two_boards(app: &App) {
    let wf = app.state.wf();
    let actor = "test";
    wf.create_audit(
        actor,
        &AuditSpec {
            name: "A".into(),
            audit_type: AuditType::BallotComparison,
            math: Math::KaplanMarkov,
            risk_limit: "10%".into(),
            seed: SeedInput::Sealed {
                seed: "27182818284590452353".into(),
                salt: "00".repeat(16),
            },
        },
    )
    .await
    .unwrap();
    wf.add_jurisdiction(actor, "A", "Adams").await.unwrap();
    let (manifest, cvrs) = crate::whole_audit::files(21, 400);
    for (kind, bytes) in [(UploadKind::Manifest, &manifest), (UploadKind::Cvrs, &cvrs)] {
        let r = wf
            .upload(
                actor,
                "A",
                "Adams",
                &Upload::new(kind, &[NamedFile::new("f.csv", bytes)]),
            )
            .await
            .unwrap();
        assert!(r.accepted);
    }
    wf.add_contest(
        actor,
        "A",
        &ContestSpec {
            name: "Contest 1".into(),
            targeted: true,
            ..ContestSpec::default()
        },
    )
    .await
    .unwrap();
    wf.reveal_seed(actor, "A", None).await.unwrap();
    wf.start_round(actor, "A", &[]).await.unwrap();
    wf.set_audit_boards(actor, "A", "Adams", &["Board 1".into(), "Board 2".into()])
        .await
        .unwrap();
}

/// A new passphrase for a board, and a session logged in with it (members entered).
async fn board_session(app: &App, board: &str) -> (String, String, String) {
    let issued = app
        .state
        .accounts()
        .issue_board_credential(
            "test",
            &BoardLogin {
                audit: "A".into(),
                jurisdiction: "Adams".into(),
                board: board.into(),
                round: 1,
                members: None,
            },
            CredentialKind::Passphrase,
            app.now_ms(),
        )
        .await
        .unwrap();
    let (pre, token) = app.pre().await;
    let r = app
        .post(
            "/board/login",
            &pre,
            &[("csrf", &token), ("passphrase", &issued.secret)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let cookie = format!("{pre}; {}", session_cookie(&r));
    let csrf = csrf_of(&app.get("/board", &cookie).await.body);
    let r = app
        .post(
            "/board/members",
            &cookie,
            &[("csrf", &csrf), ("member1", "Ana"), ("member2", "Ben")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    (cookie, csrf, issued.secret)
}

#[tokio::test]
async fn audit_boards_reach_only_their_own_ballots_and_no_administrator_page() {
    let app = App::new().await;
    audit_with_two_boards(&app).await;
    let (one, one_csrf, old_passphrase) = board_session(&app, "Board 1").await;
    let (two, _, _) = board_session(&app, "Board 2").await;
    let record = app.state.wf().record("A").await.unwrap();
    let count = |board: &str| {
        record
            .ballots
            .iter()
            .filter(|b| b.audit_board.as_deref() == Some(board))
            .count()
    };
    let (n1, n2) = (count("Board 1"), count("Board 2"));
    assert!(n1 > 0 && n2 > 0);

    // Every GET route: a board reaches the public pages and its own, nothing else.
    for route in ROUTES.iter().filter(|r| r.method == "get") {
        let path = route
            .path
            .replace("{audit}", "A")
            .replace("{jurisdiction}", "Adams")
            .replace("{report}", "audit-report.csv")
            .replace("{file}", "app.css")
            .replace("{token}", "x")
            .replace("{n}", "1");
        let r = app.get(&path, &one).await;
        let allowed = matches!(route.access, Access::Anyone | Access::Board);
        assert_eq!(
            !refused(r.status),
            allowed,
            "board GET {path}: {}",
            r.status
        );
    }
    // Administrators' and the county's forms refuse a board.
    for (path, form) in [
        ("/admin/audits/A/rounds/end", vec![]),
        (
            "/admin/users",
            vec![
                ("email", "x@y.gov"),
                ("role", "state_admin"),
                ("password", PASSWORD),
            ],
        ),
        ("/jurisdiction/A/Adams/boards", vec![("names", "Board 9")]),
        (
            "/jurisdiction/A/Adams/credentials",
            vec![("board", "Board 2"), ("kind", "passphrase")],
        ),
    ] {
        let mut fields = vec![("csrf", one_csrf.as_str())];
        fields.extend(form);
        let r = app.post(path, &one, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "board POST {path}");
    }

    // Board 1's list is its own: it enters all of it, and past its end finds nothing — Board
    // 2's ballots stay untouched.
    for n in 1..=n1 {
        let r = app
            .post(
                &format!("/board/ballots/{n}"),
                &one,
                &[("csrf", &one_csrf), ("action", "not_found")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    for n in [n1 + 1, n1 + n2] {
        let r = app
            .post(
                &format!("/board/ballots/{n}"),
                &one,
                &[("csrf", &one_csrf), ("action", "not_found")],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "ballot {n}");
        assert_eq!(
            app.get(&format!("/board/ballots/{n}"), &one).await.status,
            StatusCode::NOT_FOUND
        );
    }
    let after = app.state.wf().record("A").await.unwrap();
    for b in &after.ballots {
        let expected = if b.audit_board.as_deref() == Some("Board 1") {
            "not_found"
        } else {
            "not_audited"
        };
        assert_eq!(b.status, expected, "{b:?}");
    }
    let two_home = app.get("/board", &two).await;
    assert!(
        two_home.body.contains(&format!("(0 of {n2} entered)")),
        "{}",
        two_home.body
    );

    // A new passphrase for Board 1 ends the sessions opened with the old one, and the old one
    // no longer logs in; Board 2 is unaffected.
    let (_new_one, _, _) = board_session(&app, "Board 1").await;
    assert_eq!(
        app.get("/board", &one).await.status,
        StatusCode::UNAUTHORIZED
    );
    let (pre, token) = app.pre().await;
    let r = app
        .post(
            "/board/login",
            &pre,
            &[("csrf", &token), ("passphrase", &old_passphrase)],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.get("/board", &two).await.status, StatusCode::OK);
}

#[tokio::test]
async fn the_upload_script_writes_no_markup_and_keeps_the_no_script_form() {
    let app = App::new().await;
    let js = app.get("/static/upload.js", "").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(!js.body.contains("document.write") && !js.body.contains("innerHTML"));
    assert!(js.body.contains("replaceChild") && js.body.contains("form.submit()"));
    // The form itself posts multipart to the upload route (works without the script).
    app.user(
        "adams@example.gov",
        Role::JurisdictionAdmin {
            audit: "A".into(),
            jurisdiction: "Adams".into(),
        },
    )
    .await;
    let wf = app.state.wf();
    wf.create_audit(
        "test",
        &AuditSpec {
            name: "A".into(),
            audit_type: AuditType::BallotComparison,
            math: Math::KaplanMarkov,
            risk_limit: "10%".into(),
            seed: SeedInput::Sealed {
                seed: "1".into(),
                salt: "00".repeat(16),
            },
        },
    )
    .await
    .unwrap();
    wf.add_jurisdiction("test", "A", "Adams").await.unwrap();
    let (cookie, _, _) = app.login("adams@example.gov").await;
    let page = app.get("/jurisdiction/A/Adams", &cookie).await;
    let form = between(
        &page.body,
        "<form method=\"post\" action=\"/jurisdiction/A/Adams/uploads\"",
        ">",
    );
    assert!(form.contains("enctype=\"multipart/form-data\"") && form.contains("data-progress"));
}

#[tokio::test]
async fn totp_secrets_are_encrypted_at_rest_under_a_private_key_file() {
    use store::AccountStore;
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    let (r, pre_cookie) = app.password_step("admin@example.gov", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // While enrolling: the offered secret is sealed in the session row.
    let page = app.get("/login/enrol", &pre_cookie).await;
    let offered = between(&page.body, "<code id=\"totp-secret\">", "</code>");
    let token = pre_cookie.split("bp_session=").nth(1).unwrap();
    let store = app.state.wf().store();
    let session = store
        .session(&accounts::secret::sha256(token))
        .await
        .unwrap()
        .unwrap();
    let pending = session.pending_totp.unwrap();
    assert!(pending.starts_with("enc1:") && !pending.contains(&offered));
    // Enrolled: the users row holds only the sealed secret, and logins still work.
    let (_, _, secret) = app.login("admin@example.gov").await;
    let user = store
        .user_by_email("admin@example.gov")
        .await
        .unwrap()
        .unwrap();
    let stored = user.totp_secret.unwrap();
    assert!(
        stored.starts_with("enc1:") && !stored.contains(&secret),
        "{stored}"
    );
    let key = app.state.data_dir().join(accounts::field_key::FILE);
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
}
