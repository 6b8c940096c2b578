//! Load benchmark of the web application on loopback: `ballotproof serve` (the release binary
//! `cargo bench` builds) on a prepared ballot-comparison audit in round one, 100 users logged in
//! at once — 20 state administrators through password and TOTP enrolment, 80 audit-board
//! sessions through the printed passphrases of 2 boards — then a fixed number of requests:
//! the main pages, then ballot entry (page, Review, Submit) while administrators keep reading.
//! Fails if a ballot entry is not recorded. Prints p50/p95/p99 latency and
//! throughput per kind of request (docs/PERFORMANCE.md, "Web application").
//!
//! `cargo bench -p ballotproof --bench web_load`; `WEB_LOAD_REQUESTS=N` changes the number of
//! page requests (default 4000; ballot-entry rounds are half that), and `WEB_LOAD_DRAWS=N` draws N
//! ballots in round one instead of the estimate (32) — a larger audit record for every page to
//! show. Bounded: every phase stops after 60 s whatever it has done.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../tests/browser/server.rs"]
#[allow(dead_code)]
mod server;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use server::{Authenticator, PASSWORD, Server, TempDir, add_user, cli, create_comparison_audit};

const AUDIT: &str = "Load";
const COUNTY: &str = "Adams";
const ADMINS: usize = 20;
/// Few boards, so that each has more ballots than its sessions enter (below): a submitted
/// ballot then always leads on to a next one, and a redirect to the board's page is a failure.
const BOARDS: usize = 2;
const SESSIONS_PER_BOARD: usize = 40;
/// Each board session enters ballots 1 to this of its board's list, over and over.
const BALLOTS_PER_SESSION: usize = 3;
const PHASE_LIMIT: Duration = Duration::from_secs(60);

type Http = Client<HttpConnector, Full<Bytes>>;

/// One logged-in user: a cookie jar of one session, and the CSRF token its pages carry.
#[derive(Clone, Default)]
struct User {
    cookies: BTreeMap<String, String>,
    csrf: String,
}

struct Answer {
    status: u16,
    location: String,
    body: String,
}

/// The value of `<… id="ID">VALUE<` or `name="csrf" value="VALUE"` in a page.
fn between<'a>(page: &'a str, before: &str, after: &str) -> Option<&'a str> {
    let start = page.find(before)? + before.len();
    let len = page[start..].find(after)?;
    Some(&page[start..start + len])
}

