package store

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
)

const sessionCols = "id, token_hash, org_id, user_id, device_id, created_at, last_seen_at, expires_at, revoked_at, ip, user_agent, mfa_pending, auth_at"

// CreateSession stores a new session, stamped with the transaction time.
func (tx *Tx) CreateSession(ctx context.Context, s *ward.Session) error {
	s.CreatedAt, s.LastSeenAt, s.AuthAt = tx.Now, tx.Now, tx.Now
	_, err := tx.exec(ctx, "INSERT INTO sessions ("+sessionCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
		s.ID, s.TokenHash, s.OrgID, s.UserID, s.DeviceID, micros(s.CreatedAt), micros(s.LastSeenAt),
		micros(s.ExpiresAt), int64(0), s.IP, s.UserAgent, boolInt(s.MFAPending), micros(s.AuthAt))
	return err
}

// SessionByTokenHash finds a session, revoked or not, by its token's hash.
func (tx *Tx) SessionByTokenHash(ctx context.Context, hash string) (ward.Session, error) {
	return tx.scanSession(tx.queryRow(ctx, "SELECT "+sessionCols+" FROM sessions WHERE token_hash = $1", hash))
}

// TouchSession records activity on a session at a time.
func (tx *Tx) TouchSession(ctx context.Context, id string, at time.Time) error {
	return tx.execOne(ctx, "UPDATE sessions SET last_seen_at = $1 WHERE id = $2", micros(at), id)
}

// RevokeSession ends one of a user's sessions. It reports whether it was live.
func (tx *Tx) RevokeSession(ctx context.Context, userID, id string) (bool, error) {
	return tx.revoke(ctx, "user_id = $2 AND id = $3", userID, id)
}

// RevokeDeviceSessions ends every live session of a device.
func (tx *Tx) RevokeDeviceSessions(ctx context.Context, deviceID string) (bool, error) {
	return tx.revoke(ctx, "device_id = $2", deviceID)
}

// RevokeUserSessions ends every live session of a user but keepID ("" keeps none).
func (tx *Tx) RevokeUserSessions(ctx context.Context, userID, keepID string) (bool, error) {
	return tx.revoke(ctx, "user_id = $2 AND id <> $3", userID, keepID)
}

func (tx *Tx) revoke(ctx context.Context, where string, args ...any) (bool, error) {
	res, err := tx.exec(ctx, "UPDATE sessions SET revoked_at = $1 WHERE revoked_at = 0 AND "+where,
		append([]any{micros(tx.Now)}, args...)...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// ListSessions lists a user's live (unrevoked, unexpired) sessions, newest first.
func (tx *Tx) ListSessions(ctx context.Context, userID string) ([]ward.Session, error) {
	return collect(ctx, tx, tx.scanSession, "SELECT "+sessionCols+` FROM sessions
		WHERE user_id = $1 AND revoked_at = 0 AND expires_at > $2 ORDER BY created_at DESC, id`, userID, micros(tx.Now))
}

func (tx *Tx) scanSession(row scanner) (ward.Session, error) {
	var r sessionRow
	if err := row.Scan(r.dest()...); err != nil {
		return ward.Session{}, tx.d.wrap(err)
	}
	return r.session(), nil
}

// sessionRow is a row of sessionCols as scanned.
type sessionRow struct {
	s                               ward.Session
	created, seen, expires, revoked int64
	pending                         int
	authAt                          int64
}

func (r *sessionRow) dest() []any {
	return []any{&r.s.ID, &r.s.TokenHash, &r.s.OrgID, &r.s.UserID, &r.s.DeviceID, &r.created, &r.seen, &r.expires,
		&r.revoked, &r.s.IP, &r.s.UserAgent, &r.pending, &r.authAt}
}

func (r *sessionRow) session() ward.Session {
	s := r.s
	s.CreatedAt, s.LastSeenAt, s.ExpiresAt = fromMicros(r.created), fromMicros(r.seen), fromMicros(r.expires)
	s.MFAPending = r.pending != 0
	s.AuthAt = fromMicros(r.authAt)
	if r.revoked != 0 {
		s.RevokedAt = fromMicros(r.revoked)
	}
	return s
}

// ClearMFAPending lifts a session's enrol-only restriction once the user has
// a second factor.
func (tx *Tx) ClearMFAPending(ctx context.Context, id string) error {
	return tx.execOne(ctx, "UPDATE sessions SET mfa_pending = 0 WHERE id = $1", id)
}

// SessionAuthAt reads when a session's user last proved who they are (a
// sign-in or a re-authentication), from the store rather than any cache.
func (tx *Tx) SessionAuthAt(ctx context.Context, id string) (time.Time, error) {
	var at int64
	if err := tx.queryRow(ctx, "SELECT auth_at FROM sessions WHERE id = $1", id).Scan(&at); err != nil {
		return time.Time{}, tx.d.wrap(err)
	}
	return fromMicros(at), nil
}

// SetSessionAuthAt records that a session's user proved who they are at at.
func (tx *Tx) SetSessionAuthAt(ctx context.Context, id string, at time.Time) error {
	return tx.execOne(ctx, "UPDATE sessions SET auth_at = $1 WHERE id = $2", micros(at), id)
}
