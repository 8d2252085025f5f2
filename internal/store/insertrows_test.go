package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceInsertRows: a batch of any size goes in whole and in
// order, a nil []byte as NULL, text, integers and bytes intact: on
// PostgreSQL as one INSERT of unnested arrays, on SQLite in VALUES lists.
func TestConformanceInsertRows(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 12, 7, 9, 0, 0, 123000, time.UTC)
		var rows []store.AuditRow
		for i := range 37 {
			r := store.AuditRow{At: at.Add(time.Duration(i) * time.Second), OrgID: "o1", ActorUserID: fmt.Sprintf("u%d", i),
				ActorIP: "2001:db8::1", Action: "message.read", ResourceType: "message", ResourceID: fmt.Sprintf("m%02d", i),
				Outcome: "ok", Reason: "it's \"quoted\", {braced}, back\\slashed, NULL"}
			if i%3 != 0 {
				r.MAC = []byte{byte(i), 0, 0xff}
			}
			rows = append(rows, r)
		}
		// Sealed as they go in, so seq, prev_hash and hash are inserted too
		// (on PostgreSQL hashed by the INSERT, chain_audit_rows).
		s.ChainAuditOnInsert(testChain)
		for _, n := range []int{1, 7, 29} { // 37 rows in three writes
			batch := rows[:n]
			rows = rows[n:]
			if err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertAuditRows(ctx, batch) }); err != nil {
				t.Fatal(err)
			}
		}
		var got []store.AuditRow
		err := s.Read(ctx, func(tx *store.Tx) error {
			return tx.SealedAuditRows(ctx, 0, 100, func(r *store.AuditRow) error {
				got = append(got, *r)
				return nil
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 37 {
			t.Fatalf("%d rows, want 37", len(got))
		}
		for i, r := range got {
			wantMAC := []byte{byte(i), 0, 0xff}
			if i%3 == 0 {
				wantMAC = nil
			}
			prev := make([]byte, sha256.Size)
			if i > 0 {
				prev = got[i-1].Hash
			}
			if r.Seq != int64(i+1) || r.ResourceID != fmt.Sprintf("m%02d", i) || r.ActorUserID != fmt.Sprintf("u%d", i) ||
				!r.At.Equal(at.Add(time.Duration(i)*time.Second)) || r.Reason != "it's \"quoted\", {braced}, back\\slashed, NULL" ||
				(r.MAC == nil) != (wantMAC == nil) || !bytes.Equal(r.MAC, wantMAC) {
				t.Fatalf("row %d came back as %+v", i, r)
			}
			if !bytes.Equal(r.PrevHash, prev) || !bytes.Equal(r.Hash, testHash(prev, r.Seq, &r)) {
				t.Fatalf("row %d: prev_hash %x, hash %x: not the chain's", i, r.PrevHash, r.Hash)
			}
		}
	})
}
