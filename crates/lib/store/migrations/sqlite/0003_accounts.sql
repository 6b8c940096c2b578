-- The web application's accounts, version 2: users, their role grants, second factors, sessions,
-- login attempts and audit-board credentials (issue 7). Same portable conventions as 0001: only
-- the primary keys' DDL is SQLite's; times are i64 milliseconds since 1970 (UTC).
--
-- No secret is stored in a form that lets it be used: passwords are argon2id PHC strings; session
-- ids, recovery codes and board passphrases are random (128 bits or more) and stored as their
-- SHA-256 (a slow hash adds nothing to a secret that cannot be guessed). The TOTP secret must be
-- kept as is to compute codes; it lives only here, never in a log.

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    -- Base32 TOTP secret once enrolment is confirmed; NULL before.
    totp_secret TEXT,
    -- The last accepted TOTP time step: a code of this step or an earlier one is refused.
    totp_last_step BIGINT,
    disabled BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL
);

-- What a user may do. `role` is `state_admin`, `jurisdiction_admin` or `support`; a jurisdiction
-- administrator's grant names its audit and jurisdiction (empty strings otherwise).
CREATE TABLE role_grants (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    audit TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    granted_at BIGINT NOT NULL,
    granted_by TEXT NOT NULL,
    UNIQUE (user_id, role, audit, jurisdiction)
);

-- Single-use recovery codes (shown once at enrolment).
CREATE TABLE recovery_codes (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    code_sha256 TEXT NOT NULL,
    used_at BIGINT
);

-- Credentials an audit board logs in with: a passphrase the jurisdiction administrator prints,
-- or a one-time link. Scoped to one board of one round.
CREATE TABLE board_credentials (
    id INTEGER PRIMARY KEY,
    audit TEXT NOT NULL,
    jurisdiction TEXT NOT NULL,
    board TEXT NOT NULL,
    round BIGINT NOT NULL,
    kind TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    used_at BIGINT,
    revoked_at BIGINT
);

-- Sessions, by the SHA-256 of their random id (the cookie holds the id itself). `stage` is
-- `second_factor` (password accepted, TOTP pending), `enrol` (an administrator who must set up
-- TOTP first) or `full`. A board session has `board_credential_id` instead of `user_id`.
CREATE TABLE sessions (
    id_sha256 TEXT PRIMARY KEY,
    user_id BIGINT REFERENCES users (id),
    board_credential_id BIGINT REFERENCES board_credentials (id),
    stage TEXT NOT NULL,
    csrf_token TEXT NOT NULL,
    -- A TOTP secret offered during enrolment, until a code from it is entered.
    pending_totp TEXT,
    -- The audit board's two members (JSON list), once entered.
    members TEXT,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    remote TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_attempts_email ON login_attempts (email, at);
