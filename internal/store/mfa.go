package store

import (
	"context"
	"strings"

	"github.com/wardhealth/ward"
)

// MFA is what is stored of a user's second factors. TOTPSealed is sealed by
// the keyring before it gets here; recovery codes are stored as hashes.
type MFA struct {
	UserID         string
	TOTPSealed     []byte
	TOTPConfirmed  bool
	TOTPLastStep   int64
	RecoveryHashes []string
}

// MFA returns a user's second factors; a user without any gets not_found.
func (tx *Tx) MFA(ctx context.Context, userID string) (MFA, error) {
	m := MFA{UserID: userID}
	var confirmed int
	var recovery string
	err := tx.queryRow(ctx, `SELECT totp_sealed, totp_confirmed, totp_last_step, recovery_hashes
		FROM user_mfa WHERE user_id = $1`, userID).Scan(&m.TOTPSealed, &confirmed, &m.TOTPLastStep, &recovery)
	if err != nil {
		return MFA{}, tx.d.wrap(err)
	}
	m.TOTPConfirmed = confirmed != 0
	if recovery != "" {
		m.RecoveryHashes = strings.Split(recovery, ",")
	}
	return m, nil
}

// PutMFA creates or replaces a user's second factors.
func (tx *Tx) PutMFA(ctx context.Context, m MFA) error {
	for _, h := range m.RecoveryHashes {
		if strings.Contains(h, ",") {
			return ward.Errorf(ward.CodeInvalid, "recovery hash holds a comma")
		}
	}
	_, err := tx.exec(ctx, `INSERT INTO user_mfa (user_id, totp_sealed, totp_confirmed, totp_last_step, recovery_hashes, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (user_id) DO UPDATE SET totp_sealed = excluded.totp_sealed, totp_confirmed = excluded.totp_confirmed,
			totp_last_step = excluded.totp_last_step, recovery_hashes = excluded.recovery_hashes, updated_at = excluded.updated_at`,
		m.UserID, m.TOTPSealed, boolInt(m.TOTPConfirmed), m.TOTPLastStep, strings.Join(m.RecoveryHashes, ","), micros(tx.Now))
	return err
}

// UseTOTPStep records step as the last TOTP step used, only if it is newer
// than the stored one, and reports whether it was (a replayed code is not).
func (tx *Tx) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := tx.exec(ctx, "UPDATE user_mfa SET totp_last_step = $1 WHERE user_id = $2 AND totp_last_step < $1", step, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteMFA removes a user's TOTP secret and recovery codes.
func (tx *Tx) DeleteMFA(ctx context.Context, userID string) error {
	_, err := tx.exec(ctx, "DELETE FROM user_mfa WHERE user_id = $1", userID)
	return err
}
