-- Identity: credentials, MFA, org policy, devices and sessions. Times are Unix microseconds.
ALTER TABLE users ADD COLUMN password_hash TEXT NOT NULL DEFAULT '';

-- One row per user with a second factor. totp_sealed is the TOTP secret sealed by the keyring.
CREATE TABLE user_mfa (
	user_id         TEXT PRIMARY KEY REFERENCES users(id),
	totp_sealed     BYTEA,
	totp_confirmed  INTEGER NOT NULL DEFAULT 0,
	totp_last_step  BIGINT NOT NULL DEFAULT 0,
	recovery_hashes TEXT NOT NULL DEFAULT '',
	updated_at      BIGINT NOT NULL
);

-- The org's policy, a JSON document (ward.Policy).
CREATE TABLE org_policies (
	org_id     TEXT PRIMARY KEY REFERENCES orgs(id),
	policy     TEXT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE devices (
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
	UNIQUE (user_id, client_id)
);
CREATE INDEX devices_org ON devices (org_id, last_seen_at);

CREATE TABLE sessions (
	id           TEXT PRIMARY KEY,
	token_hash   TEXT NOT NULL UNIQUE,
	org_id       TEXT NOT NULL REFERENCES orgs(id),
	user_id      TEXT NOT NULL REFERENCES users(id),
	device_id    TEXT NOT NULL REFERENCES devices(id),
	created_at   BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at   BIGINT NOT NULL,
	revoked_at   BIGINT NOT NULL DEFAULT 0,
	ip           TEXT NOT NULL DEFAULT '',
	user_agent   TEXT NOT NULL DEFAULT '',
	mfa_pending  INTEGER NOT NULL DEFAULT 0 -- 1: the session may only enrol a second factor
);
CREATE INDEX sessions_user ON sessions (user_id, revoked_at);
CREATE INDEX sessions_device ON sessions (device_id, revoked_at);
