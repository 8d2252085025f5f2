package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// sendBatched stores m through a group commit as a send does
// (WriteBatchedSend), and returns whether it was stored (false: its client
// id was used before) and its recipients.
func sendBatched(s *store.Store, m *store.Message) (bool, []string, error) {
	return sendBatchedAs(s, m, true)
}

// sendBatchedAs is sendBatched through WriteBatchedSend (named true) or
// WriteBatched, which does not name the conversation.
func sendBatchedAs(s *store.Store, m *store.Message, named bool) (bool, []string, error) {
	ctx := context.Background()
	var stored bool
	var recipients []string
	fn := func(tx *store.Tx) error {
		var err error
		if stored, err = tx.InsertMessage(ctx, m); err != nil || !stored {
			return err
		}
		recipients, err = tx.Recipients(ctx, m)
		return err
	}
	if !named {
		return stored, recipients, s.WriteBatched(ctx, fn)
	}
	return stored, recipients, s.WriteBatchedSend(ctx, m.ConversationID, fn)
}

// TestConformanceBatchedSends: sends that share group commits, retries of
// them with the same client id among them, and sends from a non-member,
// store each message once, numbered 1..n without a gap, and nothing else.
// Every other send does not name its conversation (WriteBatched), so
// batches mix the two paths.
func TestConformanceBatchedSends(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		seedMessaging(t, s)
		const n = 60
		type result struct {
			stored     bool
			seq        int64
			recipients []string
			err        error
		}
		results := make([][3]result, n) // the send, its retry, an outsider's send
		var wg sync.WaitGroup
		for i := range n {
			for k, m := range []*store.Message{
				newMsg(fmt.Sprintf("m%d", i), "u1", fmt.Sprintf("k%d", i), ward.Normal),
				newMsg(fmt.Sprintf("m%d-retry", i), "u1", fmt.Sprintf("k%d", i), ward.Normal),
				newMsg(fmt.Sprintf("out%d", i), "u3", fmt.Sprintf("k%d", i), ward.Normal),
			} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					stored, recipients, err := sendBatchedAs(s, m, i%2 == 0)
					results[i][k] = result{stored, m.Seq, recipients, err}
				}()
			}
		}
		wg.Wait()
		var seqs []int
		for i, r := range results {
			send, retry, out := r[0], r[1], r[2]
			if send.err != nil || retry.err != nil {
				t.Fatalf("send %d: %v; its retry: %v", i, send.err, retry.err)
			}
			if send.stored == retry.stored {
				t.Errorf("send %d stored %v, its retry stored %v: want exactly one", i, send.stored, retry.stored)
			}
			won := send
			if retry.stored {
				won = retry
			}
			seqs = append(seqs, int(won.seq))
			if !slices.Equal(won.recipients, []string{"u2"}) {
				t.Errorf("send %d: recipients %v, want [u2]", i, won.recipients)
			}
			if out.stored || ward.ErrorCode(out.err) != ward.CodeNotFound {
				t.Errorf("a non-member's send %d: stored %v, %v; want not_found", i, out.stored, out.err)
			}
		}
		slices.Sort(seqs)
		for i, seq := range seqs {
			if seq != i+1 {
				t.Fatalf("sequence numbers %v, want 1..%d", seqs, n)
			}
		}
		var msgs []store.Message
		mustWrite(t, s, func(tx *store.Tx) error {
			var err error
			msgs, err = tx.ListMessages(context.Background(), "c1", 0, 2*n)
			return err
		})
		if len(msgs) != n {
			t.Fatalf("%d messages stored, want %d", len(msgs), n)
		}
		for i, m := range msgs {
			if m.Seq != int64(i+1) || m.SenderID != "u1" || string(m.BodySealed) != "sealed-"+m.ID {
				t.Errorf("message %d: %+v", i, m)
			}
		}
	})
}

// TestConformanceBatchedSendsSeeAddedMembers: a member added after sends to
// a conversation gets the next message, and can send.
func TestConformanceBatchedSendsSeeAddedMembers(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		seedMessaging(t, s)
		if _, recipients, err := sendBatched(s, newMsg("m1", "u1", "k1", ward.Normal)); err != nil || !slices.Equal(recipients, []string{"u2"}) {
			t.Fatalf("first send: recipients %v, %v", recipients, err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			_, err := tx.AddMember(context.Background(), "c1", "u3", ward.MemberMember)
			return err
		})
		_, recipients, err := sendBatched(s, newMsg("m2", "u1", "k2", ward.Normal))
		slices.Sort(recipients)
		if err != nil || !slices.Equal(recipients, []string{"u2", "u3"}) {
			t.Errorf("send after u3 joined: recipients %v, %v; want [u2 u3]", recipients, err)
		}
		m := newMsg("m3", "u3", "k3", ward.Normal)
		if stored, _, err := sendBatched(s, m); !stored || err != nil || m.Seq != 3 {
			t.Errorf("the new member's send: stored %v, seq %d, %v", stored, m.Seq, err)
		}
	})
}

// TestBatchedSendsSeeOtherConnectionsWrites: the SQLite writer's cache of
// members and sequence numbers gives way when another connection (another
// process, an operator's sqlite3 shell) changes the database.
func TestBatchedSendsSeeOtherConnectionsWrites(t *testing.T) {
	s, dir := openMigrated(t)
	seedMessaging(t, s)
	for i, sender := range []string{"u1", "u2"} {
		if stored, _, err := sendBatched(s, newMsg(fmt.Sprint("m", i), sender, fmt.Sprint("k", i), ward.Normal)); !stored || err != nil {
			t.Fatalf("send %d: %v %v", i, stored, err)
		}
	}
	other, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.SQLiteFile)+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.Exec("DELETE FROM conversation_members WHERE conversation_id = 'c1' AND user_id = 'u2'"); err != nil {
		t.Fatal(err)
	}
	if stored, _, err := sendBatched(s, newMsg("m-u2", "u2", "k-u2", ward.Normal)); stored || ward.ErrorCode(err) != ward.CodeNotFound {
		t.Errorf("a send from a member removed by another connection: stored %v, %v; want not_found", stored, err)
	}
	if _, err := other.Exec(`INSERT INTO messages (id, org_id, conversation_id, seq, sender_id, client_id, priority, created_at)
		VALUES ('m-other', 'o1', 'c1', 3, 'u1', 'k-other', 'normal', 0)`); err != nil {
		t.Fatal(err)
	}
	m := newMsg("m-u1", "u1", "k-u1", ward.Normal)
	stored, recipients, err := sendBatched(s, m)
	if !stored || err != nil || m.Seq != 4 || len(recipients) != 0 {
		t.Errorf("send after another connection's message 3: stored %v, seq %d, recipients %v, %v; want seq 4, none",
			stored, m.Seq, recipients, err)
	}
}
