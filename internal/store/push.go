package store

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
)

// PushSubscription is a device's Web Push subscription (internal/notify/push),
// its endpoint and keys sealed by the caller.
type PushSubscription struct {
	DeviceID  string
	OrgID     string
	UserID    string
	SessionID string // the session that made it
	Sealed    []byte
	CreatedAt time.Time
	// Live says that the subscription may be pushed to: its session has
	// not ended (revoked or expired), its device is active and its user
	// is not disabled. Set by PushSubscriptions only.
	Live bool
}

// PutPushSubscription stores s as its device's one subscription, replacing
// the one it had, stamped with the transaction time.
func (tx *Tx) PutPushSubscription(ctx context.Context, s *PushSubscription) error {
	s.CreatedAt = tx.Now
	_, err := tx.exec(ctx, `INSERT INTO push_subscriptions (device_id, org_id, user_id, session_id, sealed, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (device_id) DO UPDATE SET session_id = excluded.session_id, sealed = excluded.sealed,
			created_at = excluded.created_at`,
		s.DeviceID, s.OrgID, s.UserID, s.SessionID, s.Sealed, micros(s.CreatedAt))
	return err
}

// DeletePushSubscription deletes a device's subscription. It reports
// whether there was one.
func (tx *Tx) DeletePushSubscription(ctx context.Context, deviceID string) (bool, error) {
	res, err := tx.exec(ctx, "DELETE FROM push_subscriptions WHERE device_id = $1", deviceID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// DeletePushSubscriptionIf deletes a device's subscription if it is still
// the one sealed (a subscription the device made again since stays).
func (tx *Tx) DeletePushSubscriptionIf(ctx context.Context, deviceID string, sealed []byte) error {
	_, err := tx.exec(ctx, "DELETE FROM push_subscriptions WHERE device_id = $1 AND sealed = $2", deviceID, sealed)
	return err
}

// pushBatch bounds the user ids of one PushSubscriptions query.
const pushBatch = 500

// PushSubscriptions lists the subscriptions of the devices of users, each
// with Live set (see PushSubscription).
func (tx *Tx) PushSubscriptions(ctx context.Context, userIDs []string) ([]PushSubscription, error) {
	var out []PushSubscription
	for len(userIDs) > 0 {
		batch := userIDs[:min(len(userIDs), pushBatch)]
		userIDs = userIDs[len(batch):]
		args := append([]any{micros(tx.Now), string(ward.DeviceActive)}, stringArgs(batch)...)
		subs, err := collect(ctx, tx, scanPushSubscription, `SELECT p.device_id, p.org_id, p.user_id, p.session_id,
			p.sealed, p.created_at,
			CASE WHEN s.revoked_at = 0 AND s.expires_at > $1 AND d.status = $2 AND u.disabled = 0 THEN 1 ELSE 0 END
			FROM push_subscriptions p
			JOIN devices d ON d.id = p.device_id
			JOIN users u ON u.id = p.user_id
			LEFT JOIN sessions s ON s.id = p.session_id AND s.device_id = p.device_id
			WHERE p.user_id IN (`+placeholders(3, len(batch))+")", args...)
		if err != nil {
			return nil, err
		}
		out = append(out, subs...)
	}
	return out, nil
}

func scanPushSubscription(row scanner) (PushSubscription, error) {
	var s PushSubscription
	var created int64
	var live int
	if err := row.Scan(&s.DeviceID, &s.OrgID, &s.UserID, &s.SessionID, &s.Sealed, &created, &live); err != nil {
		return s, err
	}
	s.CreatedAt, s.Live = fromMicros(created), live == 1
	return s, nil
}
