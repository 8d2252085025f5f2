package outside

import (
	"context"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/onetime"
	"github.com/wardhealth/ward/internal/store"
)

// The public side: what a link shows, its code, and the session it opens.
// Every route is throttled per source address and per token, and every
// refusal (an unknown, used or expired link, a wrong code) counts on both.

// Info is what a link shows before any proof: the clinic and the expiry.
type Info struct {
	Clinic    string
	ExpiresAt time.Time
}

// openLink reads the usable link a token names: unknown is not_found,
// used link_used, expired link_expired.
func openLink(ctx context.Context, tx *store.Tx, token string) (store.OutsideLink, error) {
	if !onetime.ValidToken(token) {
		return store.OutsideLink{}, ward.Errorf(ward.CodeNotFound, "no such link")
	}
	l, err := tx.OutsideLinkByToken(ctx, purpose.HashToken(token))
	switch {
	case ward.ErrorCode(err) == ward.CodeNotFound:
		return l, ward.Errorf(ward.CodeNotFound, "no such link: ask the sender to write again")
	case err != nil:
		return l, err
	case !l.OpenedAt.IsZero():
		return l, ward.Errorf(ward.CodeLinkUsed, "this link was already used: a new message from the sender brings a new one")
	case !tx.Now.Before(l.ExpiresAt):
		return l, ward.Errorf(ward.CodeLinkExpired, "this link expired: ask the sender to write again")
	}
	return l, nil
}

// counted reports whether err is a refusal the gate counts.
func counted(err error) bool {
	switch ward.ErrorCode(err) {
	case ward.CodeNotFound, ward.CodeLinkUsed, ward.CodeLinkExpired, ward.CodeCodeRequired:
		return true
	}
	return false
}

// guarded runs fn behind the gate, counting its refusals.
func (s *Service) guarded(ip, token string, fn func() error) error {
	return s.gate.Guard(ip, token, counted, fn)
}

// LookUp answers what a link shows (no session, no PHI).
func (s *Service) LookUp(ctx context.Context, token, ip string) (Info, error) {
	var info Info
	err := s.guarded(ip, token, func() error {
		return s.store.Read(ctx, func(tx *store.Tx) error {
			l, err := openLink(ctx, tx, token)
			if err != nil {
				return err
			}
			o, err := tx.OrgByID(ctx, l.OrgID)
			info = Info{Clinic: o.Name, ExpiresAt: l.ExpiresAt}
			return err
		})
	})
	return info, err
}

// SendCode mails a new six-digit code to the guest's address; the earlier
// code stops working. Each code sent counts on the gate, so a link cannot
// have codes mailed without limit.
func (s *Service) SendCode(ctx context.Context, token, ip string) error {
	fail, err := s.gate.Enter(ip, token)
	if err != nil {
		return err
	}
	fail()
	if s.mailer == nil {
		return ward.Errorf(ward.CodeUnavailable, "ward sends no email")
	}
	var l store.OutsideLink
	var clinic string
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if l, err = openLink(ctx, tx, token); err != nil {
			return err
		}
		o, err := tx.OrgByID(ctx, l.OrgID)
		clinic = o.Name
		return err
	}); err != nil {
		return err
	}
	email, err := s.msg.GuestEmail(ctx, l.OrgID, l.GuestID)
	if err != nil {
		return err
	}
	code, err := onetime.NewCode()
	if err != nil {
		return err
	}
	exp := s.now().Add(onetime.CodeTTL)
	if err := s.store.Write(ctx, func(tx *store.Tx) error {
		if _, err := openLink(ctx, tx, token); err != nil {
			return err
		}
		if err := tx.SetOutsideCode(ctx, l.ID, purpose.HashCode(l.TokenHash, code), exp); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Event{OrgID: l.OrgID, Actor: audit.Actor{UserID: l.GuestID, Role: string(ward.RoleGuest), IP: ip},
			Action: audit.OutsideCodeSent, ResourceType: "outside_link", ResourceID: l.ID, Outcome: audit.Success})
	}); err != nil {
		return err
	}
	return s.mailer.Send(ctx, email, mail.AccessCode{Clinic: clinic, Code: code, Expires: exp})
}

// OpenRequest is a recipient opening a link: the token, the code mailed to
// them, and the device they read on.
type OpenRequest struct {
	Token, Code          string
	DeviceID, DeviceName string
	IP, UserAgent        string
}

