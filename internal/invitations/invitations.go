package invitations

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/onetime"
	"github.com/wardhealth/ward/internal/store"
)

// Mailer sends ward's PHI-free messages (internal/notify/mail).
type Mailer interface {
	Send(ctx context.Context, to string, msg mail.Message) error
}

// PatientContacts opens a record's name and email for ward itself
// (internal/patients.Service.Contact).
type PatientContacts interface {
	Contact(ctx context.Context, orgID, id string) (name, email string, active bool, err error)
	// NotMerged fails, in tx, with CodePatientMerged when the record was
	// merged into another (internal/patients.Service.NotMerged).
	NotMerged(ctx context.Context, tx *store.Tx, orgID, id string) error
}

// Accounts is what invitations ask of internal/app, which satisfies it.
type Accounts interface {
	// EmailTaken reports, in tx, whether a user of the org has email.
	EmailTaken(ctx context.Context, tx *store.Tx, orgID, email string) (bool, error)
	// SignUpPatient makes the patient user u with password and signs it
	// in on dev, in one transaction in which check runs first and claim
	// after the user is made and audited (user.created).
	SignUpPatient(ctx context.Context, u ward.User, password string, dev ward.Device, ip, userAgent, how string,
		check func(*store.Tx) error, claim func(*store.Tx, ward.User) error) (access.LoginResult, error)
}

// Config is what a Service is built from; Mailer and Now may be nil.
type Config struct {
	Store    *store.Store
	Contacts PatientContacts // the patient records (internal/patients)
	Accounts Accounts        // internal/app
	// Mailer sends invitations and their codes; nil: invitations by email
	// are unavailable.
	Mailer Mailer
	Now    func() time.Time // nil means time.Now
}

// Service is the patient invitation use cases.
type Service struct {
	store    *store.Store
	contacts PatientContacts
	accounts Accounts
	mailer   Mailer
	now      func() time.Time
	gate     *onetime.Gate // throttles the public routes per address and per token
}

// New builds a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, contacts: cfg.Contacts, accounts: cfg.Accounts, mailer: cfg.Mailer, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.gate = onetime.NewGate(purpose, s.now)
	return s
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

// purpose hashes invitation tokens and codes (internal/onetime) exactly
// as they were hashed before that package existed, so links already
// mailed keep working.
const purpose = onetime.Purpose("ward-invitation")

// LinkPath is where an invitation link points under the public origin.
const LinkPath = "/invite/"

func (s *Service) contactsOf() (PatientContacts, error) {
	if s.contacts == nil || s.accounts == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "patient records are not available")
	}
	return s.contacts, nil
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// inviteTarget checks that a record of p's org may be invited and returns
// its email: active, with an email, and no account yet for it or its email.
func (s *Service) inviteTarget(ctx context.Context, orgID, patientID string) (email string, err error) {
	c, err := s.contactsOf()
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
	return ward.NormalizeEmail(email), s.store.Read(ctx, func(tx *store.Tx) error { return s.checkInvitable(ctx, tx, orgID, patientID, email) })
}

func (s *Service) checkInvitable(ctx context.Context, tx *store.Tx, orgID, patientID, email string) error {
	if err := s.contacts.NotMerged(ctx, tx, orgID, patientID); err != nil {
		return err
	}
	if err := noAccountYet(ctx, tx, orgID, patientID); err != nil {
		return err
	}
	taken, err := s.accounts.EmailTaken(ctx, tx, orgID, email)
	if err != nil {
		return err
	}
	if taken {
		return ward.Errorf(ward.CodeAccountExists, "a user with the patient's email already exists in the org")
	}
	return nil
}

// noAccountYet fails with CodeAccountExists when a record has its patient
// user already.
func noAccountYet(ctx context.Context, tx *store.Tx, orgID, patientID string) error {
	user, err := tx.PatientUser(ctx, orgID, patientID)
	if err != nil {
		return err
	}
	if user != "" {
		return ward.Errorf(ward.CodeAccountExists, "the patient already has an account")
	}
	return nil
}

