package inbox

import (
	"context"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Response times for the admin dashboard (issue 22). A first response is
// the time from the patient's message that started a wait to the staff
// message that ended it (an auto-reply ends no wait); a resolution is the
// time from a thread's creation, or its reopening, to its closing. Both are
// recorded as they happen (internal/store, inbox_events) and summed up by
// SQL per team and UTC day of their end: how many, median and 90th
// percentile. Ids and times only: reading them is not audited, as the
// dashboard's other counts (app.Stats).

// DayStats is one team's response times on one UTC day.
type DayStats struct {
	Day                                time.Time // midnight UTC
	FirstResponses                     int64
	FirstResponseP50, FirstResponseP90 time.Duration
	Resolutions                        int64
	ResolutionP50, ResolutionP90       time.Duration
}

// TeamStats is a team's days that have response times, oldest first.
type TeamStats struct {
	TeamID, Name string
	Days         []DayStats
}

// Stats gives the response times of the caller's org's teams (every team,
// by name; a deleted team's are left out) on the UTC days from from to to,
// both included ("YYYY-MM-DD"; empty: the last ward.DefaultRangeDays days,
// today included). It also returns the range it used.
func (s *Service) Stats(ctx context.Context, p *access.Principal, from, to string) (out []TeamStats, first, last time.Time, err error) {
	if err := p.Can(authz.StatsRead); err != nil {
		return nil, first, last, err
	}
	if first, last, err = ward.ParseDayRange(s.now(), from, to); err != nil {
		return nil, first, last, err
	}
	var teams []ward.Team
	var rows []store.InboxDayStats
	err = s.store.Read(ctx, func(tx *store.Tx) (err error) {
		if teams, err = tx.Teams(ctx, p.User.OrgID); err != nil {
			return err
		}
		rows, err = tx.InboxStats(ctx, p.User.OrgID, first, last.AddDate(0, 0, 1))
		return err
	})
	if err != nil {
		return nil, first, last, err
	}
	byTeam := map[string]*TeamStats{}
	out = make([]TeamStats, len(teams))
	for i, t := range teams {
		out[i] = TeamStats{TeamID: t.ID, Name: t.Name, Days: []DayStats{}}
		byTeam[t.ID] = &out[i]
	}
	for _, r := range rows { // by team, day and kind
		ts := byTeam[r.TeamID]
		if ts == nil {
			continue // a deleted team
		}
		if n := len(ts.Days); n == 0 || !ts.Days[n-1].Day.Equal(r.Day) {
			ts.Days = append(ts.Days, DayStats{Day: r.Day})
		}
		d := &ts.Days[len(ts.Days)-1]
		switch r.Kind {
		case store.InboxFirstResponse:
			d.FirstResponses, d.FirstResponseP50, d.FirstResponseP90 = r.Count, r.P50, r.P90
		case store.InboxResolution:
			d.Resolutions, d.ResolutionP50, d.ResolutionP90 = r.Count, r.P50, r.P90
		}
	}
	return out, first, last, nil
}
