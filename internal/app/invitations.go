package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/auth"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/store"
)

// Invitations of patients (issue 22). Staff invite the patient of a record
// by email or by a link they hand over; the link names a random token of
// which only the SHA-256 is stored, works once, and expires (the org
// policy's invitation_ttl). Accepting it makes the patient user, with the
// name and email of the record (sealed, useridentity.go), links it to the
// record, and signs in, all in one transaction. An invitation that came by
// email also needs a six-digit code mailed to the record's address. The
// public routes (token, code, accept) are throttled per address and per
// token.

// Mailer sends ward's PHI-free messages (internal/notify/mail).
type Mailer interface {
	Send(ctx context.Context, to string, msg mail.Message) error
}

// PatientContacts opens a record's name and email for ward itself
// (internal/patients.Service.Contact).
type PatientContacts interface {
	Contact(ctx context.Context, orgID, id string) (name, email string, active bool, err error)
}

// Invitation channels.
const (
	ChannelEmail = "email"
	ChannelLink  = "link"
)

// Invitation states, computed from the stored times.
const (
	InvitationPending  = "pending"
	InvitationAccepted = "accepted"
	InvitationExpired  = "expired"
	InvitationRevoked  = "revoked"
)

const (
	emailCodeTTL      = 10 * time.Minute
	emailCodeMaxTries = 5
)

// Invitation is an invitation as staff see it: no token, no PHI.
type Invitation struct {
	ID, PatientID, Channel, Status string
	CreatedBy                      string
	CreatedAt, ExpiresAt           time.Time
	AcceptedAt, RevokedAt          time.Time
}

func viewInvitation(r store.InvitationRow, now time.Time) Invitation {
	inv := Invitation{ID: r.ID, PatientID: r.PatientID, Channel: r.Channel, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt,
		ExpiresAt: r.ExpiresAt, AcceptedAt: r.AcceptedAt, RevokedAt: r.RevokedAt}
	inv.Status = invitationStatus(r, now)
	return inv
}

func invitationStatus(r store.InvitationRow, now time.Time) string {
	switch {
	case !r.AcceptedAt.IsZero():
		return InvitationAccepted
	case !r.RevokedAt.IsZero():
		return InvitationRevoked
	case !now.Before(r.ExpiresAt):
		return InvitationExpired
	}
	return InvitationPending
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte("ward-invitation\x00" + token))
	return hex.EncodeToString(h[:])
}

func newInvitationToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

func hashCode(tokenHash, code string) string {
	h := sha256.Sum256([]byte("ward-invitation-code\x00" + tokenHash + "\x00" + code))
	return hex.EncodeToString(h[:])
}

// InvitationLink is the link of a token under base (the public origin).
func InvitationLink(base, token string) string {
	return strings.TrimRight(base, "/") + "/invite/" + token
}

func (a *App) contacts() (PatientContacts, error) {
	c, ok := a.patients.(PatientContacts)
	if !ok || c == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "patient records are not available")
	}
	return c, nil
}

// inviteTarget checks that a record of p's org may be invited and returns
// its email: active, with an email, and no account yet for it or its email.
func (a *App) inviteTarget(ctx context.Context, orgID, patientID string) (email string, err error) {
	c, err := a.contacts()
	if err != nil {
		return "", err
	}
	_, email, active, err := c.Contact(ctx, orgID, patientID)
	if err != nil {
		return "", err
	}
	if !active {
		return "", ward.Errorf(ward.CodeConflict, "the patient record is deactivated")
	}
	if email == "" {
		return "", ward.Errorf(ward.CodeInvalid, "the patient record has no email: add one before inviting")
	}
	return ward.NormalizeEmail(email), a.store.Read(ctx, func(tx *store.Tx) error { return a.checkInvitable(ctx, tx, orgID, patientID, email) })
}

func (a *App) checkInvitable(ctx context.Context, tx *store.Tx, orgID, patientID, email string) error {
	user, err := tx.PatientUser(ctx, orgID, patientID)
	if err != nil {
		return err
	}
	if user != "" {
		return ward.Errorf(ward.CodeAccountExists, "the patient already has an account")
	}
	email = ward.NormalizeEmail(email)
	_, err = tx.UserByEmail(ctx, orgID, email, a.emailIndex(email))
	switch ward.ErrorCode(err) {
	case ward.CodeNotFound:
		return nil
	case "":
		return ward.Errorf(ward.CodeAccountExists, "a user with the patient's email already exists in the org")
	}
	return err
}

