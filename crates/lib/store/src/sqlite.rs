//! [`Store`] on SQLite through sqlx: the embedded default, a single file in the data directory.
//!
//! Settings, and why:
//! * **WAL** journal: readers (reports, the web app's pages) never block the writer.
//! * **synchronous = FULL**: every commit is on disk before it returns. In WAL mode NORMAL is safe
//!   against corruption but can lose the last commits on power loss; the workflow appends a
//!   commit's entries to the election log right after it returns, and the log must never hold an
//!   entry for a change the database then lost. Audit writes are human-paced (an upload, a ballot,
//!   a round), so the extra `fsync` per commit costs nothing that matters.
//! * **foreign keys on**: SQLite leaves them off by default.
//! * **busy timeout** 10 s: a second process (a report while a round is being drawn) waits for
//!   the lock instead of failing.
//! * Write transactions start with `BEGIN IMMEDIATE`, taking the write lock up front, so two
//!   writers queue on the busy timeout instead of one failing when it upgrades a read lock.
//! * **One writer connection, several readers.** SQLite takes one writer at a time; writers that
//!   meet a held lock wait in its busy handler, which sleeps and retries (up to 100 ms a time), and
//!   each one holds a pooled connection while it sleeps, so readers queue behind them too. In one
//!   process every write therefore goes through a pool of exactly one connection, where writers
//!   wait in order (the pool's queue) and wake the moment the previous commit returns; reads use
//!   their own pool and, in WAL mode, never wait for a writer. The web load bench measured the
//!   difference (docs/PERFORMANCE.md, "Web application").

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Sqlite, Transaction};

use crate::model::*;
use crate::{Store, StoreError, StoreResult, sql};

/// The database file's name in the data directory.
pub const DATABASE_FILE: &str = "ballotproof.sqlite3";

/// The SQLite store. Cheap to clone (a connection pool).
#[derive(Debug, Clone)]
pub struct SqliteStore {
    /// Reads. Several connections: WAL readers do not block one another or the writer.
    pub(crate) pool: SqlitePool,
    /// Writes, one connection: see the module docs.
    pub(crate) writer: SqlitePool,
}

type Tx = Transaction<'static, Sqlite>;

