package store

import "context"

// StaffWithoutSecondFactor counts an org's active staff accounts (every
// role but patient and guest) with neither a confirmed TOTP nor a passkey:
// the conformance report's evidence for 164.312(d).
func (tx *Tx) StaffWithoutSecondFactor(ctx context.Context, orgID string) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users u
		WHERE u.org_id = $1 AND u.disabled = 0 AND u.role NOT IN ('patient', 'guest')
		AND NOT EXISTS (SELECT 1 FROM user_mfa m WHERE m.user_id = u.id AND m.totp_confirmed <> 0)
		AND NOT EXISTS (SELECT 1 FROM webauthn_credentials w WHERE w.user_id = u.id)`, orgID).Scan(&n)
	return n, tx.d.wrap(err)
}
