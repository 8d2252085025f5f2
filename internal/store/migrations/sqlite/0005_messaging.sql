-- Messaging: conversations, members, messages, receipts and urgent escalation timers.
-- Times are Unix microseconds (0: not yet); durations are microseconds. Titles, topics and
-- bodies are ciphertexts sealed by the keyring: the database never sees their plaintext.

CREATE TABLE conversations (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	kind            TEXT NOT NULL,            -- direct | group
	direct_key      TEXT,                     -- direct: the two user ids, sorted, '|'-joined; NULL for groups
	title_sealed    BLOB,
	topic_sealed    BLOB,
	patient_id      TEXT NOT NULL DEFAULT '',
	created_by      TEXT NOT NULL REFERENCES users(id),
	created_at      BIGINT NOT NULL,
	lifespan        BIGINT NOT NULL DEFAULT 0, -- 0: the org's policy
	last_seq        BIGINT NOT NULL DEFAULT 0, -- the per-conversation message counter
	last_message_at BIGINT NOT NULL DEFAULT 0,
	UNIQUE (org_id, direct_key)
);

CREATE TABLE conversation_members (
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	user_id         TEXT NOT NULL REFERENCES users(id),
	role            TEXT NOT NULL,            -- owner | member
	joined_at       BIGINT NOT NULL,
	PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_user ON conversation_members (user_id);

CREATE TABLE messages (
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
	UNIQUE (conversation_id, seq),
	UNIQUE (conversation_id, sender_id, client_id)
);
CREATE INDEX messages_age ON messages (conversation_id, created_at) WHERE purged_at = 0 AND recalled_at = 0;

-- One row per message and recipient (the members other than the sender).
CREATE TABLE receipts (
	message_id      TEXT NOT NULL REFERENCES messages(id),
	user_id         TEXT NOT NULL REFERENCES users(id),
	conversation_id TEXT NOT NULL,
	seq             BIGINT NOT NULL,
	sender_id       TEXT NOT NULL,
	urgent          INTEGER NOT NULL DEFAULT 0,
	delivered_at    BIGINT NOT NULL DEFAULT 0,
	read_at         BIGINT NOT NULL DEFAULT 0,
	acked_at        BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (message_id, user_id)
);
CREATE INDEX receipts_member ON receipts (conversation_id, user_id, seq);

-- Timers of unacknowledged urgent messages, one row per message and recipient. They live
-- here so that they survive a restart; the escalation job polls the due ones.
CREATE TABLE urgent_escalations (
	message_id       TEXT NOT NULL REFERENCES messages(id),
	recipient_id     TEXT NOT NULL REFERENCES users(id),
	org_id           TEXT NOT NULL,
	conversation_id  TEXT NOT NULL,
	seq              BIGINT NOT NULL,
	sender_id        TEXT NOT NULL,
	backup_user_id   TEXT NOT NULL DEFAULT '',
	next_renotify_at BIGINT NOT NULL,
	escalate_at      BIGINT NOT NULL,
	escalated_at     BIGINT NOT NULL DEFAULT 0,
	renotified       INTEGER NOT NULL DEFAULT 0,
	done             INTEGER NOT NULL DEFAULT 0, -- 1: acknowledged, recalled or purged
	PRIMARY KEY (message_id, recipient_id)
);
CREATE INDEX urgent_escalations_renotify ON urgent_escalations (next_renotify_at) WHERE done = 0;
CREATE INDEX urgent_escalations_escalate ON urgent_escalations (escalate_at) WHERE done = 0 AND escalated_at = 0;
