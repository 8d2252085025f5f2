package store_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceMessageIntegrity: on PostgreSQL a message's conversation
// and org are checked by the transaction that stores it, not by foreign
// keys (migration 0044). Through every path that inserts a message (a
// group commit's send, a send that does not name its conversation, a send
// outside a group commit, a team's message), a message to a conversation
// that does not exist, or to one of another org than the message's, is
// refused with not_found and stores nothing, and the sends beside it in
// its group commit still commit.
func TestConformanceMessageIntegrity(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		mustWrite(t, s, func(tx *store.Tx) error { // o2, with v1 in its conversation d1
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o2", Slug: "o2", Name: "O2"}); err != nil {
				return err
			}
			v := ward.User{ID: "v1", OrgID: "o2", Email: "v1@y.org", Name: "v1", Role: ward.RoleClinician}
			if err := tx.CreateUser(ctx, &v); err != nil {
				return err
			}
			c := store.Conversation{TitleSealed: []byte{1}}
			c.ID, c.OrgID, c.Kind, c.CreatedBy = "d1", "o2", ward.Group, "v1"
			c.Members = []ward.Member{{UserID: "v1", Role: ward.MemberOwner}}
			return tx.CreateConversation(ctx, &c)
		})
		bad := []struct {
			name string
			m    *store.Message
		}{
			{"no such conversation", &store.Message{ID: "x1", OrgID: "o1", ConversationID: "nope", SenderID: "u1", ClientID: "x1"}},
			{"the conversation of another org", &store.Message{ID: "x2", OrgID: "o1", ConversationID: "d1", SenderID: "u1", ClientID: "x2"}},
			{"its org not the conversation's", &store.Message{ID: "x3", OrgID: "o2", ConversationID: "c1", SenderID: "u1", ClientID: "x3"}},
			{"a member sending as another org", &store.Message{ID: "x4", OrgID: "o1", ConversationID: "d1", SenderID: "v1", ClientID: "x4"}},
		}
		for _, b := range bad {
			b.m.BodySealed, b.m.Priority = []byte("sealed"), ward.Normal
			for _, path := range []string{"batched", "batched unnamed", "plain"} {
				m := *b.m
				var ok bool
				var err error
				switch path {
				case "batched", "batched unnamed":
					// A good send shares the group commit, and commits.
					good := newMsg("g-"+path+m.ID, "u1", "g-"+path+m.ID, ward.Normal)
					done := make(chan error, 1)
					go func() { _, _, err := sendBatched(s, good); done <- err }()
					ok, _, err = sendBatchedAs(s, &m, path == "batched")
					if gerr := <-done; gerr != nil {
						t.Errorf("%s, %s: the good send beside it: %v", b.name, path, gerr)
					}
				default:
					err = s.Write(ctx, func(tx *store.Tx) error {
						var err error
						ok, err = tx.InsertMessage(ctx, &m)
						return err
					})
				}
				if ok || ward.ErrorCode(err) != ward.CodeNotFound {
					t.Errorf("%s, %s: %v %v, want not_found", b.name, path, ok, err)
				}
			}
		}
		// A team's message goes to an inbox thread of its org only.
		for _, conv := range []string{"nope", "d1", "c1"} {
			m := &store.Message{ID: "t-" + conv, OrgID: "o1", ConversationID: conv, SenderID: "team", ClientID: "t-" + conv,
				BodySealed: []byte("sealed"), Priority: ward.Normal, Kind: "auto_reply"}
			err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertTeamMessage(ctx, m) })
			if ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("a team's message to %s: %v, want not_found", conv, err)
			}
		}
		var c1, d1 []store.Message
		mustWrite(t, s, func(tx *store.Tx) (err error) {
			if c1, err = tx.ListMessages(ctx, "c1", 0, 100); err != nil {
				return err
			}
			d1, err = tx.ListMessages(ctx, "d1", 0, 100)
			return err
		})
		if len(d1) != 0 {
			t.Errorf("d1 holds %d messages, want none", len(d1))
		}
		if len(c1) != 2*len(bad) {
			t.Errorf("c1 holds %d messages, want the %d good ones", len(c1), 2*len(bad))
		}
		for i, m := range c1 {
			if m.OrgID != "o1" || m.Seq != int64(i+1) || m.ID[:2] != "g-" {
				t.Errorf("c1's message %d: %s org %s seq %d", i, m.ID, m.OrgID, m.Seq)
			}
		}
		var none []store.Message
		mustWrite(t, s, func(tx *store.Tx) (err error) { none, err = tx.ListMessages(ctx, "nope", 0, 100); return err })
		if len(none) != 0 {
			t.Errorf("a conversation that does not exist holds %d messages", len(none))
		}
	})
}
