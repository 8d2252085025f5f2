package store_test

import (
	"context"
	"fmt"
	"github.com/wardhealth/ward/internal/clocktest"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// seedMessaging stores an org o1 with users u1, u2, u3 and a direct
// conversation c1 between u1 and u2.
func seedMessaging(t testing.TB, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	mustWrite(t, s, func(tx *store.Tx) error {
		if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "o1", Name: "O1"}); err != nil {
			return err
		}
		for _, id := range []string{"u1", "u2", "u3"} {
			u := ward.User{ID: id, OrgID: "o1", Email: id + "@x.org", Name: id, Role: ward.RoleClinician}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
		}
		c := store.Conversation{DirectKey: store.DirectKey("u2", "u1"), TitleSealed: []byte{9, 9}}
		c.ID, c.OrgID, c.Kind, c.CreatedBy, c.PatientID = "c1", "o1", ward.Direct, "u1", "p1"
		c.Members = []ward.Member{{UserID: "u1", Role: ward.MemberOwner}, {UserID: "u2", Role: ward.MemberMember}}
		return tx.CreateConversation(ctx, &c)
	})
}

func newMsg(id, sender, clientID string, prio ward.Priority) *store.Message {
	m := &store.Message{OrgID: "o1", BodySealed: []byte("sealed-" + id)}
	m.ID, m.ConversationID, m.SenderID, m.ClientID, m.Priority = id, "c1", sender, clientID, prio
	return m
}

func TestConformanceConversations(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		// A second direct conversation between the same pair is a conflict.
		err := s.Write(ctx, func(tx *store.Tx) error {
			c := store.Conversation{DirectKey: store.DirectKey("u1", "u2")}
			c.ID, c.OrgID, c.Kind, c.CreatedBy = "c2", "o1", ward.Direct, "u2"
			return tx.CreateConversation(ctx, &c)
		})
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Fatalf("second direct conversation: %v, want conflict", err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			c, err := tx.DirectConversation(ctx, "o1", store.DirectKey("u1", "u2"))
			if err != nil || c.ID != "c1" || len(c.Members) != 2 || string(c.TitleSealed) != "\x09\x09" || c.TopicSealed != nil || c.PatientID != "p1" {
				t.Errorf("DirectConversation %+v %v", c, err)
			}
			if _, err := tx.ConversationByID(ctx, "other-org", "c1"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("ConversationByID across orgs: %v", err)
			}
			if ok, _ := tx.IsMember(ctx, "c1", "u3"); ok {
				t.Error("u3 is a member")
			}
			if added, err := tx.AddMember(ctx, "c1", "u3", ward.MemberMember); !added || err != nil {
				t.Errorf("AddMember %v %v", added, err)
			}
			if added, _ := tx.AddMember(ctx, "c1", "u3", ward.MemberMember); added {
				t.Error("AddMember twice added twice")
			}
			list, err := tx.ConversationSummaries(ctx, "o1", "u3", "")
			if err != nil || len(list) != 1 || len(list[0].Members) != 3 {
				t.Errorf("ConversationSummaries %+v %v", list, err)
			}
			if list, _ := tx.ConversationSummaries(ctx, "o1", "u1", "nope"); len(list) != 0 {
				t.Errorf("summaries of an unknown conversation: %+v", list)
			}
			return nil
		})
	})
}

