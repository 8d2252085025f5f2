package digest

import (
	"context"
	"log/slog"
	"time"

	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/prefs"
	"github.com/wardhealth/ward/internal/store"
)

// Mailer sends ward's PHI-free messages (internal/notify/mail).
type Mailer interface {
	Send(ctx context.Context, to string, msg mail.Message) error
}

// Config is what a Service is built from; all but Logger are required.
type Config struct {
	Store  *store.Store
	Mailer Mailer
	Link   string // the app's URL, https:// (the public URL)
	Logger *slog.Logger
}

// Service sends the fallback emails.
type Service struct {
	store  *store.Store
	mailer Mailer
	link   string
	log    *slog.Logger
}

// New returns the Service of cfg.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: cfg.Store, mailer: cfg.Mailer, link: cfg.Link, log: cfg.Logger}
}

const (
	// Lookback bounds the messages a run looks at: older unread messages
	// were mailed about, or waited before the user had no push.
	Lookback = 24 * time.Hour
	// MinGap is the least time between two digests to one user.
	MinGap = time.Hour
)

// mailing is one email a run decided on.
type mailing struct {
	c      store.EmailCandidate
	clinic string
	urgent bool
}

// Run mails everyone due now, and returns how many emails went out. A
// failed send is logged (never the address), given back, and tried on the
// next run.
func (s *Service) Run(ctx context.Context) (int, error) {
	due, now, err := s.due(ctx)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range due {
		prev := m.c.DigestAt
		claim := (*store.Tx).ClaimDigestEmail
		if m.urgent {
			prev, claim = m.c.UrgentAt, (*store.Tx).ClaimUrgentEmail
		}
		var claimed bool
		if err := s.store.Write(ctx, func(tx *store.Tx) (err error) {
			claimed, err = claim(tx, ctx, m.c.UserID, prev, now)
			return err
		}); err != nil {
			return sent, err
		}
		if !claimed { // another run mailed them since
			continue
		}
		msg := mail.Unread{Clinic: m.clinic, Link: s.link, Count: m.c.Unread, Urgent: m.urgent}
		if err := s.mailer.Send(ctx, m.c.Email, msg); err != nil {
			s.log.Warn("email fallback: sending failed", "user", m.c.UserID, "err", err.Error())
			if err := s.store.Write(ctx, func(tx *store.Tx) error {
				_, err := claim(tx, ctx, m.c.UserID, now, prev)
				return err
			}); err != nil {
				return sent, err
			}
			continue
		}
		sent++
	}
	return sent, nil
}

// due decides who is mailed now, and about what.
func (s *Service) due(ctx context.Context) ([]mailing, time.Time, error) {
	var out []mailing
	var now time.Time
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		now = tx.Now
		cands, err := tx.EmailCandidates(ctx, now.Add(-Lookback))
		if err != nil || len(cands) == 0 {
			return err
		}
		users := make([]string, len(cands))
		for i, c := range cands {
			users[i] = c.UserID
		}
		subs, err := tx.PushSubscriptions(ctx, users)
		if err != nil {
			return err
		}
		pushed := map[string]bool{}
		for _, sub := range subs {
			pushed[sub.UserID] = pushed[sub.UserID] || sub.Live
		}
		pref, err := prefs.Load(ctx, tx, users)
		if err != nil {
			return err
		}
		orgs := map[string]org{}
		for _, c := range cands {
			if pushed[c.UserID] {
				continue
			}
			o, ok := orgs[c.OrgID]
			if !ok {
				if o, err = loadOrg(ctx, tx, c.OrgID); err != nil {
					return err
				}
				orgs[c.OrgID] = o
			}
			if o.after <= 0 { // the org turned the email fallback off
				continue
			}
			switch {
			case !c.Urgent.IsZero(): // at once, through quiet hours
				out = append(out, mailing{c: c, clinic: o.name, urgent: true})
			case c.Unread > 0 && !c.FirstNew.IsZero() && !c.FirstNew.After(now.Add(-o.after)) &&
				(c.DigestAt.IsZero() || now.Sub(c.DigestAt) >= MinGap) && !pref[c.UserID].Quiet(now):
				out = append(out, mailing{c: c, clinic: o.name})
			}
		}
		return nil
	})
	return out, now, err
}

type org struct {
	name  string
	after time.Duration
}

func loadOrg(ctx context.Context, tx *store.Tx, id string) (org, error) {
	o, err := tx.OrgByID(ctx, id)
	if err != nil {
		return org{}, err
	}
	pol, err := tx.Policy(ctx, id)
	if err != nil {
		return org{}, err
	}
	return org{name: o.Name, after: pol.EmailUnreadAfter.D()}, nil
}