impl User {
    async fn send(
        &mut self,
        http: &Http,
        app: &str,
        method: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> anyhow::Result<Answer> {
        let mut request = hyper::Request::builder()
            .method(method)
            .uri(format!("{app}{path}"));
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        if !cookie.is_empty() {
            request = request.header("cookie", cookie.join("; "));
        }
        let body = if method == "POST" {
            request = request
                .header("origin", app)
                .header("content-type", "application/x-www-form-urlencoded");
            let mut fields = vec![format!("csrf={}", self.csrf)];
            fields.extend(
                form.iter()
                    .map(|(k, v)| format!("{}={}", encode(k), encode(v))),
            );
            fields.join("&")
        } else {
            String::new()
        };
        let response = http
            .request(request.body(Full::new(Bytes::from(body)))?)
            .await?;
        let status = response.status().as_u16();
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap_or_default();
            if let Some((k, v)) = set.split(';').next().and_then(|kv| kv.split_once('=')) {
                if set.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_string(), v.to_string());
                }
            }
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body =
            String::from_utf8_lossy(&response.into_body().collect().await?.to_bytes()).into_owned();
        if let Some(token) = between(&body, "name=\"csrf\" value=\"", "\"") {
            self.csrf = token.to_string();
        }
        Ok(Answer {
            status,
            location,
            body,
        })
    }

    /// Password, then TOTP enrolment (the first login of a fresh account).
    async fn admin_login(http: &Http, app: &str, email: &str) -> anyhow::Result<User> {
        let mut u = User::default();
        u.send(http, app, "GET", "/login", &[]).await?;
        let a = u
            .send(
                http,
                app,
                "POST",
                "/login",
                &[("email", email), ("password", PASSWORD)],
            )
            .await?;
        ensure!(
            a.location == "/login/enrol",
            "login of {email}: {} {}",
            a.status,
            a.location
        );
        let page = u.send(http, app, "GET", "/login/enrol", &[]).await?;
        let secret = between(&page.body, "id=\"totp-secret\">", "<").context("no TOTP secret")?;
        let code = Authenticator::new(secret)?.code();
        let a = u
            .send(http, app, "POST", "/login/enrol", &[("code", &code)])
            .await?;
        ensure!(a.status == 200, "enrolment of {email}: {}", a.status);
        Ok(u)
    }

    async fn board_login(
        http: &Http,
        app: &str,
        passphrase: &str,
        n: usize,
    ) -> anyhow::Result<User> {
        let mut u = User::default();
        u.send(http, app, "GET", "/board/login", &[]).await?;
        let a = u
            .send(
                http,
                app,
                "POST",
                "/board/login",
                &[("passphrase", passphrase)],
            )
            .await?;
        ensure!(
            a.location == "/board",
            "board login: {} {}",
            a.status,
            a.location
        );
        // Login starts a new session with its own CSRF token; the token of the login page
        // (the `bp_csrf` cookie's) is refused from now on, so read the board page's first.
        u.send(http, app, "GET", "/board", &[]).await?;
        let name = format!("Member {n}");
        let a = u
            .send(
                http,
                app,
                "POST",
                "/board/members",
                &[("member1", &name), ("member2", "Second")],
            )
            .await?;
        ensure!(
            a.status == 303 && a.location == "/board",
            "board members: {} {}",
            a.status,
            a.location
        );
        let page = u.send(http, app, "GET", "/board/ballots/1", &[]).await?;
        ensure!(
            page.status == 200 && page.body.contains("id=\"ballot-form\""),
            "ballot page after entering members: {} {}",
            page.status,
            page.location
        );
        Ok(u)
    }
}

/// The first option of every contest on a ballot page, as the form fields that choose it.
fn first_options(page: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for input in page.split("<input ").skip(1) {
        let (Some(name), Some(value)) = (
            between(input, "name=\"", "\""),
            between(input, "value=\"", "\""),
        ) else {
            continue;
        };
        if name.starts_with("c:") && !out.iter().any(|(k, _)| k == name) {
            out.push((name.to_string(), value.to_string()));
        }
    }
    out
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            b' ' => "+".into(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Latencies of one kind of request.
#[derive(Default)]
struct Samples {
    ms: Vec<f64>,
    errors: usize,
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or(f64::NAN)
}

/// One request's kind, whether it did what it should, and how long it took.
type Timed = (&'static str, bool, Duration);

/// Runs `total` requests from every user at once (each user sends its next request when its
/// last one is answered), at most [`PHASE_LIMIT`]; returns the latencies per kind and the
/// phase's wall time.
async fn phase<F, Fut>(
    users: Vec<User>,
    total: usize,
    request: F,
) -> (BTreeMap<&'static str, Samples>, Duration)
where
    F: Fn(usize, usize, User) -> Fut + Clone + Send + 'static,
    Fut: std::future::Future<Output = (Vec<Timed>, User)> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for (i, user) in users.into_iter().enumerate() {
        let next = next.clone();
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut user = user;
            let mut seen: Vec<Timed> = Vec::new();
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total || start.elapsed() > PHASE_LIMIT {
                    break;
                }
                let (timed, u) = request(i, n, user).await;
                user = u;
                seen.extend(timed);
            }
            seen
        }));
    }
    let mut by_kind: BTreeMap<&'static str, Samples> = BTreeMap::new();
    for t in tasks {
        for (kind, ok, took) in t.await.unwrap_or_default() {
            let s = by_kind.entry(kind).or_default();
            if ok {
                s.ms.push(took.as_secs_f64() * 1000.0);
            } else {
                s.errors += 1;
            }
        }
    }
    (by_kind, start.elapsed())
}

