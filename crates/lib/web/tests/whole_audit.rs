//! A whole small ballot-comparison audit over HTTP, through the real router and the real forms
//! (CSRF tokens read from the pages, as a browser submits them): the state administrator creates
//! the audit, its jurisdictions and their administrators; each county uploads its manifest and
//! CVRs; the administrator adds the contest, reveals the seed and starts round one; the counties
//! set up audit boards and print their passphrases; each board logs in, enters its members,
//! interprets every ballot (one overstatement, one ballot not found) and signs off; the round ends.
//!
//! The results are then checked against the same audit run directly through the workflow (what
//! the command line calls) in another data directory: same sample, same risk, same report — so
//! the web layer adds nothing and loses nothing. Finally the election log holds every step with
//! the right user, and the public page shows the signed checkpoint and no member names.

use audit::workflow::{AuditSpec, BallotRef, ContestSpec, NamedFile, SeedInput, Upload};
use audit::{AuditType, BallotEntry, Math, UploadKind};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use records::generate::Spec;

use crate::{App, ORIGIN, Response, between, csrf_of};

const AUDIT: &str = "County Audit";
const OVERSTATE: bool = true;
const SEED: &str = "31415926535897932384";
const COUNTIES: [(&str, u64, u64); 2] = [("Adams", 21, 400), ("Baker", 22, 300)];

pub(super) fn files(seed: u64, cards: u64) -> (Vec<u8>, Vec<u8>) {
    let spec = Spec {
        seed,
        cards,
        contests: 1,
        tabulators: 2,
        batch_size: 50,
    };
    let mut manifest = Vec::new();
    records::generate::write_manifest(&spec, false, &mut manifest).unwrap();
    let mut cvrs = Vec::new();
    records::generate::write_dominion_csv(&spec, &mut cvrs).unwrap();
    (manifest, cvrs)
}

