package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceOutsideLinks (issue 22, secure messages to outside
// addresses): on both databases a link is found by its token hash, used
// once, its code tries count, and the sender's list says whether the guest
// replied after each message.
func TestConformanceOutsideLinks(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s) // c1: u1 (the sender) and u2 (the guest)
		var m1, m2 *store.Message
		mustWrite(t, s, func(tx *store.Tx) error {
			m1 = newMsg("m1", "u1", "k1", ward.Normal)
			if _, err := tx.InsertMessage(ctx, m1); err != nil {
				return err
			}
			return tx.InsertOutsideLink(ctx, &store.OutsideLink{ID: "l1", OrgID: "o1", ConversationID: "c1", MessageID: "m1",
				MessageSeq: m1.Seq, SenderID: "u1", GuestID: "u2", TokenHash: "h1", ExpiresAt: time.Now().Add(time.Hour)})
		})
		mustWrite(t, s, func(tx *store.Tx) error {
			l, err := tx.OutsideLinkByToken(ctx, "h1")
			if err != nil || l.ID != "l1" || l.GuestID != "u2" || l.MessageSeq != m1.Seq || !l.OpenedAt.IsZero() || l.CodeHash != "" {
				t.Errorf("OutsideLinkByToken: %+v %v", l, err)
			}
			if _, err := tx.OutsideLinkByToken(ctx, "nope"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("an unknown token: %v, want not_found", err)
			}
			if err := tx.SetOutsideCode(ctx, "l1", "ch", time.Now().Add(time.Minute)); err != nil {
				return err
			}
			if err := tx.CountOutsideCodeTry(ctx, "l1"); err != nil {
				return err
			}
			if l, _ := tx.OutsideLinkByToken(ctx, "h1"); l.CodeHash != "ch" || l.CodeTries != 1 || l.CodeExpiresAt.IsZero() {
				t.Errorf("after a code and a wrong try: %+v", l)
			}
			if ok, err := tx.OpenOutsideLink(ctx, "l1"); !ok || err != nil {
				t.Errorf("open: %v %v", ok, err)
			}
			if ok, err := tx.OpenOutsideLink(ctx, "l1"); ok || err != nil {
				t.Errorf("a second open: %v %v, want false", ok, err)
			}
			if l, _ := tx.OutsideLinkByToken(ctx, "h1"); l.OpenedAt.IsZero() || l.CodeHash != "" {
				t.Errorf("an opened link keeps its code or has no time: %+v", l)
			}
			return nil
		})
		replied := func(want ...bool) {
			t.Helper()
			mustWrite(t, s, func(tx *store.Tx) error {
				ls, err := tx.OutsideLinksBySender(ctx, "o1", "u1", 10)
				if err != nil || len(ls) != len(want) {
					t.Fatalf("OutsideLinksBySender: %+v %v", ls, err)
				}
				for i, l := range ls {
					if l.Replied != want[i] {
						t.Errorf("link %s replied %v, want %v", l.ID, l.Replied, want[i])
					}
				}
				th, err := tx.OutsideThread(ctx, "o1", "c1")
				if err != nil || th.ID != ls[0].ID || th.Replied != want[0] {
					t.Errorf("OutsideThread: %+v %v", th, err)
				}
				if ls, _ := tx.OutsideLinksBySender(ctx, "o1", "u2", 10); len(ls) != 0 {
					t.Errorf("the guest's sent links: %+v", ls)
				}
				return nil
			})
		}
		replied(false)
		mustWrite(t, s, func(tx *store.Tx) error {
			_, err := tx.InsertMessage(ctx, newMsg("m2", "u2", "k2", ward.Normal))
			return err
		})
		replied(true)
		mustWrite(t, s, func(tx *store.Tx) error {
			m2 = newMsg("m3", "u1", "k3", ward.Normal)
			if _, err := tx.InsertMessage(ctx, m2); err != nil {
				return err
			}
			return tx.InsertOutsideLink(ctx, &store.OutsideLink{ID: "l2", OrgID: "o1", ConversationID: "c1", MessageID: "m3",
				MessageSeq: m2.Seq, SenderID: "u1", GuestID: "u2", TokenHash: "h2", ExpiresAt: time.Now().Add(time.Hour)})
		})
		replied(false, true) // ordered newest first; the same clock: by id
		mustWrite(t, s, func(tx *store.Tx) error {
			if _, err := tx.OutsideThread(ctx, "o1", "other"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("a conversation with no link: %v", err)
			}
			return nil
		})
		err := s.Write(ctx, func(tx *store.Tx) error {
			return tx.InsertOutsideLink(ctx, &store.OutsideLink{ID: "l3", OrgID: "o1", ConversationID: "c1", MessageID: "m3",
				SenderID: "u1", GuestID: "u2", TokenHash: "h2"})
		})
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Errorf("a token hash twice: %v, want conflict", err)
		}
	})
}
