package attachments

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// blobBatch is how many blobs one pass of dropDeletedBlobs deletes.
const blobBatch = 100

// Sweep deletes attachments uploaded more than
// ward.StaleAttachmentAge ago and never sent (their names at once, their
// blobs next), and every blob still left of a deleted attachment (after a
// crash between a recall's commit and its blob deletion, say). It returns
// how many blobs it deleted; the server runs it with the lifespan purge.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	if s.blobs == nil {
		return 0, nil
	}
	for {
		var n int
		err := s.store.Write(ctx, func(tx *store.Tx) error {
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
	return s.dropDeletedBlobs(ctx, "")
}

// dropDeletedBlobs deletes the blobs of deleted attachments of a
// conversation (convID "" means all) and records each as gone. It runs
// after the commit that deleted the attachments, so a rolled-back
// deletion never loses a blob.
func (s *Service) dropDeletedBlobs(ctx context.Context, convID string) (int, error) {
	if s.blobs == nil {
		return 0, nil
	}
	total := 0
	for {
		var batch []store.DeletedBlob
		err := s.store.Read(ctx, func(tx *store.Tx) error {
			var err error
			batch, err = tx.DeletedBlobs(ctx, convID, blobBatch)
			return err
		})
		if err != nil || len(batch) == 0 {
			return total, err
		}
		var gone []string
		for _, d := range batch {
			if err = s.blobs.Delete(ctx, d.BlobKey); err != nil {
				break
			}
			gone = append(gone, d.AttachmentID)
		}
		if werr := s.store.Write(ctx, func(tx *store.Tx) error {
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

// DropBlobsAfter deletes the blobs of a conversation's attachments that a
// recall or a purge just deleted. A failure is logged and left to
// Sweep: the content was already destroyed for every reader
// (the rows are deleted, the names gone).
func (s *Service) DropBlobsAfter(ctx context.Context, convID string) {
	if _, err := s.dropDeletedBlobs(context.WithoutCancel(ctx), convID); err != nil {
		s.log.WarnContext(ctx, "deleting attachment blobs failed; the attachment sweep retries", "conversation", convID,
			"err", err.Error())
	}
}