// Invite invites the patient of a record by channel (email or link);
// base is the public origin the link starts with. It returns the
// invitation and its link (shown once: only its hash is stored). By email
// with no mailer is unavailable, and nothing is stored.
func (s *Service) Invite(ctx context.Context, p *access.Principal, patientID, channel, base string) (Invitation, string, error) {
	if err := p.Can(authz.PatientInvite); err != nil {
		return Invitation{}, "", err
	}
	if channel != ChannelEmail && channel != ChannelLink {
		return Invitation{}, "", ward.Errorf(ward.CodeInvalid, `channel must be "email" or "link"`)
	}
	if channel == ChannelEmail && s.mailer == nil {
		return Invitation{}, "", ward.Errorf(ward.CodeUnavailable, "ward sends no email: start it with --smtp to invite by email")
	}
	orgID := p.User.OrgID
	email, err := s.inviteTarget(ctx, orgID, patientID)
	if err != nil {
		return Invitation{}, "", err
	}
	token, hash := purpose.NewToken()
	clinic, ttl, err := s.inviteTerms(ctx, orgID)
	if err != nil {
		return Invitation{}, "", err
	}
	row := store.InvitationRow{ID: newID(), OrgID: orgID, PatientID: patientID, Channel: channel, TokenHash: hash,
		CreatedBy: p.User.ID, ExpiresAt: s.now().Add(ttl)}
	// Mailed before the write, outside it (the SMTP dialogue holds no
	// database writer): a mail that cannot go stores nothing; a write that
	// fails after it leaves a mail whose link names nothing.
	if channel == ChannelEmail {
		if err := s.mailer.Send(ctx, email, mail.Invitation{Clinic: clinic, Link: onetime.Link(base, LinkPath, token), Expires: row.ExpiresAt}); err != nil {
			return Invitation{}, "", err
		}
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := s.checkInvitable(ctx, tx, orgID, patientID, email); err != nil {
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
	return viewInvitation(row, s.now()), onetime.Link(base, LinkPath, token), nil
}

// List lists a record's invitations, newest first.
func (s *Service) List(ctx context.Context, p *access.Principal, patientID string) ([]Invitation, error) {
	if err := p.Can(authz.PatientInvite); err != nil {
		return nil, err
	}
	var rows []store.InvitationRow
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if _, err := tx.PatientStatus(ctx, p.User.OrgID, patientID); err != nil {
			return noPatient(err)
		}
		rows, err = tx.Invitations(ctx, p.User.OrgID, patientID)
		return err
	})
	out := make([]Invitation, len(rows))
	for i, r := range rows {
		out[i] = viewInvitation(r, s.now())
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

// Revoke ends a pending (or expired) invitation: its link no
// longer works.
func (s *Service) Revoke(ctx context.Context, p *access.Principal, patientID, id string) (Invitation, error) {
	if err := p.Can(authz.PatientInvite); err != nil {
		return Invitation{}, err
	}
	var row store.InvitationRow
	err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
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
	return viewInvitation(row, s.now()), err
}

// Resend gives a pending or expired invitation a new token and
// expiry (the old link is dead) and, for the email channel, mails it again.
func (s *Service) Resend(ctx context.Context, p *access.Principal, patientID, id, base string) (Invitation, string, error) {
	if err := p.Can(authz.PatientInvite); err != nil {
		return Invitation{}, "", err
	}
	var row store.InvitationRow
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = pendingInvitation(ctx, tx, p.User.OrgID, patientID, id)
		return err
	}); err != nil {
		return Invitation{}, "", err
	}
	if row.Channel == ChannelEmail && s.mailer == nil {
		return Invitation{}, "", ward.Errorf(ward.CodeUnavailable, "ward sends no email: start it with --smtp to invite by email")
	}
	email, err := s.inviteTarget(ctx, p.User.OrgID, patientID)
	if err != nil {
		return Invitation{}, "", err
	}
	token, hash := purpose.NewToken()
	clinic, ttl, err := s.inviteTerms(ctx, p.User.OrgID)
	if err != nil {
		return Invitation{}, "", err
	}
	expires := s.now().Add(ttl)
	if row.Channel == ChannelEmail { // before the write, as Invite
		if err := s.mailer.Send(ctx, email, mail.Invitation{Clinic: clinic, Link: onetime.Link(base, LinkPath, token), Expires: expires}); err != nil {
			return Invitation{}, "", err
		}
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
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
	return viewInvitation(row, s.now()), onetime.Link(base, LinkPath, token), nil
}

// InvitationInfo is what an invitation link shows before any proof: the
// clinic, the expiry, and whether an email code is needed.
type InvitationInfo struct {
	Clinic         string
	ExpiresAt      time.Time
	NeedsEmailCode bool
}

// openInvitation reads the pending invitation a token names: unknown is
// not_found, expired invitation_expired, accepted or revoked (or replaced)
// invitation_used.
func openInvitation(ctx context.Context, tx *store.Tx, token string) (store.InvitationRow, error) {
	if !onetime.ValidToken(token) {
		return store.InvitationRow{}, ward.Errorf(ward.CodeNotFound, "no such invitation")
	}
	r, err := tx.InvitationByToken(ctx, purpose.HashToken(token))
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

// LookUp answers what an invitation link shows (no session).
func (s *Service) LookUp(ctx context.Context, token, ip string) (InvitationInfo, error) {
	var info InvitationInfo
	err := s.gate.Guard(ip, token, failed, func() error {
		return s.store.Read(ctx, func(tx *store.Tx) error {
			r, err := openInvitation(ctx, tx, token)
			if err != nil {
				return err
			}
			o, err := tx.OrgByID(ctx, r.OrgID)
			info = InvitationInfo{Clinic: o.Name, ExpiresAt: r.ExpiresAt, NeedsEmailCode: r.Channel == ChannelEmail}
			return err
		})
	})
	return info, err
}

// SendCode mails a new six-digit code to the record's email for
// an invitation that came by email; the earlier code stops working.
func (s *Service) SendCode(ctx context.Context, token, ip string) error {
	fail, err := s.gate.Enter(ip, token)
	if err != nil {
		return err
	}
	if s.mailer == nil {
		return ward.Errorf(ward.CodeUnavailable, "ward sends no email")
	}
	var r store.InvitationRow
	err = s.store.Read(ctx, func(tx *store.Tx) (err error) {
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
	email, err := s.inviteTarget(ctx, r.OrgID, r.PatientID)
	if err != nil {
		return err
	}
	code, err := onetime.NewCode()
	if err != nil {
		return err
	}
	clinic, _, err := s.inviteTerms(ctx, r.OrgID)
	if err != nil {
		return err
	}
	exp := s.now().Add(onetime.CodeTTL)
	if err := s.store.Write(ctx, func(tx *store.Tx) error {
		if _, err := openInvitation(ctx, tx, token); err != nil {
			return err
		}
		return tx.SetInvitationCode(ctx, r.ID, purpose.HashCode(r.TokenHash, code), exp)
	}); err != nil {
		return err
	}
	return s.mailer.Send(ctx, email, mail.EmailCode{Clinic: clinic, Code: code, Expires: exp})
}

// inviteTerms reads the org's name and its invitations' lifetime.
func (s *Service) inviteTerms(ctx context.Context, orgID string) (clinic string, ttl time.Duration, err error) {
	err = s.store.Read(ctx, func(tx *store.Tx) error {
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
func (s *Service) SetMailer(m Mailer) { s.mailer = m }
