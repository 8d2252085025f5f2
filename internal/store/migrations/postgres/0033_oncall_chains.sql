-- Escalation chains of on-call roles and the pages that travel them (internal/oncall, docs/oncall.md).
-- A role's chain: after the person on call, an unacknowledged urgent page goes to the role's secondary, then to its
-- lead (user ids; '' for none). Workforce data, not PHI, in the clear like the schedule.
ALTER TABLE oncall_roles ADD COLUMN secondary_id TEXT NOT NULL DEFAULT '';
ALTER TABLE oncall_roles ADD COLUMN lead_id TEXT NOT NULL DEFAULT '';
-- An urgent message paged to a role, and where it is now: the step of the chain (primary, secondary, lead), who
-- holds it and since when, when it escalates next (0: it has no further step) and when the role's shift hands
-- over (0: never; the page is then re-routed to the incoming person). done_at stops both timers: the page was
-- acknowledged, recalled or purged. Ids, names of roles and times only, no PHI.
CREATE TABLE oncall_pages (
	message_id      TEXT PRIMARY KEY,
	org_id          TEXT NOT NULL REFERENCES orgs(id),
	role_id         TEXT NOT NULL,
	role_name       TEXT NOT NULL,
	conversation_id TEXT NOT NULL,
	sender_id       TEXT NOT NULL,
	step            TEXT NOT NULL,
	holder_id       TEXT NOT NULL,
	since           BIGINT NOT NULL,
	next_at         BIGINT NOT NULL,
	hand_over_at    BIGINT NOT NULL,
	done_at         BIGINT NOT NULL DEFAULT 0,
	created_at      BIGINT NOT NULL
);
CREATE INDEX oncall_pages_next ON oncall_pages (next_at) WHERE done_at = 0;
CREATE INDEX oncall_pages_hand_over ON oncall_pages (hand_over_at) WHERE done_at = 0;
CREATE INDEX oncall_pages_org ON oncall_pages (org_id, created_at);
-- Every hand a page went through: paged (at send), escalated (a step of the chain), rerouted (at a hand-over),
-- with the person it reached and the one it came from. The dashboard counts escalations per role and day here.
CREATE TABLE oncall_page_steps (
	id         TEXT PRIMARY KEY,
	message_id TEXT NOT NULL,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	role_id    TEXT NOT NULL,
	kind       TEXT NOT NULL,
	step       TEXT NOT NULL,
	user_id    TEXT NOT NULL,
	from_id    TEXT NOT NULL,
	at         BIGINT NOT NULL
);
CREATE INDEX oncall_page_steps_message ON oncall_page_steps (message_id, at);
CREATE INDEX oncall_page_steps_org ON oncall_page_steps (org_id, at);
