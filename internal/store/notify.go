package store

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
)

// NotificationPrefsRow is a user's notification preferences and presence
// (internal/notify/prefs): Prefs is its JSON document, which the store
// does not read.
type NotificationPrefsRow struct {
	UserID    string
	OrgID     string
	Prefs     string
	Presence  string
	UpdatedAt time.Time
}

const prefsCols = "user_id, org_id, prefs, presence, updated_at"

func scanPrefs(row scanner) (NotificationPrefsRow, error) {
	var r NotificationPrefsRow
	var at int64
	err := row.Scan(&r.UserID, &r.OrgID, &r.Prefs, &r.Presence, &at)
	r.UpdatedAt = fromMicros(at)
	return r, err
}

// NotificationPrefs returns a user's row; a user who never set theirs is
// not_found.
func (tx *Tx) NotificationPrefs(ctx context.Context, userID string) (NotificationPrefsRow, error) {
	r, err := scanPrefs(tx.queryRow(ctx, "SELECT "+prefsCols+" FROM notification_prefs WHERE user_id = $1", userID))
	return r, tx.d.wrap(err)
}

// NotificationPrefsOf returns the rows of those of users who have one.
func (tx *Tx) NotificationPrefsOf(ctx context.Context, userIDs []string) ([]NotificationPrefsRow, error) {
	var out []NotificationPrefsRow
	for len(userIDs) > 0 {
		batch := userIDs[:min(len(userIDs), pushBatch)]
		userIDs = userIDs[len(batch):]
		rows, err := collect(ctx, tx, scanPrefs, "SELECT "+prefsCols+" FROM notification_prefs WHERE user_id IN ("+
			placeholders(1, len(batch))+")", stringArgs(batch)...)
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
	}
	return out, nil
}

// OrgPresence returns the rows of an org's users whose presence is not
// available (the default), for the directory.
func (tx *Tx) OrgPresence(ctx context.Context, orgID string) ([]NotificationPrefsRow, error) {
	return collect(ctx, tx, scanPrefs, "SELECT "+prefsCols+` FROM notification_prefs
		WHERE org_id = $1 AND presence <> 'available' ORDER BY user_id`, orgID)
}

// PutNotificationPrefs sets a user's preferences document (their presence
// stays), stamped with the transaction time.
func (tx *Tx) PutNotificationPrefs(ctx context.Context, orgID, userID, prefs string) error {
	_, err := tx.exec(ctx, `INSERT INTO notification_prefs (user_id, org_id, prefs, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET prefs = excluded.prefs, updated_at = excluded.updated_at`,
		userID, orgID, prefs, micros(tx.Now))
	return err
}

// SetPresence sets a user's presence (their preferences stay).
func (tx *Tx) SetPresence(ctx context.Context, orgID, userID, presence string) error {
	_, err := tx.exec(ctx, `INSERT INTO notification_prefs (user_id, org_id, presence, updated_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (user_id) DO UPDATE SET presence = excluded.presence, updated_at = excluded.updated_at`,
		userID, orgID, presence, micros(tx.Now))
	return err
}

// ConversationKind returns a conversation's kind (direct or group) and the
// team whose inbox it is in ("" none).
func (tx *Tx) ConversationKind(ctx context.Context, convID string) (kind ward.ConversationKind, teamID string, err error) {
	err = tx.queryRow(ctx, "SELECT kind, team_id FROM conversations WHERE id = $1", convID).Scan(&kind, &teamID)
	return kind, teamID, tx.d.wrap(err)
}

// ConversationOrg returns the org a conversation belongs to.
func (tx *Tx) ConversationOrg(ctx context.Context, convID string) (orgID string, err error) {
	err = tx.queryRow(ctx, "SELECT org_id FROM conversations WHERE id = $1", convID).Scan(&orgID)
	return orgID, tx.d.wrap(err)
}

// EmailCandidate is a staff user with unread messages, or an
// unacknowledged urgent one, since a time (EmailCandidates), and what
// they were last mailed about (internal/notify/digest).
type EmailCandidate struct {
	UserID, OrgID, Email string
	Role                 ward.Role // a patient's Email is sealed
	// Unread counts their unread messages; FirstNew is the time of the
	// oldest of them sent after DigestAt (zero: none).
	Unread   int
	FirstNew time.Time
	// Urgent is the time of the newest unacknowledged urgent message to
	// them sent after UrgentAt (zero: none).
	Urgent time.Time
	// DigestAt and UrgentAt are when they were last mailed about unread
	// messages and about an urgent one (zero: never).
	DigestAt, UrgentAt time.Time
}

