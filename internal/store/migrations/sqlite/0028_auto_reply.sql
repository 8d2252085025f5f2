-- ward: foreign keys off
-- After-hours auto-replies (issue 22): a message may be sent by a care team rather than a user. kind is '' for a
-- user's message and 'auto_reply' for a team's after-hours auto-reply, whose sender_id is the team's id: the
-- sender is no longer always a user, so sender_id loses its reference to users (ward checks membership as it
-- stores a user's message). conversations.auto_replied_at (microseconds, 0: never) is when a team inbox thread
-- last got its auto-reply: at most one in any 12 hours (internal/inbox). SQLite cannot drop a constraint in
-- place: the table is rebuilt, as in 0013, with the rows of the tables that refer to it left as they are
-- (foreign keys off, then checked before the commit).
CREATE TABLE messages_new (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	seq             BIGINT NOT NULL,
	sender_id       TEXT NOT NULL,            -- a user; for kind 'auto_reply' a team
	client_id       TEXT NOT NULL,
	body_sealed     BLOB,                     -- NULL once recalled or purged
	priority        TEXT NOT NULL,            -- normal | urgent
	backup_user_id  TEXT NOT NULL DEFAULT '',
	created_at      BIGINT NOT NULL,
	recalled_at     BIGINT NOT NULL DEFAULT 0,
	purged_at       BIGINT NOT NULL DEFAULT 0,
	kind            TEXT NOT NULL DEFAULT '', -- '' | auto_reply
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
ALTER TABLE conversations ADD COLUMN auto_replied_at BIGINT NOT NULL DEFAULT 0;
