package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceTeamInbox (issue 22): a team inbox lists its waiting
// threads longest waiting first, then the others; a patient's message
// starts the wait (once) and reopens the thread, a staff message ends it;
// who joins or leaves the team joins or leaves its inbox's conversations.
func TestConformanceTeamInbox(t *testing.T) {
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	storetest.Each(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "o1", Name: "o1"}); err != nil {
				return err
			}
			for _, u := range []string{"pat", "n1", "n2"} {
				role := ward.RoleStaff
				if u == "pat" {
					role = ward.RolePatient
				}
				if err := tx.CreateUser(ctx, &ward.User{ID: u, OrgID: "o1", Email: u + "@example.org", Name: u, Role: role}); err != nil {
					return err
				}
			}
			r := &store.PatientRow{ID: "rec", OrgID: "o1", MRNIndex: "m", DOBNameIndex: "d", Sealed: []byte{1}, Status: "active"}
			if err := tx.InsertPatient(ctx, r); err != nil {
				return err
			}
			if err := tx.LinkPatientUser(ctx, "o1", "rec", "pat"); err != nil {
				return err
			}
			if err := tx.CreateTeam(ctx, &ward.Team{ID: "t1", OrgID: "o1", Name: "t1"}); err != nil {
				return err
			}
			for _, c := range []string{"c1", "c2", "c3"} {
				conv := &store.Conversation{Conversation: ward.Conversation{ID: c, OrgID: "o1", Kind: ward.Group, PatientID: "rec", CreatedBy: "pat",
					Members: []ward.Member{{UserID: "pat", Role: ward.MemberOwner}}}}
				if err := tx.CreateConversation(ctx, conv); err != nil {
					return err
				}
				if err := tx.MakeInboxThread(ctx, c, "t1"); err != nil {
					return err
				}
			}
			return nil
		})
		rec, err := read(s, func(tx *store.Tx) (string, error) { return tx.PatientRecordOfUser(ctx, "o1", "pat") })
		if err != nil || rec != "rec" {
			t.Errorf("PatientRecordOfUser: %q %v", rec, err)
		}
		// c2 waits from 9:00, c1 from 9:01 (its second message does not move it); c3 does not wait.
		for _, step := range []struct {
			conv    string
			patient bool
		}{{"c2", true}, {"c1", true}, {"c1", true}, {"c3", true}, {"c3", false}} {
			mustWrite(t, s, func(tx *store.Tx) error { return tx.InboxMessageSent(ctx, step.conv, step.patient) })
			now = now.Add(time.Minute)
		}
		list := func(status string, limit int) []store.InboxThread {
			out, err := read(s, func(tx *store.Tx) ([]store.InboxThread, error) { return tx.TeamInbox(ctx, "t1", status, limit) })
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		got := list(store.InboxOpen, 10)
		if len(got) != 3 || got[0].ConversationID != "c2" || got[1].ConversationID != "c1" || got[2].ConversationID != "c3" ||
			!got[0].WaitingSince.Equal(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)) || !got[1].WaitingSince.Equal(time.Date(2026, 12, 6, 9, 1, 0, 0, time.UTC)) ||
			!got[2].WaitingSince.IsZero() || got[0].PatientID != "rec" || got[0].TeamID != "t1" {
			t.Errorf("inbox: %+v", got)
		}
		if got := list(store.InboxOpen, 1); len(got) != 1 || got[0].ConversationID != "c2" {
			t.Errorf("limit 1: %+v", got)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.SetInboxStatus(ctx, "c2", store.InboxClosed); err != nil {
				return err
			}
			return tx.SetInboxAssignee(ctx, "c2", "n1")
		})
		if got := list(store.InboxClosed, 10); len(got) != 1 || got[0].AssigneeID != "n1" {
			t.Errorf("closed: %+v", got)
		}
		mustWrite(t, s, func(tx *store.Tx) error { return tx.InboxMessageSent(ctx, "c2", true) })
		if got := list(store.InboxClosed, 10); len(got) != 0 {
			t.Errorf("a patient's message reopens: %+v", got)
		}
		th, err := read(s, func(tx *store.Tx) (store.InboxThread, error) { return tx.InboxThreadByID(ctx, "o1", "c2") })
		if err != nil || th.Status != store.InboxOpen || th.AssigneeID != "n1" {
			t.Errorf("InboxThreadByID: %+v %v", th, err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			n, err := tx.JoinTeamInbox(ctx, "t1", "n2")
			if err != nil || n != 3 {
				t.Errorf("join: %d %v", n, err)
			}
			if n, err = tx.JoinTeamInbox(ctx, "t1", "n2"); err != nil || n != 0 {
				t.Errorf("join again: %d %v", n, err)
			}
			if ok, err := tx.IsMember(ctx, "c3", "n2"); err != nil || !ok {
				t.Errorf("member after join: %v %v", ok, err)
			}
			if n, err = tx.LeaveTeamInbox(ctx, "t1", "n2"); err != nil || n != 3 {
				t.Errorf("leave: %d %v", n, err)
			}
			if ok, err := tx.IsMember(ctx, "c3", "pat"); err != nil || !ok {
				t.Errorf("the patient stays: %v %v", ok, err)
			}
			if n, err = tx.CloseTeamInbox(ctx, "t1"); err != nil || n != 3 {
				t.Errorf("close: %d %v", n, err)
			}
			return nil
		})
	})
}

func read[T any](s *store.Store, fn func(*store.Tx) (T, error)) (T, error) {
	var v T
	err := s.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v, err
}
