-- Secure messages to outside addresses (internal/outside). One row per message staff sent to a guest (a user of the
-- role guest, whose email is sealed like a patient's): the one-time link mailed for it, known only by its SHA-256
-- (hex), and the email one-time code that proves the address, also by its hash. No PHI: ids, hashes and times.
-- message_seq is the sent message's place in the conversation: the guest replied when they sent one after it.
-- Times are Unix microseconds; opened_at (the link used: code verified, session opened) and code_expires_at are 0
-- when not set.
CREATE TABLE outside_links (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	message_id      TEXT NOT NULL REFERENCES messages(id),
	message_seq     BIGINT NOT NULL,
	sender_id       TEXT NOT NULL REFERENCES users(id),
	guest_id        TEXT NOT NULL REFERENCES users(id),
	token_hash      TEXT NOT NULL UNIQUE,
	created_at      BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	opened_at       BIGINT NOT NULL DEFAULT 0,
	code_hash       TEXT NOT NULL DEFAULT '',
	code_expires_at BIGINT NOT NULL DEFAULT 0,
	code_tries      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outside_links_sender ON outside_links (org_id, sender_id, created_at);
CREATE INDEX outside_links_conversation ON outside_links (conversation_id, created_at);
