package store

import (
	"context"
	"database/sql"
	"time"
)

// effectiveLife is the SQL for conversation c's message lifespan under an
// org lifespan given as parameter $n (microseconds, 0 none): the shorter
// of the two, 0 when neither is set (app.lifespan, in SQL).
func effectiveLife(c, n string) string {
	org := "CAST(" + n + " AS BIGINT)"
	return "(CASE WHEN " + org + " <= 0 THEN " + c + ".lifespan WHEN " + c + ".lifespan <= 0 THEN " + org +
		" WHEN " + c + ".lifespan < " + org + " THEN " + c + ".lifespan ELSE " + org + " END)"
}

// Due is what a retention policy would destroy at a time: Now items are
// due and not held, Held items are due but a legal hold keeps them, and
// Next is when the next item not held becomes due (zero: none).
type Due struct {
	Now  int
	Held int
	Next time.Time
}

func scanDue(row scanner) (Due, error) {
	var d Due
	var now, held, next sql.NullInt64
	if err := row.Scan(&now, &held, &next); err != nil {
		return d, err
	}
	d.Now, d.Held = int(now.Int64), int(held.Int64)
	if next.Valid {
		d.Next = fromMicros(next.Int64)
	}
	return d, nil
}

// dueSQL sums rows of (due, held) in x at $now.
const dueSQL = `SELECT SUM(CASE WHEN due <= $2 AND held = 0 THEN 1 ELSE 0 END), SUM(CASE WHEN due <= $2 AND held = 1 THEN 1 ELSE 0 END),
	MIN(CASE WHEN due > $2 AND held = 0 THEN due END) FROM x`

// MessagesDue counts an org's live messages by their lifespan (the org's,
// orgLife, or the conversation's own, the shorter) at the transaction's
// time, by ids and times only.
func (tx *Tx) MessagesDue(ctx context.Context, orgID string, orgLife time.Duration) (Due, error) {
	d, err := scanDue(tx.queryRow(ctx, `WITH x AS (SELECT m.created_at + `+effectiveLife("c", "$3")+` AS due,
		CASE WHEN `+heldMessage("m", "c")+` THEN 1 ELSE 0 END AS held
		FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.org_id = $1 AND m.recalled_at = 0 AND m.purged_at = 0 AND `+effectiveLife("c", "$3")+` > 0) `+dueSQL,
		orgID, micros(tx.Now), orgLife.Microseconds()))
	return d, tx.d.wrap(err)
}

// ConversationsWithLifespan counts an org's conversations with their own lifespan.
func (tx *Tx) ConversationsWithLifespan(ctx context.Context, orgID string) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM conversations WHERE org_id = $1 AND lifespan > 0", orgID).Scan(&n)
	return n, tx.d.wrap(err)
}

// attachmentsDueFrom is the rows of sent, live attachments of an org
// (parameter $1) with their message and conversation.
const attachmentsDueFrom = ` FROM attachments a JOIN messages m ON m.id = a.message_id JOIN conversations c ON c.id = m.conversation_id
	WHERE a.org_id = $1 AND a.deleted_at = 0`

// AttachmentsDue counts an org's sent attachments by the attachment
// retention life at the transaction's time.
func (tx *Tx) AttachmentsDue(ctx context.Context, orgID string, life time.Duration) (Due, error) {
	d, err := scanDue(tx.queryRow(ctx, `WITH x AS (SELECT a.created_at + CAST($3 AS BIGINT) AS due,
		CASE WHEN `+heldMessage("m", "c")+` THEN 1 ELSE 0 END AS held`+attachmentsDueFrom+`) `+dueSQL,
		orgID, micros(tx.Now), life.Microseconds()))
	return d, tx.d.wrap(err)
}

// PurgeAttachments deletes up to limit sent attachments of an org created
// before cutoff that no legal hold covers (their names at once, their
// blobs next, as a recall does) and returns how many.
func (tx *Tx) PurgeAttachments(ctx context.Context, orgID string, cutoff time.Time, limit int) (int, error) {
	res, err := tx.exec(ctx, `UPDATE attachments SET name_sealed = NULL, deleted_at = $2 WHERE id IN (
		SELECT a.id`+attachmentsDueFrom+` AND a.created_at < $3 AND NOT `+heldMessage("m", "c")+`
		ORDER BY a.created_at LIMIT $4)`, orgID, micros(tx.Now), micros(cutoff), limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), tx.d.wrap(err)
}

// PatientsDue counts an org's deactivated, unshredded patient records by
// the patient retention at the transaction's time.
func (tx *Tx) PatientsDue(ctx context.Context, orgID string, life time.Duration) (Due, error) {
	d, err := scanDue(tx.queryRow(ctx, `WITH x AS (SELECT p.updated_at + CAST($3 AS BIGINT) AS due,
		CASE WHEN `+heldPatient("p")+` THEN 1 ELSE 0 END AS held FROM patients p
		WHERE p.org_id = $1 AND p.status = 'deactivated' AND p.mrn_index NOT LIKE 'erased:%') `+dueSQL,
		orgID, micros(tx.Now), life.Microseconds()))
	return d, tx.d.wrap(err)
}

// AuditDue counts an org's sealed audit events older than life at the
// transaction's time, and when its oldest kept one falls due (by the index
// on at, not a scan of the org's events). Holds do not apply per event:
// audit purge stops at the earliest active hold (EarliestHeld).
func (tx *Tx) AuditDue(ctx context.Context, orgID string, life time.Duration) (Due, error) {
	var d Due
	cutoff := micros(tx.Now) - life.Microseconds()
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM audit_events WHERE at < $1 AND org_id = $2 AND seq IS NOT NULL",
		cutoff, orgID).Scan(&d.Now)
	if err != nil {
		return d, tx.d.wrap(err)
	}
	var next sql.NullInt64
	if err := tx.queryRow(ctx, "SELECT MIN(at) FROM audit_events WHERE at >= $1 AND org_id = $2",
		cutoff, orgID).Scan(&next); err != nil {
		return d, tx.d.wrap(err)
	}
	if next.Valid {
		d.Next = fromMicros(next.Int64 + life.Microseconds())
	}
	return d, nil
}

// HeldCopies counts an org's kept bodies of held, recalled messages.
func (tx *Tx) HeldCopies(ctx context.Context, orgID string) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM held_copies WHERE org_id = $1", orgID).Scan(&n)
	return n, tx.d.wrap(err)
}

// HasActiveHolds reports whether an org has an active legal hold.
func (tx *Tx) HasActiveHolds(ctx context.Context, orgID string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM legal_holds WHERE org_id = $1 AND released_at = 0", orgID).Scan(&n)
	return n > 0, tx.d.wrap(err)
}

// HeldExpired counts a conversation's live messages created before cutoff
// that a legal hold keeps from the lifespan purge.
func (tx *Tx) HeldExpired(ctx context.Context, convID string, cutoff time.Time) (int, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.conversation_id = $1 AND m.recalled_at = 0 AND m.purged_at = 0 AND m.created_at < $2 AND `+
		heldMessage("m", "c"), convID, micros(cutoff)).Scan(&n)
	return n, tx.d.wrap(err)
}
