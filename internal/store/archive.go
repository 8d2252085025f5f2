package store

import (
	"context"
	"time"
)

// The compliance archive (internal/archive) selects conversations by id,
// patient or member, then streams their messages in a date range and the
// audit events about them.

// ArchiveConversationIDs lists the ids of the org's conversations that
// match: the one id convID, those tagged with patientID, or those userID
// is a member of (each filter applies only when not empty), in id order.
func (tx *Tx) ArchiveConversationIDs(ctx context.Context, orgID, convID, patientID, userID string) ([]string, error) {
	q := "SELECT c.id FROM conversations c WHERE c.org_id = $1"
	args := []any{orgID}
	if convID != "" {
		args = append(args, convID)
		q += " AND c.id = $2"
	}
	if patientID != "" {
		args = append(args, patientID)
		q += " AND c.patient_id = " + placeholders(len(args), 1)
	}
	if userID != "" {
		args = append(args, userID)
		q += " AND EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = " +
			placeholders(len(args), 1) + ")"
	}
	q += " ORDER BY c.id"
	return collect(ctx, tx, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	}, q, args...)
}

// ArchiveMessages lists up to limit messages of a conversation created in
// [from, to) with a sequence number above afterSeq, in order.
func (tx *Tx) ArchiveMessages(ctx context.Context, convID string, from, to time.Time, afterSeq int64, limit int) ([]Message, error) {
	return collect(ctx, tx, tx.scanMessage, "SELECT "+msgReadCols+` FROM messages
		WHERE conversation_id = $1 AND seq > $2 AND created_at >= $3 AND created_at < $4 ORDER BY seq LIMIT $5`,
		convID, afterSeq, micros(from), micros(to), limit)
}

// ArchiveAuditRows calls fn for each audit event of the org in [from, to)
// about the conversation, one of its messages or one of its attachments,
// in id order. The row passed to fn is reused.
func (tx *Tx) ArchiveAuditRows(ctx context.Context, orgID, convID string, from, to time.Time, fn func(*AuditRow) error) error {
	rows, err := tx.query(ctx, "SELECT "+auditCols+` FROM audit_events WHERE org_id = $1 AND at >= $3 AND at < $4 AND (
		(resource_type = 'conversation' AND resource_id = $2)
		OR (resource_type = 'message' AND resource_id IN (SELECT id FROM messages WHERE conversation_id = $2))
		OR (resource_type = 'attachment' AND resource_id IN (SELECT id FROM attachments WHERE conversation_id = $2)))
		ORDER BY id`, orgID, convID, micros(from), micros(to))
	if err != nil {
		return err
	}
	return eachAuditRow(tx, rows, fn)
}

// ArchiveTotals counts a conversation's messages created in [from, to),
// and the attachments sent with them (not deleted) and their bytes.
func (tx *Tx) ArchiveTotals(ctx context.Context, convID string, from, to time.Time) (messages, attachments int, bytes int64, err error) {
	err = tx.queryRow(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = $1 AND created_at >= $2 AND created_at < $3`,
		convID, micros(from), micros(to)).Scan(&messages)
	if err != nil {
		return 0, 0, 0, tx.d.wrap(err)
	}
	err = tx.queryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(a.size), 0) FROM attachments a JOIN messages m ON m.id = a.message_id
		WHERE m.conversation_id = $1 AND m.created_at >= $2 AND m.created_at < $3 AND a.deleted_at = 0`,
		convID, micros(from), micros(to)).Scan(&attachments, &bytes)
	return messages, attachments, bytes, tx.d.wrap(err)
}
