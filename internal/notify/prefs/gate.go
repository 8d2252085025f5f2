package prefs

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// Gate applies users' preferences to Web Push (internal/notify/push
// Config.Gate): it says who of a notification's receivers get it now.
// It takes the time from the store's clock (store.Tx.Now).
type Gate struct {
	store    *store.Store
	schedule Schedule // nil: presence is as set by hand
}

// NewGate returns a Gate over st.
func NewGate(st *store.Store) *Gate { return &Gate{store: st} }

// WithSchedule makes the on-call schedule count (Prefs.Scheduled): the
// schedule is asked only when someone would be held by their quiet hours
// alone, so a notification to people outside their quiet hours costs
// nothing more. It returns g.
func (g *Gate) WithSchedule(sc Schedule) *Gate {
	g.schedule = sc
	return g
}

// Allow returns those of users whose preferences let a notification of a
// message in conversation convID through now (Prefs.Hold): all of them for
// an urgent one. On a failure to read the preferences it lets everyone
// through: a missed page is worse than a push in quiet hours.
func (g *Gate) Allow(ctx context.Context, urgent bool, convID string, users []string) ([]string, error) {
	if urgent || len(users) == 0 {
		return users, nil
	}
	var out, quiet []string // quiet: held by their quiet hours alone
	var m map[string]Prefs
	var c Conversation
	var orgID string
	var now time.Time
	err := g.store.Read(ctx, func(tx *store.Tx) error {
		now = tx.Now
		kind, teamID, err := tx.ConversationKind(ctx, convID)
		if err != nil {
			return err
		}
		c = Group
		switch {
		case teamID != "":
			c = TeamInbox
		case kind == ward.Direct:
			c = Direct
		}
		if m, err = Load(ctx, tx, users); err != nil {
			return err
		}
		out = make([]string, 0, len(users))
		for _, u := range users {
			switch {
			case !m[u].Hold(now, false, c):
				out = append(out, u)
			case g.schedule != nil && !m[u].Scheduled(true).Hold(now, false, c):
				quiet = append(quiet, u)
			}
		}
		if len(quiet) > 0 {
			orgID, err = tx.ConversationOrg(ctx, convID)
		}
		return err
	})
	if err != nil {
		return users, err
	}
	if len(quiet) == 0 {
		return out, nil
	}
	on, err := g.schedule.OnCallAt(ctx, orgID, now)
	if err != nil {
		return users, err
	}
	for _, u := range quiet {
		if on[u] {
			out = append(out, u)
		}
	}
	return out, nil
}
