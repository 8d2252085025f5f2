package store

import (
	"context"
)

// Membership is one conversation a user is a member of, as a role change
// needs it: which conversation, and which patient it is about.
type Membership struct {
	ConversationID string
	PatientID      string
}

// MembershipsOf lists the conversations of an org that a user is a member
// of, by conversation id.
func (tx *Tx) MembershipsOf(ctx context.Context, orgID, userID string) ([]Membership, error) {
	rows, err := tx.query(ctx, `SELECT c.id, c.patient_id FROM conversation_members m
		JOIN conversations c ON c.id = m.conversation_id
		WHERE m.user_id = $1 AND c.org_id = $2 ORDER BY c.id`, userID, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		var m Membership
		if err := rows.Scan(&m.ConversationID, &m.PatientID); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, m)
	}
	return out, tx.d.wrap(rows.Err())
}

// EndMembership removes a user from a conversation: from now on a send
// neither admits them nor counts them among its recipients. Their live
// urgent timers in the conversation stop. It is CodeNotFound when they
// were not a member.
func (tx *Tx) EndMembership(ctx context.Context, convID, userID string) error {
	if tx.wc != nil {
		tx.wc.forget(convID) // its members change
		if tx.batch != nil {
			delete(tx.batch.convs, convID)
		}
	}
	if err := tx.execOne(ctx, "DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2", convID, userID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "UPDATE urgent_escalations SET done = 1 WHERE conversation_id = $1 AND recipient_id = $2 AND done = 0",
		convID, userID)
	return err
}
