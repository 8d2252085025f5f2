package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/auth"
)

// What the WebSocket endpoint needs from the app: signing a socket in,
// checking its session again while it stays open (without keeping the
// session alive), and recording that a wipe order went out over it.

// AuthenticateSocket is Authenticate for a new WebSocket, with one
// difference: a pending wipe order is left pending (CodeDeviceWiped with a
// non-nil Principal), so that the socket handler sends it as a device.wipe
// frame and then records it with WipeDelivered(…, "websocket").
func (a *App) AuthenticateSocket(ctx context.Context, token, ip string) (*Principal, error) {
	if !auth.ValidSessionTokenFormat(token) {
		return nil, ward.Errorf(ward.CodeUnauth, "sign in first")
	}
	p, err := a.loadPrincipal(ctx, auth.HashSessionToken(token), a.now())
	if err != nil {
		return nil, err
	}
	p.IP = ip
	if p.Device.Wipe == ward.WipeRequested || p.Device.Wipe == ward.WipeDelivered {
		return p, wipeOrder()
	}
	return a.Authenticate(ctx, token, ip)
}

// CheckSocket checks again the session behind an open socket (by its
// token hash, Session.TokenHash), as Authenticate would, but without
// refreshing it: an open socket does not keep a session alive. It returns
// the same errors as Authenticate (an idle session is ended and audited the
// same way); a device with a wipe order gets CodeDeviceWiped with the fresh
// Principal.
func (a *App) CheckSocket(ctx context.Context, tokenHash, ip string) (*Principal, error) {
	now := a.now()
	q, err := a.loadPrincipal(ctx, tokenHash, now)
	if err != nil {
		return nil, err
	}
	q.IP = ip
	if q.Device.Wipe == ward.WipeRequested || q.Device.Wipe == ward.WipeDelivered {
		return q, wipeOrder()
	}
	idle := q.Policy.IdleTimeout.D()
	switch {
	case !q.Session.RevokedAt.IsZero():
		return nil, ward.Errorf(ward.CodeUnauth, "this session has ended; sign in again")
	case !now.Before(q.Session.ExpiresAt):
		return nil, ward.Errorf(ward.CodeUnauth, "this session reached its lifetime; sign in again")
	case now.Sub(q.Session.LastSeenAt) >= idle:
		if err := a.expireIdle(ctx, q); err != nil {
			return nil, err
		}
		return nil, ward.Errorf(ward.CodeUnauth, "signed out after %s without activity", idle)
	case q.Device.Status != ward.DeviceActive:
		return nil, ward.Errorf(ward.CodeDeviceLocked, "this device may not be used; ask an admin")
	case q.User.Disabled:
		return nil, ward.Errorf(ward.CodeUnauth, "this account is disabled")
	}
	return q, nil
}

// WipeDelivered records that the wipe order of p's device reached it, once;
// via says how ("websocket"). A second call changes nothing.
func (a *App) WipeDelivered(ctx context.Context, p *Principal, via string) error {
	return a.markWipeDelivered(ctx, p, via)
}
