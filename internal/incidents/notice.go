package incidents

import (
	"context"
	"sort"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// MediaThreshold: a breach of the unsecured PHI of more than this many
// residents of a State or jurisdiction is also notified to prominent media
// outlets serving it (§164.406).
const MediaThreshold = 500

// HHSThreshold: a breach of 500 or more individuals is notified to the
// Secretary (HHS) with the individuals' notices; fewer go into the annual
// log, due within 60 days after the end of the calendar year (§164.408).
const HHSThreshold = 500

// Notice is who must be notified of an incident, and by when.
type Notice struct {
	// Required: the outcome is a breach (a low probability of compromise
	// or no outcome yet: no notice).
	Required bool `json:"required"`
	Affected int  `json:"affected"`
	// ByState counts the affected patients per state ("" unknown).
	ByState map[string]int `json:"by_state"`
	// MediaStates are the states with more than MediaThreshold residents
	// affected: each needs a media notice (§164.406).
	MediaStates []string `json:"media_states"`
	Media       bool     `json:"media"`
	// HHSNow: 500 or more affected: HHS is notified with the individuals,
	// by the deadline; else AnnualLog, by HHSDue (60 days after the end of
	// the year of discovery).
	HHSNow         bool      `json:"hhs_now"`
	AnnualLog      bool      `json:"annual_log"`
	IndividualsDue time.Time `json:"individuals_due"`
	HHSDue         time.Time `json:"hhs_due"`
}

// AnnualLogDue is when the annual log of the breaches of under 500
// individuals discovered in year is due: 60 days after the year ends.
func AnnualLogDue(year int) time.Time {
	return time.Date(year, 12, 31, 23, 59, 59, 0, time.UTC).AddDate(0, 0, 60)
}

// notice applies the 500-residents rule to an incident's patients.
func notice(r store.IncidentRow, ps []Affected) Notice {
	n := Notice{Required: r.Outcome == OutcomeBreach, ByState: map[string]int{}, MediaStates: []string{}, IndividualsDue: r.DeadlineAt}
	for _, p := range ps {
		if p.Removed {
			continue
		}
		n.Affected++
		n.ByState[p.State]++
	}
	for st, c := range n.ByState {
		if st != "" && c > MediaThreshold {
			n.MediaStates = append(n.MediaStates, st)
		}
	}
	sort.Strings(n.MediaStates)
	n.Media = n.Required && len(n.MediaStates) > 0
	n.HHSNow = n.Required && n.Affected >= HHSThreshold
	n.AnnualLog = n.Required && !n.HHSNow
	switch {
	case n.HHSNow:
		n.HHSDue = r.DeadlineAt
	case n.AnnualLog:
		n.HHSDue = AnnualLogDue(r.DiscoveredAt.Year())
	}
	return n
}

// LogEntry is one breach of the annual log: under 500 individuals.
type LogEntry struct {
	Portal
	IncidentID string `json:"incident_id"`
}

// AnnualLog lists the breaches of under 500 individuals discovered in
// year, with the portal's fields, and when the log is due. Audited
// (incident.exported, reason the year).
func (s *Service) AnnualLog(ctx context.Context, p *access.Principal, year int) ([]LogEntry, time.Time, error) {
	if err := p.Can(authz.IncidentManage); err != nil {
		return nil, time.Time{}, err
	}
	if year < 2009 || year > 9999 {
		return nil, time.Time{}, ward.Errorf(ward.CodeInvalid, "year must be a year from 2009")
	}
	out := []LogEntry{}
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		rows, err := tx.Incidents(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		org, err := tx.OrgByID(ctx, p.User.OrgID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if r.Outcome != OutcomeBreach || r.DiscoveredAt.Year() != year {
				continue
			}
			pt, n, err := s.portal(ctx, tx, org.Name, r)
			if err != nil {
				return err
			}
			if n.AnnualLog {
				out = append(out, LogEntry{Portal: pt, IncidentID: r.ID})
			}
		}
		e := p.Event(audit.IncidentExported, "incident", "")
		e.Reason = "annual log " + time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format("2006")
		return audit.Append(ctx, tx, e)
	})
	return out, AnnualLogDue(year), err
}
