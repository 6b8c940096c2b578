//! Accessibility, checked in the real browser: axe-core (vendored, unmodified, in
//! `tests/support/axe-core/`) runs in every main screen — login, authenticator enrolment, the
//! state administrator's pages, a county's upload report and audit boards, the audit board's
//! screens, the public pages, error pages — and any violation of a WCAG 2.1 A or AA rule (colour
//! contrast included) or of axe's best practices fails the test with its rule, impact, element
//! and help page. (axe cannot judge what it cannot see: hidden progress bars, the focus ring's
//! contrast; those were checked by hand.) The
//! ballot entry screen is also used with the keyboard alone: the skip link comes first, then
//! the contest controls in document order, then "Review", and Enter/Space review and submit.
//! Every screen is also laid out at a tablet's portrait width (768 CSS pixels) and must not
//! scroll sideways there: wide tables scroll inside their own box, never the page.

use anyhow::{Context, bail, ensure};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;

use crate::harness::{self, Browser, login, logout};
use crate::server::{Server, TempDir, add_user, cli};

/// axe-core 4.14.1 from npm (see the README beside it).
const AXE: &str = include_str!("../support/axe-core/axe.min.js");

/// The rule sets checked: WCAG 2.0 and 2.1, levels A and AA (axe's tags), and axe's best
/// practices (one main landmark, content in landmarks, heading order, unique accesskeys, …),
/// which the pages pass as well.
const TAGS: [&str; 5] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

pub const ADMIN: &str = "state.admin@sos.example.gov";
const BAKER: &str = "clerk@baker.example.gov";
const CLARK: &str = "clerk@clark.example.gov";

/// Runs axe-core in the current page and returns one readable line per violating element:
/// screen, rule id, impact, CSS selector, what is wrong and the rule's help page.
///
/// The script is injected through WebDriver rather than a `<script>` element: the pages'
/// Content-Security-Policy allows only scripts with the response's nonce, and WebDriver's
/// script execution is not subject to it (the first screen checks that the policy still
/// blocks an inline script, so a pass is not a page without CSP).
async fn axe(b: &Browser, screen: &str) -> anyhow::Result<Vec<String>> {
    let mut found = fits_a_tablet(b, screen).await?;
    found.extend(axe_only(b, screen).await?);
    Ok(found)
}

/// A tablet held upright: 768 × 1024 CSS pixels.
const TABLET: (u32, u32) = (768, 1024);

/// Lays the page out at [`TABLET`]'s size and reports it if the page scrolls sideways there,
/// naming the elements that stick out; then restores the window.
async fn fits_a_tablet(b: &Browser, screen: &str) -> anyhow::Result<Vec<String>> {
    b.set_viewport(TABLET).await?;
    let measured = b
        .client
        .execute(
            "const width = window.innerWidth;
             const scrolls = e => ['auto', 'scroll', 'hidden'].includes(getComputedStyle(e).overflowX);
             const inBox = e => { for (let p = e.parentElement; p; p = p.parentElement)
                                    if (scrolls(p)) return true; return false; };
             const wide = Array.from(document.querySelectorAll('body *'))
               .filter(e => !inBox(e) && (e.getBoundingClientRect().right > width + 1
                                          || (!scrolls(e) && e.scrollWidth > e.clientWidth + 1)));
             const out = wide.filter(e => !wide.some(d => d !== e && e.contains(d)))
               .slice(0, 5)
               .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                         + ' (' + Math.round(e.getBoundingClientRect().right) + ' px)');
             return [document.documentElement.scrollWidth, width, out];",
            vec![],
        )
        .await?;
    b.set_viewport(harness::WINDOW).await?;
    let (scroll, width) = (measured[0].as_u64(), measured[1].as_u64());
    if scroll > width {
        let out: Vec<&str> = measured[2]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        return Ok(vec![format!(
            "{screen}: at a tablet's width ({} px) the page is {} px wide and scrolls sideways; sticking out: {}",
            width.unwrap_or(0),
            scroll.unwrap_or(0),
            out.join(", ")
        )]);
    }
    Ok(Vec::new())
}