fn report(title: &str, by_kind: &mut BTreeMap<&'static str, Samples>, wall: Duration) {
    let all: usize = by_kind.values().map(|s| s.ms.len() + s.errors).sum();
    println!(
        "\n{title}: {all} requests in {:.1} s = {:.0} requests/s",
        wall.as_secs_f64(),
        all as f64 / wall.as_secs_f64()
    );
    println!("| request | count | errors | p50 ms | p95 ms | p99 ms | max ms |");
    println!("|---|---|---|---|---|---|---|");
    for (kind, s) in by_kind.iter_mut() {
        s.ms.sort_by(f64::total_cmp);
        println!(
            "| {kind} | {} | {} | {:.1} | {:.1} | {:.1} | {:.1} |",
            s.ms.len(),
            s.errors,
            percentile(&s.ms, 0.50),
            percentile(&s.ms, 0.95),
            percentile(&s.ms, 0.99),
            s.ms.last().copied().unwrap_or(f64::NAN)
        );
    }
}

/// The audit: a generated Dominion export of 20,000 cards, one county, a 5 % ballot-comparison
/// audit in round one with its ballots split among the boards.
fn prepare(dir: &std::path::Path) -> anyhow::Result<()> {
    let files = dir.join("files");
    let f = files.display().to_string();
    cli(
        dir,
        &[
            "generate",
            "--format",
            "dominion-csv",
            "--cards",
            "20000",
            "--contests",
            "4",
            "--tabulators",
            "4",
            "--batch-size",
            "250",
            "--out",
            &f,
        ],
        "",
    )?;
    let a = ["audit", "--audit", AUDIT];
    let with =
        |rest: &[&str]| -> Vec<String> { a.iter().chain(rest).map(|s| (*s).to_string()).collect() };
    let run = |args: Vec<String>| -> anyhow::Result<String> {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        cli(dir, &args, "")
    };
    create_comparison_audit(dir, AUDIT)?;
    run(with(&["jurisdiction", "add", COUNTY]))?;
    run(with(&[
        "upload",
        "manifest",
        "--jurisdiction",
        COUNTY,
        &format!("{f}/manifest.csv"),
    ]))?;
    run(with(&[
        "upload",
        "cvrs",
        "--jurisdiction",
        COUNTY,
        &format!("{f}/cvrs.csv"),
    ]))?;
    run(with(&["contest", "add", "Contest 1"]))?;
    run(with(&["reveal-seed"]))?;
    let draws = std::env::var("WEB_LOAD_DRAWS").map(|n| format!("Contest 1={n}"));
    let mut round_start = vec!["round", "start"];
    if let Ok(size) = &draws {
        round_start.extend(["--size", size.as_str()]);
    }
    println!(
        "{}",
        run(with(&round_start))?
            .lines()
            .nth(1)
            .unwrap_or_default()
            .trim()
    );
    let boards: Vec<String> = (1..=BOARDS).map(|b| format!("Board {b}")).collect();
    let mut args = with(&["boards", "--jurisdiction", COUNTY]);
    args.extend(boards);
    run(args)?;
    for i in 0..ADMINS {
        add_user(
            dir,
            &format!("admin{i}@sos.example.gov"),
            &["--role", "state-admin"],
        )?;
    }
    add_user(
        dir,
        "clerk@adams.example.gov",
        &[
            "--role",
            "jurisdiction-admin",
            "--audit",
            AUDIT,
            "--jurisdiction",
            COUNTY,
        ],
    )?;
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(str::to_string)
        })
        .and_then(|l| l.split(':').nth(1).map(|m| m.trim().to_string()))
        .unwrap_or_else(|| "?".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{cores} cores, {cpu}")
}

