package store

import (
	"context"
	"time"
)

// Escalation is the timer of one unacknowledged urgent message for one
// recipient. The rows live in the database so that timers survive restarts.
type Escalation struct {
	MessageID      string
	RecipientID    string
	OrgID          string
	ConversationID string
	Seq            int64
	SenderID       string
	BackupUserID   string // "" when the message has no backup
	NextRenotifyAt time.Time
	EscalateAt     time.Time
	EscalatedAt    time.Time // zero until escalated
	Renotified     int       // how many times the recipient was re-notified
	Done           bool      // acknowledged, recalled or purged: the timer stopped
}

// CreateEscalations starts the timers of an urgent message for every
// recipient that has a receipt for it.
func (tx *Tx) CreateEscalations(ctx context.Context, m *Message, renotifyAt, escalateAt time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO urgent_escalations (message_id, recipient_id, org_id, conversation_id, seq, sender_id,
		backup_user_id, next_renotify_at, escalate_at)
		SELECT message_id, user_id, $2, conversation_id, seq, sender_id, $3, $4, $5 FROM receipts WHERE message_id = $1`,
		m.ID, m.OrgID, m.BackupUserID, micros(renotifyAt), micros(escalateAt))
	return err
}

// DueEscalations lists up to limit live timers that are due at the
// transaction time: to re-notify, or to escalate.
func (tx *Tx) DueEscalations(ctx context.Context, limit int) ([]Escalation, error) {
	rows, err := tx.query(ctx, `SELECT message_id, recipient_id, org_id, conversation_id, seq, sender_id, backup_user_id,
		next_renotify_at, escalate_at, escalated_at, renotified FROM urgent_escalations
		WHERE done = 0 AND (next_renotify_at <= $1 OR (escalated_at = 0 AND escalate_at <= $1))
		ORDER BY next_renotify_at, message_id, recipient_id LIMIT $2`, micros(tx.Now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Escalation
	for rows.Next() {
		var e Escalation
		var next, at, escalated int64
		if err := rows.Scan(&e.MessageID, &e.RecipientID, &e.OrgID, &e.ConversationID, &e.Seq, &e.SenderID, &e.BackupUserID,
			&next, &at, &escalated, &e.Renotified); err != nil {
			return nil, tx.d.wrap(err)
		}
		e.NextRenotifyAt, e.EscalateAt, e.EscalatedAt = fromMicros(next), fromMicros(at), optMicros(escalated)
		out = append(out, e)
	}
	return out, tx.d.wrap(rows.Err())
}

// SetRenotified records that a recipient was re-notified and when the next
// re-notification is due.
func (tx *Tx) SetRenotified(ctx context.Context, messageID, recipientID string, next time.Time) error {
	return tx.execOne(ctx, `UPDATE urgent_escalations SET renotified = renotified + 1, next_renotify_at = $1
		WHERE message_id = $2 AND recipient_id = $3`, micros(next), messageID, recipientID)
}

// SetEscalated records, on every timer of a message, that it escalated to
// its backup at the transaction time. It reports false when it already had.
func (tx *Tx) SetEscalated(ctx context.Context, messageID string) (bool, error) {
	res, err := tx.exec(ctx, "UPDATE urgent_escalations SET escalated_at = $1 WHERE message_id = $2 AND escalated_at = 0",
		micros(tx.Now), messageID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// FinishEscalations stops every timer of a message (it was acknowledged).
func (tx *Tx) FinishEscalations(ctx context.Context, messageID string) error {
	_, err := tx.exec(ctx, "UPDATE urgent_escalations SET done = 1 WHERE message_id = $1 AND done = 0", messageID)
	return err
}

// EscalationsOf lists every timer of a message, live or done, by recipient.
func (tx *Tx) EscalationsOf(ctx context.Context, messageID string) ([]Escalation, error) {
	rows, err := tx.query(ctx, `SELECT message_id, recipient_id, org_id, conversation_id, seq, sender_id, backup_user_id,
		next_renotify_at, escalate_at, escalated_at, renotified, done FROM urgent_escalations WHERE message_id = $1
		ORDER BY recipient_id`, messageID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Escalation
	for rows.Next() {
		var e Escalation
		var next, at, escalated int64
		var done int
		if err := rows.Scan(&e.MessageID, &e.RecipientID, &e.OrgID, &e.ConversationID, &e.Seq, &e.SenderID, &e.BackupUserID,
			&next, &at, &escalated, &e.Renotified, &done); err != nil {
			return nil, tx.d.wrap(err)
		}
		e.NextRenotifyAt, e.EscalateAt, e.EscalatedAt = fromMicros(next), fromMicros(at), optMicros(escalated)
		e.Done = done != 0
		out = append(out, e)
	}
	return out, tx.d.wrap(rows.Err())
}

// optMicros reads a stored time where 0 means "not yet".
func optMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return fromMicros(us)
}

// AddEscalation starts the re-notify timer of an unacknowledged urgent
// message for one more recipient, one an on-call chain handed it to
// (internal/oncall); the chain escalates it, so the timer has no
// escalation of its own. A recipient who has a timer keeps it.
func (tx *Tx) AddEscalation(ctx context.Context, m *Message, recipientID string, renotifyAt time.Time) error {
	_, err := tx.exec(ctx, `INSERT INTO urgent_escalations (message_id, recipient_id, org_id, conversation_id, seq, sender_id,
		next_renotify_at, escalate_at, escalated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (message_id, recipient_id) DO NOTHING`,
		m.ID, recipientID, m.OrgID, m.ConversationID, m.Seq, m.SenderID, micros(renotifyAt), micros(tx.Now))
	return err
}
