//! `ballotproof demo --serve`, the README's first command: the demo runs, then the web application
//! serves it on a free port; the printed logins work over HTTP (the state administrator with the
//! printed TOTP secret, an audit board with its printed passphrase), and a data directory that is
//! not a demo's is refused.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::{ballotproof, stderr, temp_dir};

/// Kills the server when the test ends, passing or failing.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `name=value` of a Set-Cookie header.
    fn cookie(&self, name: &str) -> String {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("set-cookie"))
            .map(|(_, v)| v.split(';').next().unwrap().to_string())
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} cookie in {:?}", self.headers))
    }

    fn csrf(&self) -> String {
        after(&self.body, "name=\"csrf\" value=\"", "\"")
    }
}

fn after(text: &str, start: &str, end: &str) -> String {
    let i = text
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in {text}"))
        + start.len();
    let j = text[i..].find(end).unwrap() + i;
    text[i..j].to_string()
}

/// One HTTP/1.1 request on its own connection, as a browser on the same origin sends it.
fn http(host: &str, method: &str, path: &str, cookie: &str, form: &[(&str, &str)]) -> Reply {
    let body: String = form
        .iter()
        .map(|(k, v)| format!("{k}={}", enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut s = TcpStream::connect(host).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nCookie: {cookie}\r\n"
    );
    if method == "POST" {
        req.push_str(&format!(
            "Origin: http://{host}\r\nSec-Fetch-Site: same-origin\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    req.push_str("\r\n");
    req.push_str(&body);
    s.write_all(req.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: body.to_string(),
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

#[test]
fn demo_serve_prints_working_logins_and_serves_the_demo() {
    let dir = temp_dir("demo-serve");
    let out = dir.join("out").display().to_string();
    let data = dir.join("data").display().to_string();
    let child = Command::new(env!("CARGO_BIN_EXE_ballotproof"))
        .args([
            "demo",
            "--serve",
            "--port",
            "0",
            "--out",
            &out,
            "--data-dir",
            &data,
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // The demo's report, then the listening line, then the banner (ending with the data line).
    let mut lines = Vec::new();
    loop {
        let line = rx
            .recv_timeout(Duration::from_secs(300))
            .unwrap_or_else(|_| panic!("the demo did not start serving:\n{}", lines.join("\n")));
        let last = line.starts_with("The data is kept in");
        lines.push(line);
        if last {
            break;
        }
    }
    let text = lines.join("\n");
    assert!(text.contains("audit complete"), "{text}");
    let listening = lines
        .iter()
        .position(|l| l.starts_with("Listening on http://127.0.0.1:"))
        .expect("the listening line");
    let url = lines[listening]
        .trim_start_matches("Listening on ")
        .to_string();
    assert!(url.ends_with('/') && !url.ends_with(":0/"), "{url}");
    assert!(text.contains(&format!("{url}public")) && text.contains(&format!("{url}login")));
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let admin_line = lines
        .iter()
        .find(|l| l.contains("state.admin@example.gov"))
        .unwrap();
    let password = admin_line.split("password ").nth(1).unwrap().trim();
    let secret = after(&text, "TOTP secret ", " ");
    let passphrase = after(&text, "Adams County, Board 1: passphrase ", "\n");
    assert!(text.contains(&data), "the data directory is named");

    // Public pages, no login.
    let public = http(&host, "GET", "/public", "", &[]);
    assert_eq!(public.status, 200);
    assert!(public.body.contains("Example State 2026 General"));
    assert!(public.body.contains("Practice Audit 2026"));

    // The state administrator: password, then the code from the printed secret.
    let login = http(&host, "GET", "/login", "", &[]);
    assert_eq!(login.status, 200);
    assert!(login.body.contains("id=\"login-form\""));
    let pre = login.cookie("bp_csrf");
    let r = http(
        &host,
        "POST",
        "/login",
        &pre,
        &[
            ("csrf", &login.csrf()),
            ("email", "state.admin@example.gov"),
            ("password", password),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/login/totp"));
    let cookie = format!("{pre}; {}", r.cookie("bp_session"));
    let page = http(&host, "GET", "/login/totp", &cookie, &[]);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let code = accounts::totp::code_at(&secret, now).unwrap();
    let r = http(
        &host,
        "POST",
        "/login/totp",
        &cookie,
        &[("csrf", &page.csrf()), ("code", &code)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let admin = http(&host, "GET", "/admin", &cookie, &[]);
    assert_eq!(admin.status, 200, "{}", admin.body);
    assert!(admin.body.contains("Practice Audit 2026"));

    // An audit board of the practice audit, with its printed passphrase, has ballots to enter.
    let board_login = http(&host, "GET", "/board/login", "", &[]);
    let pre = board_login.cookie("bp_csrf");
    let r = http(
        &host,
        "POST",
        "/board/login",
        &pre,
        &[("csrf", &board_login.csrf()), ("passphrase", &passphrase)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let cookie = format!("{pre}; {}", r.cookie("bp_session"));
    let board = http(&host, "GET", "/board", &cookie, &[]);
    assert_eq!(board.status, 200);
    assert!(board.body.contains("Board 1") && board.body.contains("Adams County"));
    let r = http(
        &host,
        "POST",
        "/board/members",
        &cookie,
        &[
            ("csrf", &board.csrf()),
            ("member1", "Ana Auditor"),
            ("member2", "Ben Bauer"),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let board = http(&host, "GET", "/board", &cookie, &[]);
    assert!(board.body.contains("not audited"), "{}", board.body);
    drop(server);

    // A data directory holding anything else is refused before the demo runs.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), "office data").unwrap();
    let refused = ballotproof(&[
        "demo",
        "--serve",
        "--port",
        "0",
        "--out",
        &out,
        "--data-dir",
        &other.display().to_string(),
    ]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("not a demo's data directory"));
    assert!(other.join("notes.txt").exists());
    let _ = std::fs::remove_dir_all(&dir);
}
