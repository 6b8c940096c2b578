//! The store's conformance story (atuin's `db_story` layout): one audit from creation to the end of
//! a round, through every method of [`Store`], checking what each write leaves behind.
//!
//! The story is generic over the store; [`sqlite_story`] runs it on a fresh SQLite file. A
//! PostgreSQL store will add a second entry point that runs the same `story` when a database URL
//! is given in the environment.

use store::*;

fn log(kind: &str) -> Vec<LogRecord> {
    vec![LogRecord {
        kind: kind.into(),
        actor: "test:story".into(),
        time_ms: 1_000,
        sha256: None,
        body: "{}".into(),
    }]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn sqlite_story() {
    let dir = std::env::temp_dir().join(format!("ballotproof-store-story-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(DATABASE_FILE);
    runtime().block_on(async {
        let store = SqliteStore::open(&path).await.unwrap();
        story(&store).await;
        store.close().await;
        // Reopening keeps everything and does not migrate twice.
        let again = SqliteStore::open(&path).await.unwrap();
        assert_eq!(again.audits().await.unwrap().len(), 1);
        again.close().await;
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn unwritable_directory_gets_a_clear_error() {
    let err = runtime().block_on(async {
        SqliteStore::open(std::path::Path::new(
            "/proc/no-such-dir/ballotproof.sqlite3",
        ))
        .await
        .unwrap_err()
    });
    let text = err.to_string();
    assert!(text.contains("cannot open the audit database"), "{text}");
    assert!(text.contains("--data-dir"), "{text}");
}

async fn story(store: &impl Store) {
    let instance = store.instance().await.unwrap();
    assert_eq!(instance.len(), 32);

    // An audit; the name is unique.
    let new_audit = NewAudit {
        name: "County 2026".into(),
        audit_type: "ballot_comparison".into(),
        math: "kaplan_markov".into(),
        risk_limit: "0.05".into(),
        seed_commitment: "ab".repeat(32),
        seed_salt: Some("00".repeat(16)),
        sealed_seed: Some("12345678901234567890".into()),
        created_at: 1,
        created_by: "test:story".into(),
    };
    let audit = store
        .create_audit(&new_audit, &log("audit.created"))
        .await
        .unwrap();
    let dup = store
        .create_audit(&new_audit, &log("audit.created"))
        .await
        .unwrap_err();
    assert!(dup.to_string().contains("already exists"), "{dup}");
    let row = store.audit_by_name("County 2026").await.unwrap().unwrap();
    assert_eq!(
        (row.id, row.status.as_str(), row.seed.as_deref()),
        (audit, "setup", None)
    );
    assert_eq!(store.audit(audit).await.unwrap(), row);
    assert!(store.audit_by_name("nope").await.unwrap().is_none());
    store
        .reveal_seed(
            audit,
            "12345678901234567890",
            2,
            &log("audit.seed_revealed"),
        )
        .await
        .unwrap();
    assert!(store.reveal_seed(audit, "other", 3, &[]).await.is_err());
    assert_eq!(
        store.audit(audit).await.unwrap().seed.as_deref(),
        Some("12345678901234567890")
    );

    let adams = store
        .add_jurisdiction(audit, "Adams", 3, &log("audit.jurisdiction_added"))
        .await
        .unwrap();
    let baker = store
        .add_jurisdiction(audit, "Baker", 3, &[])
        .await
        .unwrap();
    assert!(
        store
            .add_jurisdiction(audit, "Adams", 3, &[])
            .await
            .is_err()
    );
    assert_eq!(
        store
            .jurisdictions(audit)
            .await
            .unwrap()
            .iter()
            .map(|j| j.name.as_str())
            .collect::<Vec<_>>(),
        ["Adams", "Baker"]
    );

    // Uploads: a rejected attempt changes nothing; a re-upload replaces the first atomically.
    let upload = |j: i64, kind: &str, sha: &str| NewUpload {
        audit_id: audit,
        jurisdiction_id: j,
        kind: kind.into(),
        contest: String::new(),
        file_name: format!("{kind}.csv"),
        format: "manifest".into(),
        sha256: sha.into(),
        size: 10,
        report: "[]".into(),
        summary: "{}".into(),
        uploaded_at: 4,
        uploaded_by: "test:story".into(),
        // CVR exports come as several files; the others as one.
        files: (1..=if kind == "cvrs" { 2 } else { 1 })
            .map(|i| UploadFile {
                name: format!("{kind}-{i}.csv"),
                format: "dominion-csv".into(),
                sha256: format!("{sha}-{i}"),
                size: 5,
            })
            .collect(),
    };
    let batch = |idx: i64, name: &str, ballots: i64| ManifestBatchRow {
        idx,
        container: None,
        tabulator: Some("T1".into()),
        name: name.into(),
        ballots,
        has_cvrs: None,
    };
    store
        .store_upload(
            &upload(adams, "manifest", "a1"),
            &UploadData::Manifest(vec![batch(0, "B1", 10)]),
            &log("audit.upload"),
        )
        .await
        .unwrap();
    store
        .store_upload(
            &upload(adams, "manifest", "bad"),
            &UploadData::Rejected,
            &log("audit.upload"),
        )
        .await
        .unwrap();
    assert_eq!(
        store.manifest_batches(adams).await.unwrap(),
        vec![batch(0, "B1", 10)]
    );
    store
        .store_upload(
            &upload(adams, "manifest", "a2"),
            &UploadData::Manifest(vec![batch(0, "B1", 10), batch(1, "B2", 5)]),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(store.manifest_batches(adams).await.unwrap().len(), 2);
    let uploads = store.uploads(audit).await.unwrap();
    assert_eq!(
        uploads
            .iter()
            .map(|u| (u.sha256.as_str(), u.accepted, u.replaced_at.is_some()))
            .collect::<Vec<_>>(),
        [
            ("a1", true, true),
            ("bad", false, false),
            ("a2", true, false)
        ]
    );
    let files = store.upload_files(audit).await.unwrap();
    assert_eq!(
        files
            .iter()
            .map(|f| (f.upload_id, f.idx, f.sha256.as_str()))
            .collect::<Vec<_>>(),
        [
            (uploads[0].id, 0, "a1-1"),
            (uploads[1].id, 0, "bad-1"),
            (uploads[2].id, 0, "a2-1")
        ]
    );

    let cards: Vec<CvrCardRow> = (1..=450)
        .map(|i| CvrCardRow {
            tabulator: "T1".into(),
            batch: if i <= 300 { "B1".into() } else { "B2".into() },
            record_id: Some(i),
            position: Some(if i <= 300 { i } else { i - 300 }),
            imprinted_id: format!("1-1-{i}"),
            cvr_id: i.to_string(),
            marks: "0:1".into(),
        })
        .collect();
    let contest_row = CvrContestRow {
        idx: 0,
        name: "Mayor".into(),
        votes_allowed: 1,
        ranks: 0,
        choices: r#"["A","B"]"#.into(),
        votes: "[300,150]".into(),
        ballots: 450,
    };
    store
        .store_upload(
            &upload(adams, "cvrs", "c1"),
            &UploadData::Cvrs {
                contests: vec![contest_row.clone()],
                cards: cards.iter().cloned().collect(),
            },
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        store.cvr_contests(adams).await.unwrap(),
        vec![contest_row.clone()]
    );
    let c1 = store.uploads(audit).await.unwrap().last().unwrap().id;
    assert_eq!(
        store
            .upload_files(audit)
            .await
            .unwrap()
            .iter()
            .filter(|f| f.upload_id == c1)
            .map(|f| (f.name.as_str(), f.sha256.as_str()))
            .collect::<Vec<_>>(),
        [("cvrs-1.csv", "c1-1"), ("cvrs-2.csv", "c1-2")]
    );
    let found = store
        .cvr_cards(
            adams,
            &[
                (Some("T1".into()), "B2".into(), 7),
                (None, "B1".into(), 300),
                (Some("T9".into()), "B1".into(), 1),
            ],
        )
        .await
        .unwrap();
    assert_eq!(found[0].as_ref().unwrap().cvr_id, "307");
    assert_eq!(found[1].as_ref().unwrap().imprinted_id, "1-1-300");
    assert!(found[2].is_none());
    // Replacing the CVRs drops the old cards.
    store
        .store_upload(
            &upload(adams, "cvrs", "c2"),
            &UploadData::Cvrs {
                contests: vec![],
                cards: cards[..1].iter().cloned().collect(),
            },
            &[],
        )
        .await
        .unwrap();
    assert!(
        store
            .cvr_cards(adams, &[(None, "B2".into(), 7)])
            .await
            .unwrap()[0]
            .is_none()
    );

    let tally = BatchTallyRow {
        idx: 0,
        contest: "Mayor".into(),
        tabulator: None,
        batch: "B1".into(),
        choices: r#"["A","B"]"#.into(),
        votes: "[6,4]".into(),
    };
    let mut tally_upload = upload(baker, "batch_tallies", "t1");
    tally_upload.contest = "Mayor".into();
    store
        .store_upload(
            &tally_upload,
            &UploadData::BatchTallies(vec![tally.clone()]),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(store.batch_tallies(baker).await.unwrap(), vec![tally]);

    let contest = store
        .add_contest(
            &NewContest {
                audit_id: audit,
                name: "Mayor".into(),
                targeted: true,
                num_winners: 1,
                votes_allowed: 1,
                winners: None,
                source: "cvrs".into(),
                choices: r#"[["A",300],["B",150]]"#.into(),
                ballots: 450,
                jurisdictions: vec![adams, baker],
                created_at: 5,
                created_by: "test:story".into(),
            },
            &log("audit.contest_added"),
        )
        .await
        .unwrap();
    let contests = store.contests(audit).await.unwrap();
    assert_eq!(contests[0].jurisdictions, vec![adams, baker]);

    // A round with a ballot drawn twice and a batch.
    let round = NewRound {
        audit_id: audit,
        number: 1,
        kind: "sample".into(),
        started_at: 6,
        started_by: "test:story".into(),
        sample_sha256: "cd".repeat(32),
        contests: vec![NewRoundContest {
            contest_id: contest,
            sample_size: 3,
            size_option: "estimate".into(),
            draws_before: 0,
            non_cvr_sample_size: 0,
            non_cvr_draws_before: 0,
        }],
        freeze: vec![ContestResults {
            contest_id: contest,
            choices: r#"[["A",301],["B",150]]"#.into(),
            ballots: 455,
        }],
        ballots: vec![
            NewSampledBallot {
                jurisdiction_id: adams,
                batch_key: "('Adams', 'T1', 'B1')".into(),
                container: None,
                tabulator: Some("T1".into()),
                batch: "B1".into(),
                position: 4,
            },
            NewSampledBallot {
                jurisdiction_id: adams,
                batch_key: "('Adams', 'T1', 'B2')".into(),
                container: None,
                tabulator: Some("T1".into()),
                batch: "B2".into(),
                position: 2,
            },
        ],
        draws: vec![
            NewDraw {
                contest_id: contest,
                ballot: 0,
                ticket: "0.1".into(),
            },
            NewDraw {
                contest_id: contest,
                ballot: 1,
                ticket: "0.2".into(),
            },
            NewDraw {
                contest_id: contest,
                ballot: 0,
                ticket: "0.3".into(),
            },
        ],
        batches: vec![NewSampledBatch {
            jurisdiction_id: baker,
            container: None,
            tabulator: None,
            batch: "B1".into(),
        }],
        batch_draws: vec![NewBatchDraw {
            contest_id: contest,
            batch: 0,
            ticket: "0.4".into(),
        }],
    };
    let round_id = store
        .start_round(&round, &log("audit.round_started"))
        .await
        .unwrap();
    assert!(
        store.start_round(&round, &[]).await.is_err(),
        "round numbers are unique"
    );
    assert_eq!(store.audit(audit).await.unwrap().status, "in_progress");
    assert_eq!(store.contests(audit).await.unwrap()[0].ballots, 455);
    let ballots = store.sampled_ballots(audit).await.unwrap();
    assert_eq!(ballots.len(), 2);
    let draws = store.draws(audit).await.unwrap();
    assert_eq!(
        draws
            .iter()
            .filter(|d| d.ballot_id == ballots[0].id)
            .count(),
        2
    );
    let batches = store.sampled_batches(audit).await.unwrap();
    assert_eq!(
        store.batch_draws(audit).await.unwrap()[0].batch_id,
        batches[0].id
    );
    assert_eq!(store.rounds(audit).await.unwrap()[0].id, round_id);

    let boards = store
        .set_audit_boards(
            round_id,
            adams,
            &[
                NewBoard {
                    name: "Board 1".into(),
                    ballots: vec![ballots[0].id],
                    batches: vec![],
                },
                NewBoard {
                    name: "Board 2".into(),
                    ballots: vec![ballots[1].id],
                    batches: vec![],
                },
            ],
            &log("audit.boards_set"),
        )
        .await
        .unwrap();
    let board_b = store
        .set_audit_boards(
            round_id,
            baker,
            &[NewBoard {
                name: "Board 1".into(),
                ballots: vec![],
                batches: vec![batches[0].id],
            }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(
        store.sampled_ballots(audit).await.unwrap()[1].audit_board_id,
        Some(boards[1])
    );
    assert_eq!(
        store.sampled_batches(audit).await.unwrap()[0].audit_board_id,
        Some(board_b[0])
    );

    let interpretation = InterpretationRow {
        ballot_id: ballots[0].id,
        contest_id: contest,
        interpretation: "vote".into(),
        choices: "[0]".into(),
        comment: String::new(),
    };
    store
        .record_ballots(
            &[
                BallotResult {
                    ballot_id: ballots[0].id,
                    status: "audited".into(),
                    interpretations: vec![interpretation.clone()],
                    at: 7,
                    by: "test:story".into(),
                },
                BallotResult {
                    ballot_id: ballots[1].id,
                    status: "not_found".into(),
                    interpretations: vec![],
                    at: 7,
                    by: "test:story".into(),
                },
            ],
            &log("audit.ballot_audited"),
        )
        .await
        .unwrap();
    // Re-entering a ballot replaces its interpretations.
    let blank = InterpretationRow {
        interpretation: "blank".into(),
        choices: "[]".into(),
        ..interpretation
    };
    store
        .record_ballots(
            &[BallotResult {
                ballot_id: ballots[0].id,
                status: "audited".into(),
                interpretations: vec![blank.clone()],
                at: 8,
                by: "test:story".into(),
            }],
            &[],
        )
        .await
        .unwrap();
    assert_eq!(store.interpretations(audit).await.unwrap(), vec![blank]);
    assert_eq!(
        store.sampled_ballots(audit).await.unwrap()[1].status,
        "not_found"
    );

    let result = BatchResultRow {
        batch_id: batches[0].id,
        contest_id: contest,
        votes: "[6,4]".into(),
        entered_at: 8,
        entered_by: "test:story".into(),
    };
    store
        .record_batch_results(std::slice::from_ref(&result), &[])
        .await
        .unwrap();
    assert_eq!(store.batch_results(audit).await.unwrap(), vec![result]);
    assert_eq!(
        store.sampled_batches(audit).await.unwrap()[0].status,
        "audited"
    );

    let offline = OfflineTallyRow {
        round_id,
        jurisdiction_id: adams,
        contest_id: contest,
        votes: "[2,1]".into(),
        ballots: 3,
        entered_at: 8,
        entered_by: "test:story".into(),
    };
    // The revision moves with every committed change, log entries or not, and with nothing else.
    let revision = store.audit_revision(audit).await.unwrap();
    assert!(revision > 0, "the changes so far moved it");
    assert_eq!(
        store.audit(audit).await.unwrap().revision,
        revision,
        "the audit row carries it"
    );
    store.record_offline_tally(&offline, &[]).await.unwrap();
    let after_tally = store.audit_revision(audit).await.unwrap();
    assert!(after_tally > revision);
    let corrected = OfflineTallyRow {
        votes: "[1,2]".into(),
        ..offline
    };
    store.record_offline_tally(&corrected, &[]).await.unwrap();
    assert_eq!(store.offline_tallies(audit).await.unwrap(), vec![corrected]);
    let after_correction = store.audit_revision(audit).await.unwrap();
    assert!(after_correction > after_tally);
    assert_eq!(
        store.audit_revision(audit).await.unwrap(),
        after_correction,
        "reading does not move it"
    );

    store
        .sign_off(boards[0], ("Ana", "Ben"), 9, &log("audit.board_signed_off"))
        .await
        .unwrap();
    let signed = store.audit_revision(audit).await.unwrap();
    assert!(signed > after_correction);
    assert!(
        store
            .sign_off(boards[0], ("Ana", "Ben"), 9, &[])
            .await
            .is_err(),
        "a board signs off once"
    );
    assert_eq!(
        store.audit_revision(audit).await.unwrap(),
        signed,
        "a refused change does not move it"
    );
    assert_eq!(
        store.audit_boards(audit).await.unwrap()[0]
            .member_2
            .as_deref(),
        Some("Ben")
    );

    store
        .end_round(
            round_id,
            &[RoundContestResult {
                contest_id: contest,
                p_value: 0.01,
                risk_limit_met: true,
                discrepancies: "{}".into(),
            }],
            10,
            "test:story",
            "complete",
            &log("audit.round_ended"),
        )
        .await
        .unwrap();
    assert!(
        store
            .end_round(round_id, &[], 11, "x", "complete", &[])
            .await
            .is_err(),
        "a round ends once"
    );
    let rc = store.round_contests(audit).await.unwrap();
    assert_eq!(
        (rc[0].p_value, rc[0].risk_limit_met),
        (Some(0.01), Some(true))
    );
    let finished = store.audit(audit).await.unwrap();
    assert_eq!(
        (finished.status.as_str(), finished.finished_at),
        ("complete", Some(10))
    );
    store
        .set_audit_status(audit, "complete", Some(10), &[])
        .await
        .unwrap();

    // The outbox holds every entry in order until marked.
    let pending = store.pending_log().await.unwrap();
    let kinds: Vec<&str> = pending.iter().map(|p| p.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "audit.created",
            "audit.seed_revealed",
            "audit.jurisdiction_added",
            "audit.upload",
            "audit.upload",
            "audit.contest_added",
            "audit.round_started",
            "audit.boards_set",
            "audit.ballot_audited",
            "audit.board_signed_off",
            "audit.round_ended"
        ]
    );
    let marks: Vec<(i64, u64)> = pending
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, p)| (p.id, i as u64))
        .collect();
    store.mark_logged(&marks).await.unwrap();
    assert_eq!(store.pending_log().await.unwrap().len(), pending.len() - 3);
    assert_eq!(store.audit_log(audit).await.unwrap().len(), pending.len());

    // Every sampled ballot's card in one query is what asking ballot by ballot gives, with the
    // first card winning where an export repeats a position.
    let mut again = cards.clone();
    again.push(CvrCardRow {
        cvr_id: "repeat".into(),
        ..cards[3].clone()
    });
    store
        .store_upload(
            &upload(adams, "cvrs", "c3"),
            &UploadData::Cvrs {
                contests: vec![contest_row.clone()],
                cards: again.into_iter().collect(),
            },
            &[],
        )
        .await
        .unwrap();
    let sampled = store.sampled_ballots(audit).await.unwrap();
    let at_once = store.sampled_cvr_cards(audit).await.unwrap();
    assert_eq!(at_once.len(), sampled.len());
    for b in &sampled {
        let asked = store
            .cvr_cards(
                b.jurisdiction_id,
                &[(b.tabulator.clone(), b.batch.clone(), b.position)],
            )
            .await
            .unwrap()
            .remove(0);
        let found = at_once
            .iter()
            .find(|r| r.ballot_id == b.id)
            .map(|r| &r.card);
        assert_eq!(
            found,
            asked.as_ref(),
            "ballot {} of {}",
            b.position,
            b.batch
        );
    }
    assert_eq!(
        at_once[0].card.cvr_id, "4",
        "B1 position 4: the first of two cards"
    );
}
