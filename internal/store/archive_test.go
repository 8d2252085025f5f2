package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// The compliance archive's queries select conversations by id, patient and
// member, messages by date, attachments' totals, and the audit events
// about a conversation, its messages and its attachments.
func TestConformanceArchive(t *testing.T) {
	now := fixedClock()
	storetest.Each(t, now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s) // c1: u1 and u2, about p1
		mustWrite(t, s, func(tx *store.Tx) error {
			c := store.Conversation{}
			c.ID, c.OrgID, c.Kind, c.CreatedBy = "c2", "o1", ward.Group, "u3"
			c.Members = []ward.Member{{UserID: "u3", Role: ward.MemberOwner}, {UserID: "u1", Role: ward.MemberMember}}
			if err := tx.CreateConversation(ctx, &c); err != nil {
				return err
			}
			for _, m := range []*store.Message{newMsg("m1", "u1", "k1", ward.Normal), newMsg("m2", "u2", "k2", ward.Normal)} {
				if _, err := tx.InsertMessage(ctx, m); err != nil {
					return err
				}
			}
			m3 := newMsg("m3", "u3", "k3", ward.Normal)
			m3.ConversationID = "c2"
			if _, err := tx.InsertMessage(ctx, m3); err != nil {
				return err
			}
			a := store.Attachment{BlobKey: "blob-0001"}
			a.ID, a.OrgID, a.ConversationID, a.UploaderID, a.ContentType, a.Size = "a1", "o1", "c1", "u1", "text/plain", 1234
			if err := tx.InsertAttachment(ctx, &a); err != nil {
				return err
			}
			m1, err := tx.MessageByID(ctx, "o1", "m1")
			if err != nil {
				return err
			}
			if err := tx.LinkAttachments(ctx, &m1, "u1", []string{"a1"}); err != nil {
				return err
			}
			var rows []store.AuditRow
			for _, r := range [][2]string{{"conversation", "c1"}, {"message", "m2"}, {"attachment", "a1"}, {"conversation", "c2"}, {"user", "u1"}} {
				rows = append(rows, store.AuditRow{At: now(), OrgID: "o1", Action: "conversation.read", ResourceType: r[0], ResourceID: r[1], Outcome: "success"})
			}
			return tx.InsertAuditRows(ctx, rows)
		})
		from, to := now(), now().Add(time.Second)
		mustRead := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := s.Read(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		mustRead(func(tx *store.Tx) error {
			for _, c := range []struct {
				conv, patient, user string
				want                []string
			}{
				{"", "", "", []string{"c1", "c2"}},
				{"c1", "", "", []string{"c1"}},
				{"", "p1", "", []string{"c1"}},
				{"", "", "u1", []string{"c1", "c2"}},
				{"", "", "u3", []string{"c2"}},
				{"", "p1", "u3", nil},
				{"nope", "", "", nil},
			} {
				got, err := tx.ArchiveConversationIDs(ctx, "o1", c.conv, c.patient, c.user)
				if err != nil {
					return err
				}
				if !slices.Equal(got, c.want) {
					t.Errorf("conversation %q patient %q user %q: %v, want %v", c.conv, c.patient, c.user, got, c.want)
				}
			}
			if got, _ := tx.ArchiveConversationIDs(ctx, "o2", "", "", ""); len(got) != 0 {
				t.Errorf("another org's conversations: %v", got)
			}
			msgs, err := tx.ArchiveMessages(ctx, "c1", from, to, 0, 10)
			if err != nil || len(msgs) != 2 || msgs[0].ID != "m1" || msgs[1].ID != "m2" {
				t.Errorf("messages of c1: %v %v", msgs, err)
			}
			if msgs, _ := tx.ArchiveMessages(ctx, "c1", from, to, 1, 10); len(msgs) != 1 || msgs[0].ID != "m2" {
				t.Errorf("after seq 1: %v", msgs)
			}
			if msgs, _ := tx.ArchiveMessages(ctx, "c1", to, to.Add(time.Hour), 0, 10); len(msgs) != 0 {
				t.Errorf("a later range: %v", msgs)
			}
			n, na, nb, err := tx.ArchiveTotals(ctx, "c1", from, to)
			if err != nil || n != 2 || na != 1 || nb != 1234 {
				t.Errorf("totals of c1: %d messages, %d attachments, %d bytes, %v", n, na, nb, err)
			}
			if n, na, nb, _ := tx.ArchiveTotals(ctx, "c1", to, to.Add(time.Hour)); n != 0 || na != 0 || nb != 0 {
				t.Errorf("totals of a later range: %d %d %d", n, na, nb)
			}
			var got []string
			err = tx.ArchiveAuditRows(ctx, "o1", "c1", from, to, func(r *store.AuditRow) error {
				got = append(got, r.ResourceType+":"+r.ResourceID)
				return nil
			})
			if err != nil || !slices.Equal(got, []string{"conversation:c1", "message:m2", "attachment:a1"}) {
				t.Errorf("audit rows about c1: %v %v", got, err)
			}
			got = nil
			tx.ArchiveAuditRows(ctx, "o1", "c1", to, to.Add(time.Hour), func(r *store.AuditRow) error {
				got = append(got, r.ResourceID)
				return nil
			})
			if len(got) != 0 {
				t.Errorf("audit rows of a later range: %v", got)
			}
			return nil
		})
	})
}
