package audit_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// With SealOnInsert, a write's audit rows are chained in the write's own
// transaction, on both dialects: no sealer pass rewrites them later. A
// write that rolls back takes its seqs with it; rows inserted before
// (unsealed) are sealed by the sealer after the inline ones, and the whole
// chain verifies.
func TestSealOnInsert(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		mustAppend(t, st, 0, 10) // before SealOnInsert: unsealed
		audit.SealOnInsert(st)

		mustAppend(t, st, 10, 5)
		failed := errors.New("the change fails")
		if err := st.Write(ctx, func(tx *store.Tx) error {
			if err := audit.Append(ctx, tx, event(100), event(101), event(102)); err != nil {
				return err
			}
			return failed
		}); !errors.Is(err, failed) {
			t.Fatalf("Write = %v", err)
		}
		// A group commit in which one job of three fails (the batch runs
		// again with savepoints).
		var wg sync.WaitGroup
		for i := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := st.WriteBatched(ctx, func(tx *store.Tx) error {
					if err := audit.Append(ctx, tx, event(200+i)); err != nil {
						return err
					}
					if i == 1 {
						return failed
					}
					return nil
				})
				if (i == 1) != errors.Is(err, failed) {
					t.Errorf("job %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		mustAppend(t, st, 300, 2)

		rep := mustVerify(t, st)
		if rep.Events != 9 || rep.Unsealed != 10 {
			t.Fatalf("after inline writes %+v, want 9 sealed (5+2+2) and the 10 from before unsealed", rep)
		}
		s := mustSealer(t, st, nil)
		if n, err := s.Seal(ctx); err != nil || n != 10 {
			t.Fatalf("Seal = %d, %v; want 10", n, err)
		}
		if _, ok, err := s.Checkpoint(ctx); err != nil || !ok {
			t.Fatalf("Checkpoint = %v, %v", ok, err)
		}
		mustAppend(t, st, 400, 3)
		rep = mustVerify(t, st)
		if rep.Events != 22 || rep.Unsealed != 0 || rep.LastSeq != 22 || rep.Checkpoints != 1 {
			t.Fatalf("report %+v, want 22 sealed and none unsealed", rep)
		}
	})
}

// TestPostgresNodesChainTogether: two stores on one PostgreSQL schema (two
// ward nodes) append audit events at once, in plain writes and in group
// commits, each chaining its own as it commits: the chain holds every
// event once, seqs 1..n without a gap, nothing is left unsealed, and it
// verifies.
func TestPostgresNodesChainTogether(t *testing.T) {
	ctx := context.Background()
	nodes := storetest.PostgresNodes(t, 2)
	for _, st := range nodes {
		audit.SealOnInsert(st)
	}
	const writers, writes = 6, 15
	var wg sync.WaitGroup
	for n, st := range nodes {
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range writes {
					from := ((n*writers+w)*writes + i) * 3
					write := st.Write
					if i%2 == 1 {
						write = st.WriteBatched
					}
					if err := write(ctx, func(tx *store.Tx) error {
						return audit.Append(ctx, tx, event(from), event(from+1), event(from+2))
					}); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	rep := mustVerify(t, nodes[1])
	if want := int64(2 * writers * writes * 3); rep.Events != want || rep.LastSeq != want || rep.Unsealed != 0 {
		t.Fatalf("report %+v, want %d events sealed, seqs 1..%d, none unsealed", rep, want, want)
	}
}