async fn axe_only(b: &Browser, screen: &str) -> anyhow::Result<Vec<String>> {
    b.client
        .execute(&format!("{AXE}\nreturn typeof axe;"), vec![])
        .await
        .with_context(|| format!("{screen}: injecting axe-core"))?;
    let result = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: arguments[0] },
                                 resultTypes: ['violations'] })
               .then(r => done(r.violations.flatMap(v => v.nodes.map(n => ({
                        id: v.id, impact: v.impact || '', help: v.help, url: v.helpUrl,
                        target: n.target.join(' '),
                        summary: (n.failureSummary || '').replace(/\\s+/g, ' ') })))),
                     e => done({ error: String(e) }));",
            vec![serde_json::json!(TAGS)],
        )
        .await
        .with_context(|| format!("{screen}: running axe-core"))?;
    if let Some(e) = result.get("error") {
        bail!("{screen}: axe-core failed: {e}");
    }
    let field = |v: &serde_json::Value, k: &str| v[k].as_str().unwrap_or_default().to_string();
    Ok(result
        .as_array()
        .context("axe-core returned no list")?
        .iter()
        .map(|v| {
            format!(
                "{screen}: {} ({}) at `{}`: {} — {} [{}]",
                field(v, "id"),
                field(v, "impact"),
                field(v, "target"),
                field(v, "help"),
                field(v, "summary"),
                field(v, "url"),
            )
        })
        .collect())
}

/// Presses one key in the focused element, as a keyboard would.
async fn press(b: &Browser, key: Key) -> anyhow::Result<()> {
    let key = char::from(key);
    let actions = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    b.client.perform_actions(actions).await?;
    Ok(())
}

/// The focused element: its position among all elements (document order) and a description.
async fn focused(b: &Browser) -> anyhow::Result<(u64, String)> {
    let v = b
        .client
        .execute(
            "const e = document.activeElement;
             const all = [...document.querySelectorAll('*')];
             const name = e.getAttribute('name') || '';
             const what = e.tagName.toLowerCase()
               + (e.type ? '[type=' + e.type + ']' : '')
               + (name ? '[name=' + name + ']' : '')
               + (e.value !== undefined && e.tagName !== 'TEXTAREA' ? '[value=' + e.value + ']' : '')
               + (e.tagName === 'A' ? '[href=' + e.getAttribute('href') + ']' : '');
             return [all.indexOf(e), what];",
            vec![],
        )
        .await?;
    Ok((
        v[0].as_u64().unwrap_or(u64::MAX),
        v[1].as_str().unwrap_or_default().to_string(),
    ))
}

