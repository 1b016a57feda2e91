-- The feed for the delivery system: every change to a termination, in the
-- order it was committed (seq), and the bearer tokens that may read it.
CREATE TABLE termination_events (
    seq            INTEGER PRIMARY KEY AUTOINCREMENT,
    termination_id INTEGER NOT NULL REFERENCES terminations(id),
    event          TEXT NOT NULL,   -- recorded | revoked
    at             TEXT NOT NULL
);
-- What is on file already: recorded, then (for those since revoked) revoked.
INSERT INTO termination_events (termination_id, event, at)
    SELECT id, 'recorded', recorded_at FROM terminations ORDER BY id;
INSERT INTO termination_events (termination_id, event, at)
    SELECT id, 'revoked', recorded_at FROM terminations WHERE status = 'revoked' ORDER BY id;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT NOT NULL UNIQUE,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_at   TEXT NOT NULL,
    revoked_at   TEXT,
    last_used_at TEXT
);
