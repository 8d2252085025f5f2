package store_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceMemberships (issue 21, findings 1 and 2): a user's
// memberships are listed with each conversation's patient tag; ending one
// stops sends from admitting the user or counting them as a recipient (the
// SQLite writer cache too) and stops their urgent timers; a member added
// with a history floor keeps it, and the unread count starts there.
func TestConformanceMemberships(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		mustWrite(t, s, func(tx *store.Tx) error {
			for _, id := range []string{"m1", "m2"} {
				if ok, err := tx.InsertMessage(ctx, newMsg(id, "u1", "k"+id, ward.Normal)); !ok || err != nil {
					t.Fatalf("InsertMessage %s: %v %v", id, ok, err)
				}
			}
			m := newMsg("m3", "u1", "km3", ward.Urgent)
			if ok, err := tx.InsertMessage(ctx, m); !ok || err != nil {
				t.Fatalf("InsertMessage m3: %v %v", ok, err)
			}
			if _, err := tx.Recipients(ctx, m); err != nil {
				return err
			}
			return tx.CreateEscalations(ctx, m, tx.Now, tx.Now)
		})
		mustWrite(t, s, func(tx *store.Tx) error {
			ms, err := tx.MembershipsOf(ctx, "o1", "u2")
			if err != nil || len(ms) != 1 || ms[0] != (store.Membership{ConversationID: "c1", PatientID: "p1"}) {
				t.Fatalf("MembershipsOf: %+v %v", ms, err)
			}
			if added, err := tx.AddMemberFrom(ctx, "c1", "u3", ward.MemberMember, 3); !added || err != nil {
				t.Fatalf("AddMemberFrom: %v %v", added, err)
			}
			return tx.EndMembership(ctx, "c1", "u2")
		})
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.EndMembership(ctx, "c1", "u2"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("ending an ended membership: %v, want not_found", err)
			}
			if ok, err := tx.InsertMessage(ctx, newMsg("m4", "u2", "km4", ward.Normal)); ok || ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("a send from the ex-member: %v %v, want not_found", ok, err)
			}
			m := newMsg("m5", "u1", "km5", ward.Normal)
			if ok, err := tx.InsertMessage(ctx, m); !ok || err != nil {
				t.Fatalf("InsertMessage m5: %v %v", ok, err)
			}
			rcpt, err := tx.Recipients(ctx, m)
			if err != nil || len(rcpt) != 1 || rcpt[0] != "u3" {
				t.Errorf("recipients after the membership ended: %v %v, want [u3]", rcpt, err)
			}
			ms, err := tx.Members(ctx, "c1")
			if err != nil || len(ms) != 2 || ms[1].UserID != "u3" || ms[1].HistoryFrom != 3 || ms[0].HistoryFrom != 0 {
				t.Errorf("members: %+v %v", ms, err)
			}
			sum, err := tx.ConversationSummaries(ctx, "o1", "u3", "")
			if err != nil || len(sum) != 1 || sum[0].Unread != 2 { // m3 and m5, not m1 and m2
				t.Errorf("u3's unread count: %+v %v, want 2", sum, err)
			}
			esc, err := tx.EscalationsOf(ctx, "m3")
			if err != nil || len(esc) != 1 || esc[0].RecipientID != "u2" || !esc[0].Done {
				t.Errorf("the ex-member's urgent timer: %+v %v, want done", esc, err)
			}
			return nil
		})
	})
}
