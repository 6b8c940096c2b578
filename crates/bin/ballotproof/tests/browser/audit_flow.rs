//! A whole small ballot-comparison audit through the web application in Chromium, as the people
//! who run it would: the state administrator (first login with TOTP enrolment) creates the audit,
//! a jurisdiction and — after the county's uploads — the contest, reveals the seed and starts
//! round one; the jurisdiction administrator uploads a ballot manifest and CVRs (the validation
//! report is shown), sets up an audit board and prints its passphrase; the audit board logs in,
//! enters every sampled ballot as the paper shows it and both members sign off; the state
//! administrator ends the round, sees the risk chart and downloads the audit report; the public
//! page shows the seed, the risk and the signed checkpoint.

use std::collections::HashMap;

use anyhow::{Context, ensure};

use crate::harness::{self, Browser, login, logout};
use crate::server::{Server, TempDir, add_user};

const AUDIT: &str = "General 2026";
const COUNTY: &str = "Adams County";
const CONTEST: &str = "Contest 1";
const ADMIN: &str = "state.admin@sos.example.gov";
const CLERK: &str = "clerk@adams.example.gov";

/// What the CVR of each sampled ballot says for the contest, by (tabulator, batch, position):
/// the readings of an audit board that finds no discrepancy. Read from the public audit record,
/// which carries the sampled ballots' CVRs for anyone to recompute the risk.
async fn cvr_readings(
    b: &Browser,
    app: &str,
) -> anyhow::Result<HashMap<(String, String, String), Vec<String>>> {
    let (status, json) = b
        .fetch(&format!("{app}/public/audits/General%202026/audit.json"))
        .await?;
    ensure!(status == 200, "audit.json: {status} {json}");
    let record: serde_json::Value = serde_json::from_str(&json)?;
    let mut readings = HashMap::new();
    for x in record["ballots"]
        .as_array()
        .context("no ballots in audit.json")?
    {
        let key = (
            x["tabulator"].as_str().unwrap_or_default().to_string(),
            x["batch"].as_str().unwrap_or_default().to_string(),
            x["position"].to_string(),
        );
        let votes = x["cvr"]["votes"][CONTEST]
            .as_array()
            .map(|v| {
                v.iter()
                    .filter_map(|c| c.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        readings.insert(key, votes);
    }
    Ok(readings)
}

/// The ballot page's location list as term → value.
async fn location(b: &Browser) -> anyhow::Result<HashMap<String, String>> {
    let pairs = b
        .client
        .execute(
            "return [...document.querySelectorAll('#ballot-location dt')]
                 .map(dt => [dt.textContent.trim(), dt.nextElementSibling.textContent.trim()]);",
            vec![],
        )
        .await?;
    Ok(pairs
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p[0].as_str()?.to_string(), p[1].as_str()?.to_string())))
        .collect())
}

