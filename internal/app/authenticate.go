package app

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/store"
)

// Authenticate turns a session token into the Principal behind it. The
// server enforces the org's idle timeout and absolute lifetime here,
// whatever the client does, and a request refreshes the session: it is a
// person's action. A request the client makes by itself uses
// AuthenticateAutomatic instead.
//
// A device with a pending wipe gets CodeDeviceWiped together with a
// non-nil Principal, so that its one remaining call, ConfirmWipe, can run;
// the first such answer moves the wipe from requested to delivered.
func (a *App) Authenticate(ctx context.Context, token, ip string) (*Principal, error) {
	if !auth.ValidSessionTokenFormat(token) {
		return nil, ward.Errorf(ward.CodeUnauth, "sign in first")
	}
	return a.authenticate(ctx, auth.HashSessionToken(token), ip, "api", true)
}

// AuthenticateAutomatic is Authenticate for a request a client makes by
// itself, not at a person's action (a delivered mark for a message that
// arrived): the same rules, but it does not keep the session alive. Only a
// person's actions may (automatic logoff, §164.312(a)(2)(iii)); an action
// that turns out to be one (a read mark) refreshes the session itself.
func (a *App) AuthenticateAutomatic(ctx context.Context, token, ip string) (*Principal, error) {
	if !auth.ValidSessionTokenFormat(token) {
		return nil, ward.Errorf(ward.CodeUnauth, "sign in first")
	}
	return a.authenticate(ctx, auth.HashSessionToken(token), ip, "api", false)
}

// authenticate is Authenticate by token hash; via names the channel a
// wipe order is delivered over ("api", "websocket"); refresh says whether
// the request is a person's action that keeps the session alive.
func (a *App) authenticate(ctx context.Context, hash, ip, via string, refresh bool) (*Principal, error) {
	p, err := a.checkSession(ctx, hash, ip)
	if ward.ErrorCode(err) == ward.CodeDeviceWiped && p.Device.Wipe == ward.WipeRequested {
		if err := a.markWipeDelivered(ctx, p, via); err != nil {
			return nil, err
		}
	}
	if err != nil {
		return p, err
	}
	if refresh {
		a.refresh(p)
	}
	return p, nil
}

// refresh records a person's activity on p's session (from p.IP), which
// keeps it alive: written in the background (touches.go), and at most once
// per touchEvery. It updates p: a Principal is one request's, or one
// socket's whose frames are handled one at a time, never shared.
func (a *App) refresh(p *Principal) {
	now := a.now()
	if now.Sub(p.Session.LastSeenAt) >= touchEvery(p.Policy.IdleTimeout.D()) {
		a.touch(p.Session.ID, touch{deviceID: p.Device.ID, ip: p.IP, at: now})
		p.Session.LastSeenAt = now
		a.cache.touched(p.Session.TokenHash, now)
	}
}

// checkSession is the one set of rules a session must pass, for a request
// (Authenticate) and for an open socket (CheckSocket): not revoked, within
// its lifetime and the org's idle timeout (an idle session is ended and
// audited), on an active device, of an enabled user. A device with a wipe
// order gets CodeDeviceWiped with the Principal. It refreshes nothing.
func (a *App) checkSession(ctx context.Context, hash, ip string) (*Principal, error) {
	now := a.now()
	p, err := a.loadPrincipal(ctx, hash, now)
	if err != nil {
		return nil, err
	}
	p.IP = ip
	if p.Device.Wipe == ward.WipeRequested || p.Device.Wipe == ward.WipeDelivered {
		return p, wipeOrder()
	}
	idle := p.Policy.IdleTimeout.D()
	switch {
	case !p.Session.RevokedAt.IsZero():
		return nil, ward.Errorf(ward.CodeUnauth, "this session has ended; sign in again")
	case !now.Before(p.Session.ExpiresAt):
		return nil, ward.Errorf(ward.CodeUnauth, "this session reached its lifetime; sign in again")
	case now.Sub(p.Session.LastSeenAt) >= idle:
		if err := a.expireIdle(ctx, p); err != nil {
			return nil, err
		}
		return nil, ward.Errorf(ward.CodeUnauth, "signed out after %s without activity", idle)
	case p.Device.Status != ward.DeviceActive:
		return nil, ward.Errorf(ward.CodeDeviceLocked, "this device may not be used; ask an admin")
	case p.User.Disabled:
		return nil, ward.Errorf(ward.CodeUnauth, "this account is disabled")
	}
	return p, nil
}

// touchEvery is how stale a session's last-seen time may get before a
// request writes it again. Writing on every request would make each one a
// write; the price is that idle logoff may come up to this much early.
func touchEvery(idle time.Duration) time.Duration {
	return min(idle/20, 30*time.Second)
}

func wipeOrder() error {
	return ward.Errorf(ward.CodeDeviceWiped, "an admin ordered this device wiped: erase local data, then confirm")
}

func (a *App) expireIdle(ctx context.Context, p *Principal) error {
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		ok, err := tx.RevokeSession(ctx, p.User.ID, p.Session.ID)
		if err != nil || !ok {
			return err
		}
		ev := p.Event(audit.SessionExpired, "session", p.Session.ID)
		ev.Reason = "idle timeout"
		return audit.Append(ctx, tx, ev)
	})
}

// markWipeDelivered records that the wipe order reached the device, once.
// via says how ("api", "websocket").
func (a *App) markWipeDelivered(ctx context.Context, p *Principal, via string) error {
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		d, err := tx.DeviceByID(ctx, p.Device.OrgID, p.Device.ID)
		if err != nil || d.Wipe != ward.WipeRequested {
			return err
		}
		if err := tx.SetDeviceState(ctx, d.OrgID, d.ID, ward.DeviceWiped, ward.WipeDelivered); err != nil {
			return err
		}
		ev := p.Event(audit.DeviceWipeDelivered, "device", d.ID)
		ev.Reason = "delivered via " + via
		p.Device.Wipe = ward.WipeDelivered
		return audit.Append(ctx, tx, ev)
	})
}

// ConfirmWipe records that the caller's device erased its data. It is the
// one call a device with a wipe order may still make.
func (a *App) ConfirmWipe(ctx context.Context, p *Principal) error {
	if p.Device.Wipe != ward.WipeDelivered && p.Device.Wipe != ward.WipeRequested {
		return ward.Errorf(ward.CodeConflict, "this device has no wipe order")
	}
	return a.changeAccess(ctx, func(tx *store.Tx) error {
		if err := tx.SetDeviceState(ctx, p.Device.OrgID, p.Device.ID, ward.DeviceWiped, ward.WipeConfirmed); err != nil {
			return err
		}
		if _, err := tx.RevokeDeviceSessions(ctx, p.Device.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, p.Event(audit.DeviceWipeConfirmed, "device", p.Device.ID))
	})
}
