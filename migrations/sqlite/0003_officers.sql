-- Officers who review the quarantine queue, and their web sessions.
CREATE TABLE officers (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    name          TEXT NOT NULL UNIQUE,      -- the sign-in name
    display_name  TEXT NOT NULL,
    password_hash TEXT,                      -- argon2 (PHC string); NULL: SSO only
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT NOT NULL
);

-- A session cookie holds a random token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_sha256 TEXT PRIMARY KEY,
    officer_id   INTEGER NOT NULL REFERENCES officers(id),
    csrf_token   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
