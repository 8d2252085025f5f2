package auth

import (
	"context"
	"sync"
	"testing"
	"time"
)

// A normal caller waiting for a hashing slot is served before low-priority
// callers that queued earlier.
func TestHasherServesNormalBeforeLowPriority(t *testing.T) {
	gate := make(chan struct{})
	var mu sync.Mutex
	var order []string
	h, err := newHasher(DefaultParams(), 1, func(pw, salt []byte, p Params) []byte {
		if string(pw) == "first" {
			<-gate
		}
		mu.Lock()
		order = append(order, string(pw))
		mu.Unlock()
		return make([]byte, p.KeyLen)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	start := func(pw string, c context.Context) {
		wg.Add(1)
		go func() { defer wg.Done(); h.Hash(c, pw) }()
	}
	waiting := func(n int) {
		for {
			h.slots.mu.Lock()
			got := len(h.slots.high) + len(h.slots.low)
			h.slots.mu.Unlock()
			if got == n {
				return
			}
			time.Sleep(time.Millisecond)
		}
	}
	start("first", ctx) // holds the one slot until the gate opens
	for {
		h.slots.mu.Lock()
		free := h.slots.free
		h.slots.mu.Unlock()
		if free == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	start("spray-1", LowPriority(ctx))
	waiting(1)
	start("spray-2", LowPriority(ctx))
	waiting(2)
	start("real user", ctx)
	waiting(3)
	close(gate)
	wg.Wait()
	want := []string{"first", "real user", "spray-1", "spray-2"}
	for i := range want {
		if order[i] != want[i] {
			t.Fatalf("served in order %v, want %v", order, want)
		}
	}
}

// A low-priority caller whose context ends leaves the queue.
func TestHasherLowPriorityGivesUp(t *testing.T) {
	gate := make(chan struct{})
	h, _ := newHasher(DefaultParams(), 1, func(pw, salt []byte, p Params) []byte {
		<-gate
		return make([]byte, p.KeyLen)
	})
	go h.Hash(context.Background(), "holder")
	for {
		h.slots.mu.Lock()
		free := h.slots.free
		h.slots.mu.Unlock()
		if free == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(LowPriority(context.Background()), 20*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "late"); err == nil {
		t.Fatal("a low-priority hash ran while the slot was held")
	}
	close(gate)
	if _, err := h.Hash(context.Background(), "after"); err != nil {
		t.Fatalf("the slot was not handed on: %v", err)
	}
}

// Low-priority work never holds more than the unreserved slots: with two
// slots, one is always left for a real user.
func TestHasherKeepsASlotForNormalCallers(t *testing.T) {
	probe := &concurrencyProbe{inner: argon2idKDF, sleep: 20 * time.Millisecond}
	h, err := newHasher(Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2, probe.kdf)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); h.Hash(LowPriority(context.Background()), "spray") }()
	}
	wg.Wait()
	if peak := probe.peak.Load(); peak != 1 {
		t.Errorf("%d low-priority hashes ran at once, want 1", peak)
	}
	if calls := probe.calls.Load(); calls != 8 {
		t.Errorf("%d hashes ran, want 8", calls)
	}
}

func TestInFlightCountsPerKey(t *testing.T) {
	var f InFlight
	if n := f.Enter("10.0.0.1"); n != 1 {
		t.Fatalf("first: %d", n)
	}
	if n := f.Enter("10.0.0.1"); n != 2 {
		t.Fatalf("second at once: %d", n)
	}
	if n := f.Enter("10.0.0.2"); n != 1 {
		t.Fatalf("another key: %d", n)
	}
	f.Leave("10.0.0.1")
	f.Leave("10.0.0.1")
	if n := f.Enter("10.0.0.1"); n != 1 {
		t.Fatalf("after both left: %d", n)
	}
	if len(f.m) != 2 {
		t.Errorf("%d keys kept, want 2", len(f.m))
	}
}