// Session is the guest session a link opened. Token is shown once.
type Session struct {
	Token        string
	Session      ward.Session
	User         ward.User // the guest, their email opened
	Device       ward.Device
	DeviceSecret string
	IdleTimeout  time.Duration
}

// Open checks the code, uses the link (once) and opens a guest session on
// a new device, for the policy's outside_access from now (the org's
// session lifetime and idle timeout apply as to anyone): outside.opened
// and login.succeeded, in one transaction.
func (s *Service) Open(ctx context.Context, req OpenRequest) (Session, error) {
	var out Session
	err := s.guarded(req.IP, req.Token, func() (err error) {
		out, err = s.open(ctx, req)
		return err
	})
	return out, err
}

func (s *Service) open(ctx context.Context, req OpenRequest) (Session, error) {
	dev := ward.Device{ClientID: req.DeviceID, Name: strings.TrimSpace(req.DeviceName)}
	if err := dev.Validate(); err != nil {
		return Session{}, err
	}
	var l store.OutsideLink
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		l, err = openLink(ctx, tx, req.Token)
		return err
	}); err != nil {
		return Session{}, err
	}
	ok, count := purpose.Check(onetime.Code{Hash: l.CodeHash, ExpiresAt: l.CodeExpiresAt, Tries: l.CodeTries}, l.TokenHash, req.Code, s.now())
	if !ok {
		if count {
			if err := s.store.Write(ctx, func(tx *store.Tx) error { return tx.CountOutsideCodeTry(ctx, l.ID) }); err != nil {
				return Session{}, err
			}
		}
		return Session{}, onetime.Refused()
	}
	email, err := s.msg.GuestEmail(ctx, l.OrgID, l.GuestID)
	if err != nil {
		return Session{}, err
	}
	var out Session
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if _, err := openLink(ctx, tx, req.Token); err != nil {
			return err
		}
		if ok, err := tx.OpenOutsideLink(ctx, l.ID); err != nil || !ok {
			return cmp(err, ward.Errorf(ward.CodeLinkUsed, "this link was already used"))
		}
		u, err := tx.UserByID(ctx, l.OrgID, l.GuestID)
		if err != nil {
			return err
		}
		if u.Role != ward.RoleGuest || u.Disabled {
			return ward.Errorf(ward.CodeForbidden, "this address may no longer read messages here")
		}
		pol, err := tx.Policy(ctx, l.OrgID)
		if err != nil {
			return err
		}
		// A new device, active: the code proved the address, and a guest
		// has no admin-approved devices to come back on.
		secret, secretHash := auth.NewDeviceSecret()
		d := ward.Device{ID: newID(), OrgID: l.OrgID, UserID: u.ID, ClientID: dev.ClientID, Name: dev.Name,
			Status: ward.DeviceActive, LastIP: req.IP, SecretHash: secretHash}
		if err := tx.CreateDevice(ctx, &d); err != nil {
			return err
		}
		token, tokenHash := auth.NewSessionToken()
		ss := ward.Session{ID: newID(), TokenHash: tokenHash, OrgID: u.OrgID, UserID: u.ID, DeviceID: d.ID,
			ExpiresAt: tx.Now.Add(pol.OutsideAccessTime()), IP: req.IP, UserAgent: truncate(req.UserAgent, 256)}
		if err := tx.CreateSession(ctx, &ss); err != nil {
			return err
		}
		actor := audit.Actor{UserID: u.ID, Role: string(u.Role), DeviceID: d.ID, IP: req.IP}
		for _, ev := range []audit.Event{
			{OrgID: u.OrgID, Actor: actor, Action: audit.OutsideOpened, ResourceType: "outside_link", ResourceID: l.ID,
				Outcome: audit.Success, Reason: "conversation " + l.ConversationID},
			{OrgID: u.OrgID, Actor: actor, Action: audit.LoginSucceeded, ResourceType: "session", ResourceID: ss.ID,
				Outcome: audit.Success, Reason: "outside link"},
		} {
			if err := audit.Append(ctx, tx, ev); err != nil {
				return err
			}
		}
		u.Email, u.Name = email, email
		out = Session{Token: token, Session: ss, User: u, Device: d, DeviceSecret: secret, IdleTimeout: pol.IdleTimeout.D()}
		return nil
	})
	return out, err
}

func cmp(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
