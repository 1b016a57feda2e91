-- The officers' overview counts the mails of the last day and week.
CREATE INDEX messages_received ON messages (received_at);