#[test]
fn a_whole_audit_through_the_browser() {
    let Some(chromedriver) = harness::browser_available("audit-flow") else {
        return;
    };
    let data = TempDir::new("audit-flow").unwrap();
    let dir = data.0.clone();
    // A small generated Dominion export: 300 cards in three batches of one tabulator.
    let files = crate::server::generate_small_election(&dir).unwrap();
    add_user(&dir, ADMIN, &["--role", "state-admin"]).unwrap();
    add_user(
        &dir,
        CLERK,
        &[
            "--role",
            "jurisdiction-admin",
            "--audit",
            AUDIT,
            "--jurisdiction",
            COUNTY,
        ],
    )
    .unwrap();
    let server = Server::start(&dir).unwrap();
    let app = server.url.clone();

    harness::run(&chromedriver, "audit-flow", async |b| {
        // The state administrator's first login: password, then authenticator enrolment.
        let mut admin = login(b, &app, ADMIN, None, true).await?;
        b.open(&format!("{app}/admin")).await?;
        b.expect_heading("Audits").await?;
        b.fill("#name", AUDIT).await?;
        b.find("#audit_type")
            .await?
            .select_by_value("ballot_comparison")
            .await?;
        b.fill("#risk_limit", "10%").await?;
        b.fill("#seed", "e2e-seed-20261103").await?;
        b.submit("create-audit").await?;
        b.expect_heading(AUDIT).await?;
        let commitment = b.text("#seed-commitment").await?;
        ensure!(commitment.len() == 64, "commitment {commitment:?}");
        b.fill("#jname", COUNTY).await?;
        b.submit("add-jurisdiction").await?;
        ensure!(b.text("main").await?.contains(COUNTY));
        logout(b).await?;

        // The county uploads its manifest and CVRs; each validation report shows at once.
        let mut clerk = login(b, &app, CLERK, None, false).await?;
        let county_page = format!("{app}/jurisdiction/General%202026/Adams%20County");
        b.open(&county_page).await?;
        b.expect_heading(&format!("{COUNTY} {AUDIT}")).await?;
        for (kind, file) in [("manifest", "manifest.csv"), ("cvrs", "cvrs.csv")] {
            b.find("#kind").await?.select_by_value(kind).await?;
            b.find("#file")
                .await?
                .send_keys(&files.join(file).display().to_string())
                .await?;
            // The page sends the file itself to show progress, then shows the server's report.
            b.submit("upload-form").await?;
            let report = b
                .wait_for_text("#validation-report", |t| t.contains(file))
                .await?;
            ensure!(
                report.starts_with(&format!("Accepted: {file}")),
                "upload of {file}: {report}"
            );
        }
        let report = b.text("#validation-report").await?;
        ensure!(
            report.contains("300 cards") && report.contains("Candidate 1-1 164"),
            "the CVR report lacks the totals: {report}"
        );
        b.screenshot("upload-report").await?;
        logout(b).await?;

        // The state administrator adds the contest, reveals the seed and starts round one.
        admin = login(b, &app, ADMIN, Some(admin), false).await?;
        let audit_page = format!("{app}/admin/audits/General%202026");
        b.open(&audit_page).await?;
        b.fill("#cname", CONTEST).await?;
        b.submit("add-contest").await?;
        ensure!(
            b.text("main").await?.contains(CONTEST),
            "contest not listed"
        );
        b.submit("reveal-seed").await?;
        ensure!(
            b.text("#seed-value").await? == "e2e-seed-20261103",
            "revealed seed"
        );
        b.submit("start-round").await?;
        b.find("#end-round")
            .await
            .context("round one did not start")?;
        logout(b).await?;

        // The county sets up one audit board and prints its passphrase.
        clerk = login(b, &app, CLERK, Some(clerk), false).await?;
        b.open(&county_page).await?;
        b.fill("#names", "Board 1").await?;
        b.submit("set-boards").await?;
        b.follow(".credential-form button[value=passphrase]")
            .await?;
        let passphrase = b.text("#board-passphrase").await?;
        ensure!(!passphrase.is_empty());
        let _ = clerk;
        logout(b).await?;

        // The audit board: passphrase, members, every ballot, sign-off.
        b.open(&format!("{app}/board/login")).await?;
        b.fill("#passphrase", &passphrase).await?;
        b.submit("board-login-form").await?;
        b.fill("#member1", "Ana Ortiz").await?;
        b.fill("#member2", "Ben Brooks").await?;
        b.submit("members-form").await?;
        let readings = cvr_readings(b, &app).await?;
        ensure!(!readings.is_empty(), "no ballots drawn");
        // "Submit" goes straight to the next ballot, and to the board's page after the last.
        let mut entered = 0;
        b.follow("#next-ballot").await?;
        while b.path().await?.starts_with("/board/ballots/") {
            let at = location(b).await?;
            let key = (
                at.get("Tabulator").cloned().unwrap_or_default(),
                at.get("Batch").cloned().unwrap_or_default(),
                at.get("Ballot position").cloned().unwrap_or_default(),
            );
            let votes = readings
                .get(&key)
                .with_context(|| format!("ballot {key:?} is not in the sample"))?;
            let choice = match votes.first() {
                Some(name) => format!("vote:{name}"),
                None => "blank".to_string(),
            };
            b.click(&format!("input[name='c:{CONTEST}'][value='{choice}']"))
                .await?;
            if entered == 0 {
                b.screenshot("board-entry").await?;
            }
            b.follow("button[value=review]").await?;
            let review = b.text("#review").await?;
            ensure!(review.contains(CONTEST), "review shows {review:?}");
            b.follow("button[value=submit]").await?;
            entered += 1;
            ensure!(entered <= readings.len(), "the ballot list does not end");
        }
        ensure!(
            entered == readings.len(),
            "entered {entered} of {} ballots",
            readings.len()
        );
        b.submit("sign-off").await?;
        b.find("#signed-off")
            .await
            .context("the board's sign-off")?;
        logout(b).await?;

        // The state administrator ends the round: risk per contest, the chart, the reports.
        let _ = login(b, &app, ADMIN, Some(admin), false).await?;
        b.open(&audit_page).await?;
        b.submit("end-round").await?;
        b.find("figure svg").await.context("no risk chart")?;
        // The board's readings match the CVRs, so round one confirms the outcome.
        let rounds = b.text("section[aria-labelledby=r-h] table").await?;
        ensure!(
            rounds.contains(CONTEST) && rounds.trim_end().ends_with("yes"),
            "round one should meet the risk limit: {rounds}"
        );
        b.screenshot("admin-audit").await?;
        let (status, csv) = b
            .fetch(&format!("{audit_page}/reports/audit-report.csv"))
            .await?;
        ensure!(status == 200, "report download: {status} {csv}");
        ensure!(
            csv.contains(CONTEST) && csv.contains(COUNTY),
            "the audit report lacks the contest or county: {csv}"
        );

        // The public page: no login, the seed, risk per round, the signed checkpoint.
        logout(b).await?;
        b.open(&format!("{app}/public/audits/General%202026"))
            .await?;
        ensure!(b.text("#seed-value").await? == "e2e-seed-20261103");
        ensure!(!b.text("#checkpoint").await?.is_empty());
        b.screenshot("public-audit").await?;
        Ok(())
    });
    drop(server);
}
