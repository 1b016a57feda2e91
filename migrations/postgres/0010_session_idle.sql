-- A session also ends after web.session_idle_minutes without a request:
-- when it was last used (NULL: not since it was opened).
ALTER TABLE sessions ADD COLUMN last_seen_at TEXT;
