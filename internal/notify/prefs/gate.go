package prefs

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// Gate applies users' preferences to Web Push (internal/notify/push
// Config.Gate): it says who of a notification's receivers get it now.
// It takes the time from the store's clock (store.Tx.Now).
type Gate struct{ store *store.Store }

// NewGate returns a Gate over st.
func NewGate(st *store.Store) *Gate { return &Gate{store: st} }

// Allow returns those of users whose preferences let a notification of a
// message in conversation convID through now (Prefs.Hold): all of them for
// an urgent one. On a failure to read the preferences it lets everyone
// through: a missed page is worse than a push in quiet hours.
func (g *Gate) Allow(ctx context.Context, urgent bool, convID string, users []string) ([]string, error) {
	if urgent || len(users) == 0 {
		return users, nil
	}
	var out []string
	err := g.store.Read(ctx, func(tx *store.Tx) error {
		kind, teamID, err := tx.ConversationKind(ctx, convID)
		if err != nil {
			return err
		}
		c := Group
		switch {
		case teamID != "":
			c = TeamInbox
		case kind == ward.Direct:
			c = Direct
		}
		m, err := Load(ctx, tx, users)
		if err != nil {
			return err
		}
		out = make([]string, 0, len(users))
		for _, u := range users {
			if !m[u].Hold(tx.Now, false, c) {
				out = append(out, u)
			}
		}
		return nil
	})
	if err != nil {
		return users, err
	}
	return out, nil
}
