package outside

import (
	"context"
	"strings"
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

// purpose separates this package's link and code hashes from any other's.
const purpose = onetime.Purpose("ward-outside")

// LinkPath is where a link points under the public origin; the web client
// serves the page that opens it.
const LinkPath = "/outside/"

// Messaging is what this package asks of internal/app, which *app.App
// satisfies.
type Messaging interface {
	// GuestThread returns the direct conversation between p and the guest
	// of email in p's org, making either when missing.
	GuestThread(ctx context.Context, p *access.Principal, email string) (convID, guestID string, created bool, err error)
	// GuestEmail opens the sealed email of an enabled guest.
	GuestEmail(ctx context.Context, orgID, guestID string) (string, error)
	// SendText sends a message as p; a retry with the same client id sends
	// nothing new (created false).
	SendText(ctx context.Context, p *access.Principal, convID, clientID, body string, attachmentIDs []string) (ward.Message, bool, error)
}

// Mailer sends ward's PHI-free messages (internal/notify/mail).
type Mailer interface {
	Send(ctx context.Context, to string, msg mail.Message) error
}

// Config is what a Service is built from; Mailer nil makes sending
// unavailable, Now nil is time.Now.
type Config struct {
	Store     *store.Store
	Messaging Messaging
	Mailer    Mailer
	Now       func() time.Time
}

// Service is the use cases of secure messages to outside addresses.
type Service struct {
	store  *store.Store
	msg    Messaging
	mailer Mailer
	now    func() time.Time
	gate   *onetime.Gate
}

// New builds a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, msg: cfg.Messaging, mailer: cfg.Mailer, now: cfg.Now}
	if s.now == nil {
		s.now = time.Now
	}
	s.gate = onetime.NewGate(purpose, s.now)
	return s
}

// SetMailer gives the service its mailer after it is built (tests that
// start an SMTP server of their own); call it before serving.
func (s *Service) SetMailer(m Mailer) { s.mailer = m }

// Statuses of a sent message, as its sender sees them.
const (
	StatusSent    = "sent"    // the link was mailed
	StatusOpened  = "opened"  // the recipient proved the address and opened the thread
	StatusReplied = "replied" // the recipient wrote in the thread after this message
)

// Sent is one secure message as its sender sees it: ids and times, no
// content and no address (the thread's title holds that, sealed).
type Sent struct {
	ID, ConversationID, MessageID, GuestID string
	Status                                 string
	CreatedAt, ExpiresAt, OpenedAt         time.Time
}

func view(l store.OutsideLink) Sent {
	v := Sent{ID: l.ID, ConversationID: l.ConversationID, MessageID: l.MessageID, GuestID: l.GuestID, Status: StatusSent,
		CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, OpenedAt: l.OpenedAt}
	switch {
	case l.Replied:
		v.Status = StatusReplied
	case !l.OpenedAt.IsZero():
		v.Status = StatusOpened
	}
	return v
}

// SendRequest is a message to an outside address: a new or continued
// thread to Email, or a continued thread by ConversationID (then Email may
// be left out). AttachmentIDs name attachments uploaded to that
// conversation, so they go only with a continued thread.
type SendRequest struct {
	Email, ConversationID string
	ClientID, Body        string
	AttachmentIDs         []string
}

