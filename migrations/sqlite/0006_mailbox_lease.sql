-- PostgreSQL's 0006 adds the mailbox lease; on SQLite one process holds a
-- file lock beside the database instead. Kept so both schemas number their
-- migrations alike.
SELECT 1;
