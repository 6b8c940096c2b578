//! The statements, in the dialect SQLite and PostgreSQL share: `$n` parameters, `RETURNING`,
//! `ON CONFLICT … DO UPDATE`, `TRUE`/`FALSE`, no backend functions. A PostgreSQL store runs these
//! same texts; only the migrations and the connection settings are its own.

pub const META_GET: &str = "SELECT instance FROM store_meta WHERE id = 1";
pub const META_INSERT: &str = "INSERT INTO store_meta (id, instance, created_at) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING";

pub const LOG_INSERT: &str = "INSERT INTO log_outbox (audit_id, kind, actor, time_ms, sha256, body) VALUES ($1, $2, $3, $4, $5, $6)";
pub const LOG_PENDING: &str = "SELECT id, audit_id, kind, actor, time_ms, sha256, body FROM log_outbox WHERE ledger_index IS NULL ORDER BY id";
pub const LOG_MARK: &str = "UPDATE log_outbox SET ledger_index = $1 WHERE id = $2";
pub const AUDIT_REVISION: &str = "SELECT revision FROM audits WHERE id = $1";
pub const AUDIT_REVISION_BUMP: &str = "UPDATE audits SET revision = revision + 1 WHERE id = $1";
pub const LOG_OF_AUDIT: &str = "SELECT id, audit_id, kind, actor, time_ms, sha256, body FROM log_outbox WHERE audit_id = $1 ORDER BY id";

const AUDIT_COLUMNS: &str = "id, revision, name, audit_type, math, risk_limit, seed_commitment, seed_salt, sealed_seed, seed, seed_revealed_at, status, created_at, created_by, finished_at";
pub fn audit_select(filter: &str) -> String {
    format!("SELECT {AUDIT_COLUMNS} FROM audits {filter}")
}
pub const AUDIT_INSERT: &str = "INSERT INTO audits (name, audit_type, math, risk_limit, seed_commitment, seed_salt, sealed_seed, status, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, 'setup', $8, $9) RETURNING id";
pub const AUDIT_REVEAL: &str =
    "UPDATE audits SET seed = $1, seed_revealed_at = $2 WHERE id = $3 AND seed IS NULL";
pub const AUDIT_STATUS: &str = "UPDATE audits SET status = $1, finished_at = $2 WHERE id = $3";

pub const JURISDICTION_INSERT: &str =
    "INSERT INTO jurisdictions (audit_id, name, created_at) VALUES ($1, $2, $3) RETURNING id";
pub const JURISDICTIONS: &str =
    "SELECT id, audit_id, name, created_at FROM jurisdictions WHERE audit_id = $1 ORDER BY id";

pub const UPLOAD_CURRENT: &str = "SELECT id FROM uploads WHERE jurisdiction_id = $1 AND kind = $2 AND contest = $3 AND accepted = TRUE AND replaced_at IS NULL";
pub const UPLOAD_REPLACE: &str = "UPDATE uploads SET replaced_at = $1 WHERE id = $2";
pub const UPLOAD_INSERT: &str = "INSERT INTO uploads (audit_id, jurisdiction_id, kind, contest, file_name, format, sha256, size, accepted, report, summary, uploaded_at, uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id";
pub const UPLOADS: &str = "SELECT id, audit_id, jurisdiction_id, kind, contest, file_name, format, sha256, size, accepted, report, summary, uploaded_at, uploaded_by, replaced_at FROM uploads WHERE audit_id = $1 ORDER BY id";
pub const UPLOAD_FILE_INSERT: &str = "INSERT INTO upload_files (upload_id, idx, name, format, sha256, size) VALUES ($1, $2, $3, $4, $5, $6)";
pub const UPLOAD_FILES: &str = "SELECT f.upload_id, f.idx, f.name, f.format, f.sha256, f.size FROM upload_files f JOIN uploads u ON u.id = f.upload_id WHERE u.audit_id = $1 ORDER BY f.upload_id, f.idx";
pub const DELETE_MANIFEST: &str = "DELETE FROM manifest_batches WHERE upload_id = $1";
pub const DELETE_CVR_CONTESTS: &str = "DELETE FROM cvr_contests WHERE upload_id = $1";
pub const DELETE_CVR_CARDS: &str = "DELETE FROM cvr_cards WHERE upload_id = $1";
pub const DELETE_TALLIES: &str = "DELETE FROM batch_tallies WHERE upload_id = $1";

