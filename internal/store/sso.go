package store

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
)

// OIDCConfig is an org's OpenID Connect provider (internal/sso), its
// client secret sealed by the caller. RoleMap is the group -> role mapping
// as JSON.
type OIDCConfig struct {
	OrgID        string
	Issuer       string
	ClientID     string
	SecretSealed []byte
	Label        string
	GroupsClaim  string
	RoleMap      string
	DefaultRole  string
	IdPMFA       bool
	MFAACR       string
	Enabled      bool
	UpdatedAt    time.Time
}

const oidcCols = "org_id, issuer, client_id, secret_sealed, label, groups_claim, role_map, default_role, idp_mfa, mfa_acr, enabled, updated_at"

// PutOIDCConfig stores an org's provider, replacing the one it had.
func (tx *Tx) PutOIDCConfig(ctx context.Context, c *OIDCConfig) error {
	c.UpdatedAt = tx.Now
	_, err := tx.exec(ctx, "INSERT INTO oidc_configs ("+oidcCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
			secret_sealed = excluded.secret_sealed, label = excluded.label, groups_claim = excluded.groups_claim,
			role_map = excluded.role_map, default_role = excluded.default_role, idp_mfa = excluded.idp_mfa,
			mfa_acr = excluded.mfa_acr, enabled = excluded.enabled, updated_at = excluded.updated_at`,
		c.OrgID, c.Issuer, c.ClientID, c.SecretSealed, c.Label, c.GroupsClaim, c.RoleMap, c.DefaultRole,
		boolInt(c.IdPMFA), c.MFAACR, boolInt(c.Enabled), micros(c.UpdatedAt))
	return err
}

// OIDCConfig reads an org's provider; not_found when it has none.
func (tx *Tx) OIDCConfig(ctx context.Context, orgID string) (OIDCConfig, error) {
	var c OIDCConfig
	var mfa, enabled int
	var updated int64
	err := tx.queryRow(ctx, "SELECT "+oidcCols+" FROM oidc_configs WHERE org_id = $1", orgID).Scan(&c.OrgID, &c.Issuer,
		&c.ClientID, &c.SecretSealed, &c.Label, &c.GroupsClaim, &c.RoleMap, &c.DefaultRole, &mfa, &c.MFAACR, &enabled, &updated)
	if err != nil {
		return c, tx.d.wrap(err)
	}
	c.IdPMFA, c.Enabled, c.UpdatedAt = mfa != 0, enabled != 0, fromMicros(updated)
	return c, nil
}

// IdentityLink names the account an identity at an IdP signs in to.
type IdentityLink struct {
	OrgID, Kind, Subject, UserID string
}

// LinkedUser finds the user an identity is linked to; not_found when none.
func (tx *Tx) LinkedUser(ctx context.Context, orgID, kind, subject string) (ward.User, error) {
	return tx.scanUser(tx.queryRow(ctx, `SELECT u.id, u.org_id, u.email, u.name, u.role, u.disabled, u.created_at FROM identity_links l
		JOIN users u ON u.id = l.user_id WHERE l.org_id = $1 AND l.kind = $2 AND l.subject = $3`, orgID, kind, subject))
}

// LinkOf reads the subject a user's identity of kind is linked to.
func (tx *Tx) LinkOf(ctx context.Context, userID, kind string) (string, error) {
	var s string
	err := tx.queryRow(ctx, "SELECT subject FROM identity_links WHERE user_id = $1 AND kind = $2", userID, kind).Scan(&s)
	return s, tx.d.wrap(err)
}

// PutIdentityLink links a user's identity of a kind, replacing the one it had.
func (tx *Tx) PutIdentityLink(ctx context.Context, l IdentityLink) error {
	_, err := tx.exec(ctx, `INSERT INTO identity_links (org_id, kind, subject, user_id, created_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (user_id, kind) DO UPDATE SET subject = excluded.subject`, l.OrgID, l.Kind, l.Subject, l.UserID, micros(tx.Now))
	return err
}

// DeleteIdentityLink removes a user's link of a kind; it reports whether there was one.
func (tx *Tx) DeleteIdentityLink(ctx context.Context, userID, kind string) (bool, error) {
	res, err := tx.exec(ctx, "DELETE FROM identity_links WHERE user_id = $1 AND kind = $2", userID, kind)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// IdentityLinks lists an org's links of a kind, by user id.
func (tx *Tx) IdentityLinks(ctx context.Context, orgID, kind string) (map[string]string, error) {
	rows, err := tx.query(ctx, "SELECT user_id, subject FROM identity_links WHERE org_id = $1 AND kind = $2", orgID, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var u, s string
		if err := rows.Scan(&u, &s); err != nil {
			return nil, tx.d.wrap(err)
		}
		out[u] = s
	}
	return out, tx.d.wrap(rows.Err())
}

// SSOPending is an OIDC sign-in under way (Kind "state") or an IdP
// sign-in waiting for its device and second factor (Kind "ticket"). ID is
// the SHA-256 of the secret the browser holds.
type SSOPending struct {
	ID, Kind, OrgID, UserID string
	Nonce, Verifier         string
	IdPMFA                  bool
	Failures                int
	ExpiresAt               time.Time
}

// PutSSOPending stores p, purging expired ones first.
func (tx *Tx) PutSSOPending(ctx context.Context, p SSOPending) error {
	if _, err := tx.exec(ctx, "DELETE FROM sso_pending WHERE expires_at <= $1", micros(tx.Now)); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO sso_pending (id, kind, org_id, user_id, nonce, verifier, idp_mfa, failures, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, p.ID, p.Kind, p.OrgID, p.UserID, p.Nonce, p.Verifier,
		boolInt(p.IdPMFA), p.Failures, micros(p.ExpiresAt))
	return err
}

// CountSSOPending counts the live pending sign-ins of every org.
func (tx *Tx) CountSSOPending(ctx context.Context) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM sso_pending WHERE expires_at > $1", micros(tx.Now)).Scan(&n)
	return n, tx.d.wrap(err)
}

// SSOPendingByID reads a live pending sign-in of a kind; not_found when
// there is none or it expired.
func (tx *Tx) SSOPendingByID(ctx context.Context, kind, id string) (SSOPending, error) {
	var p SSOPending
	var mfa int
	var exp int64
	err := tx.queryRow(ctx, `SELECT id, kind, org_id, user_id, nonce, verifier, idp_mfa, failures, expires_at FROM sso_pending
		WHERE id = $1 AND kind = $2 AND expires_at > $3`, id, kind, micros(tx.Now)).Scan(&p.ID, &p.Kind, &p.OrgID, &p.UserID,
		&p.Nonce, &p.Verifier, &mfa, &p.Failures, &exp)
	if err != nil {
		return p, tx.d.wrap(err)
	}
	p.IdPMFA, p.ExpiresAt = mfa != 0, fromMicros(exp)
	return p, nil
}

// DeleteSSOPending removes a pending sign-in; it reports whether it was there
// (a state or ticket is used once: the one that deleted it wins).
func (tx *Tx) DeleteSSOPending(ctx context.Context, id string) (bool, error) {
	res, err := tx.exec(ctx, "DELETE FROM sso_pending WHERE id = $1", id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// CountSSOFailure adds a failed second factor to a ticket.
func (tx *Tx) CountSSOFailure(ctx context.Context, id string) error {
	_, err := tx.exec(ctx, "UPDATE sso_pending SET failures = failures + 1 WHERE id = $1", id)
	return err
}

// SCIMToken is the hash of an org's SCIM bearer token.
type SCIMToken struct {
	OrgID, TokenHash, CreatedBy string
	CreatedAt                   time.Time
}

// PutSCIMToken stores an org's SCIM token hash, replacing the one it had.
func (tx *Tx) PutSCIMToken(ctx context.Context, t *SCIMToken) error {
	t.CreatedAt = tx.Now
	_, err := tx.exec(ctx, `INSERT INTO scim_tokens (org_id, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (org_id) DO UPDATE SET token_hash = excluded.token_hash, created_by = excluded.created_by,
			created_at = excluded.created_at`, t.OrgID, t.TokenHash, t.CreatedBy, micros(t.CreatedAt))
	return err
}

// SCIMTokenByHash finds the org a SCIM token belongs to; not_found when none.
func (tx *Tx) SCIMTokenByHash(ctx context.Context, hash string) (SCIMToken, error) {
	return tx.scanSCIMToken(tx.queryRow(ctx, "SELECT org_id, token_hash, created_by, created_at FROM scim_tokens WHERE token_hash = $1", hash))
}

// SCIMTokenOf reads an org's SCIM token record; not_found when it has none.
func (tx *Tx) SCIMTokenOf(ctx context.Context, orgID string) (SCIMToken, error) {
	return tx.scanSCIMToken(tx.queryRow(ctx, "SELECT org_id, token_hash, created_by, created_at FROM scim_tokens WHERE org_id = $1", orgID))
}

// DeleteSCIMToken revokes an org's SCIM token; it reports whether there was one.
func (tx *Tx) DeleteSCIMToken(ctx context.Context, orgID string) (bool, error) {
	res, err := tx.exec(ctx, "DELETE FROM scim_tokens WHERE org_id = $1", orgID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

func (tx *Tx) scanSCIMToken(row scanner) (SCIMToken, error) {
	var t SCIMToken
	var at int64
	if err := row.Scan(&t.OrgID, &t.TokenHash, &t.CreatedBy, &at); err != nil {
		return t, tx.d.wrap(err)
	}
	t.CreatedAt = fromMicros(at)
	return t, nil
}