// Result is what sending answers: the thread, the message as sent, the
// link's record, and whether the guest account was made now.
type Result struct {
	ConversationID string
	Message        ward.Message
	Recipient      Sent
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// check validates req before anything is stored or sent.
func check(req *SendRequest) error {
	req.Email, req.ConversationID = ward.NormalizeEmail(req.Email), strings.TrimSpace(req.ConversationID)
	if req.Email == "" && req.ConversationID == "" {
		return ward.Errorf(ward.CodeInvalid, "email is required (or the conversation_id of an outside thread)")
	}
	if len(req.AttachmentIDs) > 0 && req.ConversationID == "" {
		return ward.Errorf(ward.CodeInvalid, "attachments are uploaded to a conversation: start the thread first, then send them with its conversation_id")
	}
	if err := ward.ValidBody(req.Body); err != nil {
		return err
	}
	if req.ClientID == "" {
		req.ClientID = newID()
	}
	if len(req.ClientID) > ward.MaxClientIDLen {
		return ward.Errorf(ward.CodeInvalid, "client_id must be at most %d characters", ward.MaxClientIDLen)
	}
	if req.Email != "" {
		u := ward.User{OrgID: "-", Email: req.Email, Name: "-", Role: ward.RoleGuest}
		if err := u.Validate(); err != nil {
			return err
		}
	}
	return nil
}

// Send writes to an outside address: it starts (or continues) the direct
// thread between p and the address's guest, sends the message in it,
// sealed, then mails the address the clinic's name and a new one-time
// link, and records the link (outside.sent). Bad input, an address of an
// account of the org, or no mailer: an error, and nothing stored or sent.
// When the mail cannot go after the message was stored, the answer is
// unavailable and a retry with the same client_id mails it without
// sending the message twice.
func (s *Service) Send(ctx context.Context, p *access.Principal, req SendRequest, base string) (Result, error) {
	if err := p.Can(authz.OutsideSend); err != nil {
		return Result{}, err
	}
	if s.mailer == nil {
		return Result{}, ward.Errorf(ward.CodeUnavailable, "ward sends no email: start it with --smtp to write to outside addresses")
	}
	if err := check(&req); err != nil {
		return Result{}, err
	}
	orgID := p.User.OrgID
	var clinic string
	var pol ward.Policy
	var guestID string
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		o, err := tx.OrgByID(ctx, orgID)
		if err != nil {
			return err
		}
		clinic = o.Name
		if pol, err = tx.Policy(ctx, orgID); err != nil || req.ConversationID == "" {
			return err
		}
		th, err := tx.OutsideThread(ctx, orgID, req.ConversationID)
		if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && th.SenderID != p.User.ID) {
			return ward.Errorf(ward.CodeNotFound, "no such outside thread of yours")
		}
		guestID = th.GuestID
		return err
	})
	if err != nil {
		return Result{}, err
	}
	convID, email := req.ConversationID, req.Email
	if convID != "" {
		addr, err := s.msg.GuestEmail(ctx, orgID, guestID)
		if err != nil {
			return Result{}, err
		}
		if email != "" && email != addr {
			return Result{}, ward.Errorf(ward.CodeInvalid, "the conversation is a thread with another address")
		}
		email = addr
	} else if convID, guestID, _, err = s.msg.GuestThread(ctx, p, email); err != nil {
		return Result{}, err
	}
	m, _, err := s.msg.SendText(ctx, p, convID, req.ClientID, req.Body, req.AttachmentIDs)
	if err != nil {
		return Result{}, err
	}
	token, hash := purpose.NewToken()
	link := store.OutsideLink{ID: newID(), OrgID: orgID, ConversationID: convID, MessageID: m.ID, MessageSeq: m.Seq,
		SenderID: p.User.ID, GuestID: guestID, TokenHash: hash, ExpiresAt: s.now().Add(pol.OutsideAccessTime())}
	// Mailed before the link is stored: a link that names nothing is
	// harmless; a stored link whose mail never went is a lie to the sender.
	if err := s.mailer.Send(ctx, email, mail.SecureMessage{Clinic: clinic, Link: onetime.Link(base, LinkPath, token), Expires: link.ExpiresAt}); err != nil {
		return Result{}, ward.Wrap(ward.CodeUnavailable, err, "the message is in the thread, but its email could not be sent: send again with the same client_id")
	}
	err = s.store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.InsertOutsideLink(ctx, &link); err != nil {
			return err
		}
		ev := p.Event(audit.OutsideSent, "outside_link", link.ID)
		ev.Reason = "conversation " + convID + ", message " + m.ID
		return audit.Append(ctx, tx, ev)
	})
	if err != nil {
		return Result{}, err
	}
	return Result{ConversationID: convID, Message: m, Recipient: view(link)}, nil
}

// maxListed bounds the sent messages one list returns.
const maxListed = 200

// SentBy lists p's secure messages, newest first, with their status; with
// convID, only the latest of that thread (none: not_found).
func (s *Service) SentBy(ctx context.Context, p *access.Principal, convID string) ([]Sent, error) {
	if err := p.Can(authz.OutsideSend); err != nil {
		return nil, err
	}
	var ls []store.OutsideLink
	err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if convID == "" {
			ls, err = tx.OutsideLinksBySender(ctx, p.User.OrgID, p.User.ID, maxListed)
			return err
		}
		l, err := tx.OutsideThread(ctx, p.User.OrgID, convID)
		if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && l.SenderID != p.User.ID) {
			return ward.Errorf(ward.CodeNotFound, "no such outside thread of yours")
		}
		ls = []store.OutsideLink{l}
		return err
	})
	out := make([]Sent, len(ls))
	for i, l := range ls {
		out[i] = view(l)
	}
	return out, err
}
