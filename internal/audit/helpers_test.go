package audit_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

var t0 = time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)

func testKey(seed byte) ed25519.PrivateKey {
	s := make([]byte, ed25519.SeedSize)
	for i := range s {
		s[i] = seed
	}
	return ed25519.NewKeyFromSeed(s)
}

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

// event makes a valid, distinct event.
func event(i int) audit.Event {
	return audit.Event{
		OrgID: "org-1", Actor: audit.Actor{UserID: fmt.Sprintf("user-%d", i%7), Role: "clinician", DeviceID: "dev-1", IP: "10.0.0.7"},
		Action: audit.MessageRead, ResourceType: "message", ResourceID: fmt.Sprintf("msg-%d", i),
		PatientID: "pat-42", Outcome: audit.Success, Reason: "",
	}
}

// mustAppend appends n events in one transaction.
func mustAppend(tb testing.TB, st *store.Store, from, n int) {
	tb.Helper()
	evs := make([]audit.Event, n)
	for i := range evs {
		evs[i] = event(from + i)
	}
	if err := st.Write(context.Background(), func(tx *store.Tx) error {
		return audit.Append(context.Background(), tx, evs...)
	}); err != nil {
		tb.Fatal(err)
	}
}

// mustSealer makes a sealer with key 1.
func mustSealer(tb testing.TB, st *store.Store, sink audit.Sink) *audit.Sealer {
	tb.Helper()
	s, err := audit.NewSealer(st, audit.SealerOptions{Key: testKey(1), Sink: sink, Batch: 64})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// mustChain appends n events, seals them and writes a checkpoint.
func mustChain(tb testing.TB, st *store.Store, n int) *audit.Sealer {
	tb.Helper()
	ctx := context.Background()
	mustAppend(tb, st, 0, n)
	s := mustSealer(tb, st, nil)
	if got, err := s.Seal(ctx); err != nil || got != n {
		tb.Fatalf("Seal = %d, %v; want %d", got, err, n)
	}
	if _, ok, err := s.Checkpoint(ctx); err != nil || !ok {
		tb.Fatalf("Checkpoint = %v, %v", ok, err)
	}
	return s
}

func mustExec(tb testing.TB, st *store.Store, q string, args ...any) {
	tb.Helper()
	if _, err := st.ExecRaw(context.Background(), q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}

func countEvents(tb testing.TB, st *store.Store) int {
	tb.Helper()
	n, err := audit.Export(context.Background(), st, t0.Add(-24*time.Hour*365*20), t0.Add(24*time.Hour*365*20), "jsonl", discard{}, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return n
}

type discard struct{}

func (discard) Write(b []byte) (int, error) { return len(b), nil }

func testingProcs() int { return runtime.GOMAXPROCS(0) }
