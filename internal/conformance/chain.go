package conformance

import (
	"context"
	"crypto/ed25519"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// ChainCache keeps the last verification of the audit chain for TTL, so
// that the console page does not walk the whole trail (about 200,000
// events a second, docs/BENCHMARKS.md) on every visit. Concurrent reports
// share one verification. The command line verifies afresh (no cache).
type ChainCache struct {
	TTL time.Duration

	mu   sync.Mutex
	last chainResult
}

// chainResult is one verification: its report, the problem found (a
// broken chain; nil: intact) and when it was made.
type chainResult struct {
	rep  audit.Report
	verr error
	at   time.Time
}

// DefaultChainTTL is how long the console reuses a verification.
const DefaultChainTTL = 10 * time.Minute

// verified is the chain's verification at now: the cached one when it is
// younger than TTL, else a new one. It returns when it was made.
func (c *ChainCache) verified(ctx context.Context, st *store.Store, keys *keyring.Keyring, now time.Time) (chainResult, error) {
	if c == nil {
		rep, verr, err := verifyChain(ctx, st, keys)
		return chainResult{rep, verr, now}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.last.at.IsZero() && now.Sub(c.last.at) < c.TTL {
		return c.last, nil
	}
	rep, verr, err := verifyChain(ctx, st, keys)
	if err != nil {
		return chainResult{}, err
	}
	c.last = chainResult{rep, verr, now}
	return c.last, nil
}

// verifyChain verifies the whole audit chain with the MAC key: verr is a
// broken chain (ward.CodeIntegrity), err a failure to read.
func verifyChain(ctx context.Context, st *store.Store, keys *keyring.Keyring) (rep audit.Report, verr, err error) {
	key, err := keys.AuditSigningKey(ctx)
	if err != nil {
		return rep, nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	clear(key)
	macKey, err := keys.AuditMACKey(ctx)
	if err != nil {
		return rep, nil, err
	}
	defer clear(macKey)
	rep, verr = audit.VerifyWith(ctx, st, audit.VerifyOptions{Trusted: []ed25519.PublicKey{pub}, MACKey: macKey})
	if verr != nil && ward.ErrorCode(verr) != ward.CodeIntegrity {
		return rep, nil, verr // a failure to read, not a broken chain
	}
	return rep, verr, nil
}
