-- ward: foreign keys off
-- A device is bound to a secret the server issues when the device first signs in (issue 21, finding 18): its
-- SHA-256 is secret_hash. A sign-in that names a device's client id without its secret is a new device, never
-- that one, so a client id may now belong to several devices of one user: the unique (user_id, client_id)
-- constraint becomes a plain index. Devices from before have no secret (''): each signs in once more as a new
-- device (pending where policy asks for approval), and the old row stays in the list for admins to see.
-- SQLite cannot drop a table's constraint in place: the table is rebuilt, with the rows of the tables that
-- refer to it (sessions) left as they are (foreign keys off, then checked before the commit).
CREATE TABLE devices_new (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES orgs(id),
	user_id      TEXT NOT NULL REFERENCES users(id),
	client_id    TEXT NOT NULL,
	name         TEXT NOT NULL,
	status       TEXT NOT NULL,
	wipe         TEXT NOT NULL DEFAULT '',
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	last_ip      TEXT NOT NULL DEFAULT '',
	secret_hash  TEXT NOT NULL DEFAULT ''
);
INSERT INTO devices_new (id, org_id, user_id, client_id, name, status, wipe, created_at, last_seen_at, last_ip)
SELECT id, org_id, user_id, client_id, name, status, wipe, created_at, last_seen_at, last_ip FROM devices;
DROP TABLE devices;
ALTER TABLE devices_new RENAME TO devices;
CREATE INDEX devices_org ON devices (org_id, last_seen_at);
CREATE INDEX devices_client ON devices (user_id, client_id);