func TestConformanceMessages(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		var recipients []string
		mustWrite(t, s, func(tx *store.Tx) error {
			for i, id := range []string{"m1", "m2"} {
				m := newMsg(id, "u1", "k"+id, ward.Normal)
				if ok, err := tx.InsertMessage(ctx, m); !ok || err != nil || m.Seq != int64(i+1) {
					t.Fatalf("InsertMessage %s: %v %v seq %d", id, ok, err, m.Seq)
				}
				var err error
				if recipients, err = tx.Recipients(ctx, m); err != nil {
					return err
				}
			}
			return nil
		})
		if len(recipients) != 1 || recipients[0] != "u2" {
			t.Fatalf("recipients %v", recipients)
		}
		// A retried client id inserts nothing; the caller rolls back.
		errRetry := fmt.Errorf("roll back")
		err := s.Write(ctx, func(tx *store.Tx) error {
			ok, err := tx.InsertMessage(ctx, newMsg("m1-again", "u1", "km1", ward.Normal))
			if ok || err != nil {
				t.Errorf("duplicate client id inserted: %v %v", ok, err)
			}
			return errRetry
		})
		if err != errRetry {
			t.Fatal(err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			m, err := tx.MessageByClientID(ctx, "c1", "u1", "km1")
			if err != nil || m.ID != "m1" || string(m.BodySealed) != "sealed-m1" || m.Priority != ward.Normal {
				t.Errorf("MessageByClientID %+v %v", m, err)
			}
			// Someone who is not a member sends nothing, and the counter
			// does not move.
			if ok, err := tx.InsertMessage(ctx, newMsg("m-outsider", "u3", "kout", ward.Normal)); ok || ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("a non-member's message: %v %v, want not_found", ok, err)
			}
			m3 := newMsg("m3", "u2", "km3", ward.Normal)
			if ok, err := tx.InsertMessage(ctx, m3); !ok || err != nil || m3.Seq != 3 || m3.PatientID != "p1" {
				t.Errorf("after a rolled-back retry, seq %d (%v %v), want 3", m3.Seq, ok, err)
			}
			if _, err := tx.Recipients(ctx, m3); err != nil {
				return err
			}
			list, _ := tx.ConversationSummaries(ctx, "o1", "u2", "c1")
			if len(list) != 1 || list[0].Unread != 2 || list[0].LastSeq != 3 || list[0].LastMessageAt.IsZero() {
				t.Errorf("u2's summary %+v", list)
			}
			ch, err := tx.MarkReceipts(ctx, "o1", "c1", "u2", 1, ward.Read)
			if err != nil || len(ch) != 1 || ch[0].MessageID != "m1" || ch[0].SenderID != "u1" {
				t.Errorf("MarkReceipts read %+v %v", ch, err)
			}
			if ch, _ := tx.MarkReceipts(ctx, "o1", "c1", "u2", 2, ward.Delivered); len(ch) != 1 || ch[0].MessageID != "m2" {
				t.Errorf("MarkReceipts delivered %+v", ch)
			}
			if list, _ := tx.ConversationSummaries(ctx, "o1", "u2", "c1"); list[0].Unread != 1 {
				t.Errorf("u2 unread %d, want 1", list[0].Unread)
			}
			m1, _ := tx.MessageByID(ctx, "o1", "m1")
			m2, _ := tx.MessageByID(ctx, "o1", "m2")
			rs, err := tx.Receipts(ctx, "c1", []store.Message{m1, m2})
			if err != nil || len(rs["m1"]) != 1 || rs["m1"][0].UserID != "u2" || rs["m1"][0].ReadAt.IsZero() || rs["m1"][0].DeliveredAt.IsZero() ||
				!rs["m2"][0].ReadAt.IsZero() || rs["m2"][0].DeliveredAt.IsZero() {
				t.Errorf("Receipts %+v %v", rs, err)
			}
			page, err := tx.ListMessages(ctx, "c1", 1, 10)
			if err != nil || len(page) != 2 || page[0].Seq != 2 || page[1].Seq != 3 {
				t.Errorf("ListMessages %+v %v", page, err)
			}
			if kept, err := tx.RecallMessage(ctx, "o1", "m2"); err != nil || kept {
				t.Error(kept, err)
			}
			if _, err := tx.RecallMessage(ctx, "o1", "m2"); ward.ErrorCode(err) != ward.CodeConflict {
				t.Errorf("second recall: %v", err)
			}
			m2, _ = tx.MessageByID(ctx, "o1", "m2")
			if m2.BodySealed != nil || m2.RecalledAt.IsZero() || !m2.Tombstone() {
				t.Errorf("recalled message %+v", m2)
			}
			if rs, _ := tx.Receipts(ctx, "c1", []store.Message{m2}); len(rs["m2"]) != 0 {
				t.Errorf("recalled message keeps receipts %+v", rs)
			}
			return nil
		})
		// Lifespan purge: everything older than an hour from now.
		clock.Advance(2 * time.Hour)
		mustWrite(t, s, func(tx *store.Tx) error {
			n, maxSeq, err := tx.PurgeMessages(ctx, "c1", tx.Now.Add(-time.Hour))
			if err != nil || n != 2 || maxSeq != 3 {
				t.Errorf("PurgeMessages %d %d %v, want 2 (m1, m3) up to 3", n, maxSeq, err)
			}
			if n, _, _ := tx.PurgeMessages(ctx, "c1", tx.Now.Add(-time.Hour)); n != 0 {
				t.Errorf("second purge: %d", n)
			}
			m1, _ := tx.MessageByID(ctx, "o1", "m1")
			if m1.BodySealed != nil || m1.PurgedAt.IsZero() {
				t.Errorf("purged message %+v", m1)
			}
			ls, err := tx.ConversationLifespans(ctx, "o1")
			if err != nil || len(ls) != 1 || ls[0].PatientID != "p1" {
				t.Errorf("ConversationLifespans %+v %v", ls, err)
			}
			return nil
		})
	})
}

