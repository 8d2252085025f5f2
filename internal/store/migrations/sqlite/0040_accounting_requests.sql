-- Requests for an accounting of disclosures (45 CFR 164.528; internal/accounting): one row per request, with the
-- patient record it is about, the period asked for, when it was asked and the 60-day deadline to answer it, and
-- when it was answered (0: not yet). Ids and times only: who read what is in the audit trail, not here.
CREATE TABLE accounting_requests (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES orgs(id),
	patient_id   TEXT NOT NULL,
	period_from  BIGINT NOT NULL,
	period_to    BIGINT NOT NULL,
	requested_by TEXT NOT NULL,
	requested_at BIGINT NOT NULL,
	deadline     BIGINT NOT NULL,
	answered_at  BIGINT NOT NULL DEFAULT 0,
	answered_by  TEXT NOT NULL DEFAULT '',
	entries      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX accounting_requests_org ON accounting_requests (org_id, requested_at);
