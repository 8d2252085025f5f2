package prefs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Service keeps preferences and presence. It takes the time from the
// store's clock (store.Tx.Now).
type Service struct {
	store    *store.Store
	schedule Schedule // nil: presence is as set by hand
}

// New returns the Service over st.
func New(st *store.Store) *Service { return &Service{store: st} }

// WithSchedule makes the on-call schedule drive the presence Directory
// shows (Prefs.Scheduled), and returns s.
func (s *Service) WithSchedule(sc Schedule) *Service {
	s.schedule = sc
	return s
}

// Get returns p's own preferences (the defaults when never set).
func (s *Service) Get(ctx context.Context, p *access.Principal) (Prefs, error) {
	if err := p.Can(authz.NotificationsManage); err != nil {
		return Prefs{}, err
	}
	var out Prefs
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		m, err := Load(ctx, tx, []string{p.User.ID})
		out = m[p.User.ID]
		return err
	})
	return out, err
}

// Put sets p's own preferences, presence included (Presence "" keeps it),
// and audits the change (settings.notifications_updated; the reason names
// the settings, which are not PHI). Invalid preferences change nothing.
func (s *Service) Put(ctx context.Context, p *access.Principal, in Prefs) (Prefs, error) {
	if err := p.Can(authz.NotificationsManage); err != nil {
		return Prefs{}, err
	}
	var out Prefs
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		cur, err := Load(ctx, tx, []string{p.User.ID})
		if err != nil {
			return err
		}
		if in.Presence == "" {
			in.Presence = cur[p.User.ID].Presence
		}
		if in.Presence != cur[p.User.ID].Presence {
			if err := p.Can(authz.PresenceSet); err != nil {
				return err
			}
		}
		if in.DNDUntil != nil {
			d := in.DNDUntil.UTC().Truncate(time.Second)
			in.DNDUntil = &d
		}
		if err := in.Validate(tx.Now); err != nil {
			return err
		}
		in.UpdatedAt = time.Time{}
		doc, err := json.Marshal(document{in.NewMessage, in.QuietHours, in.DNDUntil})
		if err != nil {
			return err
		}
		if err := tx.PutNotificationPrefs(ctx, p.User.OrgID, p.User.ID, string(doc)); err != nil {
			return err
		}
		if err := tx.SetPresence(ctx, p.User.OrgID, p.User.ID, string(in.Presence)); err != nil {
			return err
		}
		e := p.Event(audit.NotificationsUpdated, "user", p.User.ID)
		e.Reason = in.summary()
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
		out, out.UpdatedAt = in, tx.Now.UTC()
		return nil
	})
	return out, err
}

// summary says what in sets, for the audit trail.
func (in Prefs) summary() string {
	on := func(b bool) string {
		if b {
			return "on"
		}
		return "off"
	}
	parts := []string{fmt.Sprintf("new_message direct=%s group=%s team_inbox=%s",
		on(in.NewMessage.Direct), on(in.NewMessage.Group), on(in.NewMessage.TeamInbox))}
	if q := in.QuietHours; q != nil {
		parts = append(parts, fmt.Sprintf("quiet_hours %s-%s %s", q.From, q.To, q.TimeZone))
	}
	if in.DNDUntil != nil {
		parts = append(parts, "dnd_until "+in.DNDUntil.Format(time.RFC3339))
	}
	return strings.Join(append(parts, "presence "+string(in.Presence)), "; ")
}

// Presence returns p's own presence.
func (s *Service) Presence(ctx context.Context, p *access.Principal) (Presence, error) {
	if err := p.Can(authz.PresenceSet); err != nil {
		return "", err
	}
	var out Presence
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		m, err := Load(ctx, tx, []string{p.User.ID})
		out = m[p.User.ID].Presence
		return err
	})
	return out, err
}

// SetPresence sets p's own presence, audited (settings.presence_changed,
// the reason the presence) when it changes.
func (s *Service) SetPresence(ctx context.Context, p *access.Principal, to Presence) error {
	if err := p.Can(authz.PresenceSet); err != nil {
		return err
	}
	if !to.Valid() {
		return ward.Errorf(ward.CodeInvalid, "presence must be available, busy or off_duty")
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		cur, err := Load(ctx, tx, []string{p.User.ID})
		if err != nil || cur[p.User.ID].Presence == to {
			return err
		}
		if err := tx.SetPresence(ctx, p.User.OrgID, p.User.ID, string(to)); err != nil {
			return err
		}
		e := p.Event(audit.PresenceChanged, "user", p.User.ID)
		e.Reason = "presence " + string(to)
		return audit.Append(ctx, tx, e)
	})
}

// Directory returns the presence of the users of p's org who are not
// available (the default), for the staff directory; p must be staff.
// With a schedule, those on call now who did not set busy or off duty by
// hand show as OnCall (Prefs.Scheduled).
func (s *Service) Directory(ctx context.Context, p *access.Principal) (map[string]Presence, error) {
	if err := p.Can(authz.PresenceRead); err != nil {
		return nil, err
	}
	out := map[string]Presence{}
	var now time.Time
	err := s.store.Read(ctx, func(tx *store.Tx) error {
		now = tx.Now
		rows, err := tx.OrgPresence(ctx, p.User.OrgID)
		for _, r := range rows {
			out[r.UserID] = Presence(r.Presence)
		}
		return err
	})
	if err != nil || s.schedule == nil {
		return out, err
	}
	on, err := s.schedule.OnCallAt(ctx, p.User.OrgID, now)
	if err != nil {
		return nil, err
	}
	for u := range on {
		if _, byHand := out[u]; !byHand {
			out[u] = OnCall
		}
	}
	return out, nil
}

// document is what the store keeps of Prefs (presence has its own column).
type document struct {
	NewMessage NewMessage  `json:"new_message"`
	QuietHours *QuietHours `json:"quiet_hours"`
	DNDUntil   *time.Time  `json:"dnd_until"`
}

// Load returns the preferences of users, the defaults for those who never
// set theirs, in tx.
func Load(ctx context.Context, tx *store.Tx, users []string) (map[string]Prefs, error) {
	rows, err := tx.NotificationPrefsOf(ctx, users)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Prefs, len(users))
	for _, u := range users {
		out[u] = Default()
	}
	for _, r := range rows {
		p := Default()
		d := document{NewMessage: p.NewMessage}
		if err := json.Unmarshal([]byte(r.Prefs), &d); err != nil {
			return nil, ward.Wrap(ward.CodeIntegrity, err, "stored notification preferences do not decode")
		}
		p.NewMessage, p.QuietHours, p.DNDUntil = d.NewMessage, d.QuietHours, d.DNDUntil
		if pr := Presence(r.Presence); pr.Valid() {
			p.Presence = pr
		}
		p.UpdatedAt = r.UpdatedAt
		out[r.UserID] = p
	}
	return out, nil
}