pub const MANIFEST_INSERT: &str = "INSERT INTO manifest_batches (upload_id, jurisdiction_id, idx, container, tabulator, name, ballots, has_cvrs) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const MANIFEST_BATCHES: &str = "SELECT m.idx, m.container, m.tabulator, m.name, m.ballots, m.has_cvrs FROM manifest_batches m JOIN uploads u ON u.id = m.upload_id WHERE m.jurisdiction_id = $1 AND u.accepted = TRUE AND u.replaced_at IS NULL ORDER BY m.idx";
pub const CVR_CONTEST_INSERT: &str = "INSERT INTO cvr_contests (upload_id, jurisdiction_id, idx, name, votes_allowed, ranks, choices, votes, ballots) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
pub const CVR_CONTESTS: &str = "SELECT c.idx, c.name, c.votes_allowed, c.ranks, c.choices, c.votes, c.ballots FROM cvr_contests c JOIN uploads u ON u.id = c.upload_id WHERE c.jurisdiction_id = $1 AND u.accepted = TRUE AND u.replaced_at IS NULL ORDER BY c.idx";
/// Cards are inserted this many to a statement (9 parameters each). Fewer statements mean fewer
/// round trips, but binding is quadratic in a statement's parameters on SQLite: sqlx maps every
/// `$n` through `sqlite3_bind_parameter_name`, which scans the statement's parameter list. At 200
/// cards (1,800 parameters) that scan took over half of a 50,000-card upload; between 8 and 12
/// cards the whole upload is fastest (`cargo bench -p audit --bench upload`: 2.06 s at 200, 0.97 s
/// at 32, 0.71–0.74 s at 8–12, 0.97 s at 4).
pub const CARDS_PER_INSERT: usize = 10;
pub fn cvr_cards_insert(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO cvr_cards (upload_id, jurisdiction_id, tabulator, batch, record_id, position, imprinted_id, cvr_id, marks) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        let b = r * 9;
        sql.push_str(&format!(
            "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
            b + 1,
            b + 2,
            b + 3,
            b + 4,
            b + 5,
            b + 6,
            b + 7,
            b + 8,
            b + 9
        ));
    }
    sql
}
const CARD_COLUMNS: &str =
    "c.tabulator, c.batch, c.record_id, c.position, c.imprinted_id, c.cvr_id, c.marks";
pub fn cvr_card_by_tabulator() -> String {
    format!(
        "SELECT {CARD_COLUMNS} FROM cvr_cards c JOIN uploads u ON u.id = c.upload_id WHERE c.jurisdiction_id = $1 AND c.tabulator = $2 AND c.batch = $3 AND c.position = $4 AND u.accepted = TRUE AND u.replaced_at IS NULL ORDER BY c.id LIMIT 1"
    )
}
pub fn cvr_card_by_batch() -> String {
    format!(
        "SELECT {CARD_COLUMNS} FROM cvr_cards c JOIN uploads u ON u.id = c.upload_id WHERE c.jurisdiction_id = $1 AND c.batch = $2 AND c.position = $3 AND u.accepted = TRUE AND u.replaced_at IS NULL ORDER BY c.id LIMIT 1"
    )
}
/// The current CVRs' card of every sampled ballot of an audit, the first (by id) where several
/// match; a ballot without a tabulator matches by batch alone, as in the two queries above.
pub fn sampled_cvr_cards() -> String {
    format!(
        "SELECT s.id AS ballot_id, {CARD_COLUMNS} FROM sampled_ballots s JOIN cvr_cards c ON c.jurisdiction_id = s.jurisdiction_id AND c.batch = s.batch AND c.position = s.position AND (s.tabulator IS NULL OR c.tabulator = s.tabulator) JOIN uploads u ON u.id = c.upload_id WHERE s.audit_id = $1 AND u.accepted = TRUE AND u.replaced_at IS NULL ORDER BY s.id, c.id"
    )
}
pub const TALLY_INSERT: &str = "INSERT INTO batch_tallies (upload_id, jurisdiction_id, idx, contest, tabulator, batch, choices, votes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
pub const TALLIES: &str = "SELECT t.idx, t.contest, t.tabulator, t.batch, t.choices, t.votes FROM batch_tallies t JOIN uploads u ON u.id = t.upload_id WHERE t.jurisdiction_id = $1 AND u.accepted = TRUE AND u.replaced_at IS NULL ORDER BY t.contest, t.idx";

