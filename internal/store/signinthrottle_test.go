package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// The shared sign-in throttle's counts: failures from many callers at once
// each count, the count drains with time, a block only grows, a success
// forgets, and drained rows are purged.
func TestThrottleCounts(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Microsecond)
		drain := time.Hour
		noDelay := func(float64) time.Duration { return 0 }
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if _, err := s.ThrottleFailure(ctx, "account:k", now, drain, noDelay); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		c, err := s.ThrottleCount(ctx, "account:k")
		if err != nil || c.Level != 8 || !c.Blocked.IsZero() {
			t.Fatalf("after 8 failures at once: %+v %v", c, err)
		}
		// Half an hour later, 0.5 has drained: one more makes 8.5.
		later := now.Add(30 * time.Minute)
		c, err = s.ThrottleFailure(ctx, "account:k", later, drain, func(l float64) time.Duration { return time.Duration(l) * time.Minute })
		if err != nil || c.Level < 8.49 || c.Level > 8.51 || !c.Blocked.Equal(later.Add(8*time.Minute)) {
			t.Fatalf("a failure half an hour later: %+v %v", c, err)
		}
		// A shorter delay does not shorten the block; a clock behind the
		// count's drains nothing.
		c, err = s.ThrottleFailure(ctx, "account:k", now, drain, noDelay)
		if err != nil || c.Level < 9.49 || !c.Blocked.Equal(later.Add(8*time.Minute)) {
			t.Fatalf("a failure from a clock behind: %+v %v", c, err)
		}
		if got := c.Drained(later.Add(2*time.Hour), drain); got < 7.49 || got > 7.51 {
			t.Errorf("drained two hours on: %v", got)
		}
		if n, err := s.PurgeThrottle(ctx, later.Add(time.Hour)); err != nil || n != 0 {
			t.Errorf("purge of a live count: %d %v", n, err)
		}
		if n, err := s.PurgeThrottle(ctx, later.Add(11*time.Hour)); err != nil || n != 1 {
			t.Errorf("purge of a drained count: %d %v", n, err)
		}
		s.ThrottleFailure(ctx, "address:a", now, drain, noDelay)
		if err := s.ForgetThrottle(ctx, "address:a"); err != nil {
			t.Fatal(err)
		}
		if c, err := s.ThrottleCount(ctx, "address:a"); err != nil || c.Level != 0 {
			t.Errorf("after forgetting: %+v %v", c, err)
		}
	})
}
