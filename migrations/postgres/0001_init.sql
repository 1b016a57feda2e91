-- lefi-intake schema (PostgreSQL). Timestamps are RFC 3339 UTC text and dates
-- YYYY-MM-DD text, as in the SQLite schema, so that one query text serves
-- both backends.

-- Every mail that reached the intake, once.
CREATE TABLE messages (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_key       TEXT NOT NULL,          -- where it came from: maildir:<name>, imap:<uidvalidity>:<uid>
    message_id       TEXT,                   -- the Message-ID header, without brackets
    sha256           TEXT NOT NULL,          -- of the raw bytes
    body_sha256      TEXT NOT NULL,          -- of the bytes after the header block (re-deliveries)
    received_at      TEXT NOT NULL,
    recorded_at      TEXT NOT NULL,
    from_address     TEXT,
    reply_address    TEXT,                   -- Reply-To, else From
    subject          TEXT NOT NULL,
    raw              BYTEA NOT NULL,          -- kept for audit
    size_bytes       BIGINT NOT NULL,
    verdict          TEXT NOT NULL,          -- accept | incomplete | quarantine | ignore
    reasons          TEXT NOT NULL,          -- reason codes, comma-separated
    missing          TEXT NOT NULL,          -- field names, comma-separated
    org_number       TEXT,
    org_name         TEXT,
    effective_date   TEXT,
    extraction       TEXT,                   -- JSON: every finding with its evidence
    in_reply_to      TEXT,
    refs             TEXT,                   -- References, space-separated
    thread_parent_id BIGINT REFERENCES messages(id),
    status           TEXT NOT NULL           -- done | awaiting_reply | in_review | completed_by_reply
);
CREATE UNIQUE INDEX messages_source_key ON messages (source_key);
CREATE UNIQUE INDEX messages_sha256 ON messages (sha256);
CREATE INDEX messages_message_id ON messages (message_id);

-- Terminations on file: one active per organisation.
CREATE TABLE terminations (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_number     TEXT NOT NULL,
    org_name       TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    message_id     BIGINT NOT NULL REFERENCES messages(id),
    recorded_at    TEXT NOT NULL,
    recorded_by    TEXT NOT NULL,            -- 'intake' or the officer
    status         TEXT NOT NULL DEFAULT 'active'
);
CREATE UNIQUE INDEX terminations_one_active ON terminations (org_number) WHERE status = 'active';

-- Mails an officer must decide.
CREATE TABLE quarantine (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id    BIGINT NOT NULL UNIQUE REFERENCES messages(id),
    reasons       TEXT NOT NULL,
    status        TEXT NOT NULL DEFAULT 'open',   -- open | approved | rejected
    created_at    TEXT NOT NULL,
    decided_by    TEXT,
    decided_at    TEXT,
    decision_note TEXT
);
CREATE INDEX quarantine_status ON quarantine (status, created_at);

-- Replies waiting to go out, and those that went.
CREATE TABLE outbox (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_id      BIGINT NOT NULL REFERENCES messages(id),
    kind            TEXT NOT NULL,           -- confirmation | incomplete | already_registered | manual_review
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body            TEXT NOT NULL,
    in_reply_to     TEXT,
    refs            TEXT,
    our_message_id  TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL DEFAULT 'pending',  -- pending | sent | failed
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,                    -- a worker is sending it until then
    sent_at         TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);

-- Who did what, when.
CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id   BIGINT,
    details     TEXT
);
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
