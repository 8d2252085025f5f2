package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/wardhealth/ward"
)

const holdCols = "id, org_id, matter, user_id, patient_id, conversation_id, from_at, to_at, placed_by, created_at, updated_at, released_at, released_by"

// heldMessage is the SQL condition "an active legal hold covers message m
// of conversation c" (m and c are the query's aliases): the fields a hold
// sets must all match, a user matching the sender or a member.
func heldMessage(m, c string) string {
	return `EXISTS (SELECT 1 FROM legal_holds h WHERE h.org_id = ` + m + `.org_id AND h.released_at = 0
		AND (h.conversation_id = '' OR h.conversation_id = ` + m + `.conversation_id)
		AND (h.patient_id = '' OR h.patient_id = ` + c + `.patient_id)
		AND (h.user_id = '' OR h.user_id = ` + m + `.sender_id OR EXISTS (SELECT 1 FROM conversation_members hm
			WHERE hm.conversation_id = ` + m + `.conversation_id AND hm.user_id = h.user_id))
		AND (h.from_at = 0 OR ` + m + `.created_at >= h.from_at)
		AND (h.to_at = 0 OR ` + m + `.created_at < h.to_at))`
}

// heldPatient is the SQL condition "an active hold names patient record p
// (or its patient user)".
func heldPatient(p string) string {
	return `EXISTS (SELECT 1 FROM legal_holds h WHERE h.org_id = ` + p + `.org_id AND h.released_at = 0
		AND (h.patient_id = ` + p + `.id OR (h.user_id <> '' AND h.user_id = ` + p + `.user_id)))`
}

func scanHold(row scanner) (ward.LegalHold, error) {
	var h ward.LegalHold
	var from, to, created, updated, released int64
	if err := row.Scan(&h.ID, &h.OrgID, &h.Matter, &h.UserID, &h.PatientID, &h.ConversationID, &from, &to, &h.PlacedBy,
		&created, &updated, &released, &h.ReleasedBy); err != nil {
		return h, err
	}
	h.From, h.To, h.ReleasedAt = optMicros(from), optMicros(to), optMicros(released)
	h.CreatedAt, h.UpdatedAt = fromMicros(created), fromMicros(updated)
	return h, nil
}

// InsertHold stores a new hold, stamping its times.
func (tx *Tx) InsertHold(ctx context.Context, h *ward.LegalHold) error {
	h.CreatedAt, h.UpdatedAt, h.ReleasedAt, h.ReleasedBy = tx.Now, tx.Now, time.Time{}, ""
	_, err := tx.exec(ctx, "INSERT INTO legal_holds ("+holdCols+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, '')",
		h.ID, h.OrgID, h.Matter, h.UserID, h.PatientID, h.ConversationID, microsOrZero(h.From), microsOrZero(h.To), h.PlacedBy,
		micros(tx.Now), micros(tx.Now))
	return err
}

// UpdateHold replaces an active hold's matter and scope.
func (tx *Tx) UpdateHold(ctx context.Context, h *ward.LegalHold) error {
	h.UpdatedAt = tx.Now
	err := tx.execOne(ctx, `UPDATE legal_holds SET matter = $1, user_id = $2, patient_id = $3, conversation_id = $4,
		from_at = $5, to_at = $6, updated_at = $7 WHERE org_id = $8 AND id = $9 AND released_at = 0`,
		h.Matter, h.UserID, h.PatientID, h.ConversationID, microsOrZero(h.From), microsOrZero(h.To), micros(tx.Now), h.OrgID, h.ID)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeConflict, "the hold was released")
	}
	return err
}

// ReleaseHold releases an active hold.
func (tx *Tx) ReleaseHold(ctx context.Context, orgID, id, by string) error {
	err := tx.execOne(ctx, "UPDATE legal_holds SET released_at = $1, released_by = $2, updated_at = $1 WHERE org_id = $3 AND id = $4 AND released_at = 0",
		micros(tx.Now), by, orgID, id)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeConflict, "the hold was already released")
	}
	return err
}

