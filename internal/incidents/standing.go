package incidents

import (
	"context"
	"time"

	"github.com/wardhealth/ward/internal/store"
)

// Standing is an org's breach incidents at a time, for the conformance
// report (164.308(a)(6)): ids and dates only.
type Standing struct {
	Open         int       // incidents not closed
	Overdue      int       // of them, past their deadline and not assessed low_probability (no notice owed)
	NextDeadline time.Time // the nearest deadline not yet passed of an open incident (zero: none)
}

// StandingAt reads orgID's incidents as they stand at now.
func StandingAt(ctx context.Context, st *store.Store, orgID string, now time.Time) (Standing, error) {
	var s Standing
	err := st.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.Incidents(ctx, orgID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Status != StatusOpen {
				continue
			}
			s.Open++
			switch {
			case r.DeadlineAt.Before(now):
				if r.Outcome != OutcomeLowProbability {
					s.Overdue++
				}
			case s.NextDeadline.IsZero() || r.DeadlineAt.Before(s.NextDeadline):
				s.NextDeadline = r.DeadlineAt
			}
		}
		return nil
	})
	return s, err
}
