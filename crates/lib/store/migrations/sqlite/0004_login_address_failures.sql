-- Failed logins per network address (issue 7, the per-address login limit), kept in the database
-- like the per-email attempts so that restarting the server does not reset the limit. One row per
-- failed password, second-factor code or audit-board passphrase; the address is the peer's IP
-- address as the server saw it (behind a reverse proxy, the proxy's). Rows older than the limit's
-- window are deleted as new failures come in.
CREATE TABLE login_address_failures (
    id INTEGER PRIMARY KEY,
    remote TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_address_failures_remote ON login_address_failures (remote, at);
CREATE INDEX login_address_failures_at ON login_address_failures (at);
