//! What the server must refuse, tried from a real browser: a jurisdiction administrator opening
//! the state administrator's area (wrong role) or another county's page (cross-jurisdiction); and
//! a logout — a state change whose success is easy to see — posted without its CSRF token from
//! the application's own page, with a valid token from another site, and by a raw HTTP client
//! with the stolen session cookie but no token. Each gets the error page that says what
//! happened, and the session survives all three.

use anyhow::{Context, ensure};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::harness::{self, Browser, login};
use crate::server::{Server, TempDir, add_user, cli};

const AUDIT: &str = "Primary 2026";
const CLERK: &str = "clerk@adams.example.gov";

/// The error page's heading and message, after the browser has landed on it.
async fn error_page(b: &Browser) -> anyhow::Result<(String, String)> {
    Ok((b.text("h1").await?, b.text("main [role=alert]").await?))
}

#[test]
fn wrong_role_other_jurisdiction_and_csrf_less_posts_are_refused() {
    let Some(chromedriver) = harness::browser_available("refusals") else {
        return;
    };
    let data = TempDir::new("refusals").unwrap();
    let dir = data.0.clone();
    crate::server::create_comparison_audit(&dir, AUDIT).unwrap();
    for county in ["Adams", "Baker"] {
        cli(
            &dir,
            &["audit", "--audit", AUDIT, "jurisdiction", "add", county],
            "",
        )
        .unwrap();
    }
    add_user(
        &dir,
        CLERK,
        &[
            "--role",
            "jurisdiction-admin",
            "--audit",
            AUDIT,
            "--jurisdiction",
            "Adams",
        ],
    )
    .unwrap();
    let server = Server::start(&dir).unwrap();
    let app = server.url.clone();

    harness::run(&chromedriver, "refusals", async |b| {
        login(b, &app, CLERK, None, false).await?;
        let adams = format!("{app}/jurisdiction/Primary%202026/Adams");
        b.open(&adams).await?;
        b.expect_heading("Adams Primary 2026").await?;

        // Wrong role: the state administrator's area.
        b.open(&format!("{app}/admin")).await?;
        let (h1, what) = error_page(b).await?;
        ensure!(h1 == "Not allowed", "/admin as a county: {h1}: {what}");
        // Another county's page, and its retrieval list.
        for page in ["", "/retrieval.csv"] {
            b.open(&format!("{app}/jurisdiction/Primary%202026/Baker{page}"))
                .await?;
            let (h1, what) = error_page(b).await?;
            ensure!(
                h1 == "Not allowed" && what.contains("only their own jurisdiction"),
                "Baker{page} as Adams: {h1}: {what}"
            );
        }

        // A same-origin POST without the CSRF token, from the application's own page.
        let logout = format!("{app}/logout");
        b.open(&adams).await?;
        let (status, body) = b
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 fetch(arguments[0], {method: 'POST', body: new URLSearchParams({x: '1'})})
                   .then(r => r.text().then(t => done([r.status, t])));",
                vec![logout.clone().into()],
            )
            .await
            .map(|v| (v[0].as_u64(), v[1].as_str().unwrap_or_default().to_string()))?;
        ensure!(
            status == Some(403) && body.contains("Form refused"),
            "token-less POST: {status:?} {body}"
        );

        // The same with a valid token, sent from another site: a page of its own (a `data:`
        // page; the application's own pages could not even send it, their CSP says
        // `form-action 'self'`). Refused by Origin and Sec-Fetch-Site.
        let token = b
            .find("header input[name=csrf]")
            .await?
            .attr("value")
            .await?
            .context("no CSRF token in the logout form")?;
        let attacker = format!(
            "data:text/html,<title>elsewhere</title><form id=f method=post action='{logout}'>\
             <input type=hidden name=csrf value='{token}'></form>"
        );
        b.open(&attacker).await?;
        b.load_by(async || {
            b.client
                .execute("document.getElementById('f').submit();", vec![])
                .await?;
            Ok(())
        })
        .await?;
        let (h1, what) = error_page(b).await?;
        ensure!(
            h1 == "Form refused" && what.contains("another site"),
            "cross-site form: {h1}: {what}"
        );

        // A raw client with the session cookie (as malware that stole it would have) but no
        // token.
        let cookies = b.client.get_all_cookies().await?;
        let cookie = cookies
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ");
        ensure!(!cookie.is_empty(), "no session cookie");
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        let request = hyper::Request::post(&logout)
            .header("cookie", cookie)
            .header("origin", &app)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Full::new(Bytes::from_static(b"x=1")))?;
        let response = client.request(request).await?;
        let status = response.status();
        let body = response.into_body().collect().await?.to_bytes();
        let body = String::from_utf8_lossy(&body);
        ensure!(
            status == 403 && body.contains("Form refused"),
            "raw POST with the cookie and no token: {status} {body}"
        );

        // None of the three logged the county out.
        b.open(&adams).await?;
        b.expect_heading("Adams Primary 2026").await?;
        Ok(())
    });
    drop(server);
}
