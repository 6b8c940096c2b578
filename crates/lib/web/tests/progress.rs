//! Progress on the slow steps: the next round's sample sizes come as a fragment of their own
//! (htmx loads it into the audit page; without JavaScript it is a page), which says why when no
//! round can start and is for the state administrator only; the slow forms carry a busy
//! indicator and the script that shows it writes no markup.

use accounts::Role;
use axum::http::{StatusCode, header};

use crate::security::audit_with_two_boards;
use crate::{App, between, csrf_of};

#[tokio::test]
async fn the_sample_size_fragment_says_why_no_round_can_start_and_is_for_state_admins_only() {
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
    audit_with_two_boards(&app).await;
    let (admin, admin_csrf, _) = app.login("admin@example.gov").await;

    // Round one is in progress: no form, the reason, and the end-round form with its indicator.
    let r = app.get_htmx("/admin/audits/A/rounds/options", &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.body.trim(),
        "<div id=\"round-options\">\n\n<p>A round is in progress: end it before starting the next.</p>\n\n</div>"
    );
    let page = app.get("/admin/audits/A", &admin).await;
    assert!(!page.body.contains("id=\"round-options\""));
    let end = between(&page.body, "id=\"end-round\"", "</form>");
    assert!(
        end.contains("data-busy=\"end-round-busy\"")
            && end.contains("<span role=\"status\"><span id=\"end-round-busy\" class=\"busy\" hidden><progress aria-label=\"Measuring the risk\"></progress>"),
        "{end}"
    );

    // After the round (every ballot not found, boards signed off): the next round's sizes, in a
    // form with the session's CSRF token and a busy indicator; a full page without htmx.
    let wf = app.state.wf();
    let record = wf.record("A").await.unwrap();
    for b in &record.ballots {
        wf.record_ballot(
            "test",
            "A",
            &audit::workflow::BallotRef {
                jurisdiction: b.jurisdiction.clone(),
                tabulator: b.tabulator.clone(),
                batch: b.batch.clone(),
                position: b.position,
            },
            &audit::BallotEntry::NotFound,
        )
        .await
        .unwrap();
    }
    for board in ["Board 1", "Board 2"] {
        wf.sign_off("test", "A", "Adams", board, ("Ana", "Ben"))
            .await
            .unwrap();
    }
    wf.end_round("test", "A").await.unwrap();
    let r = app.get_htmx("/admin/audits/A/rounds/options", &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers[header::VARY], "HX-Request");
    assert!(!r.body.contains("<html") && !r.body.contains("<h1>"));
    assert_eq!(csrf_of(&r.body), admin_csrf);
    let start = "<form method=\"post\" action=\"/admin/audits/A/rounds\"";
    let form = between(&r.body, start, "</form>");
    assert!(
        form.contains("data-busy=\"start-round-busy\"")
            && form.contains("<legend>Contest 1: draws for round 2</legend>")
            && form.contains("value=\"full\"")
            && form.contains("<button type=\"submit\">Start round 2</button>")
            && form.contains(
                "<progress aria-label=\"Drawing the sample\"></progress> Drawing the sample…"
            ),
        "{form}"
    );
    let page = app.get("/admin/audits/A/rounds/options", &admin).await;
    assert!(page.body.starts_with("<!doctype html>"));
    assert!(
        page.body
            .contains("<h1>Start round 2 <span class=\"small\">A</span></h1>")
    );
    assert_eq!(
        between(&page.body, start, "</form>"),
        form,
        "the page and the fragment offer the same form"
    );

    // Nobody else: the county, support staff, the public; and an unknown audit is not found.
    for who in ["adams@example.gov", "support@example.gov"] {
        let (cookie, _, _) = app.login(who).await;
        let r = app
            .get_htmx("/admin/audits/A/rounds/options", &cookie)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        assert!(!r.body.contains("start-round"));
    }
    let r = app.get_htmx("/admin/audits/A/rounds/options", "").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = app.get_htmx("/admin/audits/B/rounds/options", &admin).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn before_the_seed_the_fragment_asks_for_contests_and_the_seed() {
    let app = App::new().await;
    app.user("admin@example.gov", Role::StateAdmin).await;
    let (admin, csrf, _) = app.login("admin@example.gov").await;
    app.create_audit_a(&admin, &csrf).await;
    let r = app.get_htmx("/admin/audits/A/rounds/options", &admin).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body
            .contains("Add the contests and reveal the seed first")
            && !r.body.contains("<form"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn the_busy_script_is_served_writes_no_markup_and_prevents_double_submission() {
    let app = App::new().await;
    let js = app.get("/static/busy.js", "").await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(
        js.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(!js.body.contains("innerHTML") && !js.body.contains("document.write"));
    assert!(js.body.contains("event.preventDefault()") && js.body.contains(".disabled = true"));
    // Every page loads it with the response's nonce.
    let page = app.get("/login", "").await;
    let nonce = between(
        page.headers["content-security-policy"].to_str().unwrap(),
        "'nonce-",
        "'",
    );
    assert!(page.body.contains(&format!(
        "<script src=\"/static/busy.js\" nonce=\"{nonce}\" defer></script>"
    )));
}
