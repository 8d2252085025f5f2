-- On-call roles ("Cardiology on call") and their schedules (internal/oncall). A role's name and its schedule
-- (a JSON document of user ids, dates and times: the rotation, its overrides and swaps) are workforce data, not
-- PHI, stored in the clear; name_key (lower case) makes names unique per org. version grows with every change,
-- so each node's cache of compiled schedules can tell a stale one.
CREATE TABLE oncall_roles (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	name       TEXT NOT NULL,
	name_key   TEXT NOT NULL,
	schedule   TEXT NOT NULL,
	version    BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (org_id, name_key)
);
-- A conversation or message addressed to a role: whom the role resolved to at send time. role_name is kept as it
-- was, so "Cardiology on call (Dr Shah)" still reads right after a rename or a delete. message_id is '' for a
-- conversation started with the role. Ids and the role's name only, no PHI.
CREATE TABLE oncall_addressed (
	id              TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	role_id         TEXT NOT NULL,
	role_name       TEXT NOT NULL,
	user_id         TEXT NOT NULL REFERENCES users(id),
	conversation_id TEXT NOT NULL REFERENCES conversations(id),
	message_id      TEXT NOT NULL,
	created_at      BIGINT NOT NULL
);
CREATE INDEX oncall_addressed_conversation ON oncall_addressed (conversation_id, created_at);
CREATE INDEX oncall_addressed_role ON oncall_addressed (role_id, created_at);
