-- Team inbox response times (issue 22: the admin dashboard's first-response and resolution times per team). An
-- inbox event is recorded as it happens: 'first_response' when a staff message ends a patient's wait (started_at
-- is when the wait began: the patient's message that started it), 'resolution' when a thread is closed
-- (started_at is when it was made or last reopened: conversations.inbox_opened_at). Ids and times only, no PHI:
-- the dashboard's medians and 90th percentiles are computed by SQL over the events' ended_at.
CREATE TABLE inbox_events (
	id              INTEGER PRIMARY KEY,
	org_id          TEXT NOT NULL,
	team_id         TEXT NOT NULL,
	conversation_id TEXT NOT NULL, -- '' for the demo's made-up history
	kind            TEXT NOT NULL, -- first_response | resolution
	started_at      BIGINT NOT NULL,
	ended_at        BIGINT NOT NULL
);
CREATE INDEX inbox_events_org_ended ON inbox_events (org_id, ended_at);
ALTER TABLE conversations ADD COLUMN inbox_opened_at BIGINT NOT NULL DEFAULT 0;
UPDATE conversations SET inbox_opened_at = created_at WHERE team_id <> '';
