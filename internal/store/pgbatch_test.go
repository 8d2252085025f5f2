package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestPostgresBatchedSendsFromTwoNodes: two stores on one PostgreSQL schema
// (two ward nodes) send to the same conversations at once, in group commits
// that lock several conversations each: every message is stored once, each
// conversation's numbers run 1..n without a gap, and no batch deadlocks.
func TestPostgresBatchedSendsFromTwoNodes(t *testing.T) {
	url := storetest.PostgresURL(t)
	ctx := context.Background()
	nodes := make([]*store.Store, 2)
	for i := range nodes {
		s, err := store.Open(ctx, store.Options{URL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		nodes[i] = s
	}
	seedMessaging(t, nodes[0])
	convs := []string{"c1", "c2", "c3"}
	mustWrite(t, nodes[0], func(tx *store.Tx) error {
		for _, id := range convs[1:] {
			c := store.Conversation{TitleSealed: []byte{1}}
			c.ID, c.OrgID, c.Kind, c.CreatedBy = id, "o1", ward.Group, "u1"
			c.Members = []ward.Member{{UserID: "u1", Role: ward.MemberOwner}, {UserID: "u2", Role: ward.MemberMember}}
			if err := tx.CreateConversation(ctx, &c); err != nil {
				return err
			}
		}
		return nil
	})
	const perNode = 90
	var wg sync.WaitGroup
	errs := make(chan error, 2*perNode)
	for n, s := range nodes {
		for i := range perNode {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each node walks the conversations in its own order.
				conv := convs[(i+n*2)%len(convs)]
				id := fmt.Sprintf("n%d-m%d", n, i)
				m := newMsg(id, "u1", id, ward.Normal)
				m.ConversationID = conv
				if stored, _, err := sendBatched(s, m); !stored || err != nil {
					errs <- fmt.Errorf("send %s to %s: stored %v, %v", id, conv, stored, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for _, conv := range convs {
		var msgs []store.Message
		mustWrite(t, nodes[1], func(tx *store.Tx) error {
			var err error
			msgs, err = tx.ListMessages(ctx, conv, 0, 1000)
			return err
		})
		if len(msgs) != 2*perNode/len(convs) {
			t.Errorf("%s: %d messages, want %d", conv, len(msgs), 2*perNode/len(convs))
		}
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Fatalf("%s: message %d has seq %d: want 1..n without a gap", conv, i, m.Seq)
			}
		}
	}
}
