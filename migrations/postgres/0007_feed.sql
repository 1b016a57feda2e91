-- The feed for the delivery system: every change to a termination, in the
-- order it was committed (seq: writers lock the table, so a later seq is
-- never committed before an earlier one), and the bearer tokens that may
-- read it.
CREATE TABLE termination_events (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    termination_id BIGINT NOT NULL REFERENCES terminations(id),
    event          TEXT NOT NULL,   -- recorded | revoked
    at             TEXT NOT NULL
);
INSERT INTO termination_events (termination_id, event, at)
    SELECT id, 'recorded', recorded_at FROM terminations ORDER BY id;
INSERT INTO termination_events (termination_id, event, at)
    SELECT id, 'revoked', recorded_at FROM terminations WHERE status = 'revoked' ORDER BY id;

CREATE TABLE api_tokens (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    last_used_at TEXT
);
