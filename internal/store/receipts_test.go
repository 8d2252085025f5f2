package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// sendNormal stores a normal message from sender in c1.
func sendNormal(t *testing.T, s *store.Store, id, sender string) {
	t.Helper()
	mustWrite(t, s, func(tx *store.Tx) error {
		m := newMsg(id, sender, "k"+id, ward.Normal)
		if ok, err := tx.InsertMessage(context.Background(), m); !ok || err != nil {
			t.Fatalf("InsertMessage %s: %v %v", id, ok, err)
		}
		rs, err := tx.Recipients(context.Background(), m)
		if err == nil && len(rs) == 0 {
			t.Errorf("%s has no recipients", id)
		}
		return err
	})
}

// receiptsOf reads the receipts of c1's messages by id.
func receiptsOf(t *testing.T, s *store.Store, ids ...string) map[string][]ward.Receipt {
	t.Helper()
	var out map[string][]ward.Receipt
	mustWrite(t, s, func(tx *store.Tx) error {
		var msgs []store.Message
		for _, id := range ids {
			m, err := tx.MessageByID(context.Background(), "o1", id)
			if err != nil {
				return err
			}
			msgs = append(msgs, m)
		}
		var err error
		out, err = tx.Receipts(context.Background(), "c1", msgs)
		return err
	})
	return out
}

func markReceipts(t *testing.T, s *store.Store, user string, upTo int64, kind ward.ReceiptKind) []string {
	t.Helper()
	var ids []string
	mustWrite(t, s, func(tx *store.Tx) error {
		ch, err := tx.MarkReceipts(context.Background(), "o1", "c1", user, upTo, kind)
		for _, c := range ch {
			ids = append(ids, c.MessageID)
		}
		return err
	})
	return ids
}

func unread(t *testing.T, s *store.Store, user string) int {
	t.Helper()
	var n int
	mustWrite(t, s, func(tx *store.Tx) error {
		list, err := tx.ConversationSummaries(context.Background(), "o1", user, "c1")
		if err == nil {
			n = list[0].Unread
		}
		return err
	})
	return n
}

// TestConformanceReceiptMarks: a member's positions only move forward and
// never past the conversation's last message; a message's delivered and
// read times are those of the first mark at or past it; the unread count
// follows the read position.
func TestConformanceReceiptMarks(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	storetest.Each(t, clock.Now, func(t *testing.T, s *store.Store) {
		seedMessaging(t, s)
		ctx := context.Background()
		mustWrite(t, s, func(tx *store.Tx) error {
			_, err := tx.AddMember(ctx, "c1", "u3", ward.MemberMember)
			return err
		})
		sendNormal(t, s, "m1", "u1")
		sendNormal(t, s, "m2", "u1")
		sendNormal(t, s, "m3", "u2")
		if n := unread(t, s, "u2"); n != 2 {
			t.Errorf("u2 unread %d, want 2 (m3 is u2's own)", n)
		}
		t0 := clock.Now()
		// Past the last message: clamped to it (3), so m4 below is not delivered.
		if got := markReceipts(t, s, "u2", 1000, ward.Delivered); len(got) != 2 || got[0] != "m1" || got[1] != "m2" {
			t.Errorf("delivered changes %v, want [m1 m2]", got)
		}
		clock.Advance(time.Minute)
		sendNormal(t, s, "m4", "u1")
		rs := receiptsOf(t, s, "m1", "m4")
		if len(rs["m4"]) != 2 || rs["m4"][0].UserID != "u2" || rs["m4"][1].UserID != "u3" || !rs["m4"][0].DeliveredAt.IsZero() {
			t.Errorf("m4's receipts %+v: want u2 and u3, not delivered", rs["m4"])
		}
		if !rs["m1"][0].DeliveredAt.Equal(t0) || !rs["m1"][0].ReadAt.IsZero() || !rs["m1"][1].DeliveredAt.IsZero() {
			t.Errorf("m1's receipts %+v: want u2 delivered at %v", rs["m1"], t0)
		}
		clock.Advance(time.Minute)
		t2 := clock.Now()
		if got := markReceipts(t, s, "u2", 4, ward.Read); len(got) != 3 {
			t.Errorf("read changes %v, want m1 m2 m4", got)
		}
		if got := markReceipts(t, s, "u2", 2, ward.Read); len(got) != 0 {
			t.Errorf("a read mark behind the position changed %v", got)
		}
		if got := markReceipts(t, s, "u2", 4, ward.Delivered); len(got) != 0 {
			t.Errorf("read implies delivered, yet a delivered mark changed %v", got)
		}
		rs = receiptsOf(t, s, "m1", "m4")
		if r := rs["m1"][0]; !r.DeliveredAt.Equal(t0) || !r.ReadAt.Equal(t2) {
			t.Errorf("m1 for u2 %+v: want delivered %v, read %v", r, t0, t2)
		}
		if r := rs["m4"][0]; !r.DeliveredAt.Equal(t2) || !r.ReadAt.Equal(t2) {
			t.Errorf("m4 for u2 %+v: want delivered and read %v", r, t2)
		}
		if n := unread(t, s, "u2"); n != 0 {
			t.Errorf("u2 unread %d after reading everything", n)
		}
		if n := unread(t, s, "u3"); n != 4 {
			t.Errorf("u3 unread %d, want 4", n)
		}
		sendNormal(t, s, "m5", "u1")
		if n := unread(t, s, "u2"); n != 1 {
			t.Errorf("u2 unread %d after a new message, want 1", n)
		}
		mustWrite(t, s, func(tx *store.Tx) error { _, err := tx.RecallMessage(ctx, "o1", "m5"); return err })
		if n := unread(t, s, "u2"); n != 0 {
			t.Errorf("u2 unread %d after the recall, want 0", n)
		}
		err := s.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.MarkReceipts(ctx, "o1", "c1", "nobody", 1, ward.Read)
			return err
		})
		if ward.ErrorCode(err) != ward.CodeNotFound {
			t.Errorf("a non-member's mark: %v, want not_found", err)
		}
		err = s.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.MarkReceipts(ctx, "another-org", "c1", "u2", 1, ward.Read)
			return err
		})
		if ward.ErrorCode(err) != ward.CodeNotFound {
			t.Errorf("a mark naming another org: %v, want not_found", err)
		}
	})
}