func TestConformanceUrgentTimers(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		start := clock.Now()
		mustWrite(t, s, func(tx *store.Tx) error {
			m := newMsg("m1", "u1", "k1", ward.Urgent)
			m.BackupUserID = "u3"
			if _, err := tx.InsertMessage(ctx, m); err != nil {
				return err
			}
			if _, err := tx.Recipients(ctx, m); err != nil {
				return err
			}
			return tx.CreateEscalations(ctx, m, tx.Now.Add(5*time.Minute), tx.Now.Add(15*time.Minute))
		})
		due := func() []store.Escalation {
			var es []store.Escalation
			mustWrite(t, s, func(tx *store.Tx) error {
				var err error
				es, err = tx.DueEscalations(ctx, 10)
				return err
			})
			return es
		}
		if es := due(); len(es) != 0 {
			t.Fatalf("due at once: %+v", es)
		}
		clock.Advance(5 * time.Minute)
		es := due()
		if len(es) != 1 || es[0].RecipientID != "u2" || es[0].BackupUserID != "u3" || !es[0].NextRenotifyAt.Equal(start.Add(5*time.Minute)) {
			t.Fatalf("due after 5m: %+v", es)
		}
		clock.Advance(10 * time.Minute)
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.SetRenotified(ctx, "m1", "u2", tx.Now.Add(5*time.Minute)); err != nil {
				return err
			}
			if ok, err := tx.SetEscalated(ctx, "m1"); !ok || err != nil {
				t.Errorf("SetEscalated %v %v", ok, err)
			}
			if ok, _ := tx.SetEscalated(ctx, "m1"); ok {
				t.Error("escalated twice")
			}
			m, _ := tx.MessageByID(ctx, "o1", "m1")
			return tx.EnsureReceipt(ctx, &m, "u3")
		})
		if es := due(); len(es) != 0 {
			t.Fatalf("due right after renotify and escalation: %+v", es)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			list, _ := tx.ConversationSummaries(ctx, "o1", "u2", "c1")
			if list[0].UrgentUnacked != 1 {
				t.Errorf("urgent unacked %d", list[0].UrgentUnacked)
			}
			if _, err := tx.AcknowledgeReceipt(ctx, "m1", "u1"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("sender acknowledges: %v", err)
			}
			if ok, err := tx.AcknowledgeReceipt(ctx, "m1", "u3"); !ok || err != nil {
				t.Errorf("backup acknowledges: %v %v", ok, err)
			}
			if ok, _ := tx.AcknowledgeReceipt(ctx, "m1", "u3"); ok {
				t.Error("acknowledged twice")
			}
			return tx.FinishEscalations(ctx, "m1")
		})
		clock.Advance(time.Hour)
		if es := due(); len(es) != 0 {
			t.Fatalf("due after acknowledgement: %+v", es)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			es, err := tx.EscalationsOf(ctx, "m1")
			if err != nil || len(es) != 1 || !es[0].Done || es[0].Renotified != 1 || es[0].EscalatedAt.IsZero() {
				t.Errorf("EscalationsOf %+v %v", es, err)
			}
			return nil
		})
	})
}

