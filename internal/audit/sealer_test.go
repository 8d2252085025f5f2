package audit_test

import (
	"context"
	"errors"
	"github.com/wardhealth/ward/internal/clocktest"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestRunSealsAndCheckpointsOnTicks(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		s := mustSealer(t, st, nil)
		ticks := make(chan time.Time)
		done := make(chan error)
		go func() { done <- s.Run(ctx, ticks, func(err error) { t.Error(err) }) }()
		for round := range 3 {
			mustAppend(t, st, round*100, 100) // more than one Batch (64)
			ticks <- t0
			ticks <- t0 // taken once the round is sealed and checkpointed
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v", err)
		}
		rep := mustVerify(t, st)
		if rep.Events != 300 || rep.Checkpoints != 3 || rep.Unsealed != 0 {
			t.Fatalf("report %+v", rep)
		}
	})
}

// TestConcurrentSealers runs several sealers at once, as several nodes
// would: the chain stays contiguous and verifies.
func TestConcurrentSealers(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := audit.NewRecorder(st, audit.RecorderOptions{})
		defer r.Close()
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(2)
			go func() {
				defer wg.Done()
				for j := range 50 {
					if err := r.Record(ctx, event(i*50+j)); err != nil {
						t.Error(err)
					}
				}
			}()
			go func() {
				defer wg.Done()
				s := mustSealer(t, st, nil)
				for range 20 {
					if _, err := s.Seal(ctx); err != nil {
						t.Error(err)
					}
					if _, _, err := s.Checkpoint(ctx); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		s := mustSealer(t, st, nil)
		s.Seal(ctx)
		s.Checkpoint(ctx)
		if rep := mustVerify(t, st); rep.Events != 200 || rep.Unanchored() != 0 {
			t.Fatalf("report %+v", rep)
		}
	})
}