async fn bench(app: String, requests: usize) -> anyhow::Result<()> {
    let http: Http = Client::builder(TokioExecutor::new()).build_http();
    let audit_path = format!("/admin/audits/{AUDIT}");

    // Passphrases: the county administrator prints one per board.
    let started = Instant::now();
    let mut clerk = User::admin_login(&http, &app, "clerk@adams.example.gov").await?;
    let county = format!("/jurisdiction/{AUDIT}/{COUNTY}");
    let mut passphrases = Vec::new();
    for b in 1..=BOARDS {
        let board = format!("Board {b}");
        let page = clerk
            .send(
                &http,
                &app,
                "POST",
                &format!("{county}/credentials"),
                &[("board", &board), ("kind", "passphrase")],
            )
            .await?;
        let p = between(&page.body, "id=\"board-passphrase\">", "<")
            .with_context(|| format!("no passphrase for {board}: {}", page.status))?;
        passphrases.push(p.to_string());
    }
    // 100 users log in at once.
    let mut logins = Vec::new();
    for i in 0..ADMINS {
        let (http, app) = (http.clone(), app.clone());
        logins.push(tokio::spawn(async move {
            User::admin_login(&http, &app, &format!("admin{i}@sos.example.gov")).await
        }));
    }
    for i in 0..BOARDS * SESSIONS_PER_BOARD {
        let (http, app, p) = (http.clone(), app.clone(), passphrases[i % BOARDS].clone());
        logins.push(tokio::spawn(async move {
            User::board_login(&http, &app, &p, i).await
        }));
    }
    let mut users = Vec::new();
    for l in logins {
        users.push(l.await??);
    }
    println!(
        "{} users logged in at once (20 with password + TOTP enrolment) in {:.1} s",
        users.len(),
        started.elapsed().as_secs_f64()
    );

    // Pages: admins the audit overview and the audit list, boards their list and a ballot,
    // everyone sometimes the public page.
    let (h, a, ap) = (http.clone(), app.clone(), audit_path.clone());
    let (mut kinds, wall) = phase(users.clone(), requests, move |i, n, mut u| {
        let (h, a, ap) = (h.clone(), a.clone(), ap.clone());
        async move {
            let (kind, path) = match (i < ADMINS, n % 4) {
                (_, 3) => (
                    "GET /public/audits/{audit}",
                    format!("/public/audits/{AUDIT}"),
                ),
                (true, 0 | 1) => ("GET /admin/audits/{audit}", ap),
                (true, _) => ("GET /admin", "/admin".to_string()),
                (false, 0 | 1) => ("GET /board", "/board".to_string()),
                (false, _) => (
                    "GET /board/ballots/{n}",
                    format!("/board/ballots/{}", 1 + n % 3),
                ),
            };
            let t = Instant::now();
            let ok = matches!(u.send(&h, &a, "GET", &path, &[]).await, Ok(r) if r.status == 200);
            (vec![(kind, ok, t.elapsed())], u)
        }
    })
    .await;
    report("Pages, 100 concurrent users", &mut kinds, wall);

    // Ballot entry: every board session enters its board's ballots while the administrators
    // keep watching the audit's page.
    let (h, a) = (http.clone(), app.clone());
    let (mut kinds, wall) = phase(users, requests / 2, move |i, n, mut u| {
        let (h, a, ap) = (h.clone(), a.clone(), audit_path.clone());
        async move {
            if i < ADMINS {
                let t = Instant::now();
                let r = u.send(&h, &a, "GET", &ap, &[]).await;
                let ok = matches!(r, Ok(r) if r.status == 200);
                return (vec![("GET /admin/audits/{audit}", ok, t.elapsed())], u);
            }
            // As the board screen does: the ballot's page, Review (the page with the summary),
            // then Submit. Every contest of the county needs a reading: the first option of each.
            let path = format!("/board/ballots/{}", 1 + n % BALLOTS_PER_SESSION);
            let mut timed = Vec::new();
            let t = Instant::now();
            let page = u.send(&h, &a, "GET", &path, &[]).await;
            let fields = match &page {
                Ok(p) if p.status == 200 => first_options(&p.body),
                _ => Vec::new(),
            };
            timed.push(("GET /board/ballots/{n}", !fields.is_empty(), t.elapsed()));
            if fields.is_empty() {
                return (timed, u);
            }
            let form = |action| {
                let mut f: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                f.push(("action", action));
                f
            };
            let t = Instant::now();
            let r = u.send(&h, &a, "POST", &path, &form("review")).await;
            let reviewed =
                matches!(&r, Ok(r) if r.status == 200 && r.body.contains("id=\"review\""));
            timed.push(("POST /board/ballots/{n} (review)", reviewed, t.elapsed()));
            if !reviewed {
                return (timed, u);
            }
            let t = Instant::now();
            let r = u.send(&h, &a, "POST", &path, &form("submit")).await;
            // Recorded: on to the board's next ballot. A redirect to the board's home page
            // would mean the entry was refused (no members) or the list ran out.
            let ok =
                matches!(&r, Ok(r) if r.status == 303 && r.location.starts_with("/board/ballots/"));
            if !ok && let Ok(r) = &r {
                eprintln!("submit of {path}: {} {}", r.status, r.location);
            }
            timed.push(("POST /board/ballots/{n} (submit)", ok, t.elapsed()));
            (timed, u)
        }
    })
    .await;
    report(
        "Ballot entry, 100 concurrent users (80 audit-board sessions entering, 20 administrators)",
        &mut kinds,
        wall,
    );
    let submits = kinds
        .get("POST /board/ballots/{n} (submit)")
        .map_or(0, |s| s.ms.len());
    let failed: usize = kinds.values().map(|s| s.errors).sum();
    ensure!(
        submits > 0 && failed == 0,
        "ballot entry: {submits} ballots recorded, {failed} requests failed"
    );
    Ok(())
}