// TestConformanceConcurrentSends checks that concurrent senders get
// consecutive, unique sequence numbers and that concurrent retries of one
// client id store one message.
func TestConformanceConcurrentSends(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		const n = 40
		var wg sync.WaitGroup
		seqs := make(chan int64, 2*n)
		errs := make(chan error, 2*n)
		for i := 0; i < n; i++ {
			for _, dup := range []bool{false, true} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					errDup := fmt.Errorf("duplicate")
					err := s.Write(ctx, func(tx *store.Tx) error {
						id := fmt.Sprintf("m%d", i)
						if dup {
							id += "-retry"
						}
						m := newMsg(id, "u1", fmt.Sprintf("k%d", i), ward.Normal)
						ok, err := tx.InsertMessage(ctx, m)
						if err != nil {
							return err
						}
						if !ok {
							return errDup
						}
						seqs <- m.Seq
						return nil
					})
					if err != nil && err != errDup {
						errs <- err
					}
				}()
			}
		}
		wg.Wait()
		close(seqs)
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		var got []int
		for s := range seqs {
			got = append(got, int(s))
		}
		sort.Ints(got)
		if len(got) != n {
			t.Fatalf("%d messages stored, want %d", len(got), n)
		}
		for i, s := range got {
			if s != i+1 {
				t.Fatalf("sequence numbers %v, want 1..%d", got, n)
			}
		}
	})
}

// The lifespan purge walks from the conversation's purge floor in sequence
// order: it purges every old message, skips recalled ones, stops at the
// first young one, and goes on past a batch across calls.
func TestConformancePurgeWalksFromTheFloor(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		old := store.PurgeBatch + 3
		mustWrite(t, s, func(tx *store.Tx) error {
			for i := range old {
				id := fmt.Sprintf("old%d", i)
				if _, err := tx.InsertMessage(ctx, newMsg(id, "u1", id, ward.Normal)); err != nil {
					return err
				}
			}
			_, err := tx.RecallMessage(ctx, "o1", "old1")
			return err
		})
		clock.Advance(2 * time.Hour)
		mustWrite(t, s, func(tx *store.Tx) error {
			_, err := tx.InsertMessage(ctx, newMsg("young", "u1", "young", ward.Normal))
			return err
		})
		purge := func() (n int, upTo int64) {
			mustWrite(t, s, func(tx *store.Tx) error {
				var err error
				n, upTo, err = tx.PurgeMessages(ctx, "c1", tx.Now.Add(-time.Hour))
				return err
			})
			return n, upTo
		}
		// The first batch: old0, then old2 onwards (old1 was recalled).
		if n, upTo := purge(); n != store.PurgeBatch || upTo != int64(store.PurgeBatch+1) {
			t.Fatalf("first purge: %d up to seq %d, want %d up to %d", n, upTo, store.PurgeBatch, store.PurgeBatch+1)
		}
		if n, upTo := purge(); n != 2 || upTo != int64(old) {
			t.Fatalf("second purge: %d up to seq %d, want 2 up to %d", n, upTo, old)
		}
		if n, _ := purge(); n != 0 {
			t.Fatalf("third purge: %d, want 0 (only the young message is left)", n)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			young, err := tx.MessageByID(ctx, "o1", "young")
			if err != nil || young.Tombstone() {
				t.Errorf("the young message was purged: %+v %v", young, err)
			}
			return nil
		})
		// Once it is old, it goes too.
		clock.Advance(2 * time.Hour)
		if n, upTo := purge(); n != 1 || upTo != int64(old+1) {
			t.Fatalf("purge after the young one aged: %d up to %d", n, upTo)
		}
	})
}

