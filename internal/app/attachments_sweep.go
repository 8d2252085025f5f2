package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// blobBatch is how many blobs one pass of dropDeletedBlobs deletes.
const blobBatch = 100

// SweepAttachments deletes attachments uploaded more than
// ward.StaleAttachmentAge ago and never sent (their names at once, their
// blobs next), and every blob still left of a deleted attachment (after a
// crash between a recall's commit and its blob deletion, say). It returns
// how many blobs it deleted; the server runs it with the lifespan purge.
func (a *App) SweepAttachments(ctx context.Context) (int, error) {
	if a.blobs == nil {
		return 0, nil
	}
	for {
		var n int
		err := a.store.Write(ctx, func(tx *store.Tx) error {
			var err error
			n, err = tx.DeleteUnsentAttachments(ctx, tx.Now.Add(-ward.StaleAttachmentAge), blobBatch)
			return err
		})
		if err != nil {
			return 0, err
		}
		if n < blobBatch {
			break
		}
	}
	return a.dropDeletedBlobs(ctx, "")
}

// dropDeletedBlobs deletes the blobs of deleted attachments of a
// conversation (convID "" means all) and records each as gone. It runs
// after the commit that deleted the attachments, so a rolled-back
// deletion never loses a blob.
func (a *App) dropDeletedBlobs(ctx context.Context, convID string) (int, error) {
	if a.blobs == nil {
		return 0, nil
	}
	total := 0
	for {
		var batch []store.DeletedBlob
		err := a.store.Read(ctx, func(tx *store.Tx) error {
			var err error
			batch, err = tx.DeletedBlobs(ctx, convID, blobBatch)
			return err
		})
		if err != nil || len(batch) == 0 {
			return total, err
		}
		var gone []string
		for _, d := range batch {
			if err = a.blobs.Delete(ctx, d.BlobKey); err != nil {
				break
			}
			gone = append(gone, d.AttachmentID)
		}
		if werr := a.store.Write(ctx, func(tx *store.Tx) error {
			for _, id := range gone {
				if err := tx.BlobDeleted(ctx, id); err != nil {
					return err
				}
			}
			return nil
		}); werr != nil {
			return total, werr
		}
		total += len(gone)
		if err != nil || len(batch) < blobBatch {
			return total, err
		}
	}
}

// dropBlobsAfter deletes the blobs of a conversation's attachments that a
// recall or a purge just deleted. A failure is logged and left to
// SweepAttachments: the content was already destroyed for every reader
// (the rows are deleted, the names gone).
func (a *App) dropBlobsAfter(ctx context.Context, convID string) {
	if _, err := a.dropDeletedBlobs(context.WithoutCancel(ctx), convID); err != nil {
		a.log.WarnContext(ctx, "deleting attachment blobs failed; the attachment sweep retries", "conversation", convID,
			"err", err.Error())
	}
}
