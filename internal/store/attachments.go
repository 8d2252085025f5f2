package store

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
)

// Attachment is an attachment as stored: Name of the embedded
// ward.Attachment is empty, its ciphertext is NameSealed (nil once
// deleted), and BlobKey names the sealed content in the blob store ("" once
// the blob is deleted).
type Attachment struct {
	ward.Attachment
	NameSealed []byte
	BlobKey    string
}

const attCols = "id, org_id, conversation_id, uploader_id, COALESCE(message_id, ''), name_sealed, content_type, size, " +
	"blob_key, created_at, deleted_at"

// InsertAttachment stores a new, unsent attachment stamped with the
// transaction time.
func (tx *Tx) InsertAttachment(ctx context.Context, a *Attachment) error {
	a.CreatedAt, a.MessageID, a.DeletedAt = tx.Now, "", time.Time{}
	_, err := tx.exec(ctx, `INSERT INTO attachments (id, org_id, conversation_id, uploader_id, name_sealed, content_type,
		size, blob_key, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		a.ID, a.OrgID, a.ConversationID, a.UploaderID, a.NameSealed, a.ContentType, a.Size, a.BlobKey, micros(a.CreatedAt))
	return err
}

// AttachmentByID finds an org's attachment.
func (tx *Tx) AttachmentByID(ctx context.Context, orgID, id string) (Attachment, error) {
	return tx.scanAttachment(tx.queryRow(ctx, "SELECT "+attCols+" FROM attachments WHERE org_id = $1 AND id = $2", orgID, id))
}

// LinkAttachments sends attachments with a message: each of ids must be an
// unsent, undeleted attachment that uploaderID uploaded to the message's
// conversation; otherwise nothing is linked and the answer is invalid
// input (the caller rolls back).
func (tx *Tx) LinkAttachments(ctx context.Context, m *Message, uploaderID string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	res, err := tx.exec(ctx, `UPDATE attachments SET message_id = $1
		WHERE org_id = $2 AND conversation_id = $3 AND uploader_id = $4 AND message_id IS NULL AND deleted_at = 0
		AND id IN (`+placeholders(5, len(ids))+`)`,
		append([]any{m.ID, m.OrgID, m.ConversationID, uploaderID}, stringArgs(ids)...)...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if int(n) != len(ids) {
		return ward.Errorf(ward.CodeInvalid,
			"attachment_ids must name attachments you uploaded to this conversation and have not sent yet")
	}
	return nil
}

// MessageAttachments returns the undeleted attachments of messages, by
// message id, each message's in upload order.
func (tx *Tx) MessageAttachments(ctx context.Context, messageIDs []string) (map[string][]Attachment, error) {
	out := map[string][]Attachment{}
	if len(messageIDs) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, "SELECT "+attCols+" FROM attachments WHERE deleted_at = 0 AND message_id IN ("+
		placeholders(1, len(messageIDs))+") ORDER BY created_at, id", stringArgs(messageIDs)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := tx.scanAttachment(rows)
		if err != nil {
			return nil, err
		}
		out[a.MessageID] = append(out[a.MessageID], a)
	}
	return out, tx.d.wrap(rows.Err())
}

// forgetAttachments deletes the attachments of messages whose content was
// destroyed: the sealed names are removed and the rows stamped deleted.
// The blobs go after the commit (DeletedBlobs, BlobDeleted).
func (tx *Tx) forgetAttachments(ctx context.Context, messageIDs []string) error {
	_, err := tx.exec(ctx, `UPDATE attachments SET name_sealed = NULL, deleted_at = $1
		WHERE deleted_at = 0 AND message_id IN (`+placeholders(2, len(messageIDs))+")",
		append([]any{micros(tx.Now)}, stringArgs(messageIDs)...)...)
	return err
}

// DeleteUnsentAttachments deletes up to limit attachments that were
// uploaded before cutoff and never sent, as forgetAttachments does, and
// returns how many.
func (tx *Tx) DeleteUnsentAttachments(ctx context.Context, cutoff time.Time, limit int) (int, error) {
	res, err := tx.exec(ctx, `UPDATE attachments SET name_sealed = NULL, deleted_at = $1 WHERE id IN (
		SELECT id FROM attachments WHERE message_id IS NULL AND deleted_at = 0 AND created_at < $2
		ORDER BY created_at LIMIT $3)`, micros(tx.Now), micros(cutoff), limit)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// DeletedBlob is a deleted attachment whose blob is still to be deleted.
type DeletedBlob struct {
	AttachmentID, BlobKey string
}

// DeletedBlobs lists up to limit deleted attachments whose blobs are still
// to be deleted; convID "" means every conversation.
func (tx *Tx) DeletedBlobs(ctx context.Context, convID string, limit int) ([]DeletedBlob, error) {
	// The files of a recalled message whose copy a legal hold keeps stay.
	q := "SELECT id, blob_key FROM attachments a WHERE deleted_at <> 0 AND blob_key <> ''" +
		" AND NOT EXISTS (SELECT 1 FROM held_copies hc WHERE hc.message_id = a.message_id)"
	args := []any{limit}
	if convID != "" {
		q += " AND conversation_id = $2"
		args = append(args, convID)
	}
	rows, err := tx.query(ctx, q+" ORDER BY deleted_at LIMIT $1", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DeletedBlob
	for rows.Next() {
		var d DeletedBlob
		if err := rows.Scan(&d.AttachmentID, &d.BlobKey); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, d)
	}
	return out, tx.d.wrap(rows.Err())
}

// BlobDeleted records that a deleted attachment's blob is gone.
func (tx *Tx) BlobDeleted(ctx context.Context, attachmentID string) error {
	_, err := tx.exec(ctx, "UPDATE attachments SET blob_key = '' WHERE id = $1 AND deleted_at <> 0", attachmentID)
	return err
}

func (tx *Tx) scanAttachment(row scanner) (Attachment, error) {
	var a Attachment
	var created, deleted int64
	if err := row.Scan(&a.ID, &a.OrgID, &a.ConversationID, &a.UploaderID, &a.MessageID, &a.NameSealed, &a.ContentType,
		&a.Size, &a.BlobKey, &created, &deleted); err != nil {
		return Attachment{}, tx.d.wrap(err)
	}
	a.CreatedAt = fromMicros(created)
	if deleted != 0 {
		a.DeletedAt = fromMicros(deleted)
	}
	return a, nil
}
