-- Legal holds (internal/holds): while a hold is active (released_at = 0), nothing in its scope is destroyed: no
-- lifespan purge, no crypto-shredding of a held patient, no audit purge of the held time. The scope is the
-- conjunction of the fields that are set: user_id (messages the user sent or in conversations they are a member of),
-- patient_id (conversations about the patient, and the patient record itself), conversation_id, and the range
-- [from_at, to_at) of message times (Unix microseconds; 0: open). At least one is set. The matter name is not PHI
-- (a case name or a reference, bounded to 200 characters) and is stored in the clear.
CREATE TABLE legal_holds (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	matter          TEXT NOT NULL,
	user_id         TEXT NOT NULL DEFAULT '',
	patient_id      TEXT NOT NULL DEFAULT '',
	conversation_id TEXT NOT NULL DEFAULT '',
	from_at         BIGINT NOT NULL DEFAULT 0,
	to_at           BIGINT NOT NULL DEFAULT 0,
	placed_by       TEXT NOT NULL,
	created_at      BIGINT NOT NULL,
	updated_at      BIGINT NOT NULL,
	released_at     BIGINT NOT NULL DEFAULT 0,
	released_by     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX legal_holds_active ON legal_holds (org_id) WHERE released_at = 0;
-- The sealed body of a held message that its sender recalled: members see the tombstone (messages.body_sealed is
-- NULL as for any recall); the ciphertext, sealed as it was under the conversation's key, stays here for compliance
-- review until no active hold covers the message any more, when the retention job deletes it.
CREATE TABLE held_copies (
	message_id      TEXT PRIMARY KEY REFERENCES messages(id),
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	body_sealed     BYTEA NOT NULL,
	kept_at         BIGINT NOT NULL
);
CREATE INDEX held_copies_org ON held_copies (org_id);