fn main() -> anyhow::Result<()> {
    if std::env::args().any(|a| a == "--list") || !std::env::args().any(|a| a == "--bench") {
        // `cargo test --benches` runs benches as tests; this one is only a benchmark.
        return Ok(());
    }
    let requests = std::env::var("WEB_LOAD_REQUESTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(4000);
    let data = TempDir::new("web-load")?;
    let t = Instant::now();
    prepare(&data.0)?;
    println!(
        "Machine: {}; audit prepared in {:.1} s",
        machine(),
        t.elapsed().as_secs_f64()
    );
    let server = Server::start(&data.0)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let result = rt.block_on(bench(server.url.clone(), requests));
    drop(server);
    if let Err(e) = &result {
        bail!("{e:#}");
    }
    logged_once(&data.0)
}

/// Every change the server made under load is in the election log exactly once (concurrent
/// flushes once appended the same entries several times).
fn logged_once(data: &std::path::Path) -> anyhow::Result<()> {
    let log = ledger::Ledger::open(&data.join("ledger"), None)?;
    let mut seen = std::collections::HashSet::new();
    let mut twice = 0;
    for bytes in log.entries() {
        let entry = ledger::Entry::parse(bytes)?;
        let db = entry
            .body
            .get("db")
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let outbox = entry.body.get("outbox").and_then(serde_json::Value::as_i64);
        if let (Some(db), Some(outbox)) = (db, outbox)
            && !seen.insert((db, outbox))
        {
            twice += 1;
        }
    }
    ensure!(
        twice == 0,
        "{twice} election-log entries repeat an earlier change"
    );
    println!(
        "Election log: {} entries after the run, each change once.",
        log.entries().len()
    );
    Ok(())
}
