package auth

import (
	"context"
	"crypto/rand"

	"github.com/wardhealth/ward"
)

// DefaultConcurrency is how many argon2id hashes a Hasher runs at once. With
// 19 MiB each, two hashes take at most 38 MiB and leave the other cores to
// serve requests while a password spray is under way.
const DefaultConcurrency = 2

// Hasher hashes and verifies passwords with argon2id, at most a fixed number
// at a time; further callers wait their turn or give up when their context
// ends. It is safe for concurrent use.
type Hasher struct {
	params Params
	sem    chan struct{}
	kdf    kdf
	dummy  string // a well-formed hash no password matches; see VerifyDummy
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
		sem:    make(chan struct{}, concurrency),
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
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return busy(ctx.Err())
	}
}

func (h *Hasher) release() { <-h.sem }

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
	_, err := verifyWith(h.kdf, password, h.dummy)
	return err
}