func (a *App) clinicName(ctx context.Context, orgID string) (name string, err error) {
	err = a.store.Read(ctx, func(tx *store.Tx) error {
		o, err := tx.OrgByID(ctx, orgID)
		name = o.Name
		return err
	})
	return name, err
}

// InvitePatient invites the patient of a record by channel (email or link);
// base is the public origin the link starts with. It returns the
// invitation and its link (shown once: only its hash is stored). By email
// with no mailer is unavailable, and nothing is stored.
func (a *App) InvitePatient(ctx context.Context, p *Principal, patientID, channel, base string) (Invitation, string, error) {
	if err := p.Can(authz.PatientInvite); err != nil {
		return Invitation{}, "", err
	}
	if channel != ChannelEmail && channel != ChannelLink {
		return Invitation{}, "", ward.Errorf(ward.CodeInvalid, `channel must be "email" or "link"`)
	}
	if channel == ChannelEmail && a.mailer == nil {
		return Invitation{}, "", ward.Errorf(ward.CodeUnavailable, "ward sends no email: start it with --smtp to invite by email")
	}
	orgID := p.User.OrgID
	email, err := a.inviteTarget(ctx, orgID, patientID)
	if err != nil {
		return Invitation{}, "", err
	}
	token, hash := newInvitationToken()
	clinic, ttl, err := a.inviteTerms(ctx, orgID)
	if err != nil {
		return Invitation{}, "", err
	}
	row := store.InvitationRow{ID: newID(), OrgID: orgID, PatientID: patientID, Channel: channel, TokenHash: hash,
		CreatedBy: p.User.ID, ExpiresAt: a.now().Add(ttl)}
	// Mailed before the write, outside it (the SMTP dialogue holds no
	// database writer): a mail that cannot go stores nothing; a write that
	// fails after it leaves a mail whose link names nothing.
	if channel == ChannelEmail {
		if err := a.mailer.Send(ctx, email, mail.Invitation{Clinic: clinic, Link: InvitationLink(base, token), Expires: row.ExpiresAt}); err != nil {
			return Invitation{}, "", err
		}
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		if err := a.checkInvitable(ctx, tx, orgID, patientID, email); err != nil {
			return err
		}
		if err := tx.InsertInvitation(ctx, &row); err != nil {
			return err
		}
		ev := p.Event(audit.PatientInvited, "invitation", row.ID)
		ev.PatientID, ev.Reason = patientID, "channel "+channel
		return audit.Append(ctx, tx, ev)
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return viewInvitation(row, a.now()), InvitationLink(base, token), nil
}

// Invitations lists a record's invitations, newest first.
func (a *App) Invitations(ctx context.Context, p *Principal, patientID string) ([]Invitation, error) {
	if err := p.Can(authz.PatientInvite); err != nil {
		return nil, err
	}
	var rows []store.InvitationRow
	err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		if _, err := tx.PatientStatus(ctx, p.User.OrgID, patientID); err != nil {
			return noPatient(err)
		}
		rows, err = tx.Invitations(ctx, p.User.OrgID, patientID)
		return err
	})
	out := make([]Invitation, len(rows))
	for i, r := range rows {
		out[i] = viewInvitation(r, a.now())
	}
	return out, err
}

func noPatient(err error) error {
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeNotFound, "no such patient")
	}
	return err
}

// pendingInvitation reads an invitation of a record that is still pending.
func pendingInvitation(ctx context.Context, tx *store.Tx, orgID, patientID, id string) (store.InvitationRow, error) {
	r, err := tx.Invitation(ctx, orgID, patientID, id)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return r, ward.Errorf(ward.CodeNotFound, "no such invitation")
	}
	if err != nil {
		return r, err
	}
	switch invitationStatus(r, tx.Now) {
	case InvitationAccepted, InvitationRevoked:
		return r, ward.Errorf(ward.CodeInvitationUsed, "the invitation was accepted or revoked")
	}
	return r, nil
}

