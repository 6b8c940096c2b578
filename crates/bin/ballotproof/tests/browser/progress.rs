//! Progress on the slow steps, in the browser: the audit overview comes at once with a busy
//! indicator ("Computing sample sizes…", role=status, an indeterminate progress bar) and htmx
//! replaces it with the next round's sample sizes; without JavaScript the same options are a
//! page of their own. Starting a round shows its indicator (hidden while idle), disables the
//! button and refuses a second submission.

use anyhow::{Context, ensure};

use crate::accessibility::{ADMIN, setup};
use crate::harness::{self, login};
use crate::server::{Server, TempDir};

#[test]
fn sample_sizes_load_after_the_page_and_round_start_shows_it_is_busy() {
    let Some(chromedriver) = harness::browser_available("progress") else {
        return;
    };
    let data = TempDir::new("progress").unwrap();
    setup(&data.0);
    let server = Server::start(&data.0).unwrap();
    let app = server.url.clone();

    harness::run(&chromedriver, "progress", async |b| {
        login(b, &app, ADMIN, None, false).await?;
        let page = format!("{app}/admin/audits/Finished%202026");
        let options = format!("{page}/rounds/options");

        // The server's answer: the indicator and the no-script link, no sizes yet.
        let (status, html) = b.fetch(&page).await?;
        ensure!(status == 200, "{status}");
        ensure!(
            !html.contains("id=\"start-round\""),
            "sizes computed inline"
        );
        let start = html
            .find("<div id=\"round-options\"")
            .context("no placeholder for the sizes")?;
        let end = start + html[start..].find("</div>").context("unclosed")? + "</div>".len();
        let placeholder = &html[start..end];
        ensure!(
            placeholder.contains("href=\"/admin/audits/Finished%202026/rounds/options\""),
            "{placeholder}"
        );

        // With JavaScript the indicator shows: visible, announced, indeterminate.
        b.open(&page).await?;
        let probe = b
            .client
            .execute(
                "const t = document.createElement('template');
                 t.innerHTML = arguments[0];
                 const el = t.content.firstElementChild;
                 el.removeAttribute('hx-trigger'); el.removeAttribute('hx-get'); el.id = 'probe';
                 document.getElementById('main').append(el);
                 const s = el.querySelector('[role=status]');
                 const r = [s.checkVisibility(), s.innerText.trim(),
                            el.querySelector('progress').position,
                            el.getAttribute('aria-busy')];
                 el.remove();
                 return r;",
                vec![placeholder.into()],
            )
            .await?;
        ensure!(
            probe == serde_json::json!([true, "Computing sample sizes…", -1, "true"]),
            "the busy indicator: {probe}"
        );
        // htmx has replaced it with the options.
        b.find("#start-round fieldset input[type=radio]:checked")
            .await
            .context("the sample sizes did not appear")?;
        let left = b
            .client
            .execute(
                "return [document.querySelectorAll('[aria-busy=true]').length,
                         document.body.innerText.includes('Computing sample sizes')]",
                vec![],
            )
            .await?;
        ensure!(
            left == serde_json::json!([0, false]),
            "the indicator stayed: {left}"
        );

        // Without JavaScript: the link's page has the same form.
        b.open(&options).await?;
        b.expect_heading("Start round 2 Finished 2026").await?;
        b.find("#start-round fieldset input[type=radio]:checked")
            .await?;

        // Starting the round: the indicator is hidden while idle; on submit it shows, the
        // button is disabled and a second submission is refused.
        b.open(&page).await?;
        b.find("#start-round fieldset").await?;
        let idle = b
            .client
            .execute(
                "const s = document.getElementById('start-round-busy');
                 return [!!s, s && s.checkVisibility(), s && s.closest('[role=status]') !== null];",
                vec![],
            )
            .await?;
        ensure!(
            idle == serde_json::json!([true, false, true]),
            "idle indicator: {idle}"
        );
        let mut busy = serde_json::Value::Null;
        b.load_by(async || {
            busy = b
                .client
                .execute_async(
                    "const done = arguments[arguments.length - 1];
                     const form = document.getElementById('start-round');
                     const button = form.querySelector('button[type=submit]');
                     const prevented = [];
                     document.addEventListener('submit', e => prevented.push(e.defaultPrevented));
                     form.requestSubmit(button);
                     setTimeout(() => {
                         // A second submission, as Enter in the form would send.
                         form.requestSubmit();
                         done([document.getElementById('start-round-busy').checkVisibility(),
                               button.disabled, form.getAttribute('aria-busy'), prevented]);
                     }, 0);",
                    vec![],
                )
                .await?;
            Ok(())
        })
        .await?;
        ensure!(
            busy == serde_json::json!([true, true, "true", [false, true]]),
            "while the round starts: {busy}"
        );
        // The round started, and the page is not the refusal of a second start.
        b.expect_heading("Finished 2026").await?;
        b.find("#end-round")
            .await
            .context("round two did not start")?;
        let idle = b
            .client
            .execute(
                "return document.getElementById('end-round-busy').checkVisibility()",
                vec![],
            )
            .await?;
        ensure!(idle == false, "the end-round indicator shows while idle");
        Ok(())
    });
    drop(server);
}