// HoldByID reads one hold of an org.
func (tx *Tx) HoldByID(ctx context.Context, orgID, id string) (ward.LegalHold, error) {
	h, err := scanHold(tx.queryRow(ctx, "SELECT "+holdCols+" FROM legal_holds WHERE org_id = $1 AND id = $2", orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return h, ward.Errorf(ward.CodeNotFound, "no such legal hold")
	}
	return h, tx.d.wrap(err)
}

// Holds lists an org's holds, active ones first, newest first.
func (tx *Tx) Holds(ctx context.Context, orgID string) ([]ward.LegalHold, error) {
	return collect(ctx, tx, scanHold, "SELECT "+holdCols+` FROM legal_holds WHERE org_id = $1
		ORDER BY CASE WHEN released_at = 0 THEN 0 ELSE 1 END, created_at DESC, id LIMIT 1000`, orgID)
}

// MessageHeld reports whether an active hold covers a message.
func (tx *Tx) MessageHeld(ctx context.Context, orgID, messageID string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.org_id = $1 AND m.id = $2 AND `+heldMessage("m", "c"), orgID, messageID).Scan(&n)
	return n > 0, tx.d.wrap(err)
}

// PatientHeld reports whether an active hold names a patient record or its user.
func (tx *Tx) PatientHeld(ctx context.Context, orgID, patientID string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM patients p WHERE p.org_id = $1 AND p.id = $2 AND "+heldPatient("p"),
		orgID, patientID).Scan(&n)
	return n > 0, tx.d.wrap(err)
}

// keepHeldCopy keeps the sealed body of a message an active hold covers
// before a recall removes it from the message row; it returns whether it
// kept one.
func (tx *Tx) keepHeldCopy(ctx context.Context, orgID, messageID string) (bool, error) {
	res, err := tx.exec(ctx, `INSERT INTO held_copies (message_id, org_id, conversation_id, body_sealed, kept_at)
		SELECT m.id, m.org_id, m.conversation_id, m.body_sealed, $1 FROM messages m JOIN conversations c ON c.id = m.conversation_id
		WHERE m.org_id = $2 AND m.id = $3 AND m.body_sealed IS NOT NULL AND m.recalled_at = 0 AND m.purged_at = 0 AND `+
		heldMessage("m", "c"), micros(tx.Now), orgID, messageID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, tx.d.wrap(err)
}

// forgetHeldMessage is forgetMessages for a recalled message whose copy a
// hold keeps: its attachments are deleted for members, but their sealed
// names stay and DeletedBlobs leaves their blobs, for compliance review.
func (tx *Tx) forgetHeldMessage(ctx context.Context, id string) error {
	if _, err := tx.exec(ctx, "DELETE FROM receipts WHERE message_id = $1", id); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, "UPDATE urgent_escalations SET done = 1 WHERE message_id = $1", id); err != nil {
		return err
	}
	_, err := tx.exec(ctx, "UPDATE attachments SET deleted_at = $1 WHERE deleted_at = 0 AND message_id = $2", micros(tx.Now), id)
	return err
}

// HeldCopy reads the sealed body kept for a held, recalled message
// (compliance review opens it with the conversation's key).
func (tx *Tx) HeldCopy(ctx context.Context, orgID, messageID string) ([]byte, error) {
	var b []byte
	err := tx.queryRow(ctx, "SELECT body_sealed FROM held_copies WHERE org_id = $1 AND message_id = $2", orgID, messageID).Scan(&b)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ward.Errorf(ward.CodeNotFound, "no held copy of that message")
	}
	return b, tx.d.wrap(err)
}

// DropReleasedCopies deletes the held copies of an org that no active
// hold covers any more (and the sealed names of their messages'
// attachments, whose blobs DeletedBlobs then lists), and returns how many.
func (tx *Tx) DropReleasedCopies(ctx context.Context, orgID string) (int, error) {
	released := `SELECT hc.message_id FROM held_copies hc JOIN messages m ON m.id = hc.message_id
		JOIN conversations c ON c.id = m.conversation_id WHERE hc.org_id = $1 AND NOT ` + heldMessage("m", "c")
	// Their attachments' names go now; their blobs with the next sweep.
	if _, err := tx.exec(ctx, `UPDATE attachments SET name_sealed = NULL WHERE org_id = $1 AND deleted_at <> 0
		AND message_id IN (`+released+`)`, orgID); err != nil {
		return 0, err
	}
	res, err := tx.exec(ctx, `DELETE FROM held_copies WHERE org_id = $1 AND message_id IN (`+released+`)`, orgID)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), tx.d.wrap(err)
}

// EarliestHeld is the earliest time an active hold (of any org) reaches
// back to: the zero time when a hold has no start (it holds all time),
// and ok false when no hold is active. Audit purge stops before it.
func (tx *Tx) EarliestHeld(ctx context.Context) (t time.Time, ok bool, err error) {
	var n int
	var least sql.NullInt64
	err = tx.queryRow(ctx, "SELECT COUNT(*), MIN(from_at) FROM legal_holds WHERE released_at = 0").Scan(&n, &least)
	if err != nil || n == 0 {
		return time.Time{}, false, tx.d.wrap(err)
	}
	return optMicros(least.Int64), true, nil
}
