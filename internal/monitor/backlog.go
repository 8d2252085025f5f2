package monitor

import (
	"context"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// Backlog counts orgID's new alerts (not acknowledged, dismissed or
// escalated), and of them those raised before `before`, by rule: what
// the conformance report judges activity review by.
func Backlog(ctx context.Context, st *store.Store, orgID string, before time.Time) (total int, older map[string]int, err error) {
	err = st.Read(ctx, func(tx *store.Tx) error {
		total, older, err = tx.NewAlertBacklog(ctx, orgID, before)
		return err
	})
	return total, older, err
}