// TestMigrationCarriesReceiptsOver: migration 0010 turns the receipt rows
// of normal messages into marks and positions, keeps urgent messages' rows,
// and every receipt reads the same afterwards.
func TestMigrationCarriesReceiptsOver(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
	eachAtVersion(t, clock.Now, 9, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		seedMessaging(t, s)
		t1, t2, t3 := micros(clock.Now().Add(time.Minute)), micros(clock.Now().Add(2*time.Minute)), micros(clock.Now().Add(3*time.Minute))
		mustWrite(t, s, func(tx *store.Tx) error {
			for i, id := range []string{"m1", "m2", "m3"} {
				prio := ward.Normal
				if id == "m3" {
					prio = ward.Urgent
				}
				if ok, err := tx.InsertMessage(ctx, newMsg(id, "u1", "k"+id, prio)); !ok || err != nil {
					t.Fatalf("InsertMessage %s: %v %v", id, ok, err)
				}
				// Schema 9: a receipt row per message and recipient.
				d, r, urgent := []int64{t1, t2, t3}[i], int64(0), 0
				if id == "m1" {
					r = t2
				}
				if prio == ward.Urgent {
					urgent = 1
				}
				if err := tx.ExecForTest(ctx, `INSERT INTO receipts (message_id, user_id, conversation_id, seq, sender_id, urgent, delivered_at, read_at)
						VALUES ($1, 'u2', 'c1', $2, 'u1', $3, $4, $5)`, id, i+1, urgent, d, r); err != nil {
					return err
				}
			}
			return nil
		})
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		rs := receiptsOf(t, s, "m1", "m2", "m3")
		want := map[string][2]int64{"m1": {t1, t2}, "m2": {t2, 0}, "m3": {t3, 0}}
		for id, w := range want {
			if len(rs[id]) != 1 {
				t.Errorf("%s receipts %+v, want one for u2", id, rs[id])
				continue
			}
			r := rs[id][0]
			if r.UserID != "u2" || micros(r.DeliveredAt) != w[0] || (w[1] == 0) != r.ReadAt.IsZero() || (w[1] != 0 && micros(r.ReadAt) != w[1]) {
				t.Errorf("%s receipt %+v, want delivered %d read %d", id, r, w[0], w[1])
			}
		}
		if n := unread(t, s, "u2"); n != 2 {
			t.Errorf("u2 unread %d after the migration, want 2", n)
		}
		if got := markReceipts(t, s, "u2", 2, ward.Delivered); len(got) != 0 {
			t.Errorf("positions were not carried over: a delivered mark at 2 changed %v", got)
		}
	})
}

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}
