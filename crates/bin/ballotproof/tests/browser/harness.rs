//! The browser half of the end-to-end harness: decides whether the browser tests run (Chromium
//! present, or `BALLOTPROOF_E2E=required` making its absence a failure), starts Debian's
//! chromedriver on a free loopback port with a fresh headless Chromium profile, and saves
//! screenshots — on request into `docs/screenshots/`, always on failure into the temp directory.

use std::io::Write;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

/// The flags Chromium needs on a closed network (the machine notes): no sandbox as root, no GPU,
/// and none of the background connections that the network refuses.
const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
];

/// Screenshots are 1280×800: a laptop screen, and small PNGs for the README.
pub const WINDOW: (u32, u32) = (1280, 800);

/// The repository root (the tests run in the crate's directory).
#[allow(dead_code)] // until the web application's screens land
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../..")
}

fn on_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Whether this test should drive a browser. `BALLOTPROOF_E2E=required` (set by `.ci/run`) makes
/// a missing chromedriver or Chromium a failure; `BALLOTPROOF_E2E=off` skips the browser tests;
/// otherwise they run when both are installed and are skipped with a message when not.
///
/// The skip message is written to the process's stderr directly, past the test harness's output
/// capture, so a developer without Chromium sees that the tests did not run rather than a silent
/// pass.
pub fn browser_available(test: &str) -> Option<PathBuf> {
    let mode = std::env::var("BALLOTPROOF_E2E").unwrap_or_default();
    if mode == "off" {
        skip(test, "BALLOTPROOF_E2E=off");
        return None;
    }
    let driver = on_path("chromedriver");
    let chromium = on_path("chromium").or_else(|| on_path("chromium-browser"));
    let missing = match (&driver, &chromium) {
        (Some(_), Some(_)) => return driver,
        (None, _) => "chromedriver is not on PATH",
        (_, None) => "chromium is not on PATH",
    };
    assert!(
        mode != "required",
        "BALLOTPROOF_E2E=required but {missing}: install Debian's browser and driver with \
         `apt-get install chromium chromium-driver` (.ci/run does this)"
    );
    skip(
        test,
        &format!(
            "{missing} (install with `apt-get install chromium chromium-driver`; \
             set BALLOTPROOF_E2E=required to make this a failure)"
        ),
    );
    None
}

fn skip(test: &str, why: &str) {
    let _ = writeln!(std::io::stderr(), "SKIPPED browser test {test}: {why}");
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("ballotproof-e2e-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A free loopback port, found by binding port 0 and letting it go.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
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

/// A headless Chromium under chromedriver, and the WebDriver session driving it.
pub struct Browser {
    pub client: Client,
    test: String,
    // Dropped after the session: the group kill ends chromedriver and Chromium, then the profile
    // directory is removed.
    _driver: Group,
    _profile: TempDir,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a session with a fresh profile.
    pub async fn start(chromedriver: &Path, test: &str) -> anyhow::Result<Self> {
        let profile = TempDir::new(&format!("{test}-chromium"));
        let port = free_port();
        let log = std::fs::File::create(profile.0.join("chromedriver.log"))?;
        let driver = Group::spawn(
            Command::new(chromedriver)
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(log),
        )
        .with_context(|| format!("starting {}", chromedriver.display()))?;
        wait_for_port(port, Duration::from_secs(10))
            .with_context(|| format!("chromedriver did not listen on port {port}"))?;

        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| (*f).to_string()).collect();
        args.push(format!(
            "--user-data-dir={}",
            profile.0.join("profile").display()
        ));
        args.push(format!("--window-size={},{}", WINDOW.0, WINDOW.1));
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "chrome".into());
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "args": args }),
        );
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .context("opening a WebDriver session in Chromium")?;
        // Headless Chromium still reserves room for a window frame: size the window so that the
        // viewport (what a screenshot shows) is exactly WINDOW.
        let frame = client
            .execute(
                "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]",
                vec![],
            )
            .await?;
        let extra = |i: usize| {
            frame[i]
                .as_u64()
                .and_then(|v| u32::try_from(v).ok())
                .unwrap_or(0)
        };
        client
            .set_window_size(WINDOW.0 + extra(0), WINDOW.1 + extra(1))
            .await?;
        Ok(Self {
            client,
            test: test.to_string(),
            _driver: driver,
            _profile: profile,
        })
    }

    /// Saves a screenshot of the viewport as `NAME.png` in the directory named by
    /// `BALLOTPROOF_SCREENSHOTS` (relative to the repository root), if it is set. A normal test run
    /// writes nothing into the tree.
    #[allow(dead_code)] // until the web application's screens land
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<()> {
        let Some(dir) = std::env::var_os("BALLOTPROOF_SCREENSHOTS") else {
            return Ok(());
        };
        let dir = repo_root().join(dir);
        std::fs::create_dir_all(&dir)?;
        let png = self.client.screenshot().await?;
        std::fs::write(dir.join(format!("{name}.png")), png)?;
        Ok(())
    }

    /// After a failed step: a screenshot and the page's HTML in the temp directory, named in the
    /// error, so a CI log says where to look.
    pub async fn keep_evidence(&self) -> String {
        let base = std::env::temp_dir().join(format!("ballotproof-e2e-failure-{}", self.test));
        let mut saved = Vec::new();
        if let Ok(png) = self.client.screenshot().await
            && std::fs::write(base.with_extension("png"), png).is_ok()
        {
            saved.push(base.with_extension("png").display().to_string());
        }
        if let Ok(html) = self.client.source().await
            && std::fs::write(base.with_extension("html"), html).is_ok()
        {
            saved.push(base.with_extension("html").display().to_string());
        }
        let url = self
            .client
            .current_url()
            .await
            .map_or_else(|_| "?".to_string(), |u| u.to_string());
        format!("page {url}; saved {}", saved.join(" and "))
    }

    /// Ends the WebDriver session (Chromium quits); the driver is killed on drop.
    pub async fn close(self) -> anyhow::Result<()> {
        self.client.clone().close().await?;
        Ok(())
    }

    /// The element matching a CSS selector, waiting up to five seconds for it to appear.
    pub async fn find(&self, css: &str) -> anyhow::Result<fantoccini::elements::Element> {
        self.client
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css:?}"))
    }

    /// The visible text of the element matching a CSS selector.
    pub async fn text(&self, css: &str) -> anyhow::Result<String> {
        Ok(self.find(css).await?.text().await?)
    }
}

/// Runs one browser test: starts the browser, runs `steps`, and on failure keeps a screenshot and
/// the page's HTML and names them in the panic.
pub fn run<F>(test: &str, steps: F)
where
    F: AsyncFnOnce(&Browser) -> anyhow::Result<()>,
{
    let Some(chromedriver) = browser_available(test) else {
        return;
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let browser = Browser::start(&chromedriver, test).await.unwrap();
        match steps(&browser).await {
            Ok(()) => browser.close().await.unwrap(),
            Err(e) => {
                let evidence = browser.keep_evidence().await;
                panic!("{e:#}\n({evidence})");
            }
        }
    });
}

/// Waits until something accepts connections on a loopback port.
pub fn wait_for_port(port: u16, limit: Duration) -> anyhow::Result<()> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    bail!("nothing listened on port {port} within {limit:?}")
}
