-- Single sign-on and provisioning (internal/sso, docs/sso.md). oidc_configs: an org's OpenID Connect provider;
-- the client secret is sealed under the org's sso data key (secret_sealed), the rest (issuer, client id, the
-- group -> role mapping as JSON) is configuration in the clear. identity_links: an account's identity at the
-- IdP (kind 'oidc': subject = the issuer and the sub claim), so that an email changed at the IdP keeps the
-- same ward account; kind 'scim': subject = the SCIM client's externalId ('' when it sent none).
-- sso_pending: an OIDC sign-in under way (kind 'state': the state's SHA-256, its nonce and PKCE verifier)
-- and a finished IdP sign-in waiting for the device and ward's second factor (kind 'ticket'); both short-lived
-- and single-use. scim_tokens: the SHA-256 of an org's SCIM bearer token, never the token.
CREATE TABLE oidc_configs (
	org_id        TEXT PRIMARY KEY REFERENCES orgs(id),
	issuer        TEXT NOT NULL,
	client_id     TEXT NOT NULL,
	secret_sealed BYTEA NOT NULL,
	label         TEXT NOT NULL,
	groups_claim  TEXT NOT NULL,
	role_map      TEXT NOT NULL,
	default_role  TEXT NOT NULL,
	idp_mfa       INTEGER NOT NULL,
	mfa_acr       TEXT NOT NULL,
	enabled       INTEGER NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE TABLE identity_links (
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	kind       TEXT NOT NULL,
	subject    TEXT NOT NULL,
	user_id    TEXT NOT NULL REFERENCES users(id),
	created_at BIGINT NOT NULL,
	PRIMARY KEY (user_id, kind)
);
CREATE INDEX identity_links_subject ON identity_links (org_id, kind, subject);
CREATE TABLE sso_pending (
	id         TEXT PRIMARY KEY,
	kind       TEXT NOT NULL,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	user_id    TEXT NOT NULL,
	nonce      TEXT NOT NULL,
	verifier   TEXT NOT NULL,
	idp_mfa    INTEGER NOT NULL,
	failures   INTEGER NOT NULL,
	expires_at BIGINT NOT NULL
);
CREATE INDEX sso_pending_expiry ON sso_pending (expires_at);
CREATE TABLE scim_tokens (
	org_id     TEXT PRIMARY KEY REFERENCES orgs(id),
	token_hash TEXT NOT NULL UNIQUE,
	created_by TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