/// The contrast of the focused element's outline against the page's background (0 when it has
/// none): axe does not check focus indicators, WCAG 1.4.11 asks for 3:1.
async fn focus_ring_contrast(b: &Browser) -> anyhow::Result<f64> {
    let v = b
        .client
        .execute(
            "const s = getComputedStyle(document.activeElement);
             if (s.outlineStyle === 'none' || parseFloat(s.outlineWidth) < 2) return 0;
             const lum = c => {
                 const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(x => {
                     x = x / 255; return x <= 0.04045 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; });
                 return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
             const a = lum(s.outlineColor), p = lum(getComputedStyle(document.body).backgroundColor);
             return (Math.max(a, p) + 0.05) / (Math.min(a, p) + 0.05);",
            vec![],
        )
        .await?;
    v.as_f64().context("no contrast")
}

/// The ballot entry screen with the keyboard alone. From a fresh load the first Tab reaches the
/// skip link; Enter on it moves focus into the page, and Tab then goes through the link back to
/// the list, every contest's controls in document order (each checkbox, each radio group once)
/// and then "Review". Space checks a vote, Enter on "Review" shows the review with "Submit"
/// focused, and Space on it records the ballot.
async fn keyboard_only_ballot_entry(b: &Browser, page: &str) -> anyhow::Result<()> {
    b.open(page).await?;
    // Focus starts at the top of the page, as after a fresh load with the mouse untouched
    // (headless Chromium does not always give a new page the window's focus).
    b.client
        .execute(
            "document.body.tabIndex = -1; document.body.focus();
             document.body.removeAttribute('tabindex');",
            vec![],
        )
        .await?;
    press(b, Key::Tab).await?;
    let (_, first) = focused(b).await?;
    ensure!(
        first == "a[href=#main]",
        "the first Tab should reach the skip link, reached {first}"
    );
    let ring = focus_ring_contrast(b).await?;
    ensure!(
        ring >= 3.0,
        "the focus ring contrasts {ring:.2}:1 with the page; WCAG 1.4.11 asks for 3:1"
    );
    press(b, Key::Enter).await?;
    let (_, at) = focused(b).await?;
    ensure!(
        at == "main",
        "the skip link should move focus to main, not {at}"
    );

    // Every stop the form should have, in document order: checkboxes one by one, a radio group
    // once (at its first radio, none being checked on a fresh ballot).
    let expected = b
        .client
        .execute(
            "const all = [...document.querySelectorAll('*')];
             const seen = new Set();
             return [...document.querySelectorAll('#ballot-form fieldset input')].filter(i => {
                 if (i.type !== 'radio') return true;
                 if (seen.has(i.name)) return false;
                 seen.add(i.name); return true;
             }).map(i => all.indexOf(i));",
            vec![],
        )
        .await?;
    let expected: Vec<u64> = expected
        .as_array()
        .context("no contest controls")?
        .iter()
        .filter_map(serde_json::Value::as_u64)
        .collect();
    ensure!(!expected.is_empty(), "the ballot has no contest controls");

    let mut stops = Vec::new();
    let mut voted = false;
    loop {
        press(b, Key::Tab).await?;
        let (index, what) = focused(b).await?;
        if what.starts_with("button") {
            ensure!(
                what.contains("[value=review]"),
                "after the contests Tab reached {what}, not Review"
            );
            break;
        }
        if what.starts_with("input") {
            stops.push(index);
            if !voted && what.contains("[type=checkbox]") {
                press(b, Key::Space).await?;
                voted = true;
            }
        } else {
            ensure!(
                stops.is_empty() && what == "a[href=/board]",
                "Tab reached {what} among the contest controls"
            );
        }
        ensure!(stops.len() <= expected.len(), "Tab does not reach Review");
    }
    ensure!(
        stops == expected,
        "Tab visited the contest controls at {stops:?}; in document order they are {expected:?}"
    );
    ensure!(voted, "no vote checkbox to check with Space");
    let checked = b
        .client
        .execute(
            "return document.querySelectorAll('#ballot-form input:checked').length",
            vec![],
        )
        .await?;
    ensure!(
        checked == 1,
        "Space should check one vote, {checked} checked"
    );

    b.load_by(async || press(b, Key::Enter).await).await?;
    let review = b.text("#review").await.context("Enter on Review")?;
    let (_, at) = focused(b).await?;
    ensure!(
        at.contains("[value=submit]"),
        "the review should focus Submit, focused {at} (review: {review})"
    );
    b.load_by(async || press(b, Key::Space).await).await?;
    ensure!(
        b.path().await? != page.rsplit_once("127.0.0.1").map_or("", |p| p.1),
        "Space on Submit did not leave the ballot"
    );
    Ok(())
}

/// One line per ballot of a jurisdiction's retrieval list: (tabulator, batch, position).
fn ballots(dir: &std::path::Path, audit: &str, county: &str) -> Vec<(String, String, String)> {
    let csv = cli(
        dir,
        &[
            "audit",
            "--audit",
            audit,
            "ballots",
            "--jurisdiction",
            county,
            "--csv",
        ],
        "",
    )
    .unwrap();
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[1].to_string(), f[2].to_string(), f[3].to_string())
        })
        .collect()
}

