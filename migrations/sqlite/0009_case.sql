-- One reference per case: a reply that completes an earlier mail belongs to
-- that mail's case (the first mail of the thread); NULL: the mail is its own.
ALTER TABLE messages ADD COLUMN case_id INTEGER;
