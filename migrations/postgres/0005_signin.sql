-- Sign-in throttling: each officer's failed sign-ins in a row, and a
-- temporary lock after too many (web.signin_lock_after).
ALTER TABLE officers ADD COLUMN failed_signins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE officers ADD COLUMN last_failed_at TEXT;
ALTER TABLE officers ADD COLUMN locked_until TEXT;

-- Keys the service makes for itself on first use (the sign-in form's token key),
-- shared by every instance on the database.
CREATE TABLE server_keys (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