// EmailCandidates lists the active staff and patients (not guests) with
// unread messages sent after since, or an unacknowledged urgent message
// sent after since and after they were last mailed about one, by user id.
// A patient's Email is the blind index of the users row: their address is
// sealed (internal/app opens it).
func (tx *Tx) EmailCandidates(ctx context.Context, since time.Time) ([]EmailCandidate, error) {
	args := []any{micros(since), string(ward.RoleGuest)}
	unread, err := collect(ctx, tx, scanCandidate, `SELECT m.user_id, u.org_id, u.email, u.role, COUNT(*),
		COALESCE(MIN(CASE WHEN msg.created_at >= COALESCE(s.digest_at, 0) THEN msg.created_at END), 0), 0,
		COALESCE(s.digest_at, 0), COALESCE(s.urgent_at, 0)
		FROM conversation_members m
		JOIN users u ON u.id = m.user_id
		JOIN messages msg ON msg.conversation_id = m.conversation_id AND msg.seq > m.read_seq AND msg.seq >= m.history_from
		LEFT JOIN notify_email_state s ON s.user_id = m.user_id
		WHERE msg.created_at > $1 AND msg.sender_id <> m.user_id AND msg.recalled_at = 0 AND msg.purged_at = 0
			AND u.disabled = 0 AND u.role <> $2
		GROUP BY m.user_id, u.org_id, u.email, u.role, s.digest_at, s.urgent_at`, args...)
	if err != nil {
		return nil, err
	}
	urgent, err := collect(ctx, tx, scanCandidate, `SELECT r.user_id, u.org_id, u.email, u.role, 0, 0, MAX(msg.created_at),
		COALESCE(s.digest_at, 0), COALESCE(s.urgent_at, 0)
		FROM receipts r
		JOIN messages msg ON msg.id = r.message_id
		JOIN users u ON u.id = r.user_id
		LEFT JOIN notify_email_state s ON s.user_id = r.user_id
		WHERE r.urgent = 1 AND r.acked_at = 0 AND msg.created_at > $1 AND msg.created_at > COALESCE(s.urgent_at, 0)
			AND msg.recalled_at = 0 AND msg.purged_at = 0 AND u.disabled = 0 AND u.role <> $2
		GROUP BY r.user_id, u.org_id, u.email, u.role, s.digest_at, s.urgent_at`, args...)
	if err != nil {
		return nil, err
	}
	byUser := make(map[string]int, len(unread))
	for i, c := range unread {
		byUser[c.UserID] = i
	}
	for _, c := range urgent {
		if i, ok := byUser[c.UserID]; ok {
			unread[i].Urgent = c.Urgent
			continue
		}
		unread = append(unread, c)
	}
	return unread, nil
}

func scanCandidate(row scanner) (EmailCandidate, error) {
	var c EmailCandidate
	var unread, first, urgent, digestAt, urgentAt int64
	if err := row.Scan(&c.UserID, &c.OrgID, &c.Email, &c.Role, &unread, &first, &urgent, &digestAt, &urgentAt); err != nil {
		return c, err
	}
	c.Unread = int(unread)
	for _, p := range []struct {
		t  *time.Time
		us int64
	}{{&c.FirstNew, first}, {&c.Urgent, urgent}, {&c.DigestAt, digestAt}, {&c.UrgentAt, urgentAt}} {
		if p.us != 0 {
			*p.t = fromMicros(p.us)
		}
	}
	return c, nil
}

// ClaimDigestEmail records that a user is mailed about unread messages now,
// if they were last mailed at prev (zero: never): false when another run
// claimed it since. ClaimUrgentEmail is the same for an urgent message.
func (tx *Tx) ClaimDigestEmail(ctx context.Context, userID string, prev, at time.Time) (bool, error) {
	return tx.claimEmail(ctx, "UPDATE notify_email_state SET digest_at = $2 WHERE user_id = $1 AND digest_at = $3", userID, prev, at)
}

// ClaimUrgentEmail: see ClaimDigestEmail.
func (tx *Tx) ClaimUrgentEmail(ctx context.Context, userID string, prev, at time.Time) (bool, error) {
	return tx.claimEmail(ctx, "UPDATE notify_email_state SET urgent_at = $2 WHERE user_id = $1 AND urgent_at = $3", userID, prev, at)
}

func (tx *Tx) claimEmail(ctx context.Context, update, userID string, prev, at time.Time) (bool, error) {
	if _, err := tx.exec(ctx, "INSERT INTO notify_email_state (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING", userID); err != nil {
		return false, err
	}
	res, err := tx.exec(ctx, update, userID, microsOrZero(at), microsOrZero(prev))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// microsOrZero is micros, with the zero time as 0.
func microsOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return micros(t)
}
