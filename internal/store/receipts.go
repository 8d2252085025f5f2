package store

import (
	"context"

	"github.com/wardhealth/ward"
)

// CreateReceipts gives every member of m's conversation but its sender an
// empty receipt for m, and returns those recipients.
func (tx *Tx) CreateReceipts(ctx context.Context, m *Message) ([]string, error) {
	rows, err := tx.query(ctx, `INSERT INTO receipts (message_id, user_id, conversation_id, seq, sender_id, urgent)
		SELECT $1, user_id, $2, $3, $4, $5 FROM conversation_members WHERE conversation_id = $2 AND user_id <> $4
		RETURNING user_id`, m.ID, m.ConversationID, m.Seq, m.SenderID, boolInt(m.Priority == ward.Urgent))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var users []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, tx.d.wrap(err)
		}
		users = append(users, u)
	}
	return users, tx.d.wrap(rows.Err())
}

// EnsureReceipt gives a user an empty receipt for m unless they have one.
func (tx *Tx) EnsureReceipt(ctx context.Context, m *Message, userID string) error {
	_, err := tx.exec(ctx, `INSERT INTO receipts (message_id, user_id, conversation_id, seq, sender_id, urgent)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (message_id, user_id) DO NOTHING`,
		m.ID, userID, m.ConversationID, m.Seq, m.SenderID, boolInt(m.Priority == ward.Urgent))
	return err
}

// ReceiptChange is one receipt that MarkReceipts changed.
type ReceiptChange struct {
	MessageID string
	Seq       int64
	SenderID  string
}

// MarkReceipts stamps a member's receipts of a conversation up to and
// including seq as delivered or read (read implies delivered) with the
// transaction time, and returns the receipts it changed.
func (tx *Tx) MarkReceipts(ctx context.Context, convID, userID string, upToSeq int64, kind ward.ReceiptKind) ([]ReceiptChange, error) {
	q := `UPDATE receipts SET delivered_at = $1 WHERE conversation_id = $2 AND user_id = $3 AND seq <= $4 AND delivered_at = 0`
	if kind == ward.Read {
		q = `UPDATE receipts SET read_at = $1, delivered_at = CASE WHEN delivered_at = 0 THEN $1 ELSE delivered_at END
			WHERE conversation_id = $2 AND user_id = $3 AND seq <= $4 AND read_at = 0`
	}
	rows, err := tx.query(ctx, q+" RETURNING message_id, seq, sender_id", micros(tx.Now), convID, userID, upToSeq)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ReceiptChange
	for rows.Next() {
		var c ReceiptChange
		if err := rows.Scan(&c.MessageID, &c.Seq, &c.SenderID); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, c)
	}
	return out, tx.d.wrap(rows.Err())
}

// AcknowledgeReceipt stamps a user's receipt of a message as acknowledged
// (and read and delivered, if not yet) with the transaction time. It
// reports false when it was already acknowledged, and fails with not_found
// when the user has no receipt for the message.
func (tx *Tx) AcknowledgeReceipt(ctx context.Context, messageID, userID string) (bool, error) {
	res, err := tx.exec(ctx, `UPDATE receipts SET acked_at = $1,
		read_at = CASE WHEN read_at = 0 THEN $1 ELSE read_at END,
		delivered_at = CASE WHEN delivered_at = 0 THEN $1 ELSE delivered_at END
		WHERE message_id = $2 AND user_id = $3 AND acked_at = 0`, micros(tx.Now), messageID, userID)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return n == 1, err
	}
	var n int
	if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM receipts WHERE message_id = $1 AND user_id = $2", messageID, userID).Scan(&n); err != nil {
		return false, tx.d.wrap(err)
	}
	if n == 0 {
		return false, ward.Errorf(ward.CodeNotFound, "no receipt for this message")
	}
	return false, nil
}

// Receipts returns the receipts of the given messages, by message id.
func (tx *Tx) Receipts(ctx context.Context, messageIDs []string) (map[string][]ward.Receipt, error) {
	out := map[string][]ward.Receipt{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, "SELECT message_id, user_id, delivered_at, read_at, acked_at FROM receipts WHERE message_id IN ("+
		placeholders(1, len(messageIDs))+") ORDER BY message_id, user_id", stringArgs(messageIDs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r ward.Receipt
		var d, rd, a int64
		if err := rows.Scan(&r.MessageID, &r.UserID, &d, &rd, &a); err != nil {
			return nil, tx.d.wrap(err)
		}
		r.DeliveredAt, r.ReadAt, r.AckedAt = optMicros(d), optMicros(rd), optMicros(a)
		out[r.MessageID] = append(out[r.MessageID], r)
	}
	return out, tx.d.wrap(rows.Err())
}
