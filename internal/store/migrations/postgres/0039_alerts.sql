-- Activity monitoring (internal/monitor): alerts the rules raise over the audit trail, the cursor of the
-- evaluator (the last audit seq it processed) and what it has seen of privileged accounts (devices and
-- addresses). An alert's evidence is JSON of ids only (audit seq ranges, user ids, patient record ids,
-- addresses, counts); its summary is PHI-free text. A dismissal's reason is free text that may name a patient,
-- so it is sealed (dismiss_reason_sealed) under the org's compliance data key. escalated_to is the incident id
-- an escalated alert went to (NULL until then). subject is what the rule grouped the events by (a user id, an
-- account, an address): a burst's later events extend its open alert instead of raising another.
CREATE TABLE alerts (
	id                    TEXT PRIMARY KEY,
	org_id                TEXT NOT NULL REFERENCES orgs(id),
	rule                  TEXT NOT NULL,
	subject               TEXT NOT NULL,
	severity              TEXT NOT NULL,
	status                TEXT NOT NULL DEFAULT 'new',
	summary               TEXT NOT NULL,
	evidence              TEXT NOT NULL,
	first_seq             BIGINT NOT NULL,
	last_seq              BIGINT NOT NULL,
	first_at              BIGINT NOT NULL,
	last_at               BIGINT NOT NULL,
	raised_at             BIGINT NOT NULL,
	updated_at            BIGINT NOT NULL,
	status_by             TEXT NOT NULL DEFAULT '',
	dismiss_reason_sealed BYTEA,
	escalated_to          TEXT
);
CREATE INDEX alerts_org ON alerts (org_id, raised_at);
CREATE INDEX alerts_last ON alerts (last_at);
CREATE TABLE monitor_cursor (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	seq BIGINT NOT NULL
);
CREATE TABLE monitor_seen (
	org_id   TEXT NOT NULL,
	user_id  TEXT NOT NULL,
	kind     TEXT NOT NULL,
	value    TEXT NOT NULL,
	first_at BIGINT NOT NULL,
	PRIMARY KEY (org_id, user_id, kind, value)
);
