package digest

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/prefs"
	"github.com/wardhealth/ward/internal/store"
)

// Mailer sends ward's PHI-free messages (internal/notify/mail).
type Mailer interface {
	Send(ctx context.Context, to string, msg mail.Message) error
}

// Patients opens a patient's sealed email, in memory, for ward itself
// (internal/app implements it).
type Patients interface {
	PatientEmail(ctx context.Context, orgID, userID string) (string, error)
}

// Config is what a Service is built from; all but Patients and Logger are
// required.
type Config struct {
	Store    *store.Store
	Mailer   Mailer
	Link     string   // the app's URL, https:// (the public URL)
	Patients Patients // nil: patients get no email
	Logger   *slog.Logger
}

// Service sends the fallback emails.
type Service struct {
	store    *store.Store
	mailer   Mailer
	link     string
	patients Patients
	log      *slog.Logger
}

// New returns the Service of cfg.
func New(cfg Config) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{store: cfg.Store, mailer: cfg.Mailer, link: cfg.Link, patients: cfg.Patients, log: cfg.Logger}
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
		to, patient := m.c.Email, m.c.Role == ward.RolePatient
		if patient { // sealed: opened here, in memory, only to address the mail
			if to, err = s.patients.PatientEmail(ctx, m.c.OrgID, m.c.UserID); ward.ErrorCode(err) == ward.CodeNotFound {
				continue // disabled since, or shredded
			} else if err != nil {
				return sent, err
			}
		}
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
		if err := s.mailer.Send(ctx, to, msg); err != nil {
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
		if patient {
			if err := s.store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, emailed(m)) }); err != nil {
				return sent, err
			}
		}
	}
	return sent, nil
}

// emailed is the audit event of a digest mailed to a patient: the kind and
// the count, never the address.
func emailed(m mailing) audit.Event {
	kind := fmt.Sprintf("unread-messages email (%d unread)", m.c.Unread)
	if m.urgent {
		kind = "urgent-message email"
	}
	return audit.Event{OrgID: m.c.OrgID, Actor: audit.Actor{Role: "system"}, Action: audit.PatientEmailed, Outcome: audit.Success,
		ResourceType: "user", ResourceID: m.c.UserID, PatientID: m.c.UserID, Reason: kind + " to the patient's address"}
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
			if pushed[c.UserID] || c.Role == ward.RolePatient && s.patients == nil {
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
