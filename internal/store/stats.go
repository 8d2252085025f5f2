package store

import (
	"context"
	"time"
)

// DayMicros is one day in microseconds: day numbers are at / DayMicros, the
// UTC days since 1970-01-01.
const DayMicros = int64(24 * time.Hour / time.Microsecond)

// DayNumber is the UTC day of t, counted from 1970-01-01 (t after 1970).
func DayNumber(t time.Time) int64 { return micros(t) / DayMicros }

// OrgStats are an org's counts for the admin dashboard. They hold no
// content: counts of rows by day, status and role.
type OrgStats struct {
	MessagesPerDay     map[int64]int64  // day number → messages created that day
	FailedLoginsPerDay map[int64]int64  // day number → login.failed audit events
	ActiveDevices      int64            // status active and seen since the given time
	DevicesByStatus    map[string]int64 // status → devices
	UsersByRole        map[string]int64 // role → enabled users
	DisabledUsers      int64
}

// StatsQuery says what OrgStats counts. internal/app names the audit
// action and device status; the store only counts rows.
type StatsQuery struct {
	OrgID        string
	From, To     time.Time // days with from <= time < to
	FailedAction string    // the audit action of a failed sign-in
	ActiveStatus string    // the device status counted as active
	ActiveSince  time.Time // active devices seen at or after this
}

// OrgStats counts q.OrgID's messages and failed sign-ins per UTC day in
// [q.From, q.To), its devices by status (and those active and seen since
// q.ActiveSince), and its users by role.
func (tx *Tx) OrgStats(ctx context.Context, q StatsQuery) (OrgStats, error) {
	orgID, from, to := q.OrgID, q.From, q.To
	s := OrgStats{MessagesPerDay: map[int64]int64{}, FailedLoginsPerDay: map[int64]int64{},
		DevicesByStatus: map[string]int64{}, UsersByRole: map[string]int64{}}
	// Integer division of non-negative BIGINTs truncates on both databases.
	err := tx.countDays(ctx, s.MessagesPerDay, "SELECT created_at / 86400000000, COUNT(*) FROM messages "+
		"WHERE org_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY created_at / 86400000000",
		orgID, micros(from), micros(to))
	if err != nil {
		return s, err
	}
	err = tx.countDays(ctx, s.FailedLoginsPerDay, "SELECT at / 86400000000, COUNT(*) FROM audit_events "+
		"WHERE org_id = $1 AND action = $2 AND at >= $3 AND at < $4 GROUP BY at / 86400000000",
		orgID, q.FailedAction, micros(from), micros(to))
	if err != nil {
		return s, err
	}
	err = tx.queryRow(ctx, "SELECT COUNT(*) FROM devices WHERE org_id = $1 AND status = $2 AND last_seen_at >= $3",
		orgID, q.ActiveStatus, micros(q.ActiveSince)).Scan(&s.ActiveDevices)
	if err != nil {
		return s, tx.d.wrap(err)
	}
	if err := tx.countBy(ctx, s.DevicesByStatus, "SELECT status, COUNT(*) FROM devices WHERE org_id = $1 GROUP BY status", orgID); err != nil {
		return s, err
	}
	if err := tx.countBy(ctx, s.UsersByRole, "SELECT role, COUNT(*) FROM users WHERE org_id = $1 AND disabled = 0 GROUP BY role", orgID); err != nil {
		return s, err
	}
	err = tx.queryRow(ctx, "SELECT COUNT(*) FROM users WHERE org_id = $1 AND disabled <> 0", orgID).Scan(&s.DisabledUsers)
	return s, tx.d.wrap(err)
}

// countDays runs a (day, count) query into m.
func (tx *Tx) countDays(ctx context.Context, m map[int64]int64, query string, args ...any) error {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var day, n int64
		if err := rows.Scan(&day, &n); err != nil {
			return tx.d.wrap(err)
		}
		m[day] += n
	}
	return tx.d.wrap(rows.Err())
}

// countBy runs a (key, count) query into m.
func (tx *Tx) countBy(ctx context.Context, m map[string]int64, query string, args ...any) error {
	rows, err := tx.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k string
		var n int64
		if err := rows.Scan(&k, &n); err != nil {
			return tx.d.wrap(err)
		}
		m[k] += n
	}
	return tx.d.wrap(rows.Err())
}
