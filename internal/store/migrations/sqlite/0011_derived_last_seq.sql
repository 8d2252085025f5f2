-- A conversation's last sequence number and last message time are read from its newest
-- message (the (conversation, seq) index) instead of a counter row that every send updated:
-- on SQLite that row was one more page in the WAL per send, at a place no other send of a
-- group commit shared. Senders to one conversation still take turns on its row (SELECT …
-- FOR UPDATE on PostgreSQL; SQLite's one writer), so sequence numbers stay consecutive.
ALTER TABLE conversations DROP COLUMN last_seq;
ALTER TABLE conversations DROP COLUMN last_message_at;