// TestMigrationLeadsTheClientIndexWithTheClientID: migration 0013 rebuilds
// (SQLite) or re-indexes (PostgreSQL) messages so that the client-id index
// leads with the client id; the messages, the receipts and timers that
// refer to them, idempotency and the foreign keys all stay as they were.
func TestMigrationLeadsTheClientIndexWithTheClientID(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC))
	eachAtVersion(t, clock.Now, 12, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		mustWrite(t, s, func(tx *store.Tx) error {
			for _, id := range []string{"m1", "m2", "m3"} {
				prio := ward.Normal
				if id == "m3" {
					prio = ward.Urgent
				}
				m := newMsg(id, "u1", "k"+id, prio)
				if ok, err := tx.InsertMessage(ctx, m); !ok || err != nil {
					t.Fatalf("InsertMessage %s: %v %v", id, ok, err)
				}
				if prio == ward.Urgent {
					if _, err := tx.Recipients(ctx, m); err != nil { // its receipt rows
						return err
					}
					if err := tx.CreateEscalations(ctx, m, tx.Now.Add(time.Minute), tx.Now.Add(time.Hour)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		applied, err := s.Migrate(ctx)
		if err != nil || len(applied) == 0 || !slices.Contains(applied, "0013_client_id_index.sql") {
			t.Fatalf("migrate: %v %v", applied, err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			msgs, err := tx.ListMessages(ctx, "c1", 0, 10)
			if err != nil || len(msgs) != 3 {
				t.Fatalf("messages after the migration: %d, %v", len(msgs), err)
			}
			for i, m := range msgs {
				if m.Seq != int64(i+1) || string(m.BodySealed) != "sealed-"+m.ID {
					t.Errorf("message %d after the migration: %+v", i, m)
				}
			}
			if ok, err := tx.InsertMessage(ctx, newMsg("m1-again", "u1", "km1", ward.Normal)); ok || err != nil {
				t.Errorf("a reused client id after the migration: stored %v, %v", ok, err)
			}
			if m, err := tx.MessageByClientID(ctx, "c1", "u1", "km2"); err != nil || m.ID != "m2" {
				t.Errorf("MessageByClientID: %+v %v", m, err)
			}
			m4 := newMsg("m4", "u1", "km4", ward.Normal)
			if ok, err := tx.InsertMessage(ctx, m4); !ok || err != nil || m4.Seq != 4 {
				t.Errorf("a new message after the migration: %v seq %d %v", ok, m4.Seq, err)
			}
			return nil
		})
		if rs := receiptsOf(t, s, "m3"); len(rs["m3"]) != 1 || rs["m3"][0].UserID != "u2" {
			t.Errorf("the urgent message's receipts after the migration: %+v", rs["m3"])
		}
		// The foreign keys are enforced again.
		err = s.Write(ctx, func(tx *store.Tx) error {
			return tx.ExecForTest(ctx, `INSERT INTO receipts (message_id, user_id, conversation_id, seq, sender_id, urgent)
					VALUES ('no-such-message', 'u2', 'c1', 9, 'u1', 1)`)
		})
		if err == nil {
			t.Error("a receipt for a message that does not exist was stored: foreign keys are off")
		}
		if s.Dialect() == "sqlite" {
			var first string
			mustWrite(t, s, func(tx *store.Tx) error {
				return tx.QueryRowForTest(ctx, "SELECT name FROM pragma_index_info('messages_client') WHERE seqno = 0").Scan(&first)
			})
			if first != "client_id" {
				t.Errorf("messages_client leads with %q, want client_id", first)
			}
		}
	})
}
