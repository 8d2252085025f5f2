-- Compliance archive exports run as background jobs (internal/archive/jobs): one row per export started from the
-- console. The selection is ids and dates only (never an MRN or an email). key_sealed is the age recipient or the
-- passphrase, sealed under the org's compliance data key, kept only while the job may still run (a restart runs it
-- again from the start) and cleared when it ends. status: queued | running | done | failed | cancelled. permille is
-- the progress of the current run; error a message safe to show (no PHI).
CREATE TABLE archive_jobs (
	id             TEXT PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES orgs(id),
	user_id        TEXT NOT NULL REFERENCES users(id),
	status         TEXT NOT NULL,
	selection      TEXT NOT NULL,
	key_kind       TEXT NOT NULL,
	key_sealed     BLOB,
	total_messages BIGINT NOT NULL DEFAULT 0,
	total_bytes    BIGINT NOT NULL DEFAULT 0,
	permille       INTEGER NOT NULL DEFAULT 0,
	attempts       INTEGER NOT NULL DEFAULT 0,
	archive_id     TEXT NOT NULL DEFAULT '',
	size           BIGINT NOT NULL DEFAULT 0,
	counts         TEXT NOT NULL DEFAULT '',
	error          TEXT NOT NULL DEFAULT '',
	created_at     BIGINT NOT NULL,
	started_at     BIGINT NOT NULL DEFAULT 0,
	finished_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX archive_jobs_org ON archive_jobs (org_id, created_at);
CREATE INDEX archive_jobs_status ON archive_jobs (status);
