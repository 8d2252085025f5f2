-- Breach incidents (internal/incidents, 45 CFR 164.402-414) and the BAA registry (internal/baa).
-- incidents: status, outcome, dates and the ids involved (users, devices, alerts: comma-separated) are in the
-- clear, the deadline job and the lists run over them; every free-text field (title, what happened, the
-- four-factor notes, the letter and HHS texts) may hold PHI, so they are sealed together as one JSON document
-- (details_sealed) under the org's compliance data key.
CREATE TABLE incidents (
	id             TEXT PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES orgs(id),
	status         TEXT NOT NULL,
	outcome        TEXT NOT NULL DEFAULT '',
	discovered_at  BIGINT NOT NULL,
	deadline_at    BIGINT NOT NULL,
	window_from    BIGINT NOT NULL DEFAULT 0,
	window_to      BIGINT NOT NULL DEFAULT 0,
	user_ids       TEXT NOT NULL DEFAULT '',
	device_ids     TEXT NOT NULL DEFAULT '',
	alert_ids      TEXT NOT NULL DEFAULT '',
	details_sealed BYTEA NOT NULL,
	created_by     TEXT NOT NULL,
	created_at     BIGINT NOT NULL,
	updated_at     BIGINT NOT NULL,
	closed_at      BIGINT NOT NULL DEFAULT 0,
	closed_by      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX incidents_org ON incidents (org_id, status, discovered_at);
-- The patients an incident affects: computed from the audit trail (source audit) or added by hand (source
-- manual); a removed one stays, marked, so a recompute does not bring it back. info_sealed holds the patient's
-- state of residence and the reasons given for each change (free text: sealed).
CREATE TABLE incident_patients (
	incident_id TEXT NOT NULL REFERENCES incidents(id),
	org_id      TEXT NOT NULL,
	patient_id  TEXT NOT NULL,
	source      TEXT NOT NULL,
	removed     INTEGER NOT NULL DEFAULT 0,
	info_sealed BYTEA,
	updated_at  BIGINT NOT NULL,
	PRIMARY KEY (incident_id, patient_id)
);
-- Business associate agreements: not PHI (vendors, services, dates), in the clear. The signed document is a
-- blob sealed like an attachment (doc_blob is its random key; '' none).
CREATE TABLE baas (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES orgs(id),
	vendor      TEXT NOT NULL,
	service     TEXT NOT NULL DEFAULT '',
	phi         TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	signed_at   BIGINT NOT NULL DEFAULT 0,
	expires_at  BIGINT NOT NULL DEFAULT 0,
	doc_blob    TEXT NOT NULL DEFAULT '',
	doc_name    TEXT NOT NULL DEFAULT '',
	doc_type    TEXT NOT NULL DEFAULT '',
	doc_size    BIGINT NOT NULL DEFAULT 0,
	created_by  TEXT NOT NULL,
	created_at  BIGINT NOT NULL,
	updated_at  BIGINT NOT NULL
);
CREATE INDEX baas_org ON baas (org_id, expires_at);
-- Reminders sent (incident deadlines at 30/14/7/1 days, BAA expiries at 60/30/7 days): one row per subject and
-- step, claimed before the email goes, so each reminder is sent once, whichever node leads.
CREATE TABLE compliance_reminders (
	subject    TEXT NOT NULL,
	subject_id TEXT NOT NULL,
	days       INTEGER NOT NULL,
	org_id     TEXT NOT NULL,
	sent_at    BIGINT NOT NULL,
	PRIMARY KEY (subject, subject_id, days)
);
