package auth

import (
	"context"
	"crypto/rand"
	"sync"
	"sync/atomic"

	"github.com/wardhealth/ward"
)

// DefaultConcurrency is how many argon2id hashes a Hasher runs at once. With
// 19 MiB each, two hashes take at most 38 MiB and leave the other cores to
// serve requests while a password spray is under way.
const DefaultConcurrency = 2

// Hasher hashes and verifies passwords with argon2id, at most a fixed number
// at a time; further callers wait their turn or give up when their context
// ends. Callers marked with LowPriority (sign-ins from an address that has
// been failing) wait behind everyone else, so a password spray queues behind
// real users instead of in front of them. It is safe for concurrent use.
type Hasher struct {
	params Params
	slots  *slots
	kdf    kdf
	dummy  string // a well-formed hash no password matches; see VerifyDummy
	hashes atomic.Int64
}

type lowPriorityKey struct{}

// LowPriority marks ctx so that the Hasher serves it after every normal
// caller that is waiting.
func LowPriority(ctx context.Context) context.Context {
	return context.WithValue(ctx, lowPriorityKey{}, true)
}

// slots is a counting semaphore with two FIFO queues: normal waiters are
// served before low-priority ones, and low-priority work never takes the
// last reserved slots, so a spray cannot fill every core with hashes.
type slots struct {
	mu        sync.Mutex
	free      int
	reserved  int // slots only normal callers may take
	high, low []chan struct{}
}

func (s *slots) acquire(ctx context.Context) error {
	low, _ := ctx.Value(lowPriorityKey{}).(bool)
	s.mu.Lock()
	if len(s.high) == 0 && (!low && s.free > 0 || low && len(s.low) == 0 && s.free > s.reserved) {
		s.free--
		s.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	if low {
		s.low = append(s.low, ch)
	} else {
		s.high = append(s.high, ch)
	}
	s.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		s.mu.Lock()
		defer s.mu.Unlock()
		if removeWaiter(&s.high, ch) || removeWaiter(&s.low, ch) {
			return busy(ctx.Err())
		}
		// The slot was granted as ctx ended: hand it on.
		s.releaseLocked()
		return busy(ctx.Err())
	}
}

func removeWaiter(q *[]chan struct{}, ch chan struct{}) bool {
	for i, c := range *q {
		if c == ch {
			*q = append((*q)[:i], (*q)[i+1:]...)
			return true
		}
	}
	return false
}

func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked()
}

func (s *slots) releaseLocked() {
	switch {
	case len(s.high) > 0:
		close(s.high[0])
		s.high = s.high[1:]
	case len(s.low) > 0 && s.free+1 > s.reserved:
		close(s.low[0])
		s.low = s.low[1:]
	default:
		s.free++
	}
}

// NewHasher returns a Hasher that hashes with p and runs at most concurrency
// hashes at once (DefaultConcurrency if concurrency < 1). It fails only if p
// is out of range.
func NewHasher(p Params, concurrency int) (*Hasher, error) {
	return newHasher(p, concurrency, argon2idKDF)
}

func newHasher(p Params, concurrency int, f kdf) (*Hasher, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	if concurrency < 1 {
		concurrency = DefaultConcurrency
	}
	// The dummy hash has a random salt and a random key: verifying against it
	// costs exactly one hash with p and never succeeds.
	salt, key := make([]byte, p.SaltLen), make([]byte, p.KeyLen)
	rand.Read(salt)
	rand.Read(key)
	return &Hasher{
		params: p,
		slots:  &slots{free: concurrency, reserved: concurrency / 2},
		kdf:    f,
		dummy:  encodePHC(p, salt, key),
	}, nil
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

// acquire takes a hashing slot or fails when ctx ends first.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return busy(err)
	}
	return h.slots.acquire(ctx)
}

func (h *Hasher) release() { h.slots.release() }

// Hashes is how many hashes the Hasher has computed (Hash, Verify and
// VerifyDummy each count one): what a password spray cost it.
func (h *Hasher) Hashes() int64 { return h.hashes.Load() }

func busy(err error) error {
	return ward.Wrap(ward.CodeUnavailable, err, "too many sign-ins at once; try again in a moment")
}

// Hash returns the PHC-encoded argon2id hash of password. It does not check
// the password policy; call CheckPassword first when a password is set.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	h.hashes.Add(1)
	return hashWith(h.kdf, password, h.params)
}

// Verify reports whether password matches encoded, and whether the caller
// should store a fresh hash because encoded uses other parameters than the
// Hasher's (only meaningful when ok). The comparison is in constant time.
// An error means the hasher was busy until ctx ended (CodeUnavailable) or the
// stored hash is malformed (CodeIntegrity).
func (h *Hasher) Verify(ctx context.Context, password, encoded string) (ok, rehash bool, err error) {
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	h.hashes.Add(1)
	ok, err = verifyWith(h.kdf, password, encoded)
	if err != nil {
		return false, false, err
	}
	return ok, ok && NeedsRehash(encoded, h.params), nil
}

// VerifyDummy does the work of a Verify that fails. Call it when the account
// does not exist (or has no password), so that an unknown email takes about
// as long, and waits in the same queue, as a wrong password: timing then does
// not tell which emails have accounts. It returns an error only when ctx ends
// while waiting.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	if err := h.acquire(ctx); err != nil {
		return err
	}
	defer h.release()
	h.hashes.Add(1)
	_, err := verifyWith(h.kdf, password, h.dummy)
	return err
}