impl SqliteStore {
    /// Opens (creating if needed, and migrating to the current schema) the database at `path`.
    pub async fn open(path: &Path) -> StoreResult<SqliteStore> {
        let open_error = |reason: String| StoreError::Open {
            path: path.display().to_string(),
            reason,
        };
        let options = SqliteConnectOptions::from_str("sqlite:")
            .map_err(|e| open_error(e.to_string()))?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        // The writer first: it creates the file and migrates it before any reader connects.
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| open_error(e.to_string()))?;
        sqlx::migrate!("./migrations/sqlite")
            .run(&writer)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| open_error(e.to_string()))?;
        let store = SqliteStore { pool, writer };
        store.ensure_instance().await?;
        Ok(store)
    }

    /// Closes the pool (waits for connections to finish).
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }

    async fn ensure_instance(&self) -> StoreResult<()> {
        let mut random = [0u8; 16];
        getrandom::fill(&mut random).map_err(|e| StoreError::Database(e.to_string()))?;
        let instance: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        sqlx::query(sql::META_INSERT)
            .bind(instance)
            .bind(now)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    pub(crate) async fn begin(&self) -> StoreResult<Tx> {
        Ok(self.writer.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Every row of a read query keyed by one id (an audit's or a jurisdiction's), in the query's
    /// order: most of the trait's read methods are exactly this.
    async fn rows_for<T>(&self, query: &'static str, id: i64) -> StoreResult<Vec<T>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
    {
        Ok(sqlx::query_as(query).bind(id).fetch_all(&self.pool).await?)
    }
}

/// Writes a change's log entries to the outbox and, for a change to an audit, increases the
/// audit's revision. Every changing method calls this inside its transaction (with the audit's id
/// whenever it changed an audit's data, log entries or not), which is what makes the revision
/// exact.
pub(crate) async fn write_log(
    tx: &mut Tx,
    audit: Option<AuditId>,
    log: &[LogRecord],
) -> StoreResult<()> {
    if let Some(id) = audit {
        sqlx::query(sql::AUDIT_REVISION_BUMP)
            .bind(id)
            .execute(&mut **tx)
            .await?;
    }
    for entry in log {
        sqlx::query(sql::LOG_INSERT)
            .bind(audit)
            .bind(&entry.kind)
            .bind(&entry.actor)
            .bind(entry.time_ms)
            .bind(&entry.sha256)
            .bind(&entry.body)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

async fn audit_of(tx: &mut Tx, query: &'static str, id: i64, what: &str) -> StoreResult<AuditId> {
    sqlx::query_scalar::<_, i64>(query)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: format!("{what} {id}"),
        })
}

fn not_found(what: String) -> StoreError {
    StoreError::NotFound { what }
}

impl Store for SqliteStore {
    async fn instance(&self) -> StoreResult<String> {
        Ok(sqlx::query_scalar::<_, String>(sql::META_GET)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn create_audit(&self, audit: &NewAudit, log: &[LogRecord]) -> StoreResult<AuditId> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(sql::AUDIT_INSERT)
            .bind(&audit.name)
            .bind(&audit.audit_type)
            .bind(&audit.math)
            .bind(&audit.risk_limit)
            .bind(&audit.seed_commitment)
            .bind(&audit.seed_salt)
            .bind(&audit.sealed_seed)
            .bind(audit.created_at)
            .bind(&audit.created_by)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "an audit named {:?} already exists; choose another name",
                    audit.name
                )),
                other => other,
            })?;
        write_log(&mut tx, Some(id), log).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn audits(&self) -> StoreResult<Vec<AuditRow>> {
        Ok(
            sqlx::query_as(AssertSqlSafe(sql::audit_select("ORDER BY id")))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    async fn audit(&self, id: AuditId) -> StoreResult<AuditRow> {
        sqlx::query_as(AssertSqlSafe(sql::audit_select("WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| not_found(format!("audit {id}")))
    }

    async fn audit_by_name(&self, name: &str) -> StoreResult<Option<AuditRow>> {
        Ok(
            sqlx::query_as(AssertSqlSafe(sql::audit_select("WHERE name = $1")))
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    async fn reveal_seed(
        &self,
        audit: AuditId,
        seed: &str,
        at: i64,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(sql::AUDIT_REVEAL)
            .bind(seed)
            .bind(at)
            .bind(audit)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "the seed of this audit is already revealed".into(),
            ));
        }
        write_log(&mut tx, Some(audit), log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_audit_status(
        &self,
        audit: AuditId,
        status: &str,
        finished_at: Option<i64>,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(sql::AUDIT_STATUS)
            .bind(status)
            .bind(finished_at)
            .bind(audit)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, Some(audit), log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn add_jurisdiction(
        &self,
        audit: AuditId,
        name: &str,
        at: i64,
        log: &[LogRecord],
    ) -> StoreResult<JurisdictionId> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(sql::JURISDICTION_INSERT)
            .bind(audit)
            .bind(name)
            .bind(at)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "the audit already has a jurisdiction named {name:?}"
                )),
                other => other,
            })?;
        write_log(&mut tx, Some(audit), log).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn jurisdictions(&self, audit: AuditId) -> StoreResult<Vec<JurisdictionRow>> {
        self.rows_for(sql::JURISDICTIONS, audit).await
    }

    async fn store_upload(
        &self,
        upload: &NewUpload,
        data: &UploadData,
        log: &[LogRecord],
    ) -> StoreResult<UploadId> {
        let mut tx = self.begin().await?;
        let accepted = !matches!(data, UploadData::Rejected);
        if accepted {
            let current: Option<i64> = sqlx::query_scalar(sql::UPLOAD_CURRENT)
                .bind(upload.jurisdiction_id)
                .bind(&upload.kind)
                .bind(&upload.contest)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(old) = current {
                sqlx::query(sql::UPLOAD_REPLACE)
                    .bind(upload.uploaded_at)
                    .bind(old)
                    .execute(&mut *tx)
                    .await?;
                for delete in [
                    sql::DELETE_MANIFEST,
                    sql::DELETE_CVR_CONTESTS,
                    sql::DELETE_CVR_CARDS,
                    sql::DELETE_TALLIES,
                ] {
                    sqlx::query(delete).bind(old).execute(&mut *tx).await?;
                }
            }
        }
        let id: i64 = sqlx::query_scalar(sql::UPLOAD_INSERT)
            .bind(upload.audit_id)
            .bind(upload.jurisdiction_id)
            .bind(&upload.kind)
            .bind(&upload.contest)
            .bind(&upload.file_name)
            .bind(&upload.format)
            .bind(&upload.sha256)
            .bind(upload.size)
            .bind(accepted)
            .bind(&upload.report)
            .bind(&upload.summary)
            .bind(upload.uploaded_at)
            .bind(&upload.uploaded_by)
            .fetch_one(&mut *tx)
            .await?;
        for (idx, f) in upload.files.iter().enumerate() {
            sqlx::query(sql::UPLOAD_FILE_INSERT)
                .bind(id)
                .bind(i64::try_from(idx).unwrap_or(i64::MAX))
                .bind(&f.name)
                .bind(&f.format)
                .bind(&f.sha256)
                .bind(f.size)
                .execute(&mut *tx)
                .await?;
        }
        let j = upload.jurisdiction_id;
        match data {
            UploadData::Rejected => {}
            UploadData::Manifest(batches) => {
                for b in batches {
                    sqlx::query(sql::MANIFEST_INSERT)
                        .bind(id)
                        .bind(j)
                        .bind(b.idx)
                        .bind(&b.container)
                        .bind(&b.tabulator)
                        .bind(&b.name)
                        .bind(b.ballots)
                        .bind(b.has_cvrs)
                        .execute(&mut *tx)
                        .await?;
                }
            }
            UploadData::Cvrs { contests, cards } => {
                for c in contests {
                    sqlx::query(sql::CVR_CONTEST_INSERT)
                        .bind(id)
                        .bind(j)
                        .bind(c.idx)
                        .bind(&c.name)
                        .bind(c.votes_allowed)
                        .bind(c.ranks)
                        .bind(&c.choices)
                        .bind(&c.votes)
                        .bind(c.ballots)
                        .execute(&mut *tx)
                        .await?;
                }
                let full = sql::cvr_cards_insert(sql::CARDS_PER_INSERT);
                let mut start = 0;
                while start < cards.len() {
                    let end = cards.len().min(start + sql::CARDS_PER_INSERT);
                    let text = if end - start == sql::CARDS_PER_INSERT {
                        full.clone()
                    } else {
                        sql::cvr_cards_insert(end - start)
                    };
                    let mut query = sqlx::query(AssertSqlSafe(text));
                    for card in (start..end).filter_map(|i| cards.get(i)) {
                        query = query
                            .bind(id)
                            .bind(j)
                            .bind(card.tabulator)
                            .bind(card.batch)
                            .bind(card.record_id)
                            .bind(card.position)
                            .bind(card.imprinted_id)
                            .bind(card.cvr_id)
                            .bind(card.marks);
                    }
                    query.execute(&mut *tx).await?;
                    start = end;
                }
            }
            UploadData::BatchTallies(rows) => {
                for t in rows {
                    sqlx::query(sql::TALLY_INSERT)
                        .bind(id)
                        .bind(j)
                        .bind(t.idx)
                        .bind(&t.contest)
                        .bind(&t.tabulator)
                        .bind(&t.batch)
                        .bind(&t.choices)
                        .bind(&t.votes)
                        .execute(&mut *tx)
                        .await?;
                }
            }
        }
        write_log(&mut tx, Some(upload.audit_id), log).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn uploads(&self, audit: AuditId) -> StoreResult<Vec<UploadRow>> {
        self.rows_for(sql::UPLOADS, audit).await
    }

    async fn upload_files(&self, audit: AuditId) -> StoreResult<Vec<UploadFileRow>> {
        self.rows_for(sql::UPLOAD_FILES, audit).await
    }

    async fn manifest_batches(
        &self,
        jurisdiction: JurisdictionId,
    ) -> StoreResult<Vec<ManifestBatchRow>> {
        self.rows_for(sql::MANIFEST_BATCHES, jurisdiction).await
    }

    async fn cvr_contests(&self, jurisdiction: JurisdictionId) -> StoreResult<Vec<CvrContestRow>> {
        self.rows_for(sql::CVR_CONTESTS, jurisdiction).await
    }

    async fn cvr_cards(
        &self,
        jurisdiction: JurisdictionId,
        ballots: &[(Option<String>, String, i64)],
    ) -> StoreResult<Vec<Option<CvrCardRow>>> {
        let by_tabulator = sql::cvr_card_by_tabulator();
        let by_batch = sql::cvr_card_by_batch();
        let mut conn = self.pool.acquire().await?;
        let mut found = Vec::with_capacity(ballots.len());
        for (tabulator, batch, position) in ballots {
            let row = match tabulator {
                Some(t) => {
                    sqlx::query_as::<_, CvrCardRow>(AssertSqlSafe(by_tabulator.as_str()))
                        .bind(jurisdiction)
                        .bind(t)
                        .bind(batch)
                        .bind(position)
                        .fetch_optional(&mut *conn)
                        .await?
                }
                None => {
                    sqlx::query_as::<_, CvrCardRow>(AssertSqlSafe(by_batch.as_str()))
                        .bind(jurisdiction)
                        .bind(batch)
                        .bind(position)
                        .fetch_optional(&mut *conn)
                        .await?
                }
            };
            found.push(row);
        }
        Ok(found)
    }

    async fn sampled_cvr_cards(&self, audit: AuditId) -> StoreResult<Vec<SampledCvrCardRow>> {
        let mut rows: Vec<SampledCvrCardRow> =
            sqlx::query_as(AssertSqlSafe(sql::sampled_cvr_cards()))
                .bind(audit)
                .fetch_all(&self.pool)
                .await?;
        // Several cards can match one ballot (an export with a repeated position): keep the first.
        rows.dedup_by_key(|r| r.ballot_id);
        Ok(rows)
    }

    async fn batch_tallies(&self, jurisdiction: JurisdictionId) -> StoreResult<Vec<BatchTallyRow>> {
        self.rows_for(sql::TALLIES, jurisdiction).await
    }

    async fn add_contest(&self, contest: &NewContest, log: &[LogRecord]) -> StoreResult<ContestId> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(sql::CONTEST_INSERT)
            .bind(contest.audit_id)
            .bind(&contest.name)
            .bind(contest.targeted)
            .bind(contest.num_winners)
            .bind(contest.votes_allowed)
            .bind(&contest.winners)
            .bind(&contest.source)
            .bind(&contest.choices)
            .bind(contest.ballots)
            .bind(contest.created_at)
            .bind(&contest.created_by)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => StoreError::Conflict(format!(
                    "the audit already has a contest named {:?}",
                    contest.name
                )),
                other => other,
            })?;
        for j in &contest.jurisdictions {
            sqlx::query(sql::CONTEST_JURISDICTION_INSERT)
                .bind(id)
                .bind(j)
                .execute(&mut *tx)
                .await?;
        }
        write_log(&mut tx, Some(contest.audit_id), log).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn contests(&self, audit: AuditId) -> StoreResult<Vec<ContestRow>> {
        let mut contests: Vec<ContestRow> = sqlx::query_as(sql::CONTESTS)
            .bind(audit)
            .fetch_all(&self.pool)
            .await?;
        let links: Vec<(i64, i64)> = sqlx::query_as(sql::CONTEST_JURISDICTIONS)
            .bind(audit)
            .fetch_all(&self.pool)
            .await?;
        for (contest, jurisdiction) in links {
            if let Some(c) = contests.iter_mut().find(|c| c.id == contest) {
                c.jurisdictions.push(jurisdiction);
            }
        }
        Ok(contests)
    }

    async fn start_round(&self, round: &NewRound, log: &[LogRecord]) -> StoreResult<RoundId> {
        let mut tx = self.begin().await?;
        let id: i64 = sqlx::query_scalar(sql::ROUND_INSERT)
            .bind(round.audit_id)
            .bind(round.number)
            .bind(&round.kind)
            .bind(round.started_at)
            .bind(&round.started_by)
            .bind(&round.sample_sha256)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| match StoreError::from(e) {
                StoreError::Conflict(_) => {
                    StoreError::Conflict(format!("round {} was already started", round.number))
                }
                other => other,
            })?;
        for c in &round.contests {
            sqlx::query(sql::ROUND_CONTEST_INSERT)
                .bind(id)
                .bind(c.contest_id)
                .bind(c.sample_size)
                .bind(&c.size_option)
                .bind(c.draws_before)
                .bind(c.non_cvr_sample_size)
                .bind(c.non_cvr_draws_before)
                .execute(&mut *tx)
                .await?;
        }
        for f in &round.freeze {
            sqlx::query(sql::CONTEST_FREEZE)
                .bind(&f.choices)
                .bind(f.ballots)
                .bind(f.contest_id)
                .execute(&mut *tx)
                .await?;
        }
        let mut ballot_ids = Vec::with_capacity(round.ballots.len());
        for b in &round.ballots {
            let existing: Option<i64> = sqlx::query_scalar(sql::BALLOT_FIND)
                .bind(round.audit_id)
                .bind(&b.batch_key)
                .bind(b.position)
                .fetch_optional(&mut *tx)
                .await?;
            let ballot = match existing {
                Some(ballot) => ballot,
                None => {
                    sqlx::query_scalar(sql::BALLOT_INSERT)
                        .bind(round.audit_id)
                        .bind(b.jurisdiction_id)
                        .bind(&b.batch_key)
                        .bind(&b.container)
                        .bind(&b.tabulator)
                        .bind(&b.batch)
                        .bind(b.position)
                        .bind(round.number)
                        .fetch_one(&mut *tx)
                        .await?
                }
            };
            ballot_ids.push(ballot);
        }
        for d in &round.draws {
            let ballot = ballot_ids
                .get(d.ballot)
                .ok_or_else(|| StoreError::Database(format!("draw names ballot {}", d.ballot)))?;
            sqlx::query(sql::DRAW_INSERT)
                .bind(id)
                .bind(d.contest_id)
                .bind(ballot)
                .bind(&d.ticket)
                .execute(&mut *tx)
                .await?;
        }
        let mut batch_ids = Vec::with_capacity(round.batches.len());
        for b in &round.batches {
            let existing: Option<i64> = sqlx::query_scalar(sql::BATCH_FIND)
                .bind(round.audit_id)
                .bind(b.jurisdiction_id)
                .bind(&b.batch)
                .fetch_optional(&mut *tx)
                .await?;
            let batch = match existing {
                Some(batch) => batch,
                None => {
                    sqlx::query_scalar(sql::BATCH_INSERT)
                        .bind(round.audit_id)
                        .bind(b.jurisdiction_id)
                        .bind(&b.container)
                        .bind(&b.tabulator)
                        .bind(&b.batch)
                        .bind(round.number)
                        .fetch_one(&mut *tx)
                        .await?
                }
            };
            batch_ids.push(batch);
        }
        for d in &round.batch_draws {
            let batch = batch_ids
                .get(d.batch)
                .ok_or_else(|| StoreError::Database(format!("draw names batch {}", d.batch)))?;
            sqlx::query(sql::BATCH_DRAW_INSERT)
                .bind(id)
                .bind(d.contest_id)
                .bind(batch)
                .bind(&d.ticket)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(sql::AUDIT_STATUS)
            .bind("in_progress")
            .bind(None::<i64>)
            .bind(round.audit_id)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, Some(round.audit_id), log).await?;
        tx.commit().await?;
        Ok(id)
    }

    async fn rounds(&self, audit: AuditId) -> StoreResult<Vec<RoundRow>> {
        self.rows_for(sql::ROUNDS, audit).await
    }

    async fn round_contests(&self, audit: AuditId) -> StoreResult<Vec<RoundContestRow>> {
        self.rows_for(sql::ROUND_CONTESTS, audit).await
    }

    async fn sampled_ballots(&self, audit: AuditId) -> StoreResult<Vec<SampledBallotRow>> {
        self.rows_for(sql::BALLOTS, audit).await
    }

    async fn draws(&self, audit: AuditId) -> StoreResult<Vec<DrawRow>> {
        self.rows_for(sql::DRAWS, audit).await
    }

    async fn sampled_batches(&self, audit: AuditId) -> StoreResult<Vec<SampledBatchRow>> {
        self.rows_for(sql::BATCHES, audit).await
    }

    async fn batch_draws(&self, audit: AuditId) -> StoreResult<Vec<BatchDrawRow>> {
        self.rows_for(sql::BATCH_DRAWS, audit).await
    }

    async fn set_audit_boards(
        &self,
        round: RoundId,
        jurisdiction: JurisdictionId,
        boards: &[NewBoard],
        log: &[LogRecord],
    ) -> StoreResult<Vec<BoardId>> {
        let mut tx = self.begin().await?;
        let audit = audit_of(&mut tx, sql::ROUND_AUDIT, round, "round").await?;
        let mut ids = Vec::with_capacity(boards.len());
        for board in boards {
            let id: i64 = sqlx::query_scalar(sql::BOARD_INSERT)
                .bind(audit)
                .bind(round)
                .bind(jurisdiction)
                .bind(&board.name)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| match StoreError::from(e) {
                    StoreError::Conflict(_) => StoreError::Conflict(format!(
                        "this round already has an audit board named {:?} in that jurisdiction",
                        board.name
                    )),
                    other => other,
                })?;
            for ballot in &board.ballots {
                sqlx::query(sql::BOARD_ASSIGN_BALLOT)
                    .bind(id)
                    .bind(ballot)
                    .execute(&mut *tx)
                    .await?;
            }
            for batch in &board.batches {
                sqlx::query(sql::BOARD_ASSIGN_BATCH)
                    .bind(id)
                    .bind(batch)
                    .execute(&mut *tx)
                    .await?;
            }
            ids.push(id);
        }
        write_log(&mut tx, Some(audit), log).await?;
        tx.commit().await?;
        Ok(ids)
    }

    async fn audit_boards(&self, audit: AuditId) -> StoreResult<Vec<BoardRow>> {
        self.rows_for(sql::BOARDS, audit).await
    }

    async fn sign_off(
        &self,
        board: BoardId,
        members: (&str, &str),
        at: i64,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let audit = audit_of(&mut tx, sql::BOARD_AUDIT, board, "audit board").await?;
        let done = sqlx::query(sql::BOARD_SIGN_OFF)
            .bind(members.0)
            .bind(members.1)
            .bind(at)
            .bind(board)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "this audit board has already signed off".into(),
            ));
        }
        write_log(&mut tx, Some(audit), log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn sign_off_jurisdiction(
        &self,
        sign_off: &JurisdictionSignOffRow,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let audit = audit_of(&mut tx, sql::ROUND_AUDIT, sign_off.round_id, "round").await?;
        let done = sqlx::query(sql::JURISDICTION_SIGN_OFF_INSERT)
            .bind(sign_off.round_id)
            .bind(sign_off.jurisdiction_id)
            .bind(sign_off.signed_off_at)
            .bind(&sign_off.signed_off_by)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict(
                "this jurisdiction has already signed off this round".into(),
            ));
        }
        write_log(&mut tx, Some(audit), log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn jurisdiction_sign_offs(
        &self,
        audit: AuditId,
    ) -> StoreResult<Vec<JurisdictionSignOffRow>> {
        self.rows_for(sql::JURISDICTION_SIGN_OFFS, audit).await
    }

    async fn record_ballots(&self, results: &[BallotResult], log: &[LogRecord]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let mut audit = None;
        for r in results {
            audit =
                Some(audit_of(&mut tx, sql::BALLOT_AUDIT, r.ballot_id, "sampled ballot").await?);
            sqlx::query(sql::BALLOT_STATUS)
                .bind(&r.status)
                .bind(r.at)
                .bind(&r.by)
                .bind(r.ballot_id)
                .execute(&mut *tx)
                .await?;
            sqlx::query(sql::INTERPRETATIONS_DELETE)
                .bind(r.ballot_id)
                .execute(&mut *tx)
                .await?;
            for i in &r.interpretations {
                sqlx::query(sql::INTERPRETATION_INSERT)
                    .bind(r.ballot_id)
                    .bind(i.contest_id)
                    .bind(&i.interpretation)
                    .bind(&i.choices)
                    .bind(&i.comment)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        write_log(&mut tx, audit, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn interpretations(&self, audit: AuditId) -> StoreResult<Vec<InterpretationRow>> {
        self.rows_for(sql::INTERPRETATIONS, audit).await
    }

    async fn record_offline_tally(
        &self,
        t: &OfflineTallyRow,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let audit = audit_of(&mut tx, sql::ROUND_AUDIT, t.round_id, "round").await?;
        sqlx::query(sql::OFFLINE_UPSERT)
            .bind(t.round_id)
            .bind(t.jurisdiction_id)
            .bind(t.contest_id)
            .bind(&t.votes)
            .bind(t.ballots)
            .bind(t.entered_at)
            .bind(&t.entered_by)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, Some(audit), log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn offline_tallies(&self, audit: AuditId) -> StoreResult<Vec<OfflineTallyRow>> {
        self.rows_for(sql::OFFLINE, audit).await
    }

    async fn record_batch_results(
        &self,
        results: &[BatchResultRow],
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let mut audit = None;
        for r in results {
            audit = Some(audit_of(&mut tx, sql::BATCH_AUDIT, r.batch_id, "sampled batch").await?);
            sqlx::query(sql::BATCH_RESULT_UPSERT)
                .bind(r.batch_id)
                .bind(r.contest_id)
                .bind(&r.votes)
                .bind(r.entered_at)
                .bind(&r.entered_by)
                .execute(&mut *tx)
                .await?;
            sqlx::query(sql::BATCH_STATUS)
                .bind(r.batch_id)
                .execute(&mut *tx)
                .await?;
        }
        write_log(&mut tx, audit, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn batch_results(&self, audit: AuditId) -> StoreResult<Vec<BatchResultRow>> {
        self.rows_for(sql::BATCH_RESULTS, audit).await
    }

    async fn end_round(
        &self,
        round: RoundId,
        results: &[RoundContestResult],
        at: i64,
        by: &str,
        audit_status: &str,
        log: &[LogRecord],
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let audit = audit_of(&mut tx, sql::ROUND_AUDIT, round, "round").await?;
        let done = sqlx::query(sql::ROUND_END)
            .bind(at)
            .bind(by)
            .bind(round)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("this round has already ended".into()));
        }
        for r in results {
            sqlx::query(sql::ROUND_CONTEST_RESULT)
                .bind(r.p_value)
                .bind(r.risk_limit_met)
                .bind(&r.discrepancies)
                .bind(round)
                .bind(r.contest_id)
                .execute(&mut *tx)
                .await?;
        }
        let finished = (audit_status == "complete").then_some(at);
        sqlx::query(sql::AUDIT_STATUS)
            .bind(audit_status)
            .bind(finished)
            .bind(audit)
            .execute(&mut *tx)
            .await?;
        write_log(&mut tx, Some(audit), log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn log_event(&self, audit: Option<AuditId>, log: &[LogRecord]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        write_log(&mut tx, audit, log).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn audit_revision(&self, audit: AuditId) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(sql::AUDIT_REVISION)
            .bind(audit)
            .fetch_one(&self.pool)
            .await?)
    }

    async fn pending_log(&self) -> StoreResult<Vec<PendingLog>> {
        Ok(sqlx::query_as(sql::LOG_PENDING)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn mark_logged(&self, logged: &[(i64, u64)]) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        for (id, index) in logged {
            let index = i64::try_from(*index)
                .map_err(|_| StoreError::Database(format!("log index {index} too large")))?;
            sqlx::query(sql::LOG_MARK)
                .bind(index)
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn audit_log(&self, audit: AuditId) -> StoreResult<Vec<PendingLog>> {
        self.rows_for(sql::LOG_OF_AUDIT, audit).await
    }
}
