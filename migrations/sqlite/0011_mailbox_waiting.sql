-- What the mailbox reader last saw waiting in the inbox, for the overview
-- page of every instance: one row, written by whichever instance reads.
CREATE TABLE mailbox_status (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    waiting BIGINT NOT NULL,
    checked_at TEXT NOT NULL
);

-- The overview shows how many answers went out in the last minutes: a range
-- over the time sent, not a scan of every answer ever sent.
CREATE INDEX outbox_sent_at ON outbox (sent_at);
