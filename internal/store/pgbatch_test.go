package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestPostgresBatchedSendsFromTwoNodes: two stores on one PostgreSQL schema
// (two ward nodes) send to the same conversations at once, in group commits
// that lock several conversations each: every message is stored once, each
// conversation's numbers run 1..n without a gap, and no batch deadlocks.
func TestPostgresBatchedSendsFromTwoNodes(t *testing.T) {
	ctx := context.Background()
	convs := []string{"c1", "c2", "c3"}
	nodes := twoNodes(t, convs[1:]...)
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

// TestPostgresBatchLeavesALockedConversationForLater: a group commit does
// not wait for a conversation another node's transaction holds: its other
// sends commit, and that one is left for a later batch; a send left
// MaxSkips times waits for the lock, and commits once it is let go.
func TestPostgresBatchLeavesALockedConversationForLater(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t, "c2")
	// The other node holds c2 in a transaction until release is closed.
	locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- nodes[1].Write(ctx, func(tx *store.Tx) error {
			var id string
			if err := tx.QueryRowForTest(ctx, "SELECT id FROM conversations WHERE id = $1 FOR UPDATE", "c2").Scan(&id); err != nil {
				return err
			}
			m := newMsg("held-c2", "u1", "held-c2", ward.Normal)
			m.ConversationID = "c2"
			if _, err := tx.InsertMessage(ctx, m); err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	runs := map[string]*atomic.Int32{"to-c1": {}, "to-c2": {}, "to-c2-again": {}}
	send := func(ids ...string) func(int, *store.Tx) error {
		return func(i int, tx *store.Tx) error {
			runs[ids[i]].Add(1)
			m := newMsg(ids[i], "u1", ids[i], ward.Normal)
			m.ConversationID = map[string]string{"to-c1": "c1", "to-c2": "c2", "to-c2-again": "c2"}[ids[i]]
			_, err := tx.InsertMessage(ctx, m)
			return err
		}
	}
	answered, left := nodes[0].RunSendBatchForTest([]string{"c2", "c1"}, 0, send("to-c2", "to-c1"))
	if err, ok := answered[1]; !ok || err != nil || len(left) != 1 || left[0] != 0 {
		t.Fatalf("with c2 held elsewhere: answered %v, left %v; want the send to c1 committed and the one to c2 left", answered, left)
	}
	// Left MaxSkips times, a send waits for the lock.
	done := make(chan map[int]error, 1)
	go func() {
		answered, _ := nodes[0].RunSendBatchForTest([]string{"c2"}, store.MaxSkips, send("to-c2-again"))
		done <- answered
	}()
	select {
	case a := <-done:
		t.Fatalf("a send left %d times did not wait for the lock: %v", store.MaxSkips, a)
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if a := <-done; a[0] != nil {
		t.Fatalf("the send that waited: %v", a[0])
	}
	// It read c2's last number after the lock, so it numbered its message
	// after the holder's in its batch's first run: a number read before
	// would have collided and made the batch run again, one job at a time.
	if n := runs["to-c2-again"].Load(); n != 1 {
		t.Errorf("the send that waited ran %d times, want once", n)
	}
	for conv, want := range map[string][]string{"c1": {"to-c1"}, "c2": {"held-c2", "to-c2-again"}} {
		var msgs []store.Message
		mustWrite(t, nodes[1], func(tx *store.Tx) (err error) { msgs, err = tx.ListMessages(ctx, conv, 0, 10); return err })
		var got []string
		for i, m := range msgs {
			if m.Seq != int64(i+1) {
				t.Errorf("%s: message %s has seq %d, want %d", conv, m.ID, m.Seq, i+1)
			}
			got = append(got, m.ID)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: messages %v, want %v", conv, got, want)
		}
	}
}

// twoNodes opens two stores on one PostgreSQL schema (two ward nodes),
// seeded with seedMessaging's org, users and conversation c1, and group
// conversations of u1 and u2 named groups.
func twoNodes(t *testing.T, groups ...string) []*store.Store {
	t.Helper()
	ctx := context.Background()
	nodes := storetest.PostgresNodes(t, 2)
	seedMessaging(t, nodes[0])
	mustWrite(t, nodes[0], func(tx *store.Tx) error {
		for _, id := range groups {
			c := store.Conversation{TitleSealed: []byte{1}}
			c.ID, c.OrgID, c.Kind, c.CreatedBy = id, "o1", ward.Group, "u1"
			c.Members = []ward.Member{{UserID: "u1", Role: ward.MemberOwner}, {UserID: "u2", Role: ward.MemberMember}}
			if err := tx.CreateConversation(ctx, &c); err != nil {
				return err
			}
		}
		return nil
	})
	return nodes
}