// RevokeInvitation ends a pending (or expired) invitation: its link no
// longer works.
func (a *App) RevokeInvitation(ctx context.Context, p *Principal, patientID, id string) (Invitation, error) {
	if err := p.Can(authz.PatientInvite); err != nil {
		return Invitation{}, err
	}
	var row store.InvitationRow
	err := a.store.Write(ctx, func(tx *store.Tx) (err error) {
		if row, err = pendingInvitation(ctx, tx, p.User.OrgID, patientID, id); err != nil {
			return err
		}
		if err := tx.RevokeInvitation(ctx, id); err != nil {
			return err
		}
		row.RevokedAt = tx.Now
		ev := p.Event(audit.InvitationRevoked, "invitation", id)
		ev.PatientID = patientID
		return audit.Append(ctx, tx, ev)
	})
	return viewInvitation(row, a.now()), err
}

// ResendInvitation gives a pending or expired invitation a new token and
// expiry (the old link is dead) and, for the email channel, mails it again.
func (a *App) ResendInvitation(ctx context.Context, p *Principal, patientID, id, base string) (Invitation, string, error) {
	if err := p.Can(authz.PatientInvite); err != nil {
		return Invitation{}, "", err
	}
	var row store.InvitationRow
	if err := a.store.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = pendingInvitation(ctx, tx, p.User.OrgID, patientID, id)
		return err
	}); err != nil {
		return Invitation{}, "", err
	}
	if row.Channel == ChannelEmail && a.mailer == nil {
		return Invitation{}, "", ward.Errorf(ward.CodeUnavailable, "ward sends no email: start it with --smtp to invite by email")
	}
	email, err := a.inviteTarget(ctx, p.User.OrgID, patientID)
	if err != nil {
		return Invitation{}, "", err
	}
	token, hash := newInvitationToken()
	clinic, ttl, err := a.inviteTerms(ctx, p.User.OrgID)
	if err != nil {
		return Invitation{}, "", err
	}
	expires := a.now().Add(ttl)
	if row.Channel == ChannelEmail { // before the write, as InvitePatient
		if err := a.mailer.Send(ctx, email, mail.Invitation{Clinic: clinic, Link: InvitationLink(base, token), Expires: expires}); err != nil {
			return Invitation{}, "", err
		}
	}
	err = a.store.Write(ctx, func(tx *store.Tx) error {
		if row, err = pendingInvitation(ctx, tx, p.User.OrgID, patientID, id); err != nil {
			return err
		}
		row.ExpiresAt = expires
		if err := tx.RenewInvitation(ctx, id, hash, row.ExpiresAt); err != nil {
			return err
		}
		ev := p.Event(audit.PatientInvited, "invitation", id)
		ev.PatientID, ev.Reason = patientID, "resent, channel "+row.Channel
		return audit.Append(ctx, tx, ev)
	})
	if err != nil {
		return Invitation{}, "", err
	}
	return viewInvitation(row, a.now()), InvitationLink(base, token), nil
}

// InvitationInfo is what an invitation link shows before any proof: the
// clinic, the expiry, and whether an email code is needed.
type InvitationInfo struct {
	Clinic         string
	ExpiresAt      time.Time
	NeedsEmailCode bool
}

// publicGate throttles the public invitation routes per address and per
// token; every failure counts on both.
func (a *App) publicGate(ip, token string) (fail func(), err error) {
	addrKey, tokKey := "inv-addr:"+auth.AddressKey(ip), "inv-tok:"+hashToken(token)
	if wait, ok := a.inviteAddr.Check(addrKey); !ok {
		return nil, rateLimited(wait)
	}
	if wait, ok := a.inviteTok.Check(tokKey); !ok {
		return nil, rateLimited(wait)
	}
	return func() { a.inviteAddr.Failure(addrKey); a.inviteTok.Failure(tokKey) }, nil
}

