package baa

import (
	"context"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// Standing is an org's agreements at a time, for the conformance report
// (164.308(b)(1)).
type Standing struct {
	Total    int // agreements recorded
	InForce  int // signed and not expired
	Expiring int // of those, expiring within the window asked for
	Missing  int // without one in force: none, requested, terminated, expired (or signed and past expiry)
}

// StandingAt reads orgID's agreements as they stand at now; Expiring
// counts those in force that expire within `within`.
func StandingAt(ctx context.Context, st *store.Store, orgID string, now time.Time, within time.Duration) (Standing, error) {
	var s Standing
	err := st.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.BAAs(ctx, orgID)
		if err != nil {
			return err
		}
		for _, b := range rows {
			s.Total++
			switch {
			case b.Status != StatusSigned || !b.ExpiresAt.IsZero() && !b.ExpiresAt.After(now):
				s.Missing++
			default:
				s.InForce++
				if !b.ExpiresAt.IsZero() && b.ExpiresAt.Sub(now) <= within {
					s.Expiring++
				}
			}
		}
		return nil
	})
	return s, err
}
