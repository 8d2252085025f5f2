-- Invitations of patients to open their ward account (internal/app/invitations.go), and the link from a
-- patient record to the patient user an accepted invitation made. Neither table holds PHI: an invitation
-- names its record by id, its token and its email one-time code only by their SHA-256 (hex). channel is
-- email | link. A record has at most one account (users.id in patients.user_id).
-- Times are Unix microseconds; accepted_at, revoked_at and code_expires_at are 0 when not set.
ALTER TABLE patients ADD COLUMN user_id TEXT REFERENCES users(id);
CREATE UNIQUE INDEX patients_user ON patients (user_id);
CREATE TABLE patient_invitations (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	patient_id      TEXT NOT NULL REFERENCES patients(id),
	channel         TEXT NOT NULL,
	token_hash      TEXT NOT NULL UNIQUE,
	created_by      TEXT NOT NULL REFERENCES users(id),
	created_at      BIGINT NOT NULL,
	expires_at      BIGINT NOT NULL,
	accepted_at     BIGINT NOT NULL DEFAULT 0,
	revoked_at      BIGINT NOT NULL DEFAULT 0,
	user_id         TEXT REFERENCES users(id),
	code_hash       TEXT NOT NULL DEFAULT '',
	code_expires_at BIGINT NOT NULL DEFAULT 0,
	code_tries      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX patient_invitations_patient ON patient_invitations (org_id, patient_id);
