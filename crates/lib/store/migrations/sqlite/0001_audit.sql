-- The audit database, version 1. Portable DDL except for the primary keys: SQLite's
-- `INTEGER PRIMARY KEY` is an alias of the rowid; a PostgreSQL migration writes
-- `BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY` there and BYTEA for none (no blobs here).
-- Times are i64 milliseconds since 1970 (UTC); money-like exact numbers (the risk limit) are
-- decimal text; lists and small records are JSON text.

-- One row: the database's own random id, written into every log entry it produces, so that
-- entries of this database can be told from other writers' in a shared election log.
CREATE TABLE store_meta (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    instance TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE audits (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    audit_type TEXT NOT NULL,
    math TEXT NOT NULL,
    risk_limit TEXT NOT NULL,
    seed_commitment TEXT NOT NULL,
    seed_salt TEXT,
    sealed_seed TEXT,
    seed TEXT,
    seed_revealed_at BIGINT,
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    finished_at BIGINT
);

CREATE TABLE jurisdictions (
    id INTEGER PRIMARY KEY,
    audit_id BIGINT NOT NULL REFERENCES audits (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (audit_id, name)
);

-- Every upload attempt, accepted or rejected, with its validation report. An accepted upload
-- replaces the jurisdiction's previous accepted one of the same kind (and contest, for batch
-- tallies): the old row stays, with `replaced_at` set, and its derived rows are deleted in the
-- same transaction. The file itself is in the election log's artifact store under `sha256`.
CREATE TABLE uploads (
    id INTEGER PRIMARY KEY,
    audit_id BIGINT NOT NULL REFERENCES audits (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    kind TEXT NOT NULL,
    contest TEXT NOT NULL,
    file_name TEXT NOT NULL,
    format TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    accepted BOOLEAN NOT NULL,
    report TEXT NOT NULL,
    summary TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    replaced_at BIGINT
);
CREATE INDEX uploads_current ON uploads (jurisdiction_id, kind, contest, replaced_at);

CREATE TABLE manifest_batches (
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    idx BIGINT NOT NULL,
    container TEXT,
    tabulator TEXT,
    name TEXT NOT NULL,
    ballots BIGINT NOT NULL,
    has_cvrs BOOLEAN,
    PRIMARY KEY (upload_id, idx)
);

-- Contests as a CVR upload defines them, with their reported totals in this jurisdiction.
CREATE TABLE cvr_contests (
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    idx BIGINT NOT NULL,
    name TEXT NOT NULL,
    votes_allowed BIGINT NOT NULL,
    ranks BIGINT NOT NULL,
    choices TEXT NOT NULL,
    votes TEXT NOT NULL,
    ballots BIGINT NOT NULL,
    PRIMARY KEY (upload_id, idx)
);

-- One row per ballot card of a CVR upload. `marks` is compact text: `contest:choice,choice;…`
-- with the upload's contest and choice indexes (a contest with no choice after the colon was on
-- the card but not voted). `position` is Arlo's ballot position (rank of the record id).
CREATE TABLE cvr_cards (
    id INTEGER PRIMARY KEY,
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    tabulator TEXT NOT NULL,
    batch TEXT NOT NULL,
    record_id BIGINT,
    position BIGINT,
    imprinted_id TEXT NOT NULL,
    cvr_id TEXT NOT NULL,
    marks TEXT NOT NULL
);
CREATE INDEX cvr_cards_ballot ON cvr_cards (jurisdiction_id, batch, position);

CREATE TABLE batch_tallies (
    upload_id BIGINT NOT NULL REFERENCES uploads (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    idx BIGINT NOT NULL,
    contest TEXT NOT NULL,
    tabulator TEXT,
    batch TEXT NOT NULL,
    choices TEXT NOT NULL,
    votes TEXT NOT NULL,
    PRIMARY KEY (upload_id, idx)
);

CREATE TABLE contests (
    id INTEGER PRIMARY KEY,
    audit_id BIGINT NOT NULL REFERENCES audits (id),
    name TEXT NOT NULL,
    targeted BOOLEAN NOT NULL,
    num_winners BIGINT NOT NULL,
    votes_allowed BIGINT NOT NULL,
    winners TEXT,
    source TEXT NOT NULL,
    choices TEXT NOT NULL,
    ballots BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    UNIQUE (audit_id, name)
);

CREATE TABLE contest_jurisdictions (
    contest_id BIGINT NOT NULL REFERENCES contests (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    PRIMARY KEY (contest_id, jurisdiction_id)
);

CREATE TABLE rounds (
    id INTEGER PRIMARY KEY,
    audit_id BIGINT NOT NULL REFERENCES audits (id),
    number BIGINT NOT NULL,
    kind TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    started_by TEXT NOT NULL,
    sample_sha256 TEXT NOT NULL,
    ended_at BIGINT,
    ended_by TEXT,
    UNIQUE (audit_id, number)
);

CREATE TABLE round_contests (
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    contest_id BIGINT NOT NULL REFERENCES contests (id),
    sample_size BIGINT NOT NULL,
    size_option TEXT NOT NULL,
    draws_before BIGINT NOT NULL,
    -- Hybrid (SUITE) audits: the no-CVR stratum's draws (without replacement).
    non_cvr_sample_size BIGINT NOT NULL,
    non_cvr_draws_before BIGINT NOT NULL,
    p_value DOUBLE PRECISION,
    risk_limit_met BOOLEAN,
    discrepancies TEXT,
    PRIMARY KEY (round_id, contest_id)
);

CREATE TABLE audit_boards (
    id INTEGER PRIMARY KEY,
    audit_id BIGINT NOT NULL REFERENCES audits (id),
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    name TEXT NOT NULL,
    member_1 TEXT,
    member_2 TEXT,
    signed_off_at BIGINT,
    UNIQUE (round_id, jurisdiction_id, name)
);

-- A ballot drawn by any contest in any round, once; its draws are in `draws`.
CREATE TABLE sampled_ballots (
    id INTEGER PRIMARY KEY,
    audit_id BIGINT NOT NULL REFERENCES audits (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    batch_key TEXT NOT NULL,
    container TEXT,
    tabulator TEXT,
    batch TEXT NOT NULL,
    position BIGINT NOT NULL,
    first_round BIGINT NOT NULL,
    audit_board_id BIGINT REFERENCES audit_boards (id),
    status TEXT NOT NULL,
    audited_at BIGINT,
    audited_by TEXT,
    UNIQUE (audit_id, batch_key, position)
);

CREATE TABLE draws (
    id INTEGER PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    contest_id BIGINT NOT NULL REFERENCES contests (id),
    ballot_id BIGINT NOT NULL REFERENCES sampled_ballots (id),
    ticket TEXT NOT NULL
);

CREATE TABLE interpretations (
    ballot_id BIGINT NOT NULL REFERENCES sampled_ballots (id),
    contest_id BIGINT NOT NULL REFERENCES contests (id),
    interpretation TEXT NOT NULL,
    choices TEXT NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (ballot_id, contest_id)
);

-- A batch drawn for a batch-comparison audit, once; its draws are in `batch_draws`.
CREATE TABLE sampled_batches (
    id INTEGER PRIMARY KEY,
    audit_id BIGINT NOT NULL REFERENCES audits (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    container TEXT,
    tabulator TEXT,
    batch TEXT NOT NULL,
    first_round BIGINT NOT NULL,
    audit_board_id BIGINT REFERENCES audit_boards (id),
    status TEXT NOT NULL,
    UNIQUE (audit_id, jurisdiction_id, batch)
);

CREATE TABLE batch_draws (
    id INTEGER PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    contest_id BIGINT NOT NULL REFERENCES contests (id),
    batch_id BIGINT NOT NULL REFERENCES sampled_batches (id),
    ticket TEXT NOT NULL
);

CREATE TABLE batch_results (
    batch_id BIGINT NOT NULL REFERENCES sampled_batches (id),
    contest_id BIGINT NOT NULL REFERENCES contests (id),
    votes TEXT NOT NULL,
    entered_at BIGINT NOT NULL,
    entered_by TEXT NOT NULL,
    PRIMARY KEY (batch_id, contest_id)
);

-- Ballot polling entered as one tally per jurisdiction, contest and round (Arlo's offline
-- results): votes already multiplied by how often each ballot was drawn.
CREATE TABLE offline_tallies (
    round_id BIGINT NOT NULL REFERENCES rounds (id),
    jurisdiction_id BIGINT NOT NULL REFERENCES jurisdictions (id),
    contest_id BIGINT NOT NULL REFERENCES contests (id),
    votes TEXT NOT NULL,
    ballots BIGINT NOT NULL,
    entered_at BIGINT NOT NULL,
    entered_by TEXT NOT NULL,
    PRIMARY KEY (round_id, jurisdiction_id, contest_id)
);

-- Log entries written in the same transaction as the change they describe; appended to the
-- election log after commit (then `ledger_index` is set). Never deleted.
CREATE TABLE log_outbox (
    id INTEGER PRIMARY KEY,
    audit_id BIGINT,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    time_ms BIGINT NOT NULL,
    sha256 TEXT,
    body TEXT NOT NULL,
    ledger_index BIGINT
);
CREATE INDEX log_outbox_pending ON log_outbox (ledger_index);
