package store

import (
	"context"
	"time"
)

// HeldCopyRow is a held copy of a recalled message (held_copies, migration
// 0034) with the message's clear columns: its body as sealed before the
// recall, under the conversation's key.
type HeldCopyRow struct {
	MessageID, ConversationID, SenderID string
	Seq                                 int64
	CreatedAt, RecalledAt, KeptAt       time.Time
	BodySealed                          []byte
}

// ConversationHeldCopies lists the held copies of a conversation's recalled messages,
// in sequence order.
func (tx *Tx) ConversationHeldCopies(ctx context.Context, orgID, convID string) ([]HeldCopyRow, error) {
	return collect(ctx, tx, func(s scanner) (HeldCopyRow, error) {
		var h HeldCopyRow
		var created, recalled, kept int64
		err := s.Scan(&h.MessageID, &h.ConversationID, &h.SenderID, &h.Seq, &created, &recalled, &kept, &h.BodySealed)
		h.CreatedAt, h.RecalledAt, h.KeptAt = fromMicros(created), fromMicros(recalled), fromMicros(kept)
		return h, tx.d.wrap(err)
	}, `SELECT hc.message_id, hc.conversation_id, m.sender_id, m.seq, m.created_at, m.recalled_at, hc.kept_at, hc.body_sealed
		FROM held_copies hc JOIN messages m ON m.id = hc.message_id
		WHERE hc.org_id = $1 AND hc.conversation_id = $2 ORDER BY m.seq`, orgID, convID)
}
