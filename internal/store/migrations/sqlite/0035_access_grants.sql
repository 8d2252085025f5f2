-- Compliance reviews and break-glass uses (internal/compliance): time-boxed reads of conversations outside
-- membership. Ids, kinds, categories and times are in the clear (the search and the queue run over them); the
-- stated reason's free text and a verdict's note may name a patient or a complaint, so they are sealed
-- (reason_sealed, note_sealed) under the org's compliance data key. conversation_id is '' for a break-glass,
-- patient_id '' for a review of a conversation about no patient. verdict is '' until compliance judges a
-- break-glass use (justified | unjustified).
CREATE TABLE access_grants (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	kind            TEXT NOT NULL,
	user_id         TEXT NOT NULL REFERENCES users(id),
	conversation_id TEXT NOT NULL,
	patient_id      TEXT NOT NULL,
	category        TEXT NOT NULL,
	reason_sealed   BLOB NOT NULL,
	opened_at       BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	verdict         TEXT NOT NULL DEFAULT '',
	note_sealed     BLOB,
	verdict_by      TEXT NOT NULL DEFAULT '',
	verdict_at      BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX access_grants_org ON access_grants (org_id, kind, opened_at);