impl App {
    /// A multipart upload as the upload form sends it (`csrf` first).
    async fn upload(
        &self,
        path: &str,
        cookie: &str,
        csrf: &str,
        kind: &str,
        file: (&str, &[u8]),
    ) -> Response {
        let b = "----bpboundary7MA4YWxk";
        let mut body = Vec::new();
        for (name, value) in [("csrf", csrf), ("kind", kind), ("contest", "")] {
            body.extend_from_slice(
                format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: text/csv\r\n\r\n",
                file.0
            )
            .as_bytes(),
        );
        body.extend_from_slice(file.1);
        body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
        self.send(
            Request::post(path)
                .header(header::HOST, crate::HOST)
                .header(header::COOKIE, cookie)
                .header(header::ORIGIN, ORIGIN)
                .header("sec-fetch-site", "same-origin")
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={b}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }
}

/// The `<dd>` after `<dt>label</dt>` in the ballot page's location list.
fn location(body: &str, label: &str) -> String {
    between(body, &format!("<dt>{label}</dt><dd>"), "</dd>")
}

/// The start-round form's radio buttons (name, value), in page order.
fn size_radios(body: &str) -> Vec<(String, String)> {
    let form = between(body, "id=\"start-round\"", "</form>");
    form.split("<input type=\"radio\" ")
        .skip(1)
        .map(|i| (between(i, "name=\"", "\""), between(i, "value=\"", "\"")))
        .collect()
}

#[tokio::test]
async fn a_whole_audit_over_http_matches_the_workflow_run_directly() {
    let app = App::new().await;
    app.user("admin@example.gov", accounts::Role::StateAdmin)
        .await;
    let (admin, csrf, _) = app.login("admin@example.gov").await;
    let audit_path = format!("/admin/audits/{}", AUDIT.replace(' ', "%20"));

    // The state administrator: audit (its seed sealed, the commitment published), jurisdictions,
    // their administrators.
    let r = app
        .post(
            "/admin/audits",
            &admin,
            &[
                ("csrf", &csrf),
                ("name", AUDIT),
                ("audit_type", "ballot_comparison"),
                ("math", "kaplan_markov"),
                ("risk_limit", "10%"),
                ("seed", SEED),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&audit_path, &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    let commitment = between(&page.body, "<code id=\"seed-commitment\">", "</code>");
    assert_eq!(commitment.len(), 64);
    assert!(
        !page.body.contains(SEED),
        "the seed stays sealed until the reveal"
    );
    for (county, _, _) in COUNTIES {
        let r = app
            .post(
                &format!("{audit_path}/jurisdictions"),
                &admin,
                &[("csrf", &csrf), ("name", county)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let users = app.get("/admin/users", &admin).await;
        let r = app
            .post(
                "/admin/users",
                &admin,
                &[
                    ("csrf", &csrf_of(&users.body)),
                    ("email", &format!("{}@example.gov", county.to_lowercase())),
                    ("role", "jurisdiction_admin"),
                    ("audit", AUDIT),
                    ("jurisdiction", county),
                    ("password", crate::PASSWORD),
                ],
            )
            .await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{}",
            r.body
        );
    }

    // Each county uploads its manifest and CVRs and sees the validation report at once.
    let mut county_sessions = Vec::new();
    for (county, seed, cards) in COUNTIES {
        let (cookie, csrf, _) = app
            .login(&format!("{}@example.gov", county.to_lowercase()))
            .await;
        let path = format!("/jurisdiction/{}/{county}", AUDIT.replace(' ', "%20"));
        let (manifest, cvrs) = files(seed, cards);
        for (kind, name, bytes) in [
            ("manifest", "manifest.csv", &manifest),
            ("cvrs", "cvrs.csv", &cvrs),
        ] {
            let r = app
                .upload(
                    &format!("{path}/uploads"),
                    &cookie,
                    &csrf,
                    kind,
                    (name, bytes),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert!(r.body.contains("id=\"validation-report\""));
            assert!(r.body.contains(&format!("Accepted: {name}")), "{}", r.body);
        }
        county_sessions.push((county, cookie, csrf, path));
    }

    // The contest, the seed ceremony, round one with the offered sizes as the form checks them.
    let r = app
        .post(
            &format!("{audit_path}/contests"),
            &admin,
            &[
                ("csrf", &csrf),
                ("name", "Contest 1"),
                ("targeted", "true"),
                ("jurisdictions", ""),
                ("winners", ""),
                ("votes", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = app
        .post(
            &format!("{audit_path}/seed"),
            &admin,
            &[("csrf", &csrf), ("seed", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(&audit_path, &admin).await;
    assert!(
        page.body
            .contains(&format!("<code id=\"seed-value\">{SEED}</code>"))
    );
    // The page comes at once with a busy indicator; htmx then loads the sample sizes (a
    // fragment), which without JavaScript are a page of their own.
    assert!(
        !page.body.contains("id=\"start-round\""),
        "sizes computed inline"
    );
    let placeholder = between(&page.body, "<div id=\"round-options\"", "</div>");
    assert!(
        placeholder.contains(&format!("hx-get=\"{audit_path}/rounds/options\""))
            && placeholder.contains("hx-trigger=\"load\"")
            && placeholder.contains("aria-busy=\"true\"")
            && placeholder.contains("role=\"status\"")
            && placeholder.contains("<progress aria-label=\"Computing sample sizes\"></progress> Computing sample sizes…")
            && placeholder.contains(&format!("<noscript><p><a href=\"{audit_path}/rounds/options\"")),
        "{placeholder}"
    );
    let fragment = app
        .get_htmx(&format!("{audit_path}/rounds/options"), &admin)
        .await;
    assert_eq!(fragment.status, StatusCode::OK);
    assert_eq!(fragment.headers[header::VARY], "HX-Request");
    assert!(
        fragment.body.starts_with("<div id=\"round-options\">") && !fragment.body.contains("<html"),
        "{}",
        fragment.body
    );
    let no_script = app
        .get(&format!("{audit_path}/rounds/options"), &admin)
        .await;
    assert!(
        no_script.body.contains("<h1>Start round 1 "),
        "{}",
        no_script.body
    );
    assert_eq!(size_radios(&no_script.body), size_radios(&fragment.body));
    // The sample size the form offers first (checked), as a browser submits it.
    let radios = size_radios(&fragment.body);
    assert!(radios.len() >= 2, "the offered sizes: {radios:?}");
    let (field, choice) = radios[0].clone();
    assert_eq!(field, "size:Contest 1");
    let label = choice.trim_start_matches("option:").to_string();
    let form: Vec<(&str, &str)> = vec![("csrf", &csrf), (&field, &choice)];
    let r = app
        .post(&format!("{audit_path}/rounds"), &admin, &form)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Each county sets up one board and prints its passphrase; the board enters its ballots.
    let truth = app.state.wf().record(AUDIT).await.unwrap();
    let mut overstated = false;
    let mut not_found = false;
    for (county, cookie, csrf, path) in &county_sessions {
        let r = app
            .post(
                &format!("{path}/boards"),
                cookie,
                &[("csrf", csrf), ("names", "Board 1")],
            )
            .await;
        assert!(
            r.status.is_success() || r.status.is_redirection(),
            "{}",
            r.body
        );
        let r = app
            .post(
                &format!("{path}/credentials"),
                cookie,
                &[("csrf", csrf), ("board", "Board 1"), ("kind", "passphrase")],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let passphrase = between(&r.body, "<code id=\"board-passphrase\">", "</code>");

        let (pre, token) = app.pre().await;
        let r = app
            .post(
                "/board/login",
                &pre,
                &[("csrf", &token), ("passphrase", &passphrase)],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let board = format!("{pre}; {}", crate::session_cookie(&r));
        let home = app.get("/board", &board).await;
        let bcsrf = csrf_of(&home.body);
        let r = app
            .post(
                "/board/members",
                &board,
                &[
                    ("csrf", &bcsrf),
                    ("member1", "Ana Auditor"),
                    ("member2", "Ben Bauer"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let first = app.get("/board/ballots/1", &board).await;
        assert_eq!(first.status, StatusCode::OK, "{}", first.body);
        let total: usize = between(&first.body, "<h1>Ballot 1 of ", "</h1>")
            .parse()
            .unwrap();
        assert!(total > 0);
        for n in 1..=total {
            let page = app.get(&format!("/board/ballots/{n}"), &board).await;
            let (tabulator, batch, position) = (
                location(&page.body, "Tabulator"),
                location(&page.body, "Batch"),
                location(&page.body, "Ballot position")
                    .parse::<u64>()
                    .unwrap(),
            );
            assert!(!location(&page.body, "Ticket numbers").is_empty());
            let paper = truth
                .ballots
                .iter()
                .find(|b| {
                    b.jurisdiction == *county
                        && b.tabulator.as_deref() == Some(tabulator.as_str())
                        && b.batch == batch
                        && b.position == position
                })
                .expect("the page names a sampled ballot");
            let csrf = csrf_of(&page.body);
            if *county == "Baker" && !not_found {
                not_found = true;
                let r = app
                    .post(
                        &format!("/board/ballots/{n}"),
                        &board,
                        &[("csrf", &csrf), ("action", "not_found")],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
                continue;
            }
            // What the paper shows: the CVR's votes, except one vote the board sees as blank.
            let votes = paper.cvr.as_ref().unwrap().votes.get("Contest 1").cloned();
            let mut values: Vec<String> = match votes {
                None => vec!["contest_not_on_ballot".into()],
                Some(v) if v.is_empty() => vec!["blank".into()],
                Some(v) => v.iter().map(|c| format!("vote:{c}")).collect(),
            };
            if OVERSTATE && *county == "Adams" && !overstated && values[0].starts_with("vote:") {
                overstated = true;
                values = vec!["blank".into()];
            }
            let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf)];
            fields.extend(values.iter().map(|v| ("c:Contest 1", v.as_str())));
            let mut review = fields.clone();
            review.push(("action", "review"));
            let r = app
                .post(&format!("/board/ballots/{n}"), &board, &review)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            assert!(r.body.contains("id=\"review\""));
            fields.push(("action", "submit"));
            let r = app
                .post(&format!("/board/ballots/{n}"), &board, &fields)
                .await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let home = app.get("/board", &board).await;
        assert!(
            home.body.contains(&format!("({total} of {total} entered)")),
            "{}",
            home.body
        );
        // The county cannot sign off before its board has.
        let early = app
            .post(&format!("{path}/sign-off"), cookie, &[("csrf", csrf)])
            .await;
        assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
        assert!(
            early.body.contains("have not signed off round 1"),
            "{}",
            early.body
        );
        let r = app
            .post(
                "/board/sign-off",
                &board,
                &[
                    ("csrf", &bcsrf),
                    ("member1", "Ana Auditor"),
                    ("member2", "Ben Bauer"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("id=\"signed-off\""));
        // Then the county signs off its round, once.
        let r = app
            .post(&format!("{path}/sign-off"), cookie, &[("csrf", csrf)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = app.get(path, cookie).await;
        assert!(
            page.body.contains("id=\"county-signed-off\""),
            "{}",
            page.body
        );
        let again = app
            .post(&format!("{path}/sign-off"), cookie, &[("csrf", csrf)])
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    }
    // One county cannot sign off another; the state sees every county signed off.
    let (_, other_cookie, other_csrf, _) = &county_sessions[0];
    let (_, _, _, second_path) = &county_sessions[1];
    let r = app
        .post(
            &format!("{second_path}/sign-off"),
            other_cookie,
            &[("csrf", other_csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let progress = app.get(&audit_path, &admin).await;
    let table = between(&progress.body, "<table id=\"jurisdictions\">", "</table>");
    assert!(
        table.contains("<th scope=\"col\">County signed off</th>"),
        "{table}"
    );
    assert_eq!(
        table.matches("<td>yes</td>").count(),
        county_sessions.len(),
        "{table}"
    );
    assert!(not_found && overstated == OVERSTATE);

    let r = app
        .post(
            &format!("{audit_path}/rounds/end"),
            &admin,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let web = app.state.wf().record(AUDIT).await.unwrap();

    // The same audit run directly through the workflow, as the command line does.
    let cli = App::new().await;
    let wf = cli.state.wf();
    let actor = "cli:replay";
    wf.create_audit(
        actor,
        &AuditSpec {
            name: AUDIT.into(),
            audit_type: AuditType::BallotComparison,
            math: Math::KaplanMarkov,
            risk_limit: "10%".into(),
            seed: SeedInput::Sealed {
                seed: SEED.into(),
                // The web form drew a random salt; the same salt gives the same commitment.
                salt: web.seed_salt.clone().unwrap(),
            },
        },
    )
    .await
    .unwrap();
    for (county, seed, cards) in COUNTIES {
        wf.add_jurisdiction(actor, AUDIT, county).await.unwrap();
        let (manifest, cvrs) = files(seed, cards);
        for (kind, name, bytes) in [
            (UploadKind::Manifest, "manifest.csv", &manifest),
            (UploadKind::Cvrs, "cvrs.csv", &cvrs),
        ] {
            let report = wf
                .upload(
                    actor,
                    AUDIT,
                    county,
                    &Upload::new(kind, &[NamedFile::new(name, bytes)]),
                )
                .await
                .unwrap();
            assert!(report.accepted);
        }
    }
    wf.add_contest(
        actor,
        AUDIT,
        &ContestSpec {
            name: "Contest 1".into(),
            targeted: true,
            ..ContestSpec::default()
        },
    )
    .await
    .unwrap();
    wf.reveal_seed(actor, AUDIT, None).await.unwrap();
    wf.start_round(
        actor,
        AUDIT,
        &[("Contest 1".to_string(), audit::SizeChoice::Option(label))],
    )
    .await
    .unwrap();
    for (county, _, _) in COUNTIES {
        wf.set_audit_boards(actor, AUDIT, county, &["Board 1".to_string()])
            .await
            .unwrap();
    }
    for b in &web.ballots {
        let entry = match b.status.as_str() {
            "not_found" => BallotEntry::NotFound,
            "audited" => BallotEntry::Read(b.interpretations.clone()),
            other => panic!("ballot left {other} after the round"),
        };
        let at = BallotRef {
            jurisdiction: b.jurisdiction.clone(),
            tabulator: b.tabulator.clone(),
            batch: b.batch.clone(),
            position: b.position,
        };
        wf.record_ballot(actor, AUDIT, &at, &entry).await.unwrap();
    }
    for (county, _, _) in COUNTIES {
        wf.sign_off(
            actor,
            AUDIT,
            county,
            "Board 1",
            ("Ana Auditor", "Ben Bauer"),
        )
        .await
        .unwrap();
    }
    wf.end_round(actor, AUDIT).await.unwrap();
    let direct = wf.record(AUDIT).await.unwrap();

    // Same sample, same risk, same report.
    let key = |r: &audit::AuditRecord| -> Vec<(String, String, u64, String)> {
        r.ballots
            .iter()
            .map(|b| {
                (
                    b.jurisdiction.clone(),
                    b.batch.clone(),
                    b.position,
                    b.status.clone(),
                )
            })
            .collect()
    };
    assert_eq!(key(&web), key(&direct));
    let p = direct.rounds[0].contests[0].p_value.expect("risk measured");
    assert_eq!(web.rounds[0].contests[0].p_value, Some(p));
    // A ballot not found counts as a two-vote overstatement: the risk stays above the limit.
    assert!(p > 0.1 && p <= 1.0, "{p}");
    assert_eq!(direct.rounds[0].contests[0].risk_limit_met, Some(false));
    assert_eq!(
        web.rounds[0].contests[0].sample_size,
        direct.rounds[0].contests[0].sample_size
    );
    let report = app
        .get(&format!("{audit_path}/reports/audit-report.csv"), &admin)
        .await;
    assert_eq!(report.status, StatusCode::OK);
    assert_eq!(
        report.headers[header::CONTENT_DISPOSITION],
        "attachment; filename=\"audit-report.csv\""
    );
    assert_eq!(report.body, audit::report::audit_report(&direct));
    assert!(report.body.contains(&audit::report::format_p(p)));
    let page = app.get(&audit_path, &admin).await;
    let chart = between(&page.body, "<desc id=\"chart-desc\">", "</desc>");
    assert!(
        chart.contains(&format!(
            "Contest 1: round 1: {}",
            audit::report::format_p(p)
        )),
        "{chart}"
    );

    // The election log: every step, by the user who took it.
    let log = app.log_kinds().await;
    let by = |kind: &str, actor: &str| {
        log.iter()
            .any(|(k, a, _)| k == kind && a.starts_with(actor))
    };
    for (kind, actor) in [
        ("audit.created", "user:admin@example.gov"),
        ("audit.jurisdiction_added", "user:admin@example.gov"),
        ("auth.user_created", "user:admin@example.gov"),
        ("audit.upload", "user:adams@example.gov"),
        ("audit.upload", "user:baker@example.gov"),
        ("audit.seed_revealed", "user:admin@example.gov"),
        ("audit.round_started", "user:admin@example.gov"),
        ("audit.boards_set", "user:baker@example.gov"),
        ("auth.board_credential_issued", "user:adams@example.gov"),
        ("auth.board_login", "board:County Audit/Adams/Board 1"),
        (
            "audit.ballot_audited",
            "board:County Audit/Adams/Board 1 (Ana Auditor, Ben Bauer)",
        ),
        ("audit.board_signed_off", "board:County Audit/Baker/Board 1"),
        ("audit.round_ended", "user:admin@example.gov"),
    ] {
        assert!(
            by(kind, actor),
            "no {kind} by {actor}: {:?}",
            log.iter().map(|l| (&l.0, &l.1)).collect::<Vec<_>>()
        );
    }

    // The public page: the signed checkpoint, the risk, and no member names.
    let public = app
        .get(&format!("/public/audits/{}", AUDIT.replace(' ', "%20")), "")
        .await;
    assert_eq!(public.status, StatusCode::OK);
    let checkpoint = between(&public.body, "<pre id=\"checkpoint\">", "</pre>");
    assert!(
        checkpoint.contains('\u{2014}') || checkpoint.lines().count() >= 3,
        "{checkpoint}"
    );
    assert!(public.body.contains(&audit::report::format_p(p)));
    assert!(!public.body.contains("Ana Auditor") && !public.body.contains("Ben Bauer"));
    let json = app
        .get(
            &format!("/public/audits/{}/audit.json", AUDIT.replace(' ', "%20")),
            "",
        )
        .await;
    assert!(
        !json.body.contains("Ana Auditor"),
        "member names stay private"
    );
}