/// Three audits, set up with the command line: "Finished 2026" (Adams County) with round one
/// ended — every sampled ballot not found, so the risk chart has one round and the next round's
/// sample sizes are offered; "General 2026" (Baker County) in round one with one audit board;
/// "Setup 2026" (Clark County) waiting for its uploads.
pub fn setup(dir: &std::path::Path) {
    let files = crate::server::generate_small_election(dir).unwrap();
    let manifest = files.join("manifest.csv").display().to_string();
    let cvrs = files.join("cvrs.csv").display().to_string();
    for (audit, county, draws) in [
        ("Finished 2026", "Adams County", Some("Contest 1=5")),
        ("General 2026", "Baker County", Some("Contest 1=3")),
        ("Setup 2026", "Clark County", None),
    ] {
        let run = |args: &[&str]| {
            let mut all = vec!["audit", "--audit", audit];
            all.extend_from_slice(args);
            cli(dir, &all, "").unwrap()
        };
        cli(
            dir,
            &[
                "audit",
                "create",
                "--name",
                audit,
                "--type",
                "ballot-comparison",
                "--risk-limit",
                "10%",
                "--seed",
                "31415926535897932384",
            ],
            "",
        )
        .unwrap();
        run(&["jurisdiction", "add", county]);
        let Some(draws) = draws else { continue };
        run(&["upload", "--jurisdiction", county, "manifest", &manifest]);
        run(&["upload", "--jurisdiction", county, "cvrs", &cvrs]);
        run(&["contest", "add", "Contest 1"]);
        run(&["reveal-seed"]);
        run(&["round", "start", "--size", draws]);
        run(&["boards", "--jurisdiction", county, "Board 1"]);
        if audit == "Finished 2026" {
            for (tabulator, batch, position) in ballots(dir, audit, county) {
                run(&[
                    "not-found",
                    "--jurisdiction",
                    county,
                    "--tabulator",
                    &tabulator,
                    "--batch",
                    &batch,
                    "--position",
                    &position,
                ]);
            }
            run(&[
                "sign-off",
                "--jurisdiction",
                county,
                "--board",
                "Board 1",
                "--member",
                "Ana Ortiz",
                "--member",
                "Ben Brooks",
            ]);
            run(&["round", "end"]);
        }
    }
    add_user(dir, ADMIN, &["--role", "state-admin"]).unwrap();
    for (email, audit, county) in [
        (BAKER, "General 2026", "Baker County"),
        (CLARK, "Setup 2026", "Clark County"),
    ] {
        add_user(
            dir,
            email,
            &[
                "--role",
                "jurisdiction-admin",
                "--audit",
                audit,
                "--jurisdiction",
                county,
            ],
        )
        .unwrap();
    }
}

