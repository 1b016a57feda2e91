-- At most one automatic answer per sender and kind of answer in a period:
-- each queued answer carries its key (recipient, kind, and for confirmations
-- the organisation), and intake looks for a recent one with the same key.
ALTER TABLE outbox ADD COLUMN answer_key TEXT;
CREATE INDEX outbox_answer_key ON outbox (answer_key, created_at);
