package compliance

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/attachments"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/realtime"
	"github.com/wardhealth/ward/internal/store"
)

// Transcripts is what app does for a grant's reader: it opens pages of
// messages and attachments of a conversation without membership (the
// caller checked the grant) and records the given audit event durably
// before it answers.
type Transcripts interface {
	// ReadGranted runs grant in the page's read transaction: it names the
	// conversation and the audit event, or refuses the read.
	ReadGranted(ctx context.Context, p *access.Principal, afterSeq int64, limit int, grant func(tx *store.Tx) (string, audit.Event, error)) ([]ward.Message, error)
	OpenGrantedAttachment(ctx context.Context, p *access.Principal, convID, id string, e audit.Event) (ward.Attachment, io.ReadCloser, error)
	OpenConversation(ctx context.Context, row store.Conversation) (ward.Conversation, error)
	// Attachments opens the kept attachments of held copies (OpenHeld, Names).
	Attachments() *attachments.Service
}

// Mailer sends ward's PHI-free emails (internal/notify/mail).
type Mailer interface {
	Send(ctx context.Context, to string, msg mail.Message) error
}

// Config is what a Service is built from; Now and Logger may be nil.
type Config struct {
	Store       *store.Store
	Keyring     *keyring.Keyring
	Transcripts Transcripts
	Broker      realtime.Broker // break-glass alerts reach compliance officers' sockets through it
	// Mailer, when set, also emails each compliance officer a PHI-free
	// alert of every break-glass use, linking to ConsoleLink.
	Mailer      Mailer
	ConsoleLink string
	Logger      *slog.Logger
	Now         func() time.Time
}

// Service is the compliance review and break-glass use cases.
type Service struct {
	store  *store.Store
	keys   *keyring.Keyring
	tr     Transcripts
	broker realtime.Broker
	mailer Mailer
	link   string
	mails  sync.WaitGroup // alert emails under way
	log    *slog.Logger
	now    func() time.Time
}

// New builds a Service.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: cfg.Store, keys: cfg.Keyring, tr: cfg.Transcripts, broker: cfg.Broker, mailer: cfg.Mailer,
		link: cfg.ConsoleLink, log: cfg.Logger, now: cfg.Now}
}

// Wait waits for the alert emails under way (tests; shutdown).
func (s *Service) Wait() { s.mails.Wait() }

// ref is where a grant's sealed field lives: one data key per org for
// compliance records.
func ref(orgID, grantID, field string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: "compliance:" + orgID, Record: grantID, Field: field}
}

// timeBox is the time box of a new grant of kind k: the policy's when
// minutes is 0, else minutes, which may not exceed it.
func timeBox(pol ward.Policy, k ward.GrantKind, minutes int) (time.Duration, error) {
	limit := pol.GrantAccess(k)
	switch {
	case minutes == 0:
		return limit, nil
	case minutes < 0:
		return 0, ward.Errorf(ward.CodeInvalid, "minutes must be a positive whole number")
	case minutes > int(limit/time.Minute): // compared in minutes: a huge number cannot overflow into a short box
		return 0, ward.Errorf(ward.CodeTimeBoxTooLong, "the org's policy allows at most %d minutes", int(limit/time.Minute))
	}
	return time.Duration(minutes) * time.Minute, nil
}

// open stores grant g (its reason sealed) with audit event e in one
// transaction; check runs first in it.
func (s *Service) open(ctx context.Context, p *access.Principal, g *ward.Grant, minutes int, check func(*store.Tx) error,
	event func(g *ward.Grant) audit.Event) error {
	r, err := ward.CheckReason(g.Kind, g.Reason)
	if err != nil {
		return err
	}
	g.Reason = r
	box, err := timeBox(p.Policy, g.Kind, minutes)
	if err != nil {
		return err
	}
	g.ID, g.UserID = uuid.Must(uuid.NewV7()).String(), p.User.ID
	g.OpenedAt = s.now().UTC()
	g.ExpiresAt = g.OpenedAt.Add(box)
	sealed, err := s.keys.Seal(ctx, ref(p.User.OrgID, g.ID, "reason"), []byte(g.Reason.Text))
	if err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		if err := tx.CreateGrant(ctx, &store.GrantRow{Grant: *g, OrgID: p.User.OrgID, ReasonSealed: sealed}); err != nil {
			return err
		}
		return audit.Append(ctx, tx, event(g))
	})
}