pub const CONTEST_INSERT: &str = "INSERT INTO contests (audit_id, name, targeted, num_winners, votes_allowed, winners, source, choices, ballots, created_at, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id";
pub const CONTEST_JURISDICTION_INSERT: &str =
    "INSERT INTO contest_jurisdictions (contest_id, jurisdiction_id) VALUES ($1, $2)";
pub const CONTESTS: &str = "SELECT id, audit_id, name, targeted, num_winners, votes_allowed, winners, source, choices, ballots, created_at, created_by FROM contests WHERE audit_id = $1 ORDER BY id";
pub const CONTEST_JURISDICTIONS: &str = "SELECT cj.contest_id, cj.jurisdiction_id FROM contest_jurisdictions cj JOIN contests c ON c.id = cj.contest_id WHERE c.audit_id = $1 ORDER BY cj.jurisdiction_id";
pub const CONTEST_FREEZE: &str = "UPDATE contests SET choices = $1, ballots = $2 WHERE id = $3";

pub const ROUND_INSERT: &str = "INSERT INTO rounds (audit_id, number, kind, started_at, started_by, sample_sha256) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id";
pub const ROUND_CONTEST_INSERT: &str = "INSERT INTO round_contests (round_id, contest_id, sample_size, size_option, draws_before, non_cvr_sample_size, non_cvr_draws_before) VALUES ($1, $2, $3, $4, $5, $6, $7)";
pub const ROUNDS: &str = "SELECT id, audit_id, number, kind, started_at, started_by, sample_sha256, ended_at, ended_by FROM rounds WHERE audit_id = $1 ORDER BY number";
pub const ROUND_CONTESTS: &str = "SELECT rc.round_id, rc.contest_id, rc.sample_size, rc.size_option, rc.draws_before, rc.non_cvr_sample_size, rc.non_cvr_draws_before, rc.p_value, rc.risk_limit_met, rc.discrepancies FROM round_contests rc JOIN rounds r ON r.id = rc.round_id WHERE r.audit_id = $1 ORDER BY r.number, rc.contest_id";
pub const ROUND_END: &str =
    "UPDATE rounds SET ended_at = $1, ended_by = $2 WHERE id = $3 AND ended_at IS NULL";
pub const ROUND_AUDIT: &str = "SELECT audit_id FROM rounds WHERE id = $1";
pub const ROUND_CONTEST_RESULT: &str = "UPDATE round_contests SET p_value = $1, risk_limit_met = $2, discrepancies = $3 WHERE round_id = $4 AND contest_id = $5";

pub const BALLOT_FIND: &str =
    "SELECT id FROM sampled_ballots WHERE audit_id = $1 AND batch_key = $2 AND position = $3";
pub const BALLOT_INSERT: &str = "INSERT INTO sampled_ballots (audit_id, jurisdiction_id, batch_key, container, tabulator, batch, position, first_round, status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'not_audited') RETURNING id";
pub const BALLOTS: &str = "SELECT id, jurisdiction_id, batch_key, container, tabulator, batch, position, first_round, audit_board_id, status, audited_at, audited_by FROM sampled_ballots WHERE audit_id = $1 ORDER BY id";
pub const DRAW_INSERT: &str =
    "INSERT INTO draws (round_id, contest_id, ballot_id, ticket) VALUES ($1, $2, $3, $4)";
pub const DRAWS: &str = "SELECT d.id, d.round_id, d.contest_id, d.ballot_id, d.ticket FROM draws d JOIN rounds r ON r.id = d.round_id WHERE r.audit_id = $1 ORDER BY d.id";
pub const BATCH_FIND: &str =
    "SELECT id FROM sampled_batches WHERE audit_id = $1 AND jurisdiction_id = $2 AND batch = $3";
pub const BATCH_INSERT: &str = "INSERT INTO sampled_batches (audit_id, jurisdiction_id, container, tabulator, batch, first_round, status) VALUES ($1, $2, $3, $4, $5, $6, 'not_audited') RETURNING id";
pub const BATCHES: &str = "SELECT id, jurisdiction_id, container, tabulator, batch, first_round, audit_board_id, status FROM sampled_batches WHERE audit_id = $1 ORDER BY id";
pub const BATCH_DRAW_INSERT: &str =
    "INSERT INTO batch_draws (round_id, contest_id, batch_id, ticket) VALUES ($1, $2, $3, $4)";
