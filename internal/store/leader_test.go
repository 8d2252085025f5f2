package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// Two nodes on one PostgreSQL database: one leads; when it closes, the
// other takes over. On SQLite the only node leads.
func TestLeader(t *testing.T) {
	ctx := context.Background()
	if lead, err := storetest.SQLite(t, nil).Leader(ctx); !lead || err != nil {
		t.Errorf("SQLite: leader %v, %v", lead, err)
	}
	nodes := storetest.PostgresNodes(t, 2)
	a, b := nodes[0], nodes[1]
	if lead, err := a.Leader(ctx); !lead || err != nil {
		t.Fatalf("first node: %v %v", lead, err)
	}
	if lead, _ := a.Leader(ctx); !lead {
		t.Fatal("the leader lost the lead by asking again")
	}
	if lead, _ := b.Leader(ctx); lead {
		t.Fatal("two leaders")
	}
	// The leader lock is not the audit sealer's: any node can still seal.
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	if err := b.Write(short, func(tx *store.Tx) error { return tx.LockAuditChain(short) }); err != nil {
		t.Fatalf("the audit chain's lock is taken by the job leader: %v", err)
	}
	cancel()
	a.Close()
	// The server may take a moment to end the old session: the next call
	// after that takes over.
	deadline := time.Now().Add(10 * time.Second)
	for {
		lead, err := b.Leader(ctx)
		if lead {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no takeover after the leader closed: %v %v", lead, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
