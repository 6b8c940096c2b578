//! The browser half of the end-to-end harness: decides whether the browser tests run (Chromium
//! present, or `BALLOTPROOF_E2E=required` making its absence a failure), starts Debian's
//! chromedriver on a free loopback port with a fresh headless Chromium profile, and saves
//! screenshots — on request into `docs/screenshots/`, always on failure into the temp directory.

use std::io::Write;
use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::server::{Authenticator, Group, PASSWORD, TempDir, free_port};

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
        let profile = TempDir::new(&format!("{test}-chromium"))?;
        let port = free_port()?;
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
        let browser = Self {
            client,
            test: test.to_string(),
            _driver: driver,
            _profile: profile,
        };
        browser.set_viewport(WINDOW).await?;
        Ok(browser)
    }

    /// Sizes the window so that the viewport (what the page lays out in and a screenshot shows)
    /// is exactly `(width, height)` CSS pixels: headless Chromium still reserves room for a
    /// window frame.
    pub async fn set_viewport(&self, (width, height): (u32, u32)) -> anyhow::Result<()> {
        let frame = self
            .client
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
        self.client
            .set_window_size(width + extra(0), height + extra(1))
            .await?;
        Ok(())
    }

    /// Saves a screenshot of the viewport as `NAME.png` in the directory named by
    /// `BALLOTPROOF_SCREENSHOTS` (relative to the repository root), if it is set. A normal test run
    /// writes nothing into the tree.
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

    /// The text of the element matching a CSS selector once `ready` holds for it, waiting up to
    /// ten seconds (for pages that update themselves, such as the upload's progress page).
    pub async fn wait_for_text(
        &self,
        css: &str,
        ready: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let start = Instant::now();
        loop {
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if ready(&text) {
                return Ok(text);
            }
            if start.elapsed() > Duration::from_secs(10) {
                bail!("{css:?} did not change as expected; it shows {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Types `text` into the field matching a CSS selector, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) -> anyhow::Result<()> {
        let field = self.find(css).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Clicks the element matching a CSS selector.
    pub async fn click(&self, css: &str) -> anyhow::Result<()> {
        self.find(css)
            .await?
            .click()
            .await
            .with_context(|| format!("clicking {css:?}"))
    }

    /// Clicks a link or button that loads another page, and returns once that page has loaded:
    /// WebDriver's click returns when the click is dispatched, so the old document is watched
    /// until it is gone (navigation, or a script's `document.write` of the server's answer).
    pub async fn follow(&self, css: &str) -> anyhow::Result<()> {
        self.load_by(async || self.click(css).await)
            .await
            .with_context(|| format!("following {css:?}"))
    }

    /// Runs `action` and returns once it has replaced the page (see [`Browser::follow`]).
    pub async fn load_by(
        &self,
        action: impl AsyncFnOnce() -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        let old = self.client.find(Locator::Css("html")).await?;
        action().await?;
        let start = Instant::now();
        while old.tag_name().await.is_ok() {
            if start.elapsed() > Duration::from_secs(10) {
                bail!("no new page within 10 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css("body"))
            .await?;
        Ok(())
    }

    /// Submits the form with id `form` with its (first) submit button, as a user would.
    pub async fn submit(&self, form: &str) -> anyhow::Result<()> {
        self.follow(&format!("#{form} button[type=submit]")).await
    }

    /// Opens `url`.
    pub async fn open(&self, url: &str) -> anyhow::Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("opening {url}"))
    }

    /// Fetches `url` from the current page with its cookies (as a download link would) and
    /// returns the status and the body.
    pub async fn fetch(&self, url: &str) -> anyhow::Result<(u64, String)> {
        let answer = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0]).then(r => r.text().then(t => done([r.status, t])),
                                          e => done([0, String(e)]));",
                vec![url.into()],
            )
            .await?;
        Ok((
            answer[0].as_u64().unwrap_or_default(),
            answer[1].as_str().unwrap_or_default().to_string(),
        ))
    }

    /// The current page's path.
    pub async fn path(&self) -> anyhow::Result<String> {
        Ok(self.client.current_url().await?.path().to_string())
    }

    /// Fails unless the page's heading is `expected`.
    pub async fn expect_heading(&self, expected: &str) -> anyhow::Result<()> {
        let h1 = self.text("h1").await?;
        if h1.trim() != expected {
            let main = self.text("main").await.unwrap_or_default();
            bail!("expected the page {expected:?}, got {h1:?}: {main}");
        }
        Ok(())
    }
}

/// Runs one browser test with the chromedriver [`browser_available`] found: starts the browser,
/// runs `steps`, and on failure keeps a screenshot and the page's HTML and names them in the
/// panic.
pub fn run<F>(chromedriver: &Path, test: &str, steps: F)
where
    F: AsyncFnOnce(&Browser) -> anyhow::Result<()>,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let browser = Browser::start(chromedriver, test).await.unwrap();
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

/// Logs in at `app`/login with [`PASSWORD`]; at the first login the account enrols its
/// authenticator (the secret is read from `#totp-secret`, the recovery codes are checked and
/// the page continued), later logins give the authenticator's next code. Returns the
/// authenticator for the next login.
pub async fn login(
    b: &Browser,
    app: &str,
    email: &str,
    authenticator: Option<Authenticator>,
    screenshots: bool,
) -> anyhow::Result<Authenticator> {
    b.open(&format!("{app}/login")).await?;
    b.fill("#email", email).await?;
    b.fill("#password", PASSWORD).await?;
    if screenshots {
        b.screenshot("login").await?;
    }
    b.submit("login-form").await?;
    match (b.path().await?.as_str(), authenticator) {
        ("/login/enrol", None) => {
            let secret = b.text("#totp-secret").await?;
            let mut auth = Authenticator::new(&secret)?;
            b.fill("#code", &auth.code()).await?;
            if screenshots {
                b.screenshot("totp-enrolment").await?;
            }
            b.submit("enrol-form").await?;
            b.expect_heading("Your recovery codes").await?;
            let codes = b
                .client
                .find_all(Locator::Css("#recovery-codes li"))
                .await?;
            ensure!(codes.len() >= 8, "only {} recovery codes", codes.len());
            b.follow("#continue").await?;
            Ok(auth)
        }
        ("/login/totp", Some(mut auth)) => {
            b.fill("#code", &auth.code()).await?;
            b.submit("totp-form").await?;
            Ok(auth)
        }
        (path, auth) => bail!(
            "after the password {email} is at {path} (enrolled before: {}): {}",
            auth.is_some(),
            b.text("main").await.unwrap_or_default()
        ),
    }
}

/// Logs out with the header's button.
pub async fn logout(b: &Browser) -> anyhow::Result<()> {
    b.follow("header form[action='/logout'] button").await?;
    ensure!(
        b.path().await? == "/login",
        "logout went to {}",
        b.path().await?
    );
    Ok(())
}
