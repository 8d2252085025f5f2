package auth

import (
	"fmt"
	"github.com/wardhealth/ward/internal/clocktest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestThrottleDelaysDoubleToALock(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC))
	cfg := AccountThrottle()
	cfg.Now = clock.Now
	th := NewThrottle(cfg)
	var got []time.Duration
	for range 18 {
		if wait, ok := th.Check("acct:jane"); !ok {
			clock.Advance(wait) // a patient attacker waits out each block
		}
		got = append(got, th.Failure("acct:jane"))
	}
	s, m := time.Second, time.Minute
	want := []time.Duration{0, 0, 0, 0, 0, // five free failures
		1 * s, 2 * s, 4 * s, 8 * s, 16 * s, 32 * s, 64 * s, 128 * s, 256 * s, 512 * s,
		15 * m, 15 * m, 15 * m} // then locked 15 minutes at a time
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("delays (-want +got):\n%s", diff)
	}
	if wait, ok := th.Check("acct:jane"); ok || wait != 15*m {
		t.Fatalf("Check while locked = %v, %v; want 15m, false", wait, ok)
	}
	clock.Advance(10 * m)
	if wait, ok := th.Check("acct:jane"); ok || wait != 5*m {
		t.Fatalf("Check 10 minutes into the lock = %v, %v; want 5m, false", wait, ok)
	}
	clock.Advance(5 * m)
	if _, ok := th.Check("acct:jane"); !ok {
		t.Fatal("still locked when the lock expired")
	}
	th.Success("acct:jane")
	if th.Len() != 0 {
		t.Fatal("Success did not forget the key")
	}
	if d := th.Failure("acct:jane"); d != 0 {
		t.Fatalf("first failure after a success blocks for %v", d)
	}
}

func TestThrottleKeysAreIndependent(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC))
	th := NewThrottle(ThrottleConfig{Free: 1, Now: clock.Now})
	th.Failure("a")
	th.Failure("a")
	if _, ok := th.Check("a"); ok {
		t.Fatal("a is not blocked")
	}
	if _, ok := th.Check("b"); !ok {
		t.Fatal("b is blocked by a's failures")
	}
}

func TestThrottleDrains(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC))
	cfg := AddressThrottle() // 30 free, one forgotten a minute
	cfg.Now = clock.Now
	th := NewThrottle(cfg)
	// A steady typo a minute from a busy hospital address never blocks.
	for i := range 500 {
		if d := th.Failure("addr:10.0.0.1"); d != 0 {
			t.Fatalf("failure %d at one a minute blocked for %v", i, d)
		}
		clock.Advance(time.Minute)
	}
	// A burst does.
	for range 30 {
		th.Failure("addr:10.0.0.1")
	}
	if d := th.Failure("addr:10.0.0.1"); d == 0 {
		t.Fatal("a burst of 31 failures is not blocked")
	}
	// And is forgotten with time: 31 failures drain in 31 minutes.
	clock.Advance(31 * time.Minute)
	if d := th.Failure("addr:10.0.0.1"); d != 0 {
		t.Fatalf("after draining, a failure blocks for %v", d)
	}
}

// Show 5 of issue 4: 200 wrong passwords from one address against one
// account are throttled; the real user gets in from another address once the
// lock expires.
func TestThrottlePasswordSpray(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC))
	acfg, ncfg := AccountThrottle(), AddressThrottle()
	acfg.Now, ncfg.Now = clock.Now, clock.Now
	accounts, addrs := NewThrottle(acfg), NewThrottle(ncfg)
	attempt := func(account, addr string, right bool) (verified bool) {
		if _, ok := accounts.Check(account); !ok {
			return false
		}
		if _, ok := addrs.Check(addr); !ok {
			return false
		}
		if right {
			accounts.Success(account)
			return true
		}
		accounts.Failure(account)
		addrs.Failure(addr)
		return true
	}
	verified := 0
	for range 200 { // as fast as it can: one a second
		if attempt("acct:jane", "addr:203.0.113.9", false) {
			verified++
		}
		clock.Advance(time.Second)
	}
	// 5 free, then one after each doubling block: 1+2+…+64 s = 127 s, and the
	// next, 128 s, outlasts the 200 s.
	if verified > 13 {
		t.Fatalf("%d of 200 wrong passwords were checked; want at most 13", verified)
	}
	wait, ok := accounts.Check("acct:jane")
	if ok {
		t.Fatal("account not blocked after the spray")
	}
	if attempt("acct:jane", "addr:198.51.100.7", true) {
		t.Fatal("the real user got in while the account was blocked")
	}
	clock.Advance(wait)
	if !attempt("acct:jane", "addr:198.51.100.7", true) {
		t.Fatal("the real user cannot get in once the block expired")
	}
	if _, ok := addrs.Check("addr:198.51.100.7"); !ok {
		t.Fatal("the real user's address is blocked")
	}
}

func TestThrottleBoundedMemory(t *testing.T) {
	clock := clocktest.At(time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC))
	th := NewThrottle(ThrottleConfig{Free: 0, MaxKeys: 100, Lock: time.Hour, Drain: time.Hour, Now: clock.Now})
	for i := range 1000 {
		th.Failure(fmt.Sprint("k", i))
		clock.Advance(time.Millisecond)
		if th.Len() > 100 {
			t.Fatalf("tracking %d keys, cap is 100", th.Len())
		}
	}
	// The most recent keys are kept, the oldest evicted.
	if _, ok := th.Check("k999"); ok {
		t.Error("the newest key was evicted")
	}
	if _, ok := th.Check("k0"); !ok {
		t.Error("the oldest key was kept")
	}
	// Expired entries go first, before live ones are pushed out.
	clock.Advance(2 * time.Hour)
	th.Failure("fresh")
	if th.Len() != 1 {
		t.Errorf("after every entry drained, tracking %d keys; want 1", th.Len())
	}
}

func TestThrottleConcurrent(t *testing.T) {
	th := NewThrottle(ThrottleConfig{Free: 1000, MaxKeys: 50})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				key := fmt.Sprint("k", (g*500+i)%80)
				th.Check(key)
				th.Failure(key)
				if i%7 == 0 {
					th.Success(key)
				}
			}
		})
	}
	wg.Wait()
	if th.Len() > 50 {
		t.Fatalf("tracking %d keys, cap is 50", th.Len())
	}
}

func TestThrottleZeroConfig(t *testing.T) {
	th := NewThrottle(ThrottleConfig{Free: -3})
	if d := th.Failure("x"); d != time.Second {
		t.Fatalf("zero config: first failure blocks %v, want the 1s base (Free clamped to 0)", d)
	}
}
