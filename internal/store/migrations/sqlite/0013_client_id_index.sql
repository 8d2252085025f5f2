-- ward: foreign keys off
-- A message's client id is unique per sender and conversation as before, but the index that keeps it so
-- leads with the client id: (client_id, sender_id, conversation_id) instead of (conversation_id, sender_id,
-- client_id). Clients that make time-ordered client ids (UUIDv7, as ward's own do) then add each message's
-- entry at the end of the index, next to the entries of the messages sent just before, instead of at a
-- place of its conversation's own: a group commit of 30 sends to 30 conversations wrote about 30 pages of
-- this index to the WAL, and now writes one or two. Lookups give all three columns, so either order serves
-- them. SQLite cannot change a table's constraint in place: the table is rebuilt, with the rows of the
-- tables that refer to it left as they are (foreign keys off, then checked before the commit).
CREATE TABLE messages_new (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	seq             BIGINT NOT NULL,
	sender_id       TEXT NOT NULL REFERENCES users(id),
	client_id       TEXT NOT NULL,
	body_sealed     BLOB,                     -- NULL once recalled or purged
	priority        TEXT NOT NULL,            -- normal | urgent
	backup_user_id  TEXT NOT NULL DEFAULT '',
	created_at      BIGINT NOT NULL,
	recalled_at     BIGINT NOT NULL DEFAULT 0,
	purged_at       BIGINT NOT NULL DEFAULT 0,
	UNIQUE (conversation_id, seq)
);
INSERT INTO messages_new (id, org_id, conversation_id, seq, sender_id, client_id, body_sealed, priority,
	backup_user_id, created_at, recalled_at, purged_at)
SELECT id, org_id, conversation_id, seq, sender_id, client_id, body_sealed, priority,
	backup_user_id, created_at, recalled_at, purged_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;
CREATE UNIQUE INDEX messages_client ON messages (client_id, sender_id, conversation_id);
CREATE INDEX messages_org_created ON messages (org_id, created_at);
