package store_test

import (
	"context"
	"github.com/wardhealth/ward/internal/clocktest"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func newAtt(id, uploader string) *store.Attachment {
	a := &store.Attachment{NameSealed: []byte("sealed-name-" + id), BlobKey: "blob-" + id}
	a.ID, a.OrgID, a.ConversationID, a.UploaderID, a.ContentType, a.Size = id, "o1", "c1", uploader, "image/png", 42
	return a
}

func TestConformanceAttachments(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		mustWrite(t, s, func(tx *store.Tx) error {
			for _, a := range []*store.Attachment{newAtt("a1", "u1"), newAtt("a2", "u1"), newAtt("a3", "u2"), newAtt("a4", "u1")} {
				if err := tx.InsertAttachment(ctx, a); err != nil {
					return err
				}
			}
			_, err := tx.InsertMessage(ctx, newMsg("m1", "u1", "k1", ward.Normal))
			return err
		})
		m1 := newMsg("m1", "u1", "k1", ward.Normal)
		// Someone else's attachment, an unknown one: nothing is linked.
		for _, ids := range [][]string{{"a1", "a3"}, {"a1", "nope"}} {
			err := s.Write(ctx, func(tx *store.Tx) error { return tx.LinkAttachments(ctx, m1, "u1", ids) })
			if ward.ErrorCode(err) != ward.CodeInvalid {
				t.Fatalf("link %v: %v, want invalid", ids, err)
			}
		}
		mustWrite(t, s, func(tx *store.Tx) error { return tx.LinkAttachments(ctx, m1, "u1", []string{"a2", "a1"}) })
		err := s.Write(ctx, func(tx *store.Tx) error { return tx.LinkAttachments(ctx, m1, "u1", []string{"a1"}) })
		if ward.ErrorCode(err) != ward.CodeInvalid {
			t.Fatalf("linking a sent attachment again: %v", err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			got, err := tx.MessageAttachments(ctx, []string{"m1", "m-none"})
			if err != nil || len(got["m1"]) != 2 || got["m1"][0].ID != "a1" || got["m1"][0].MessageID != "m1" ||
				string(got["m1"][0].NameSealed) != "sealed-name-a1" || got["m1"][0].Size != 42 || got["m1"][0].BlobKey != "blob-a1" {
				t.Errorf("MessageAttachments %+v %v", got, err)
			}
			a, err := tx.AttachmentByID(ctx, "o1", "a3")
			if err != nil || a.MessageID != "" || a.UploaderID != "u2" || !a.CreatedAt.Equal(clock.Now()) || !a.DeletedAt.IsZero() {
				t.Errorf("AttachmentByID %+v %v", a, err)
			}
			if _, err := tx.AttachmentByID(ctx, "other-org", "a1"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("another org's attachment: %v", err)
			}
			return nil
		})
		// Recalling the message deletes its attachments; the blobs are listed until recorded gone.
		clock.Advance(time.Minute)
		mustWrite(t, s, func(tx *store.Tx) error { _, err := tx.RecallMessage(ctx, "o1", "m1"); return err })
		mustWrite(t, s, func(tx *store.Tx) error {
			a, err := tx.AttachmentByID(ctx, "o1", "a1")
			if err != nil || a.NameSealed != nil || !a.DeletedAt.Equal(clock.Now()) {
				t.Errorf("after recall %+v %v", a, err)
			}
			if got, _ := tx.MessageAttachments(ctx, []string{"m1"}); len(got["m1"]) != 0 {
				t.Errorf("deleted attachments listed: %+v", got)
			}
			blobs, err := tx.DeletedBlobs(ctx, "c1", 10)
			if err != nil || len(blobs) != 2 {
				t.Fatalf("DeletedBlobs %+v %v", blobs, err)
			}
			return tx.BlobDeleted(ctx, blobs[0].AttachmentID)
		})
		// Unsent uploads older than the cutoff go.
		clock.Advance(time.Hour)
		mustWrite(t, s, func(tx *store.Tx) error {
			if n, err := tx.DeleteUnsentAttachments(ctx, tx.Now.Add(-time.Hour), 10); err != nil || n != 2 {
				t.Errorf("DeleteUnsentAttachments: %d %v", n, err)
			}
			blobs, err := tx.DeletedBlobs(ctx, "", 10)
			if err != nil || len(blobs) != 3 {
				t.Errorf("DeletedBlobs after the sweep %+v %v", blobs, err)
			}
			return nil
		})
	})
}
