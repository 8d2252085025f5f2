package app

import (
	"context"
	"sync"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/ttlcache"
)

// The session cache keeps recently authenticated principals in memory, by
// token hash, so a request with a valid session does not read its session,
// device, user and policy (one joined statement, store.SessionOwnerByTokenHash).
//
// Every change that can end or restrict a session (sign-out, revocation,
// lock, wipe, disable, policy, MFA enrolment: changeAccess) moves the
// store's access counter on in its own transaction, clears this node's
// cache at once, and clears the other nodes' when its access.changed event
// arrives over the broker.
//
// An entry is served as it is for sessionTTL. After that it is kept, for
// another sessionTTL at a time, while the access counter still reads what
// it read when the session was loaded; the counter is read at most once per
// epochTTL for all sessions together. So a change the broker did not carry
// (another node without a shared broker, the command line beside the
// server) is seen within sessionTTL + epochTTL, 5 s, and 10,000 sessions
// cost one read a second instead of 2,000.
const (
	sessionTTL = 4 * time.Second
	epochTTL   = time.Second
)

type sessionCache struct {
	entries *ttlcache.Cache[string, cachedSession]

	mu     sync.Mutex
	epoch  int64     // the access counter, as last read
	readAt time.Time // when; zero when it must be read again
}

// cachedSession is a principal and the access counter read with it.
type cachedSession struct {
	p     Principal
	epoch int64
}

func newSessionCache() *sessionCache {
	return &sessionCache{entries: ttlcache.New[string, cachedSession](sessionTTL, 50_000)}
}

// forget clears the cache.
func (c *sessionCache) forget() {
	c.entries.Forget()
	c.mu.Lock()
	c.readAt = time.Time{}
	c.mu.Unlock()
}

// drop forgets one session, so that its next check reads the store.
func (c *sessionCache) drop(hash string) { c.entries.Drop(hash) }

// touched records a session's new last-seen time in its entry, if cached.
func (c *sessionCache) touched(hash string, at time.Time) {
	c.entries.Update(hash, func(e *cachedSession) { e.p.Session.LastSeenAt = at })
}

// loadPrincipal reads the session behind a token hash with its device, user
// and org policy: from the cache while its entry is fresh, or stale with
// the access counter unmoved; else from the store. A cached session that
// looks idle for the org's timeout is read again before anyone acts on it:
// another node may have seen it used since.
func (a *App) loadPrincipal(ctx context.Context, hash string, now time.Time) (*Principal, error) {
	if e, fresh, ok := a.cache.entries.Lookup(hash, now); ok && now.Sub(e.p.Session.LastSeenAt) < e.p.Policy.IdleTimeout.D() {
		if fresh {
			return &e.p, nil
		}
		if n, err := a.accessEpoch(ctx, now); err == nil && n == e.epoch {
			a.cache.entries.Renew(hash, now)
			return &e.p, nil
		}
	}
	var o store.SessionOwner
	var ident store.StoredIdentity
	var epoch int64
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		if epoch, err = tx.AccessEpoch(ctx); err != nil {
			return err
		}
		if o, err = tx.SessionOwnerByTokenHash(ctx, hash); err != nil || !isSealedEmail(o.User.Email) {
			return err
		}
		ident, err = tx.UserIdentity(ctx, o.User.OrgID, o.User.ID) // a patient's (useridentity.go)
		return err
	})
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return nil, ward.Errorf(ward.CodeUnauth, "sign in first")
	}
	if err != nil {
		return nil, err
	}
	if err := a.openIdentity(ctx, &o.User, ident); err != nil {
		return nil, err
	}
	p := Principal{Session: o.Session, Device: o.Device, User: o.User, Policy: o.Policy}
	applyPolicy(&p, o.SecondFactor)
	if at, ok := a.touches.lastTouch(p.Session.ID); ok && at.After(p.Session.LastSeenAt) {
		p.Session.LastSeenAt = at // recorded here, not yet written (touches.go)
	}
	a.cache.entries.Put(hash, cachedSession{p: p, epoch: epoch}, now)
	return &p, nil
}

// applyPolicy holds a live session to the org's policy as it is now, not as
// it was at sign-in: a lifetime shortened since ends the session sooner,
// and with a second factor now required, a user who has none may only enrol
// one (MFAPending). The idle timeout is read from the policy at every check
// anyway. Nothing is rewritten: a policy change clears the session cache
// (changeAccess), and the next check reads the session with the new policy.
func applyPolicy(p *Principal, secondFactor bool) {
	p.Session.ExpiresAt = policyExpiry(p.Session, p.Policy)
	if p.Policy.MFARequired && !p.User.Role.External() && !secondFactor && !p.Session.MFAPending {
		p.Session.MFAPending, p.EnrolByPolicy = true, true
	}
}

// policyExpiry is when s ends under pol: its stored expiry, or sooner when
// the policy's session lifetime was shortened since it began.
func policyExpiry(s ward.Session, pol ward.Policy) time.Time {
	if end := s.CreatedAt.Add(pol.SessionLifetime.D()); end.Before(s.ExpiresAt) {
		return end
	}
	return s.ExpiresAt
}

// accessEpoch is the store's access counter, read at most once per epochTTL.
func (a *App) accessEpoch(ctx context.Context, now time.Time) (int64, error) {
	c := a.cache
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.readAt.IsZero() && now.Sub(c.readAt) < epochTTL && !now.Before(c.readAt) {
		return c.epoch, nil
	}
	var n int64
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		n, err = tx.AccessEpoch(ctx)
		return err
	})
	if err != nil {
		return 0, err
	}
	c.epoch, c.readAt = n, now
	return n, nil
}

// changeAccess runs a write that can end or restrict sessions (sign-out,
// revocation, lock, wipe, disable, policy, enrolment), moving the access
// counter on in the same transaction, and then clears the session cache,
// so this node never serves a session from before it. Once it has
// committed, it publishes access.changed: every node clears its cache, and
// the open sockets of users check their sessions at once, so a revoked
// session's socket closes now rather than at its next check.
func (a *App) changeAccess(ctx context.Context, fn func(*store.Tx) error, users ...string) error {
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return tx.BumpAccessEpoch(ctx)
	})
	a.cache.forget()
	if err == nil {
		a.publish(ctx, realtime.Event{Type: realtime.AccessChanged, Users: users})
	}
	return err
}
