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

// heldAttCols are attCols of attachments a joined to the held copies hc
// of their messages.
const heldAttCols = "a.id, a.org_id, a.conversation_id, a.uploader_id, COALESCE(a.message_id, ''), a.name_sealed, " +
	"a.content_type, a.size, a.blob_key, a.created_at, a.deleted_at"

// HeldAttachments lists the kept attachments of a conversation's held
// copies (their sealed names and blobs stay while the hold does), in
// upload order.
func (tx *Tx) HeldAttachments(ctx context.Context, orgID, convID string) ([]Attachment, error) {
	return collect(ctx, tx, tx.scanAttachment, `SELECT `+heldAttCols+` FROM attachments a
		JOIN held_copies hc ON hc.message_id = a.message_id
		WHERE hc.org_id = $1 AND hc.conversation_id = $2 AND a.name_sealed IS NOT NULL AND a.blob_key <> ''
		ORDER BY a.created_at, a.id`, orgID, convID)
}

// HeldAttachment finds kept attachment id of a held copy of conversation
// convID: not found when there is none (a live attachment, another
// conversation's, or one whose copy was dropped).
func (tx *Tx) HeldAttachment(ctx context.Context, orgID, convID, id string) (Attachment, error) {
	return tx.scanAttachment(tx.queryRow(ctx, `SELECT `+heldAttCols+` FROM attachments a
		JOIN held_copies hc ON hc.message_id = a.message_id
		WHERE hc.org_id = $1 AND hc.conversation_id = $2 AND a.id = $3 AND a.name_sealed IS NOT NULL AND a.blob_key <> ''`,
		orgID, convID, id))
}
