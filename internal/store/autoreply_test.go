package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceTeamMessages (issue 22, migration 0026): a team's message
// (kind auto_reply, sent by the team, which is no user) is stored only in
// an inbox thread of its org, numbered after the others, and leaves the
// patient's wait running; a thread's auto-reply is claimed once per
// window.
func TestConformanceTeamMessages(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "o1", Name: "o1"}); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, &ward.User{ID: "u1", OrgID: "o1", Email: "u1@example.org", Name: "u1", Role: ward.RolePatient}); err != nil {
				return err
			}
			if err := tx.CreateTeam(ctx, &ward.Team{ID: "t1", OrgID: "o1", Name: "t1"}); err != nil {
				return err
			}
			for _, id := range []string{"c1", "c2"} {
				c := &store.Conversation{Conversation: ward.Conversation{ID: id, OrgID: "o1", Kind: ward.Group, PatientID: "p1",
					CreatedBy: "u1", Members: []ward.Member{{UserID: "u1", Role: ward.MemberOwner}}}}
				if err := tx.CreateConversation(ctx, c); err != nil {
					return err
				}
			}
			if err := tx.MakeInboxThread(ctx, "c1", "t1"); err != nil {
				return err
			}
			m := &store.Message{Message: ward.Message{ID: "m1", ConversationID: "c1", SenderID: "u1", ClientID: "k1", Priority: ward.Normal},
				OrgID: "o1", BodySealed: []byte{1}}
			if ok, err := tx.InsertMessage(ctx, m); err != nil || !ok {
				t.Fatalf("patient's message: %v %v", ok, err)
			}
			return tx.InboxMessageSent(ctx, "c1", true)
		})
		team := func(id, conv, org string) *store.Message {
			return &store.Message{Message: ward.Message{ID: id, ConversationID: conv, SenderID: "t1", ClientID: "auto-" + id,
				Priority: ward.Normal, Kind: ward.MessageAutoReply}, OrgID: org, BodySealed: []byte{2}}
		}
		for _, bad := range []*store.Message{team("x1", "c2", "o1"), team("x2", "c1", "o2"), team("x3", "nope", "o1")} {
			err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertTeamMessage(ctx, bad) })
			if ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("team message in %s of %s: %v, want not found", bad.ConversationID, bad.OrgID, err)
			}
		}
		m := team("m2", "c1", "o1")
		mustWrite(t, s, func(tx *store.Tx) error { return tx.InsertTeamMessage(ctx, m) })
		if m.Seq != 2 || m.PatientID != "p1" {
			t.Errorf("team message: seq %d, patient %q", m.Seq, m.PatientID)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			ms, err := tx.ListMessages(ctx, "c1", 0, 10)
			if err != nil || len(ms) != 2 || ms[0].Kind != "" || ms[1].Kind != ward.MessageAutoReply || ms[1].SenderID != "t1" {
				t.Errorf("messages: %+v %v", ms, err)
			}
			th, err := tx.InboxThreadByID(ctx, "o1", "c1")
			if err != nil || th.WaitingSince.IsZero() {
				t.Errorf("the wait after the team's message: %+v %v", th, err)
			}
			for i, c := range []struct {
				conv      string
				notBefore time.Duration
				want      bool
			}{{"c1", -12 * time.Hour, true}, {"c1", -12 * time.Hour, false}, {"c1", time.Second, true}, {"c2", -12 * time.Hour, false}} {
				if ok, err := tx.ClaimAutoReply(ctx, c.conv, tx.Now.Add(c.notBefore)); ok != c.want || err != nil {
					t.Errorf("claim %d: %v %v, want %v", i, ok, err, c.want)
				}
			}
			return nil
		})
	})
}
