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

// On SQLite, with SealOnInsert, a write's audit rows are chained as they
// are inserted, in the write's own transaction: no sealer pass rewrites
// them later. A write that rolls back takes its seqs with it; rows inserted
// before (unsealed) are sealed by the sealer after the inline ones, and the
// whole chain verifies. PostgreSQL, where several nodes write at once,
// keeps the sealer as the chain's only writer.
func TestSealOnInsert(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		mustAppend(t, st, 0, 10) // before SealOnInsert: unsealed
		audit.SealOnInsert(st)
		inline := st.Dialect() == "sqlite"

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
		if inline && (rep.Events != 9 || rep.Unsealed != 10) {
			t.Fatalf("sqlite: after inline writes %+v, want 9 sealed (5+2+2) and the 10 from before unsealed", rep)
		}
		if !inline && (rep.Events != 0 || rep.Unsealed != 19) {
			t.Fatalf("postgres: %+v, want all 19 unsealed until the sealer runs", rep)
		}
		s := mustSealer(t, st, nil)
		want := 10
		if !inline {
			want = 19
		}
		if n, err := s.Seal(ctx); err != nil || n != want {
			t.Fatalf("Seal = %d, %v; want %d", n, err, want)
		}
		if _, ok, err := s.Checkpoint(ctx); err != nil || !ok {
			t.Fatalf("Checkpoint = %v, %v", ok, err)
		}
		mustAppend(t, st, 400, 3)
		rep = mustVerify(t, st)
		wantSealed, wantUnsealed := int64(22), int64(0)
		if !inline {
			wantSealed, wantUnsealed = 19, 3
		}
		if rep.Events != wantSealed || rep.Unsealed != wantUnsealed || rep.LastSeq != wantSealed || rep.Checkpoints != 1 {
			t.Fatalf("report %+v, want %d sealed and %d unsealed", rep, wantSealed, wantUnsealed)
		}
	})
}
