-- Orgs and their users. Times are Unix microseconds.
CREATE TABLE orgs (
	id         TEXT PRIMARY KEY,
	slug       TEXT NOT NULL UNIQUE,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE users (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	email      TEXT NOT NULL,
	name       TEXT NOT NULL,
	role       TEXT NOT NULL,
	disabled   INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	UNIQUE (org_id, email)
);
CREATE INDEX users_email ON users (email);