#[test]
fn every_main_screen_passes_axe_and_ballot_entry_works_by_keyboard() {
    let Some(chromedriver) = harness::browser_available("accessibility") else {
        return;
    };
    let data = TempDir::new("accessibility").unwrap();
    let dir = data.0.clone();
    setup(&dir);
    let server = Server::start(&dir).unwrap();
    let app = server.url.clone();

    harness::run(&chromedriver, "accessibility", async |b| {
        let mut violations = Vec::new();

        // The pages' CSP still blocks inline script (axe runs through WebDriver, not the page).
        b.open(&format!("{app}/login")).await?;
        let blocked = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 document.addEventListener('securitypolicyviolation', () => done(true));
                 const s = document.createElement('script');
                 s.textContent = 'window.inlineRan = true;';
                 document.body.appendChild(s);
                 setTimeout(() => done(window.inlineRan !== true), 500);",
                vec![],
            )
            .await?;
        ensure!(blocked == true, "the login page ran an inline script");
        violations.extend(axe(b, "login").await?);

        // The state administrator: enrolment, recovery codes, audits, users, the audit overview
        // with its risk chart and the next round's sample sizes.
        b.fill("#email", ADMIN).await?;
        b.fill("#password", crate::server::PASSWORD).await?;
        b.submit("login-form").await?;
        b.find("#totp-secret").await?;
        violations.extend(axe(b, "totp-enrolment").await?);
        let mut auth = crate::server::Authenticator::new(&b.text("#totp-secret").await?)?;
        b.fill("#code", &auth.code()).await?;
        drop(auth);
        b.submit("enrol-form").await?;
        b.find("#recovery-codes").await?;
        violations.extend(axe(b, "recovery-codes").await?);
        b.open(&format!("{app}/admin")).await?;
        violations.extend(axe(b, "admin-home").await?);
        b.open(&format!("{app}/admin/users")).await?;
        violations.extend(axe(b, "users").await?);
        b.open(&format!("{app}/admin/audits/Finished%202026"))
            .await?;
        b.find("figure svg").await.context("no risk chart")?;
        b.find("#start-round fieldset")
            .await
            .context("no sample-size options")?;
        violations.extend(axe(b, "audit-overview").await?);
        logout(b).await?;

        // A county's upload and its validation report.
        login(b, &app, CLARK, None, false).await?;
        b.open(&format!("{app}/jurisdiction/Setup%202026/Clark%20County"))
            .await?;
        b.find("#kind").await?.select_by_value("manifest").await?;
        b.find("#file")
            .await?
            .send_keys(&dir.join("files/manifest.csv").display().to_string())
            .await?;
        b.submit("upload-form").await?;
        b.wait_for_text("#validation-report", |t| t.contains("manifest.csv"))
            .await?;
        violations.extend(axe(b, "upload-report").await?);
        logout(b).await?;

        // A county in round one: its audit boards, a printed passphrase.
        login(b, &app, BAKER, None, false).await?;
        b.open(&format!("{app}/jurisdiction/General%202026/Baker%20County"))
            .await?;
        violations.extend(axe(b, "jurisdiction-boards").await?);
        b.follow(".credential-form button[value=passphrase]")
            .await?;
        let passphrase = b.text("#board-passphrase").await?;
        violations.extend(axe(b, "credential").await?);
        logout(b).await?;

        // The audit board: login, members, ballot list, entry, review, sign-off.
        b.open(&format!("{app}/board/login")).await?;
        violations.extend(axe(b, "board-login").await?);
        b.fill("#passphrase", &passphrase).await?;
        b.submit("board-login-form").await?;
        b.find("#members-form").await?;
        violations.extend(axe(b, "board-members").await?);
        b.fill("#member1", "Ana Ortiz").await?;
        b.fill("#member2", "Ben Brooks").await?;
        b.submit("members-form").await?;
        b.find("#ballot-list").await?;
        violations.extend(axe(b, "board-list").await?);
        b.follow("#next-ballot").await?;
        let first = b.client.current_url().await?.to_string();
        violations.extend(axe(b, "ballot-entry").await?);
        b.click("#ballot-form fieldset input").await?;
        b.follow("button[value=review]").await?;
        b.find("#review").await?;
        violations.extend(axe(b, "ballot-review").await?);
        // The same ballot afresh, by keyboard alone.
        keyboard_only_ballot_entry(b, &first)
            .await
            .context("keyboard-only ballot entry")?;
        while b.path().await?.starts_with("/board/ballots/") {
            b.follow("button[value=not_found]").await?;
        }
        b.find("#sign-off").await?;
        violations.extend(axe(b, "board-sign-off").await?);
        b.submit("sign-off").await?;
        b.find("#signed-off").await?;
        // An error page: a board opening an administrator's page.
        b.open(&format!("{app}/admin")).await?;
        violations.extend(axe(b, "error-not-allowed").await?);
        logout(b).await?;

        // The public pages and a page that does not exist.
        b.open(&format!("{app}/public")).await?;
        violations.extend(axe(b, "public-home").await?);
        b.open(&format!("{app}/public/audits/Finished%202026"))
            .await?;
        b.find("figure svg").await?;
        violations.extend(axe(b, "public-audit").await?);
        b.open(&format!("{app}/public/audits/No%20such%20audit"))
            .await?;
        violations.extend(axe(b, "error-not-found").await?);

        ensure!(
            violations.is_empty(),
            "{} accessibility violation(s) (axe-core: WCAG 2.1 A/AA and best practices):\n{}",
            violations.len(),
            violations.join("\n")
        );
        Ok(())
    });
    drop(server);
}
