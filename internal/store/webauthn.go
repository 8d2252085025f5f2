package store

import (
	"context"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// WebAuthnCredential is a registered passkey. ID is the credential id the
// authenticator chose; PublicKey its COSE-encoded public key. Flags keeps
// the credential's user-verified and backup bits, as the app encodes them.
type WebAuthnCredential struct {
	ID         []byte
	UserID     string
	Name       string
	PublicKey  []byte
	SignCount  uint32
	AAGUID     []byte
	Transports []string
	Flags      byte
	CreatedAt  time.Time
	LastUsedAt time.Time // zero until first used to sign in
}

// WebAuthn challenge kinds.
const (
	ChallengeRegister = "register"
	ChallengeLogin    = "login"
)

// WebAuthnChallenge is a registration or sign-in ceremony in flight.
// SessionData is the library's session state as JSON.
type WebAuthnChallenge struct {
	ID          string
	UserID      string
	SessionData string
	Kind        string // ChallengeRegister or ChallengeLogin
	ExpiresAt   time.Time
}

// CreateWebAuthnCredential stores a new passkey, stamping CreatedAt. A
// credential id already registered (to anyone) is a conflict.
func (tx *Tx) CreateWebAuthnCredential(ctx context.Context, c *WebAuthnCredential) error {
	for _, t := range c.Transports {
		if strings.Contains(t, ",") {
			return ward.Errorf(ward.CodeInvalid, "transport holds a comma")
		}
	}
	c.CreatedAt = tx.Now
	_, err := tx.exec(ctx, `INSERT INTO webauthn_credentials
		(id, user_id, name, public_key, sign_count, aaguid, transports, flags, created_at, last_used_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0)`,
		c.ID, c.UserID, c.Name, c.PublicKey, int64(c.SignCount), c.AAGUID, strings.Join(c.Transports, ","),
		int(c.Flags), micros(c.CreatedAt))
	return err
}

// WebAuthnCredentials lists a user's passkeys, oldest first.
func (tx *Tx) WebAuthnCredentials(ctx context.Context, userID string) ([]WebAuthnCredential, error) {
	rows, err := tx.query(ctx, `SELECT id, user_id, name, public_key, sign_count, aaguid, transports, flags,
		created_at, last_used_at FROM webauthn_credentials WHERE user_id = $1 ORDER BY created_at, id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebAuthnCredential
	for rows.Next() {
		var c WebAuthnCredential
		var count, created, used int64
		var transports string
		var flags int
		if err := rows.Scan(&c.ID, &c.UserID, &c.Name, &c.PublicKey, &count, &c.AAGUID, &transports, &flags,
			&created, &used); err != nil {
			return nil, err
		}
		c.SignCount, c.Flags, c.CreatedAt = uint32(count), byte(flags), fromMicros(created)
		if used != 0 {
			c.LastUsedAt = fromMicros(used)
		}
		if transports != "" {
			c.Transports = strings.Split(transports, ",")
		}
		out = append(out, c)
	}
	return out, tx.d.wrap(rows.Err())
}

// UseWebAuthnCredential records a sign-in with a passkey: its new signature
// counter and flags, and the time. The counter must move forward (or stay
// zero for authenticators without one); it reports whether it did, so a
// cloned authenticator's replayed or stale counter is refused even when two
// sign-ins race.
func (tx *Tx) UseWebAuthnCredential(ctx context.Context, userID string, id []byte, signCount uint32, flags byte) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE webauthn_credentials SET sign_count = $1, flags = $2, last_used_at = $3
		WHERE id = $4 AND user_id = $5 AND (sign_count < $1 OR ($1 = 0 AND sign_count = 0))`,
		int64(signCount), int(flags), micros(tx.Now), id, userID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DeleteWebAuthnCredential removes one of a user's passkeys; another
// user's or an unknown id is not_found.
func (tx *Tx) DeleteWebAuthnCredential(ctx context.Context, userID string, id []byte) error {
	return tx.execOne(ctx, "DELETE FROM webauthn_credentials WHERE id = $1 AND user_id = $2", id, userID)
}

// DeleteWebAuthnCredentials removes every passkey of a user (an MFA reset)
// and the ceremonies the user has in flight.
func (tx *Tx) DeleteWebAuthnCredentials(ctx context.Context, userID string) error {
	if _, err := tx.exec(ctx, "DELETE FROM webauthn_challenges WHERE user_id = $1", userID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "DELETE FROM webauthn_credentials WHERE user_id = $1", userID)
	return err
}

// CreateWebAuthnChallenge stores a ceremony in flight and drops those that
// have expired, so abandoned ceremonies do not pile up.
func (tx *Tx) CreateWebAuthnChallenge(ctx context.Context, c WebAuthnChallenge) error {
	if c.Kind != ChallengeRegister && c.Kind != ChallengeLogin {
		return ward.Errorf(ward.CodeInvalid, "unknown challenge kind %q", c.Kind)
	}
	if _, err := tx.exec(ctx, "DELETE FROM webauthn_challenges WHERE expires_at <= $1", micros(tx.Now)); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO webauthn_challenges (id, user_id, session_data, kind, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, c.ID, c.UserID, c.SessionData, c.Kind, micros(c.ExpiresAt))
	return err
}

// TakeWebAuthnChallenge removes and returns a user's challenge of a kind:
// a challenge can be taken once. An unknown id, another user's, another
// kind or one already taken is not_found. Expiry is the caller's to check.
func (tx *Tx) TakeWebAuthnChallenge(ctx context.Context, id, userID, kind string) (WebAuthnChallenge, error) {
	c := WebAuthnChallenge{ID: id, UserID: userID, Kind: kind}
	var expires int64
	err := tx.queryRow(ctx, `DELETE FROM webauthn_challenges WHERE id = $1 AND user_id = $2 AND kind = $3
		RETURNING session_data, expires_at`, id, userID, kind).Scan(&c.SessionData, &expires)
	if err != nil {
		return WebAuthnChallenge{}, tx.d.wrap(err)
	}
	c.ExpiresAt = fromMicros(expires)
	return c, nil
}