// live reads grant id of kind k held by p and checks it still reads now:
// someone else's grant does not exist for p; one past its time box is
// CodeAccessExpired.
func (s *Service) live(ctx context.Context, p *access.Principal, k ward.GrantKind, id string) (g store.GrantRow, err error) {
	err = s.store.Read(ctx, func(tx *store.Tx) error {
		g, err = s.liveIn(ctx, tx, p, k, id)
		return err
	})
	return g, err
}

// liveIn is live in tx (a page read's own transaction).
func (s *Service) liveIn(ctx context.Context, tx *store.Tx, p *access.Principal, k ward.GrantKind, id string) (store.GrantRow, error) {
	if _, err := uuid.Parse(id); err != nil {
		return store.GrantRow{}, ward.Errorf(ward.CodeNotFound, "no such review or break-glass")
	}
	g, err := tx.GrantByID(ctx, p.User.OrgID, id)
	if err != nil {
		return g, err
	}
	if g.Kind != k || g.UserID != p.User.ID {
		return store.GrantRow{}, ward.Errorf(ward.CodeNotFound, "no such review or break-glass")
	}
	if !g.Live(s.now()) {
		return g, ward.Errorf(ward.CodeAccessExpired, "the time box ended at %s: open a new one with a reason to read again",
			g.ExpiresAt.Format(time.RFC3339))
	}
	return g, nil
}

// recordRead audits, durably before the answer, that p read the reasons
// (and notes) of grants: their free text may be PHI. what names the list.
func (s *Service) recordRead(ctx context.Context, p *access.Principal, what string, gs []ward.Grant) error {
	if p.User.Role != ward.RoleCompliance || len(gs) == 0 { // the owner sees no text
		return nil
	}
	e := p.Event(audit.ComplianceSearched, "compliance", "")
	if len(gs) == 1 {
		e.ResourceType, e.ResourceID, e.PatientID = string(gs[0].Kind), gs[0].ID, gs[0].PatientID
	}
	e.Reason = fmt.Sprintf("%s: %d read with their reasons", what, len(gs))
	return s.store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) })
}

// opened returns the grants with their reasons (and notes) opened; text
// false leaves the free text out (for the org owner: the log shows who,
// what, when and why by category, not what the reason says).
func (s *Service) opened(ctx context.Context, rows []store.GrantRow, text bool) ([]ward.Grant, error) {
	out := make([]ward.Grant, 0, len(rows))
	for _, r := range rows {
		g := r.Grant
		if text {
			pt, err := s.keys.Open(ctx, ref(r.OrgID, r.ID, "reason"), r.ReasonSealed)
			if err != nil {
				return nil, err
			}
			g.Reason.Text = string(pt)
			if len(r.NoteSealed) > 0 {
				if pt, err = s.keys.Open(ctx, ref(r.OrgID, r.ID, "note"), r.NoteSealed); err != nil {
					return nil, err
				}
				g.Note = string(pt)
			}
		}
		out = append(out, g)
	}
	return out, nil
}

// Found is a conversation as the compliance search and a break-glass list
// it: ids, members, patient and dates; Title only where the reader may see
// it (a break-glass), never in the compliance search.
type Found struct {
	ID            string                `json:"id"`
	Kind          ward.ConversationKind `json:"kind"`
	Title         string                `json:"title,omitempty"`
	PatientID     string                `json:"patient_id,omitempty"`
	MemberIDs     []string              `json:"member_ids"`
	CreatedAt     time.Time             `json:"created_at"`
	LastMessageAt time.Time             `json:"last_message_at,omitzero"`
	LastSeq       int64                 `json:"last_seq"`
}

func found(c store.Conversation) Found {
	return Found{ID: c.ID, Kind: c.Kind, PatientID: c.PatientID, MemberIDs: c.MemberIDs(), CreatedAt: c.CreatedAt,
		LastMessageAt: c.LastMessageAt, LastSeq: c.LastSeq}
}