// openInvitation reads the pending invitation a token names: unknown is
// not_found, expired invitation_expired, accepted or revoked (or replaced)
// invitation_used.
func openInvitation(ctx context.Context, tx *store.Tx, token string) (store.InvitationRow, error) {
	if len(token) > 100 {
		return store.InvitationRow{}, ward.Errorf(ward.CodeNotFound, "no such invitation")
	}
	r, err := tx.InvitationByToken(ctx, hashToken(token))
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return r, ward.Errorf(ward.CodeNotFound, "no such invitation: ask the clinic for a new link")
	}
	if err != nil {
		return r, err
	}
	switch invitationStatus(r, tx.Now) {
	case InvitationAccepted, InvitationRevoked:
		return r, ward.Errorf(ward.CodeInvitationUsed, "this invitation link was already used or withdrawn")
	case InvitationExpired:
		return r, ward.Errorf(ward.CodeInvitationExpired, "this invitation link expired: ask the clinic for a new one")
	}
	return r, nil
}

// failed reports whether err is one the throttles count: a token that
// names nothing usable, or a wrong code.
func failed(err error) bool {
	switch ward.ErrorCode(err) {
	case ward.CodeNotFound, ward.CodeInvitationUsed, ward.CodeInvitationExpired, ward.CodeCodeRequired:
		return true
	}
	return false
}

// LookUpInvitation answers what an invitation link shows (no session).
func (a *App) LookUpInvitation(ctx context.Context, token, ip string) (InvitationInfo, error) {
	fail, err := a.publicGate(ip, token)
	if err != nil {
		return InvitationInfo{}, err
	}
	var info InvitationInfo
	err = a.store.Read(ctx, func(tx *store.Tx) error {
		r, err := openInvitation(ctx, tx, token)
		if err != nil {
			return err
		}
		o, err := tx.OrgByID(ctx, r.OrgID)
		info = InvitationInfo{Clinic: o.Name, ExpiresAt: r.ExpiresAt, NeedsEmailCode: r.Channel == ChannelEmail}
		return err
	})
	if failed(err) {
		fail()
	}
	return info, err
}

// SendInvitationCode mails a new six-digit code to the record's email for
// an invitation that came by email; the earlier code stops working.
func (a *App) SendInvitationCode(ctx context.Context, token, ip string) error {
	fail, err := a.publicGate(ip, token)
	if err != nil {
		return err
	}
	if a.mailer == nil {
		return ward.Errorf(ward.CodeUnavailable, "ward sends no email")
	}
	var r store.InvitationRow
	err = a.store.Read(ctx, func(tx *store.Tx) (err error) {
		r, err = openInvitation(ctx, tx, token)
		return err
	})
	if failed(err) {
		fail()
	}
	if err != nil {
		return err
	}
	if r.Channel != ChannelEmail {
		return ward.Errorf(ward.CodeInvalid, "this invitation needs no email code")
	}
	fail() // each code sent counts: a token cannot have codes sent without limit
	email, err := a.inviteTarget(ctx, r.OrgID, r.PatientID)
	if err != nil {
		return err
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return err
	}
	code := fmt.Sprintf("%06d", n.Int64())
	clinic, _, err := a.inviteTerms(ctx, r.OrgID)
	if err != nil {
		return err
	}
	exp := a.now().Add(emailCodeTTL)
	if err := a.store.Write(ctx, func(tx *store.Tx) error {
		if _, err := openInvitation(ctx, tx, token); err != nil {
			return err
		}
		return tx.SetInvitationCode(ctx, r.ID, hashCode(r.TokenHash, code), exp)
	}); err != nil {
		return err
	}
	return a.mailer.Send(ctx, email, mail.EmailCode{Clinic: clinic, Code: code, Expires: exp})
}

// inviteTerms reads the org's name and its invitations' lifetime.
func (a *App) inviteTerms(ctx context.Context, orgID string) (clinic string, ttl time.Duration, err error) {
	err = a.store.Read(ctx, func(tx *store.Tx) error {
		o, err := tx.OrgByID(ctx, orgID)
		if err != nil {
			return err
		}
		p, err := tx.Policy(ctx, orgID)
		clinic, ttl = o.Name, p.InvitationLifetime()
		return err
	})
	return clinic, ttl, err
}

// SetMailer gives the app its mailer after it is built (tests that start
// an SMTP server of their own); call it before serving.
func (a *App) SetMailer(m Mailer) { a.mailer = m }
