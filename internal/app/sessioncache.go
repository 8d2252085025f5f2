package app

import (
	"context"
	"time"

	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// The session cache keeps recently authenticated principals in memory, by
// token hash, so a request with a valid session does not read its session,
// device, user and policy (one joined statement, store.SessionOwnerByTokenHash).
// Every change that can end or restrict a session (sign-out, revocation,
// lock, wipe, disable, policy, MFA enrolment: changeAccess) clears it whole,
// on this node at once and on the others when its access.changed event
// arrives over the broker: those changes are rare, and a cleared cache costs
// one read per active session. Without a shared broker another node's
// change is seen within the TTL, 5 s.
func newSessionCache() *ttlCache[string, Principal] {
	return newTTLCache[string, Principal](5*time.Second, 50_000)
}

// changeAccess runs a write that can end or restrict sessions (sign-out,
// revocation, lock, wipe, disable, policy, enrolment) and then clears the
// session cache, so this node never serves a session from before it. Once
// it has committed, it publishes access.changed: every node clears its
// cache, and the open sockets of users check their sessions at once, so a
// revoked session's socket closes now rather than at its next check.
func (a *App) changeAccess(ctx context.Context, fn func(*store.Tx) error, users ...string) error {
	err := a.store.Write(ctx, fn)
	a.cache.forget()
	if err == nil {
		a.publish(ctx, realtime.Event{Type: realtime.AccessChanged, Users: users})
	}
	return err
}
