package app

import (
	"context"
	"sync"
	"time"

	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// sessionCache keeps recently authenticated principals in memory, so a
// request with a valid session does not read four rows. Every change that
// can end or restrict a session on this node (sign-out, revocation, lock,
// wipe, disable, policy, MFA enrolment) clears it whole: those are rare, and
// a cleared cache costs one read per active session. Another node's change
// is seen within sessionCacheTTL.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]cachedPrincipal // by token hash
}

type cachedPrincipal struct {
	p        Principal
	loadedAt time.Time
}

const (
	sessionCacheTTL  = 5 * time.Second
	sessionCacheSize = 50_000
)

func newSessionCache() *sessionCache {
	return &sessionCache{entries: make(map[string]cachedPrincipal)}
}

// get returns a copy of the cached principal for a token hash, if it was
// loaded less than sessionCacheTTL before now.
func (c *sessionCache) get(hash string, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[hash]
	if !ok || now.Sub(e.loadedAt) >= sessionCacheTTL || now.Before(e.loadedAt) {
		return Principal{}, false
	}
	return e.p, true
}

func (c *sessionCache) put(hash string, p Principal, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= sessionCacheSize {
		clear(c.entries)
	}
	c.entries[hash] = cachedPrincipal{p: p, loadedAt: now}
}

// touched records a new last-seen time without extending the entry's life.
func (c *sessionCache) touched(hash string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[hash]; ok {
		e.p.Session.LastSeenAt = at
		c.entries[hash] = e
	}
}

// drop forgets one token hash's entry.
func (c *sessionCache) drop(hash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, hash)
}

// forget clears the cache.
func (c *sessionCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
}

// changeAccess runs a write that can end or restrict sessions (sign-out,
// revocation, lock, wipe, disable, policy, enrolment) and then clears the
// session cache, so this node never serves a session from before it. Once
// it has committed, the open sockets of users (on every node) check their
// sessions at once, so a revoked session's socket closes now rather than
// at its next periodic check.
func (a *App) changeAccess(ctx context.Context, fn func(*store.Tx) error, users ...string) error {
	err := a.store.Write(ctx, fn)
	a.cache.forget()
	if err == nil && len(users) > 0 {
		a.publish(ctx, realtime.Event{Type: realtime.AccessChanged, Users: users})
	}
	return err
}
