package store

import (
	"context"
	"time"
)

// Team inbox events (migration 0029): what the dashboard's response times
// are computed from, recorded as they happen (inbox.go) — ids and times,
// no PHI.

// Inbox event kinds.
const (
	InboxFirstResponse = "first_response" // a staff message ended a patient's wait
	InboxResolution    = "resolution"     // a thread was closed
)

// recordFirstResponse records, before a staff message ends it, the wait of
// inbox thread convID (nothing when the patient is not waiting).
func (tx *Tx) recordFirstResponse(ctx context.Context, convID string) error {
	_, err := tx.exec(ctx, `INSERT INTO inbox_events (org_id, team_id, conversation_id, kind, started_at, ended_at)
		SELECT org_id, team_id, id, $1, waiting_since, $2 FROM conversations WHERE id = $3 AND team_id <> '' AND waiting_since <> 0`,
		InboxFirstResponse, micros(tx.Now), convID)
	return err
}

// recordResolution records, before it is closed, how long inbox thread
// convID was open (nothing when it is closed already).
func (tx *Tx) recordResolution(ctx context.Context, convID string) error {
	_, err := tx.exec(ctx, `INSERT INTO inbox_events (org_id, team_id, conversation_id, kind, started_at, ended_at)
		SELECT org_id, team_id, id, $1, inbox_opened_at, $2 FROM conversations WHERE id = $3 AND team_id <> '' AND inbox_status <> $4`,
		InboxResolution, micros(tx.Now), convID, InboxClosed)
	return err
}

// InboxEvent is one recorded event, for InsertInboxEvents.
type InboxEvent struct {
	OrgID, TeamID, ConversationID, Kind string
	StartedAt, EndedAt                  time.Time
}

// InsertInboxEvents stores events as they are given: the demo's made-up
// history (internal/demo). ward itself records its events as they happen.
func (tx *Tx) InsertInboxEvents(ctx context.Context, events []InboxEvent) error {
	for _, e := range events {
		if _, err := tx.exec(ctx, `INSERT INTO inbox_events (org_id, team_id, conversation_id, kind, started_at, ended_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, e.OrgID, e.TeamID, e.ConversationID, e.Kind, micros(e.StartedAt), micros(e.EndedAt)); err != nil {
			return err
		}
	}
	return nil
}

// HasInboxEvents reports whether an org has any inbox event.
func (tx *Tx) HasInboxEvents(ctx context.Context, orgID string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM inbox_events WHERE org_id = $1 LIMIT 1) e", orgID).Scan(&n)
	return n > 0, tx.d.wrap(err)
}

// InboxDayStats is one team's events of one kind that ended on one UTC day:
// how many, and the median and 90th percentile of their durations
// (nearest rank: the smallest duration at least half, or nine tenths, of
// them do not exceed).
type InboxDayStats struct {
	TeamID   string
	Day      time.Time // midnight UTC
	Kind     string
	Count    int64
	P50, P90 time.Duration
}

const microsPerDay = 24 * 60 * 60 * 1_000_000

// InboxStats computes, for an org's inbox events that ended in [from, to),
// per team, UTC day and kind, the count, median and 90th percentile, by
// team, day and kind.
func (tx *Tx) InboxStats(ctx context.Context, orgID string, from, to time.Time) ([]InboxDayStats, error) {
	rows, err := tx.query(ctx, `WITH e AS (
			SELECT team_id, kind, ended_at / $4 AS day, ended_at - started_at AS d FROM inbox_events
			WHERE org_id = $1 AND ended_at >= $2 AND ended_at < $3
		), r AS (
			SELECT team_id, kind, day, d, ROW_NUMBER() OVER (PARTITION BY team_id, kind, day ORDER BY d) AS rn,
				COUNT(*) OVER (PARTITION BY team_id, kind, day) AS n FROM e
		)
		SELECT team_id, day, kind, n, MIN(CASE WHEN rn * 2 >= n THEN d END), MIN(CASE WHEN rn * 10 >= n * 9 THEN d END)
		FROM r GROUP BY team_id, day, kind, n ORDER BY team_id, day, kind`,
		orgID, micros(from), micros(to), int64(microsPerDay))
	if err != nil {
		return nil, tx.d.wrap(err)
	}
	defer rows.Close()
	var out []InboxDayStats
	for rows.Next() {
		var s InboxDayStats
		var day, p50, p90 int64
		if err := rows.Scan(&s.TeamID, &day, &s.Kind, &s.Count, &p50, &p90); err != nil {
			return nil, tx.d.wrap(err)
		}
		s.Day = time.UnixMicro(day * microsPerDay).UTC()
		s.P50, s.P90 = time.Duration(p50)*time.Microsecond, time.Duration(p90)*time.Microsecond
		out = append(out, s)
	}
	return out, tx.d.wrap(rows.Err())
}
