-- Trust before action: the subscriber registry, how each mail's sender was
-- authenticated, officers' agreement with the intake, and purged mails.

-- LEFI Prenumeration's subscribers (imported from a CSV, kept by officers).
CREATE TABLE subscribers (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_number      TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    other_names     TEXT NOT NULL,            -- other accepted names, '|'-separated
    domains         TEXT NOT NULL,            -- mail domains, space-separated
    kind            TEXT NOT NULL,            -- authority | insurer | other
    status          TEXT NOT NULL,            -- active | terminated
    terminated_from TEXT,                     -- YYYY-MM-DD when terminated
    updated_at      TEXT NOT NULL,
    updated_by      TEXT NOT NULL
);

-- What vouched for each mail's sender (for officers), e.g. "dmarc pass uppsala.se".
ALTER TABLE messages ADD COLUMN sender_auth TEXT;
-- When the raw mail and its texts were purged (retention.raw_days).
ALTER TABLE messages ADD COLUMN purged_at TEXT;

-- An officer's decision against the intake's reading: unchanged | corrected | rejected,
-- and which fields an approval corrected (comma-separated).
ALTER TABLE quarantine ADD COLUMN outcome TEXT;
ALTER TABLE quarantine ADD COLUMN corrected_fields TEXT;
CREATE INDEX quarantine_decided ON quarantine (decided_at);
