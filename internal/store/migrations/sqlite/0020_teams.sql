-- Care teams: named groups of staff (clinicians and staff) that patients are assigned to. A team's name is
-- workforce data, not PHI, stored in the clear; name_key (lower case) makes names unique per org.
CREATE TABLE teams (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	name       TEXT NOT NULL,
	name_key   TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	UNIQUE (org_id, name_key)
);
CREATE TABLE team_members (
	team_id  TEXT NOT NULL REFERENCES teams(id),
	user_id  TEXT NOT NULL REFERENCES users(id),
	added_at BIGINT NOT NULL,
	PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_user ON team_members (user_id);
