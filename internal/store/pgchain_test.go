package store_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// testChain is an AuditChain for the store's own tests. It hashes as
// PostgreSQL's chain_audit_rows does, SHA-256(previous hash ‖ the
// canonical encoding with the seq in its bytes 1 to 8), here of a short
// encoding (a version byte, the seq, the resource id and the MAC), so
// that both dialects store the same chain.
var testChain = store.AuditChain{
	Rows: func(seq int64, prev []byte, rows []store.AuditRow) {
		if seq == 0 {
			prev = make([]byte, sha256.Size)
		}
		for i := range rows {
			seq++
			rows[i].Seq, rows[i].PrevHash, rows[i].Hash = seq, prev, testHash(prev, seq, &rows[i])
			prev = rows[i].Hash
		}
	},
	Canonical: testCanonical,
}

func testCanonical(b []byte, r *store.AuditRow) []byte {
	b = binary.BigEndian.AppendUint64(append(b, 'T'), 0)
	return append(append(b, r.ResourceID...), r.MAC...)
}

// testHash is the hash of r, number seq, after prev in testChain.
func testHash(prev []byte, seq int64, r *store.AuditRow) []byte {
	c := testCanonical(nil, r)
	binary.BigEndian.PutUint64(c[1:], uint64(seq))
	h := sha256.Sum256(append(append([]byte(nil), prev...), c...))
	return h[:]
}

// TestPostgresChainLockIsTakenLast: on PostgreSQL a transaction chains its
// audit rows at its end, under the chain's lock, whatever the order of its
// statements. Here a transaction of one node appends an event and then
// waits for a row another node's transaction locked before appending its
// own. Had the first taken the chain's lock with its append, each would
// wait for the other (PostgreSQL would fail one as a deadlock); as it is,
// the second commits first, and the chain follows the commit order.
func TestPostgresChainLockIsTakenLast(t *testing.T) {
	ctx := context.Background()
	nodes := twoNodes(t)
	for _, s := range nodes {
		s.ChainAuditOnInsert(testChain)
	}
	row := func(id string) []store.AuditRow {
		return []store.AuditRow{{At: time.Now(), OrgID: "o1", Action: "test.event", ResourceID: id, Outcome: "success"}}
	}
	lockUser := func(tx *store.Tx) error {
		var id string
		return tx.QueryRowForTest(ctx, "SELECT id FROM users WHERE id = 'u1' FOR UPDATE").Scan(&id)
	}
	appended, locked := make(chan struct{}), make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- nodes[0].Write(ctx, func(tx *store.Tx) error {
			if err := tx.InsertAuditRows(ctx, row("first")); err != nil {
				return err
			}
			close(appended)
			<-locked
			return lockUser(tx) // waits for the second to commit
		})
	}()
	<-appended
	err := nodes[1].Write(ctx, func(tx *store.Tx) error {
		if err := lockUser(tx); err != nil {
			return err
		}
		close(locked)
		time.Sleep(50 * time.Millisecond) // the first now waits for u1
		return tx.InsertAuditRows(ctx, row("second"))
	})
	if err != nil {
		t.Fatalf("second: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first: %v", err)
	}
	var got []string
	mustWrite(t, nodes[0], func(tx *store.Tx) error {
		return tx.SealedAuditRows(ctx, 0, 10, func(r *store.AuditRow) error {
			got = append(got, r.ResourceID)
			return nil
		})
	})
	if len(got) != 2 || got[0] != "second" || got[1] != "first" {
		t.Fatalf("chain %v, want [second first]: sealed in the order they committed", got)
	}
}
