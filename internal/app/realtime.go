package app

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/liveaudit"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// What the WebSocket endpoint needs from the app: signing a socket in,
// checking its session again while it stays open (without keeping the
// session alive), and recording that a wipe order went out over it.

// AuthenticateSocket is Authenticate for a new WebSocket, with two
// differences: a pending wipe order is left pending (CodeDeviceWiped with a
// non-nil Principal), so that the socket handler sends it as a device.wipe
// frame and then records it with WipeDelivered(…, "websocket"); and it does
// not keep the session alive: clients open sockets by themselves (a
// reconnect), and a session with an open socket still idles out.
func (a *App) AuthenticateSocket(ctx context.Context, token, ip string) (*Principal, error) {
	if !auth.ValidSessionTokenFormat(token) {
		return nil, ward.Errorf(ward.CodeUnauth, "sign in first")
	}
	return a.checkSession(ctx, auth.HashSessionToken(token), ip)
}

// CheckSocket checks again the session behind an open socket (by its
// token hash, Session.TokenHash), as Authenticate would, but without
// refreshing it: an open socket does not keep a session alive. It returns
// the same errors as Authenticate (an idle session is ended and audited the
// same way); a device with a wipe order gets CodeDeviceWiped with the fresh
// Principal.
func (a *App) CheckSocket(ctx context.Context, tokenHash, ip string) (*Principal, error) {
	return socketSession(a.checkSession(ctx, tokenHash, ip))
}

// socketSession refuses a session that may only enrol a second factor (a
// policy that now requires one): such a session gets no socket, and an open
// one closes.
func socketSession(p *Principal, err error) (*Principal, error) {
	if err == nil && p.Session.MFAPending {
		return nil, ward.Errorf(ward.CodeMFAEnrollment, "enrol a second factor first")
	}
	return p, err
}

// AuthenticateOnSocket is Authenticate for a request made over an open
// socket (a send), which knows its session by token hash
// (Session.TokenHash): the same rules, and like any request it refreshes
// the session.
func (a *App) AuthenticateOnSocket(ctx context.Context, tokenHash, ip string) (*Principal, error) {
	return a.authenticate(ctx, tokenHash, ip, "websocket", true)
}

// AuthenticateOnSocketAutomatic is AuthenticateOnSocket for a frame the
// client sends by itself (a mark: a delivered mark is automatic, a read
// mark refreshes the session in MarkReceipts): it does not keep the session
// alive (AuthenticateAutomatic).
func (a *App) AuthenticateOnSocketAutomatic(ctx context.Context, tokenHash, ip string) (*Principal, error) {
	return a.authenticate(ctx, tokenHash, ip, "websocket", false)
}

// RecheckSocket is CheckSocket reading the session from the store, never
// from the session cache: for the check an access change triggers, which
// may come from another node whose change this node's cache has not seen.
func (a *App) RecheckSocket(ctx context.Context, tokenHash, ip string) (*Principal, error) {
	a.cache.drop(tokenHash)
	return socketSession(a.checkSession(ctx, tokenHash, ip))
}

// WipeDelivered records that the wipe order of p's device reached it, once;
// via says how ("websocket"). A second call changes nothing.
func (a *App) WipeDelivered(ctx context.Context, p *Principal, via string) error {
	return a.markWipeDelivered(ctx, p, via)
}

// Typing tells the other members of one of p's conversations that p is
// typing. Nothing is stored or audited: it carries no content.
func (a *App) Typing(ctx context.Context, p *Principal, convID string) error {
	if err := p.Can(authz.MessageSend); err != nil {
		return err
	}
	var c store.Conversation
	if err := a.store.Read(ctx, func(tx *store.Tx) error {
		var err error
		c, err = member(ctx, tx, p, convID)
		return err
	}); err != nil {
		return err
	}
	var others []string
	for _, m := range c.Members {
		if m.UserID != p.User.ID {
			others = append(others, m.UserID)
		}
	}
	a.publish(ctx, realtime.Event{Type: realtime.Typing, OrgID: p.User.OrgID, ConversationID: convID,
		Data: eventJSON(map[string]string{"user_id": p.User.ID}), Users: others})
	return nil
}

// NewDeliveryAudit starts the delivery record of a socket signed in as p
// (internal/liveaudit). onFail, if not nil, is called (outside any lock)
// when a record could not be written: it should close the socket.
func (a *App) NewDeliveryAudit(p *Principal, onFail func()) *liveaudit.DeliveryAudit {
	return a.deliveries.Socket(p.User.OrgID, p.Actor(), onFail)
}
