-- Which instance reads the mailbox (and runs the outbox): one row, renewed
-- by its holder before it expires; a standby takes it over once it has
-- expired. The epoch grows with every new holder. PostgreSQL only: on
-- SQLite one process holds a file lock instead.
CREATE TABLE mailbox_lease (
    name        TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    epoch       BIGINT NOT NULL,
    acquired_at TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL
);
