-- Saved replies and after-hours auto-replies (internal/replies). A reply is owned by a care team (shared:
-- team_id set) or by one user (personal: user_id set), never both. Its title and body are sealed together
-- under the org's replies data key (scope replies:<org>): a template should hold no PHI, but staff may type
-- anything. A team's hours (weekly open times, IANA zone, holidays) are workforce data, kept as JSON in the
-- clear; its auto-reply text is sealed like a reply. Times are Unix microseconds.
CREATE TABLE saved_replies (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	team_id    TEXT REFERENCES teams(id),
	user_id    TEXT REFERENCES users(id),
	sealed     BYTEA NOT NULL,
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	CHECK ((team_id IS NULL) <> (user_id IS NULL))
);
CREATE INDEX saved_replies_team ON saved_replies (team_id);
CREATE INDEX saved_replies_user ON saved_replies (user_id);
CREATE TABLE team_hours (
	team_id    TEXT PRIMARY KEY REFERENCES teams(id),
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	schedule   TEXT NOT NULL,
	auto_reply BYTEA,
	updated_at BIGINT NOT NULL
);
