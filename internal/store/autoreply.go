package store

import (
	"context"
	"time"
)

// Team messages (migration 0028): a message a care team sends, not a user
// (kind auto_reply, the sender is the team), and the time a team inbox
// thread last got its after-hours auto-reply.

// InsertTeamMessage stores m, a message of kind m.Kind that no user sent
// (m.SenderID is a team), as the conversation's next message, stamped with
// the transaction time; CodeNotFound unless the conversation is an inbox
// thread of m's org. It reads the conversation's patient tag into
// m.PatientID. No membership is checked and no inbox wait changes: the
// caller decides who may send it.
func (tx *Tx) InsertTeamMessage(ctx context.Context, m *Message) error {
	if tx.wc != nil {
		tx.wc.forget(m.ConversationID) // its highest sequence number moves
	}
	if err := tx.queryRow(ctx, "SELECT c.patient_id FROM conversations c WHERE c.org_id = $1 AND c.id = $2 AND c.team_id <> ''"+tx.d.forUpdate,
		m.OrgID, m.ConversationID).Scan(&m.PatientID); err != nil {
		return tx.d.wrap(err)
	}
	m.CreatedAt, m.RecalledAt, m.PurgedAt = tx.Now, time.Time{}, time.Time{}
	err := tx.queryRow(ctx, "INSERT INTO messages ("+msgCols+`, kind) VALUES ($1, $2, $3,
		(SELECT COALESCE(MAX(seq), 0) + 1 FROM messages WHERE conversation_id = $3), $4, $5, $6, $7, '', $8, 0, 0, $9) RETURNING seq`,
		m.ID, m.OrgID, m.ConversationID, m.SenderID, m.ClientID, m.BodySealed, string(m.Priority), micros(m.CreatedAt), m.Kind).Scan(&m.Seq)
	return tx.d.wrap(err)
}

// ClaimAutoReply marks inbox thread convID as auto-replied now unless it
// was at or after notBefore; it reports whether it did (false: the thread
// had its auto-reply recently, or is no inbox thread). Concurrent claims
// of one thread take turns on its row: only one wins.
func (tx *Tx) ClaimAutoReply(ctx context.Context, convID string, notBefore time.Time) (bool, error) {
	res, err := tx.exec(ctx, "UPDATE conversations SET auto_replied_at = $1 WHERE id = $2 AND team_id <> '' AND auto_replied_at < $3",
		micros(tx.Now), convID, micros(notBefore))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}
