//! HTTP-level tests of the web application over the real router on a temporary data directory:
//! login with password and TOTP (enrolment, step reuse refused), lockout, CSRF on every
//! state-changing route, authorization by role, security headers, and the election log.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod progress;
mod security;
mod whole_audit;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use accounts::password::HashCost;
use accounts::{Accounts, Role};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use tower::ServiceExt;
use web::AppState;
use web::routes::{Access, ROUTES, router};

const HOST: &str = "127.0.0.1:8080";
const ORIGIN: &str = "http://127.0.0.1:8080";
const PASSWORD: &str = "correct horse battery";

struct App {
    state: AppState,
    now: Arc<AtomicI64>,
    /// The data directory (reopened by [`App::reopen`]).
    dir: std::path::PathBuf,
}

struct Response {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
}

impl App {
    async fn new() -> App {
        let dir = std::env::temp_dir().join(format!(
            "bp-web-test-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        App::open(dir, Arc::new(AtomicI64::new(1_800_000_000_000))).await
    }

    /// Creates the ballot-comparison audit "A" (5 % risk limit, a sealed seed) as the state
    /// administrator whose session this is; fails the test unless it was created.
    async fn create_audit_a(&self, admin: &str, csrf: &str) {
        let r = self
            .post(
                "/admin/audits",
                admin,
                &[
                    ("csrf", csrf),
                    ("name", "A"),
                    ("audit_type", "ballot_comparison"),
                    ("risk_limit", "5%"),
                    ("seed", "12345678901234567890"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    /// A restart: the state is dropped (closing the database and releasing the election log)
    /// and a new one opened on the same data directory, at the same time.
    async fn reopen(self) -> App {
        let App { state, now, dir } = self;
        drop(state);
        App::open(dir, now).await
    }

    async fn open(dir: std::path::PathBuf, now: Arc<AtomicI64>) -> App {
        let n = now.clone();
        let clock: audit::Clock =
            Arc::new(move || UNIX_EPOCH + Duration::from_millis(n.load(Ordering::SeqCst) as u64));
        let state = AppState::open(
            &dir,
            web::state::Settings {
                clock,
                cost: HashCost::TestsOnly,
                ..web::state::Settings::default()
            },
        )
        .await
        .unwrap();
        App { state, now, dir }
    }

    fn now_ms(&self) -> i64 {
        self.now.load(Ordering::SeqCst)
    }

    fn advance(&self, ms: i64) {
        self.now.fetch_add(ms, Ordering::SeqCst);
    }

    async fn user(&self, email: &str, role: Role) {
        Accounts::new(self.state.wf().store(), HashCost::TestsOnly)
            .create_user("test", email, PASSWORD, &[role], self.now_ms())
            .await
            .unwrap();
        self.state.wf().flush().await.unwrap();
    }

    async fn send(&self, req: Request<Body>) -> Response {
        let r = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = r.status();
        let headers = r.headers().clone();
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        Response {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, cookie: &str) -> Response {
        self.send(
            Request::get(path)
                .header(header::HOST, HOST)
                .header(header::COOKIE, cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// A GET as htmx sends it (`HX-Request: true`), for the fragments it loads into pages.
    async fn get_htmx(&self, path: &str, cookie: &str) -> Response {
        self.send(
            Request::get(path)
                .header(header::HOST, HOST)
                .header(header::COOKIE, cookie)
                .header("hx-request", "true")
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> Response {
        self.post_with(path, cookie, form, Some(ORIGIN), Some("same-origin"))
            .await
    }

    async fn post_with(
        &self,
        path: &str,
        cookie: &str,
        form: &[(&str, &str)],
        origin: Option<&str>,
        site: Option<&str>,
    ) -> Response {
        let body: String = form
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect::<Vec<_>>()
            .join("&");
        let mut r = Request::post(path)
            .header(header::HOST, HOST)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            r = r.header("sec-fetch-site", s);
        }
        self.send(r.body(Body::from(body)).unwrap()).await
    }

    /// A pre-login CSRF cookie and token.
    async fn pre(&self) -> (String, String) {
        let r = self.get("/login", "").await;
        let set = r.headers[header::SET_COOKIE].to_str().unwrap();
        let token = set
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string();
        (format!("bp_csrf={token}"), token)
    }

    /// Logs in with password and TOTP (enrolling on first login); returns (cookie, csrf, secret).
    async fn login(&self, email: &str) -> (String, String, String) {
        let (cookie, csrf, secret, _) = self.login_with_codes(email).await;
        (cookie, csrf, secret)
    }

    /// [`App::login`], also returning the recovery codes shown after enrolment.
    async fn login_with_codes(&self, email: &str) -> (String, String, String, Vec<String>) {
        let (pre, token) = self.pre().await;
        let r = self
            .post(
                "/login",
                &pre,
                &[("csrf", &token), ("email", email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let session = session_cookie(&r);
        let cookie = format!("{pre}; {session}");
        assert_eq!(r.headers[header::LOCATION], "/login/enrol");
        let page = self.get("/login/enrol", &cookie).await;
        let secret = between(&page.body, "<code id=\"totp-secret\">", "</code>");
        let csrf = csrf_of(&page.body);
        let code = accounts::totp::code_at(&secret, (self.now_ms() / 1000) as u64).unwrap();
        let r = self
            .post("/login/enrol", &cookie, &[("csrf", &csrf), ("code", &code)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let codes: Vec<String> = between(
            &r.body,
            "<ul id=\"recovery-codes\" class=\"codes\">",
            "</ul>",
        )
        .split("<code>")
        .skip(1)
        .map(|c| c.split("</code>").next().unwrap().to_string())
        .collect();
        assert_eq!(codes.len(), accounts::service::RECOVERY_CODES);
        let home = self.get("/", &cookie).await;
        let csrf = csrf_of(&self.get("/public", &cookie).await.body);
        assert_eq!(home.status, StatusCode::SEE_OTHER);
        (cookie, csrf, secret, codes)
    }

    /// Password step only: returns the pending session's cookie (with the pre-login cookie).
    async fn password_step(&self, email: &str, password: &str) -> (Response, String) {
        let (pre, token) = self.pre().await;
        let r = self
            .post(
                "/login",
                &pre,
                &[("csrf", &token), ("email", email), ("password", password)],
            )
            .await;
        let has_session = r
            .headers
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("bp_session="));
        let cookie = if has_session {
            format!("{pre}; {}", session_cookie(&r))
        } else {
            pre
        };
        (r, cookie)
    }

    async fn log_kinds(&self) -> Vec<(String, String, String)> {
        self.state
            .wf()
            .with_ledger(|l| {
                l.entries()
                    .iter()
                    .filter_map(|b| ledger::Entry::parse(b).ok())
                    .map(|e| {
                        (
                            e.kind.clone(),
                            e.actor.clone(),
                            serde_json::Value::Object(e.body.clone()).to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap()
    }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn session_cookie(r: &Response) -> String {
    r.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap())
        .find(|v| v.starts_with("bp_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

fn between(text: &str, start: &str, end: &str) -> String {
    let i = text.find(start).expect(start) + start.len();
    let j = text[i..].find(end).unwrap() + i;
    text[i..j].to_string()
}

fn csrf_of(body: &str) -> String {
    between(body, "name=\"csrf\" value=\"", "\"")
}

#[tokio::test]
async fn login_with_totp_then_reuse_of_a_step_and_wrong_codes_are_refused() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    let (cookie, _, secret) = app.login("admin@example.gov").await;
    assert_eq!(app.get("/admin", &cookie).await.status, StatusCode::OK);

    // Second login within the same 30-second step: the code was used at enrolment.
    let (pre, token) = app.pre().await;
    let r = app
        .post(
            "/login",
            &pre,
            &[
                ("csrf", &token),
                ("email", "admin@example.gov"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.headers[header::LOCATION], "/login/totp");
    let c2 = format!("{pre}; {}", session_cookie(&r));
    let csrf2 = csrf_of(&app.get("/login/totp", &c2).await.body);
    let code = accounts::totp::code_at(&secret, (app.now_ms() / 1000) as u64).unwrap();
    let r = app
        .post("/login/totp", &c2, &[("csrf", &csrf2), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "replayed step refused");
    assert_eq!(
        app.get("/admin", &c2).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The next step's code works once.
    app.advance(30_000);
    let code = accounts::totp::code_at(&secret, (app.now_ms() / 1000) as u64).unwrap();
    let r = app
        .post("/login/totp", &c2, &[("csrf", &csrf2), ("code", &code)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.get("/admin", &c2).await.status, StatusCode::OK);

    // Idle expiry: 30 minutes without a request.
    app.advance(31 * 60_000);
    assert_eq!(
        app.get("/admin", &c2).await.status,
        StatusCode::UNAUTHORIZED
    );

    let kinds: Vec<String> = app.log_kinds().await.into_iter().map(|k| k.0).collect();
    assert!(kinds.contains(&"auth.login".to_string()));
    assert!(kinds.contains(&"auth.mfa_enrolled".to_string()));
    assert!(kinds.contains(&"auth.login_failed".to_string()));
}

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_are_logged_without_the_password() {
    let app = App::new().await;
    app.user("county@example.gov", Role::Support).await;
    let (pre, token) = app.pre().await;
    for _ in 0..5 {
        let r = app
            .post(
                "/login",
                &pre,
                &[
                    ("csrf", &token),
                    ("email", "county@example.gov"),
                    ("password", "guess-guess-guess"),
                ],
            )
            .await;
        assert!(matches!(
            r.status,
            StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
        ));
    }
    // Locked even with the right password.
    let r = app
        .post(
            "/login",
            &pre,
            &[
                ("csrf", &token),
                ("email", "county@example.gov"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    let log = app.log_kinds().await;
    assert!(log.iter().any(|(k, _, _)| k == "auth.lockout"));
    assert_eq!(
        log.iter()
            .filter(|(k, _, _)| k == "auth.login_failed")
            .count(),
        6
    );
    assert!(
        log.iter()
            .all(|(_, _, body)| !body.contains("guess-guess") && !body.contains(PASSWORD))
    );
    // After 15 minutes the right password works.
    app.advance(16 * 60_000);
    let r = app
        .post(
            "/login",
            &pre,
            &[
                ("csrf", &token),
                ("email", "county@example.gov"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn every_state_changing_route_refuses_missing_wrong_and_cross_site_csrf() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    let (cookie, csrf, _) = app.login("admin@example.gov").await;
    let posts: Vec<_> = ROUTES.iter().filter(|r| r.method != "get").collect();
    assert!(posts.len() >= 20, "every POST route is listed");
    for route in posts {
        let path = route
            .path
            .replace("{audit}", "A")
            .replace("{jurisdiction}", "J")
            .replace("{token}", "t")
            .replace("{n}", "1");
        let cases = [
            (vec![], Some(ORIGIN), Some("same-origin"), "no token"),
            (
                vec![("csrf", "0".repeat(64))],
                Some(ORIGIN),
                Some("same-origin"),
                "wrong token",
            ),
            (
                vec![("csrf", csrf.clone())],
                Some("https://evil.example"),
                Some("cross-site"),
                "cross-site",
            ),
            (
                vec![("csrf", csrf.clone())],
                Some("https://evil.example"),
                None,
                "other origin",
            ),
            (vec![("csrf", csrf.clone())], None, None, "no origin"),
        ];
        for (form, origin, site, what) in cases {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = app.post_with(&path, &cookie, &form, origin, site).await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{} {path}: {what}",
                route.method
            );
            assert!(r.body.contains("Form refused"), "{path}: {what}");
        }
    }
}

#[tokio::test]
async fn routes_refuse_the_wrong_roles_and_other_jurisdictions() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    app.user(
        "adams@example.gov",
        Role::JurisdictionAdmin {
            audit: "A".into(),
            jurisdiction: "Adams".into(),
        },
    )
    .await;
    app.user("support@example.gov", Role::Support).await;
    let (admin, admin_csrf, _) = app.login("admin@example.gov").await;
    let (adams, adams_csrf, _) = app.login("adams@example.gov").await;
    let (support, support_csrf, _) = app.login("support@example.gov").await;
    // An audit with two jurisdictions, so the pages exist.
    app.create_audit_a(&admin, &admin_csrf).await;
    for j in ["Adams", "Baker"] {
        let r = app
            .post(
                "/admin/audits/A/jurisdictions",
                &admin,
                &[("csrf", &admin_csrf), ("name", j)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }
    let users = [
        ("admin", &admin, &admin_csrf),
        ("adams", &adams, &adams_csrf),
        ("support", &support, &support_csrf),
        ("public", &String::new(), &String::new()),
    ];
    for route in ROUTES.iter().filter(|r| r.method == "get") {
        for jurisdiction in ["Adams", "Baker"] {
            let path = route
                .path
                .replace("{audit}", "A")
                .replace("{jurisdiction}", jurisdiction)
                .replace("{report}", "audit-report.csv")
                .replace("{file}", "app.css")
                .replace("{token}", "x")
                .replace("{n}", "1");
            for (who, cookie, _) in users {
                let r = app.get(&path, cookie).await;
                let allowed = match route.access {
                    Access::Anyone => true,
                    Access::Pending => false,
                    Access::Member => who != "public",
                    Access::StateAdmin | Access::UserAdmin => who == "admin",
                    Access::Support => who == "support",
                    Access::Jurisdiction => {
                        who == "admin"
                            || who == "support"
                            || (who == "adams" && jurisdiction == "Adams")
                    }
                    Access::Board => false,
                };
                let refused = matches!(r.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN);
                assert_eq!(
                    !refused,
                    allowed,
                    "{who} GET {path}: {} {}",
                    r.status,
                    &r.body[..r.body.len().min(300)]
                );
            }
        }
    }
    // Writes: Adams's administrator cannot upload for Baker; the state administrator cannot either.
    for (cookie, csrf) in [
        (&adams, &adams_csrf),
        (&admin, &admin_csrf),
        (&support, &support_csrf),
    ] {
        let r = app
            .post(
                "/jurisdiction/A/Baker/boards",
                cookie,
                &[("csrf", csrf), ("names", "Board 1")],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = app
        .post(
            "/admin/audits",
            &adams,
            &[
                ("csrf", &adams_csrf),
                ("name", "B"),
                ("audit_type", "ballot_comparison"),
                ("risk_limit", "5%"),
                ("seed", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .post(
            "/admin/users",
            &support,
            &[
                ("csrf", &support_csrf),
                ("email", "x@y.gov"),
                ("role", "state_admin"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Changes are logged with the user.
    let log = app.log_kinds().await;
    assert!(
        log.iter()
            .any(|(k, a, _)| k == "audit.jurisdiction_added" && a == "user:admin@example.gov")
    );
}

#[tokio::test]
async fn security_headers_with_a_fresh_nonce_per_response() {
    let app = App::new().await;
    let a = app.get("/login", "").await;
    let b = app.get("/public", "").await;
    let csp = |r: &Response| {
        r.headers["content-security-policy"]
            .to_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(csp(&a), csp(&b));
    for r in [&a, &b] {
        let policy = csp(r);
        assert!(
            policy.contains("default-src 'self'")
                && policy.contains("frame-ancestors 'none'")
                && policy.contains("base-uri 'none'")
                && policy.contains("form-action 'self'")
        );
        assert!(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"));
        let nonce = between(&policy, "'nonce-", "'");
        assert!(r.body.contains(&format!("nonce=\"{nonce}\"")));
        assert!(!r.body.contains("<script>") && !r.body.contains("style="));
        assert_eq!(r.headers["x-content-type-options"], "nosniff");
        assert_eq!(r.headers["referrer-policy"], "same-origin");
        assert!(r.headers.contains_key("permissions-policy"));
    }
    let set = a.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Strict"));
    // Unknown pages say what to do, with the same headers.
    let r = app.get("/nope", "").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Back to the start page"));
    assert!(r.headers.contains_key("content-security-policy"));
}

/// A page's HTML with its per-response values (CSP nonce, CSRF token) replaced, for snapshots.
fn stable(r: &Response) -> String {
    let policy = r.headers["content-security-policy"].to_str().unwrap();
    let nonce = between(policy, "'nonce-", "'");
    let mut body = r.body.replace(&nonce, "[nonce]");
    if body.contains("name=\"csrf\" value=\"") {
        body = body.replace(&csrf_of(&body), "[csrf]");
    }
    body
}

#[tokio::test]
async fn the_login_pages_html_is_stable() {
    let app = App::new().await;
    let login = app.get("/login", "").await;
    insta::assert_snapshot!("login_page", stable(&login));
    let board = app.get("/board/login", "").await;
    insta::assert_snapshot!("board_login_page", stable(&board));
}