pub const BATCH_DRAWS: &str = "SELECT d.id, d.round_id, d.contest_id, d.batch_id, d.ticket FROM batch_draws d JOIN rounds r ON r.id = d.round_id WHERE r.audit_id = $1 ORDER BY d.id";

pub const BOARD_INSERT: &str = "INSERT INTO audit_boards (audit_id, round_id, jurisdiction_id, name) VALUES ($1, $2, $3, $4) RETURNING id";
pub const BOARDS: &str = "SELECT id, round_id, jurisdiction_id, name, member_1, member_2, signed_off_at FROM audit_boards WHERE audit_id = $1 ORDER BY id";
pub const BOARD_ASSIGN_BALLOT: &str =
    "UPDATE sampled_ballots SET audit_board_id = $1 WHERE id = $2";
pub const BOARD_ASSIGN_BATCH: &str = "UPDATE sampled_batches SET audit_board_id = $1 WHERE id = $2";
pub const BOARD_SIGN_OFF: &str = "UPDATE audit_boards SET member_1 = $1, member_2 = $2, signed_off_at = $3 WHERE id = $4 AND signed_off_at IS NULL";

pub const BALLOT_STATUS: &str =
    "UPDATE sampled_ballots SET status = $1, audited_at = $2, audited_by = $3 WHERE id = $4";
pub const INTERPRETATIONS_DELETE: &str = "DELETE FROM interpretations WHERE ballot_id = $1";
pub const INTERPRETATION_INSERT: &str = "INSERT INTO interpretations (ballot_id, contest_id, interpretation, choices, comment) VALUES ($1, $2, $3, $4, $5)";
pub const INTERPRETATIONS: &str = "SELECT i.ballot_id, i.contest_id, i.interpretation, i.choices, i.comment FROM interpretations i JOIN sampled_ballots b ON b.id = i.ballot_id WHERE b.audit_id = $1 ORDER BY i.ballot_id, i.contest_id";

pub const OFFLINE_UPSERT: &str = "INSERT INTO offline_tallies (round_id, jurisdiction_id, contest_id, votes, ballots, entered_at, entered_by) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (round_id, jurisdiction_id, contest_id) DO UPDATE SET votes = excluded.votes, ballots = excluded.ballots, entered_at = excluded.entered_at, entered_by = excluded.entered_by";
pub const OFFLINE: &str = "SELECT o.round_id, o.jurisdiction_id, o.contest_id, o.votes, o.ballots, o.entered_at, o.entered_by FROM offline_tallies o JOIN rounds r ON r.id = o.round_id WHERE r.audit_id = $1 ORDER BY r.number, o.jurisdiction_id, o.contest_id";

pub const BATCH_RESULT_UPSERT: &str = "INSERT INTO batch_results (batch_id, contest_id, votes, entered_at, entered_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (batch_id, contest_id) DO UPDATE SET votes = excluded.votes, entered_at = excluded.entered_at, entered_by = excluded.entered_by";
pub const BATCH_STATUS: &str = "UPDATE sampled_batches SET status = 'audited' WHERE id = $1";
pub const BATCH_RESULTS: &str = "SELECT r.batch_id, r.contest_id, r.votes, r.entered_at, r.entered_by FROM batch_results r JOIN sampled_batches b ON b.id = r.batch_id WHERE b.audit_id = $1 ORDER BY r.batch_id, r.contest_id";
pub const BATCH_AUDIT: &str = "SELECT audit_id FROM sampled_batches WHERE id = $1";
pub const BALLOT_AUDIT: &str = "SELECT audit_id FROM sampled_ballots WHERE id = $1";
pub const JURISDICTION_SIGN_OFF_INSERT: &str = "INSERT INTO jurisdiction_sign_offs (round_id, jurisdiction_id, signed_off_at, signed_off_by) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";
pub const JURISDICTION_SIGN_OFFS: &str = "SELECT s.round_id, s.jurisdiction_id, s.signed_off_at, s.signed_off_by FROM jurisdiction_sign_offs s JOIN rounds r ON r.id = s.round_id WHERE r.audit_id = $1 ORDER BY r.number, s.jurisdiction_id";
pub const BOARD_AUDIT: &str = "SELECT audit_id FROM audit_boards WHERE id = $1";
