//! The server half of the end-to-end harness, shared with the web load bench (which includes this
//! file by path): temporary data directories, the `ballotproof` command line on them, and
//! `ballotproof serve --port 0` started as a child process — its first stdout line is the
//! contract `Listening on http://127.0.0.1:PORT/` — and killed on drop.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail, ensure};

/// The password every test user gets (long enough for the password policy).
pub const PASSWORD: &str = "correct horse battery staple";

/// The `ballotproof` binary Cargo built for these tests, or the one `BALLOTPROOF_E2E_BINARY`
/// names (to drive a release build, or another checkout's).
pub fn binary() -> PathBuf {
    std::env::var_os("BALLOTPROOF_E2E_BINARY").map_or_else(
        || PathBuf::from(env!("CARGO_BIN_EXE_ballotproof")),
        PathBuf::from,
    )
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> anyhow::Result<Self> {
        let dir =
            std::env::temp_dir().join(format!("ballotproof-e2e-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(Self(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free loopback port, found by binding port 0 and letting it go.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// A child process in its own process group, killed with the whole group on drop (chromedriver's
/// Chromium and its helpers go with it even when a test fails half-way).
pub struct Group(pub Child);

impl Group {
    pub fn spawn(command: &mut Command) -> std::io::Result<Self> {
        command.process_group(0).spawn().map(Self)
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `ballotproof --data-dir DIR ARGS…` with `stdin` as its standard input; fails with its
/// stderr if it fails, else returns its stdout.
pub fn cli(dir: &Path, args: &[&str], stdin: &str) -> anyhow::Result<String> {
    let mut child = Command::new(binary())
        .arg("--data-dir")
        .arg(dir)
        .args(["--actor", "test:e2e"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin.as_bytes())?;
    }
    let out = child.wait_with_output()?;
    ensure!(
        out.status.success(),
        "ballotproof {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Creates the ballot-comparison audit `name` (5 % risk limit, seed 1) through the CLI.
pub fn create_comparison_audit(dir: &Path, name: &str) -> anyhow::Result<()> {
    let args = [
        "audit",
        "create",
        "--name",
        name,
        "--type",
        "ballot-comparison",
        "--risk-limit",
        "5%",
        "--seed",
        "1",
    ];
    cli(dir, &args, "")?;
    Ok(())
}

/// Generates the browser tests' small election into `DIR/files`: a Dominion CSV export of 300
/// cards (two contests) in three batches of one tabulator, with its manifest. Returns the folder.
pub fn generate_small_election(dir: &Path) -> anyhow::Result<std::path::PathBuf> {
    let files = dir.join("files");
    let out = files.display().to_string();
    let args = [
        "generate",
        "--format",
        "dominion-csv",
        "--cards",
        "300",
        "--contests",
        "2",
        "--tabulators",
        "1",
        "--batch-size",
        "100",
        "--out",
        &out,
    ];
    cli(dir, &args, "")?;
    Ok(files)
}

/// Creates a user with [`PASSWORD`]; `role` is the `user add` arguments after the email, e.g.
/// `["--role", "state-admin"]`.
pub fn add_user(dir: &Path, email: &str, role: &[&str]) -> anyhow::Result<()> {
    let mut args = vec!["user", "add", email];
    args.extend_from_slice(role);
    args.push("--password-stdin");
    cli(dir, &args, &format!("{PASSWORD}\n"))?;
    Ok(())
}

/// `ballotproof serve` on a data directory, on a free loopback port.
pub struct Server {
    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    _child: Group,
}

impl Server {
    /// Starts the server and waits for its `Listening on URL` line. Its later output goes to
    /// `DIR/serve.log` (the request log, for a failed test's evidence).
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        let log = std::fs::File::create(dir.join("serve.log"))?;
        let mut child = Group::spawn(
            Command::new(binary())
                .arg("--data-dir")
                .arg(dir)
                .args(["serve", "--port", "0"])
                .env("RUST_LOG", "warn")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(log),
        )
        .context("starting ballotproof serve")?;
        let stdout = child.0.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the first line, then keeps draining stdout so the server never blocks on it.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {}
        });
        let first = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(Some(Ok(line))) => line,
            Ok(_) => bail!(
                "ballotproof serve ended before listening: {}",
                std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default()
            ),
            Err(_) => bail!("ballotproof serve printed nothing within 30 s"),
        };
        let url = first
            .strip_prefix("Listening on ")
            .map(|u| u.trim_end_matches('/').to_string())
            .with_context(|| format!("unexpected first line from serve: {first:?}"))?;
        ensure!(
            url.starts_with("http://127.0.0.1:"),
            "serve should bind 127.0.0.1 by default, printed {url}"
        );
        Ok(Self { url, _child: child })
    }
}

/// An authenticator app for one account: six-digit TOTP codes (RFC 6238, SHA-1, 30 s) from the
/// secret shown at enrolment. The server refuses a time step it has already accepted and
/// accepts one step either side of now, so each code is for the step after the last one used —
/// the first for the step before now, leaving now and the next for later logins — waiting only
/// when that runs ahead of the clock.
pub struct Authenticator {
    totp: totp_rs::Totp,
    last_step: Option<u64>,
}

impl Authenticator {
    pub fn new(secret_base32: &str) -> anyhow::Result<Self> {
        let secret = totp_rs::Secret::try_from_base32(secret_base32.trim())
            .map_err(|e| anyhow::anyhow!("the enrolment secret is not base32: {e:?}"))?;
        let totp = totp_rs::Builder::new()
            .with_secret(secret)
            .with_digits(6)
            .with_step_duration(30)
            .build()
            .map_err(|e| anyhow::anyhow!("cannot build a TOTP from the secret: {e:?}"))?;
        Ok(Self {
            totp,
            last_step: None,
        })
    }

    /// A code the server will accept now, not accepted before.
    pub fn code(&mut self) -> String {
        let now = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        };
        let current = now() / 30;
        // The step before now, unless it is about to fall out of the window.
        let earliest = if now() % 30 >= 27 {
            current
        } else {
            current - 1
        };
        let step = self
            .last_step
            .map_or(earliest, |last| (last + 1).max(earliest));
        // Step `step` is accepted from the start of step - 1; leave a second of margin.
        while now() < (step - 1) * 30 + 1 {
            std::thread::sleep(Duration::from_millis(200));
        }
        self.last_step = Some(step);
        self.totp.generate(step * 30).to_string()
    }
}
