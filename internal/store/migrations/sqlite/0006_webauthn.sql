-- WebAuthn passkeys. Times are Unix microseconds.

-- One row per registered passkey. id is the credential id the authenticator chose; public_key is its COSE key.
-- flags holds the credential's user-verified and backup bits (go-webauthn's CredentialFlags byte).
CREATE TABLE webauthn_credentials (
	id           BLOB PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id),
	name         TEXT NOT NULL,
	public_key   BLOB NOT NULL,
	sign_count   BIGINT NOT NULL DEFAULT 0,
	aaguid       BLOB,
	transports   TEXT NOT NULL DEFAULT '',
	flags        INTEGER NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL,
	last_used_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX webauthn_credentials_user ON webauthn_credentials (user_id);

-- Ceremonies in flight: single-use, short-lived. session_data is webauthn.SessionData as JSON.
CREATE TABLE webauthn_challenges (
	id           TEXT PRIMARY KEY,
	user_id      TEXT NOT NULL REFERENCES users(id),
	session_data TEXT NOT NULL,
	kind         TEXT NOT NULL CHECK (kind IN ('register', 'login')),
	expires_at   BIGINT NOT NULL
);
CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at);
