package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// AlertRow is an activity-monitoring alert as stored (internal/monitor owns
// its meaning). Evidence is JSON of ids; DismissReasonSealed is sealed by
// the caller; EscalatedTo is "" until the alert is escalated.
type AlertRow struct {
	ID, OrgID, Rule, Subject  string
	Severity, Status, Summary string
	Evidence                  []byte
	FirstSeq, LastSeq         int64
	FirstAt, LastAt           time.Time
	RaisedAt, UpdatedAt       time.Time
	StatusBy                  string
	DismissReasonSealed       []byte
	EscalatedTo               string
}

const alertCols = `id, org_id, rule, subject, severity, status, summary, evidence, first_seq, last_seq, first_at, last_at,
	raised_at, updated_at, status_by, dismiss_reason_sealed, COALESCE(escalated_to, '')`

// CreateAlert stores a new alert.
func (tx *Tx) CreateAlert(ctx context.Context, a *AlertRow) error {
	_, err := tx.exec(ctx, `INSERT INTO alerts (id, org_id, rule, subject, severity, status, summary, evidence, first_seq,
		last_seq, first_at, last_at, raised_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
		a.ID, a.OrgID, a.Rule, a.Subject, a.Severity, a.Status, a.Summary, string(a.Evidence), a.FirstSeq, a.LastSeq,
		micros(a.FirstAt), micros(a.LastAt), micros(a.RaisedAt), micros(a.UpdatedAt))
	return err
}

// ExtendAlert writes an open alert's grown evidence: its summary, severity,
// evidence, last seq and last time.
func (tx *Tx) ExtendAlert(ctx context.Context, a *AlertRow) error {
	return tx.execOne(ctx, `UPDATE alerts SET summary = $1, severity = $2, evidence = $3, last_seq = $4, last_at = $5, updated_at = $6
		WHERE org_id = $7 AND id = $8`, a.Summary, a.Severity, string(a.Evidence), a.LastSeq, micros(a.LastAt), micros(tx.Now), a.OrgID, a.ID)
}

// SetAlertStatus moves an alert to status, by user by, with a sealed
// dismissal reason or an incident id (escalated); only from one of the
// statuses in from, else CodeConflict.
func (tx *Tx) SetAlertStatus(ctx context.Context, orgID, id, status, by string, reason []byte, escalatedTo string, from ...string) error {
	args := []any{status, by, nilIfEmpty(reason), sql.NullString{String: escalatedTo, Valid: escalatedTo != ""}, micros(tx.Now), orgID, id}
	ph := make([]string, len(from))
	for i, f := range from {
		args = append(args, f)
		ph[i] = "$" + strconv.Itoa(8+i)
	}
	err := tx.execOne(ctx, `UPDATE alerts SET status = $1, status_by = $2, dismiss_reason_sealed = $3, escalated_to = $4, updated_at = $5
		WHERE org_id = $6 AND id = $7 AND status IN (`+strings.Join(ph, ", ")+`)`, args...)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		if _, e := tx.AlertByID(ctx, orgID, id); e != nil {
			return e
		}
		return ward.Errorf(ward.CodeConflict, "the alert is no longer %s", strings.Join(from, " or "))
	}
	return err
}

// AlertByID reads one alert of an org; CodeNotFound when there is none.
func (tx *Tx) AlertByID(ctx context.Context, orgID, id string) (AlertRow, error) {
	as, err := tx.alerts(ctx, "WHERE org_id = $1 AND id = $2", orgID, id)
	if err != nil {
		return AlertRow{}, err
	}
	if len(as) == 0 {
		return AlertRow{}, ward.Errorf(ward.CodeNotFound, "no such alert")
	}
	return as[0], nil
}

// AlertFilter selects alerts: by status and severity ("" any), raised
// before Before (a paging cursor; zero: the newest).
type AlertFilter struct {
	Status, Severity string
	Before           time.Time
	Limit            int
}

// Alerts lists an org's alerts, newest first.
func (tx *Tx) Alerts(ctx context.Context, orgID string, f AlertFilter) ([]AlertRow, error) {
	where, args := []string{"org_id = $1"}, []any{orgID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.Replace(cond, "?", "$"+strconv.Itoa(len(args)), 1))
	}
	if f.Status != "" {
		add("status = ?", f.Status)
	}
	if f.Severity != "" {
		add("severity = ?", f.Severity)
	}
	if !f.Before.IsZero() {
		add("raised_at < ?", micros(f.Before))
	}
	return tx.alerts(ctx, "WHERE "+strings.Join(where, " AND ")+" ORDER BY raised_at DESC, id DESC LIMIT "+strconv.Itoa(max(1, f.Limit)), args...)
}

// OpenAlerts lists the alerts of every org whose last event is at or after
// since: the bursts the monitor may still extend.
func (tx *Tx) OpenAlerts(ctx context.Context, since time.Time) ([]AlertRow, error) {
	return tx.alerts(ctx, "WHERE last_at >= $1 ORDER BY last_at", micros(since))
}

// AlertCounts counts an org's alerts by status.
func (tx *Tx) AlertCounts(ctx context.Context, orgID string) (map[string]int, error) {
	rows, err := tx.query(ctx, "SELECT status, COUNT(*) FROM alerts WHERE org_id = $1 GROUP BY status", orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, tx.d.wrap(err)
		}
		out[s] = n
	}
	return out, tx.d.wrap(rows.Err())
}

func (tx *Tx) alerts(ctx context.Context, where string, args ...any) ([]AlertRow, error) {
	rows, err := tx.query(ctx, "SELECT "+alertCols+" FROM alerts "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AlertRow
	for rows.Next() {
		var a AlertRow
		var ev string
		var firstAt, lastAt, raisedAt, updatedAt int64
		if err := rows.Scan(&a.ID, &a.OrgID, &a.Rule, &a.Subject, &a.Severity, &a.Status, &a.Summary, &ev, &a.FirstSeq, &a.LastSeq,
			&firstAt, &lastAt, &raisedAt, &updatedAt, &a.StatusBy, &a.DismissReasonSealed, &a.EscalatedTo); err != nil {
			return nil, tx.d.wrap(err)
		}
		a.Evidence = []byte(ev)
		a.FirstAt, a.LastAt, a.RaisedAt, a.UpdatedAt = fromMicros(firstAt), fromMicros(lastAt), fromMicros(raisedAt), fromMicros(updatedAt)
		out = append(out, a)
	}
	return out, tx.d.wrap(rows.Err())
}

// MonitorCursor is the last audit seq the monitor processed; ok is false
// when the monitor never ran.
func (tx *Tx) MonitorCursor(ctx context.Context) (seq int64, ok bool, err error) {
	err = tx.queryRow(ctx, "SELECT seq FROM monitor_cursor WHERE id = 1").Scan(&seq)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	return seq, err == nil, tx.d.wrap(err)
}

// AdvanceMonitorCursor moves the cursor from from to to; when it is no
// longer at from (another node moved it: the job's leader changed) it is
// CodeConflict and the caller's transaction must roll back. known is false
// when the monitor never ran (there is no cursor yet).
func (tx *Tx) AdvanceMonitorCursor(ctx context.Context, from, to int64, known bool) error {
	if !known {
		_, err := tx.exec(ctx, "INSERT INTO monitor_cursor (id, seq) VALUES (1, $1)", to)
		if err != nil {
			return ward.Wrap(ward.CodeConflict, err, "the monitor's cursor was set meanwhile")
		}
		return nil
	}
	err := tx.execOne(ctx, "UPDATE monitor_cursor SET seq = $1 WHERE id = 1 AND seq = $2", to, from)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeConflict, "the monitor's cursor moved meanwhile")
	}
	return err
}

// SetMonitorCursor stores the last audit seq the monitor processed.
func (tx *Tx) SetMonitorCursor(ctx context.Context, seq int64) error {
	_, err := tx.exec(ctx, "INSERT INTO monitor_cursor (id, seq) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET seq = $1", seq)
	return err
}

// MonitorSeen lists the values of kind (device, address) seen for a user.
func (tx *Tx) MonitorSeen(ctx context.Context, orgID, userID, kind string) ([]string, error) {
	rows, err := tx.query(ctx, "SELECT value FROM monitor_seen WHERE org_id = $1 AND user_id = $2 AND kind = $3", orgID, userID, kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, v)
	}
	return out, tx.d.wrap(rows.Err())
}

// MonitorSeenUsers lists the users of every org with a value of kind.
func (tx *Tx) MonitorSeenUsers(ctx context.Context, kind string) ([]string, error) {
	rows, err := tx.query(ctx, "SELECT user_id FROM monitor_seen WHERE kind = $1", kind)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, tx.d.wrap(err)
		}
		out = append(out, v)
	}
	return out, tx.d.wrap(rows.Err())
}

// DeleteMonitorSeen forgets the values of kind of a user.
func (tx *Tx) DeleteMonitorSeen(ctx context.Context, orgID, userID, kind string) error {
	_, err := tx.exec(ctx, "DELETE FROM monitor_seen WHERE org_id = $1 AND user_id = $2 AND kind = $3", orgID, userID, kind)
	return err
}

// AddMonitorSeen records a value of kind seen for a user (again: nothing).
func (tx *Tx) AddMonitorSeen(ctx context.Context, orgID, userID, kind, value string) error {
	_, err := tx.exec(ctx, `INSERT INTO monitor_seen (org_id, user_id, kind, value, first_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT DO NOTHING`, orgID, userID, kind, value, micros(tx.Now))
	return err
}

// MonitorAuditRows calls fn with the sealed audit rows after seq after,
// through seq upTo (below 0: to the end), in seq order, at most limit: only
// the rows activity monitoring's rules read, that is those naming a patient,
// those whose action is one of actions, and those by an actor whose account
// is disabled. The rest (a message sent, delivered or read in a conversation
// about no patient, ...) never leaves the database.
func (tx *Tx) MonitorAuditRows(ctx context.Context, after, upTo int64, limit int, actions []string, fn func(*AuditRow) error) error {
	args := []any{after, upTo, limit}
	in := make([]string, len(actions))
	for i, a := range actions {
		args = append(args, a)
		in[i] = "$" + strconv.Itoa(len(args))
	}
	q := `SELECT seq, at, org_id, actor_user_id, actor_role, actor_device_id, actor_ip, action, resource_type,
		resource_id, patient_id, outcome, reason FROM audit_events WHERE seq > $1 AND ($2 < 0 OR seq <= $2)
		AND (patient_id <> '' OR actor_user_id IN (SELECT id FROM users WHERE disabled <> 0)`
	if len(in) > 0 {
		q += " OR action IN (" + strings.Join(in, ", ") + ")"
	}
	rows, err := tx.query(ctx, q+") ORDER BY seq LIMIT $3", args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var r AuditRow
	for rows.Next() {
		var at int64
		if err := rows.Scan(&r.Seq, &at, &r.OrgID, &r.ActorUserID, &r.ActorRole, &r.ActorDeviceID, &r.ActorIP, &r.Action,
			&r.ResourceType, &r.ResourceID, &r.PatientID, &r.Outcome, &r.Reason); err != nil {
			return tx.d.wrap(err)
		}
		r.At = fromMicros(at)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return tx.d.wrap(rows.Err())
}

// NewAlertBacklog counts an org's alerts of status new, and of them those
// raised before `before`, by rule.
func (tx *Tx) NewAlertBacklog(ctx context.Context, orgID string, before time.Time) (total int, older map[string]int, err error) {
	rows, err := tx.query(ctx, `SELECT rule, COUNT(*), COALESCE(SUM(CASE WHEN raised_at < $2 THEN 1 ELSE 0 END), 0)
		FROM alerts WHERE org_id = $1 AND status = 'new' GROUP BY rule`, orgID, micros(before))
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	older = map[string]int{}
	for rows.Next() {
		var rule string
		var n, old int
		if err := rows.Scan(&rule, &n, &old); err != nil {
			return 0, nil, tx.d.wrap(err)
		}
		total += n
		if old > 0 {
			older[rule] = old
		}
	}
	return total, older, tx.d.wrap(rows.Err())
}
