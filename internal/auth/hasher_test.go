package auth

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// concurrencyProbe wraps a kdf and records how many calls ran at once.
type concurrencyProbe struct {
	inner        kdf
	sleep        time.Duration
	active, peak atomic.Int32
	calls        atomic.Int32
	lastParams   atomic.Value // Params
}

func (c *concurrencyProbe) kdf(password, salt []byte, p Params) []byte {
	n := c.active.Add(1)
	defer c.active.Add(-1)
	for {
		old := c.peak.Load()
		if n <= old || c.peak.CompareAndSwap(old, n) {
			break
		}
	}
	c.calls.Add(1)
	c.lastParams.Store(p)
	time.Sleep(c.sleep)
	return c.inner(password, salt, p)
}

func TestHasherAtMostTwoAtOnce(t *testing.T) {
	for _, tt := range []struct {
		name   string
		params Params
		sleep  time.Duration
		n      int
	}{
		{"slow fake work", fastParams(), 20 * time.Millisecond, 24},
		{"real argon2id, default params", DefaultParams(), 0, 8},
	} {
		t.Run(tt.name, func(t *testing.T) {
			probe := &concurrencyProbe{inner: argon2idKDF, sleep: tt.sleep}
			h, err := newHasher(tt.params, 0, probe.kdf)
			if err != nil {
				t.Fatal(err)
			}
			enc, err := h.Hash(t.Context(), "a fine long password")
			if err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for i := range tt.n {
				wg.Go(func() {
					var err error
					switch i % 3 {
					case 0:
						_, err = h.Hash(t.Context(), "another long password")
					case 1:
						_, _, err = h.Verify(t.Context(), "a fine long password", enc)
					case 2:
						err = h.VerifyDummy(t.Context(), "a fine long password")
					}
					if err != nil {
						t.Error(err)
					}
				})
			}
			wg.Wait()
			if got := probe.peak.Load(); got != DefaultConcurrency {
				t.Fatalf("peak concurrent hashes = %d, want %d", got, DefaultConcurrency)
			}
			if got := probe.calls.Load(); got != int32(tt.n+1) {
				t.Fatalf("hashes = %d, want %d", got, tt.n+1)
			}
		})
	}
}

func TestHasherWaitHonoursContext(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 2)
	block := func(password, salt []byte, p Params) []byte {
		started <- struct{}{}
		<-release
		return argon2idKDF(password, salt, p)
	}
	h, err := newHasher(fastParams(), 2, block)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() { _, _ = h.Hash(context.Background(), "occupying a slot") })
	}
	<-started
	<-started
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err = h.Hash(ctx, "waits in vain")
	if ward.ErrorCode(err) != ward.CodeUnavailable {
		t.Errorf("Hash with both slots busy: err = %v, want unavailable", err)
	}
	if err := h.VerifyDummy(ctx, "waits in vain"); ward.ErrorCode(err) != ward.CodeUnavailable {
		t.Errorf("VerifyDummy with both slots busy: err = %v, want unavailable", err)
	}
	close(release)
	wg.Wait()
}

func TestHasherVerify(t *testing.T) {
	h, err := NewHasher(fastParams(), 2)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := h.Hash(t.Context(), "a fine long password")
	if err != nil {
		t.Fatal(err)
	}
	weaker := Params{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	old, _ := HashPassword("a fine long password", weaker)
	for _, tt := range []struct {
		name, password, enc string
		ok, rehash          bool
	}{
		{"right", "a fine long password", enc, true, false},
		{"wrong", "a fine long passwore", enc, false, false},
		{"right, old params", "a fine long password", old, true, true},
		{"wrong, old params", "nope nope nope", old, false, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(t.Context(), tt.password, tt.enc)
			if err != nil || ok != tt.ok || rehash != tt.rehash {
				t.Fatalf("Verify = %v, %v, %v; want %v, %v, nil", ok, rehash, err, tt.ok, tt.rehash)
			}
		})
	}
	if _, _, err := h.Verify(t.Context(), "x", "garbage"); ward.ErrorCode(err) != ward.CodeIntegrity {
		t.Errorf("Verify(garbage) err = %v, want integrity", err)
	}
}

// An unknown user must cost one hash with the hasher's parameters, exactly
// like a wrong password.
func TestHasherVerifyDummyCostsOneHash(t *testing.T) {
	probe := &concurrencyProbe{inner: argon2idKDF}
	h, err := newHasher(DefaultParams(), 2, probe.kdf)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.VerifyDummy(t.Context(), "a guess at a password"); err != nil {
		t.Fatal(err)
	}
	if probe.calls.Load() != 1 || probe.lastParams.Load().(Params) != DefaultParams() {
		t.Fatalf("VerifyDummy ran %d hashes with %+v; want 1 with DefaultParams", probe.calls.Load(), probe.lastParams.Load())
	}
	// And it takes about as long as a wrong password against a real hash.
	enc, _ := HashPassword("the real password", DefaultParams())
	timeIt := func(f func()) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 3 {
			start := time.Now()
			f()
			best = min(best, time.Since(start))
		}
		return best
	}
	wrong := timeIt(func() { _, _, _ = h.Verify(t.Context(), "a guess at a password", enc) })
	dummy := timeIt(func() { _ = h.VerifyDummy(t.Context(), "a guess at a password") })
	if dummy < wrong/2 || dummy > wrong*2 {
		t.Errorf("dummy verify took %v, wrong password %v: not alike", dummy, wrong)
	}
}

func TestNewHasherBadParams(t *testing.T) {
	if _, err := NewHasher(Params{}, 2); err == nil {
		t.Fatal("NewHasher(zero params) succeeded")
	}
}
