package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/wardhealth/ward"
)

// IncidentRow is a breach incident as stored (internal/incidents): the
// clear columns and the sealed details.
type IncidentRow struct {
	ID, OrgID     string
	Status        string // open | closed
	Outcome       string // "" not assessed | low_probability | breach
	DiscoveredAt  time.Time
	DeadlineAt    time.Time
	WindowFrom    time.Time // zero: not set
	WindowTo      time.Time
	UserIDs       []string
	DeviceIDs     []string
	AlertIDs      []string
	DetailsSealed []byte
	CreatedBy     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
	ClosedAt      time.Time
	ClosedBy      string
}

const incidentCols = "id, org_id, status, outcome, discovered_at, deadline_at, window_from, window_to, user_ids, device_ids, alert_ids, details_sealed, created_by, created_at, updated_at, closed_at, closed_by"

func joinIDs(ids []string) string { return strings.Join(ids, ",") }

func splitIDs(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func scanIncident(row scanner) (IncidentRow, error) {
	var r IncidentRow
	var disc, dl, wf, wt, created, updated, closed int64
	var users, devices, alerts string
	if err := row.Scan(&r.ID, &r.OrgID, &r.Status, &r.Outcome, &disc, &dl, &wf, &wt, &users, &devices, &alerts, &r.DetailsSealed,
		&r.CreatedBy, &created, &updated, &closed, &r.ClosedBy); err != nil {
		return r, err
	}
	r.DiscoveredAt, r.DeadlineAt, r.WindowFrom, r.WindowTo = fromMicros(disc), fromMicros(dl), optMicros(wf), optMicros(wt)
	r.CreatedAt, r.UpdatedAt, r.ClosedAt = fromMicros(created), fromMicros(updated), optMicros(closed)
	r.UserIDs, r.DeviceIDs, r.AlertIDs = splitIDs(users), splitIDs(devices), splitIDs(alerts)
	return r, nil
}

// InsertIncident stores a new open incident, stamping its times.
func (tx *Tx) InsertIncident(ctx context.Context, r *IncidentRow) error {
	r.Status, r.CreatedAt, r.UpdatedAt = "open", tx.Now, tx.Now
	_, err := tx.exec(ctx, "INSERT INTO incidents ("+incidentCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, '')`,
		r.ID, r.OrgID, r.Status, r.Outcome, micros(r.DiscoveredAt), micros(r.DeadlineAt), microsOrZero(r.WindowFrom), microsOrZero(r.WindowTo),
		joinIDs(r.UserIDs), joinIDs(r.DeviceIDs), joinIDs(r.AlertIDs), r.DetailsSealed, r.CreatedBy, micros(tx.Now), micros(tx.Now))
	return err
}

// UpdateIncident replaces an open incident's fields (not its status).
func (tx *Tx) UpdateIncident(ctx context.Context, r *IncidentRow) error {
	r.UpdatedAt = tx.Now
	err := tx.execOne(ctx, `UPDATE incidents SET outcome = $1, discovered_at = $2, deadline_at = $3, window_from = $4, window_to = $5,
		user_ids = $6, device_ids = $7, alert_ids = $8, details_sealed = $9, updated_at = $10 WHERE org_id = $11 AND id = $12 AND status = 'open'`,
		r.Outcome, micros(r.DiscoveredAt), micros(r.DeadlineAt), microsOrZero(r.WindowFrom), microsOrZero(r.WindowTo),
		joinIDs(r.UserIDs), joinIDs(r.DeviceIDs), joinIDs(r.AlertIDs), r.DetailsSealed, micros(tx.Now), r.OrgID, r.ID)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeIncidentClosed, "the incident is closed")
	}
	return err
}

// CloseIncident closes an open incident: it is read-only from then on.
func (tx *Tx) CloseIncident(ctx context.Context, orgID, id, by string) error {
	err := tx.execOne(ctx, "UPDATE incidents SET status = 'closed', closed_at = $1, closed_by = $2, updated_at = $1 WHERE org_id = $3 AND id = $4 AND status = 'open'",
		micros(tx.Now), by, orgID, id)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeIncidentClosed, "the incident is already closed")
	}
	return err
}

// TouchIncident marks an open incident changed (its patients), refusing a
// closed one.
func (tx *Tx) TouchIncident(ctx context.Context, orgID, id string) error {
	err := tx.execOne(ctx, "UPDATE incidents SET updated_at = $1 WHERE org_id = $2 AND id = $3 AND status = 'open'", micros(tx.Now), orgID, id)
	if ward.ErrorCode(err) == ward.CodeNotFound {
		return ward.Errorf(ward.CodeIncidentClosed, "the incident is closed")
	}
	return err
}

// IncidentByID reads one incident of an org.
func (tx *Tx) IncidentByID(ctx context.Context, orgID, id string) (IncidentRow, error) {
	r, err := scanIncident(tx.queryRow(ctx, "SELECT "+incidentCols+" FROM incidents WHERE org_id = $1 AND id = $2", orgID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, ward.Errorf(ward.CodeNotFound, "no such incident")
	}
	return r, tx.d.wrap(err)
}

// Incidents lists an org's incidents, open ones first, newest first.
func (tx *Tx) Incidents(ctx context.Context, orgID string) ([]IncidentRow, error) {
	return collect(ctx, tx, scanIncident, "SELECT "+incidentCols+` FROM incidents WHERE org_id = $1
		ORDER BY CASE WHEN status = 'open' THEN 0 ELSE 1 END, discovered_at DESC, id LIMIT 1000`, orgID)
}

// OpenIncidentsDueBy lists every org's open incidents whose deadline is
// before t (the reminder job).
func (tx *Tx) OpenIncidentsDueBy(ctx context.Context, t time.Time) ([]IncidentRow, error) {
	return collect(ctx, tx, scanIncident, "SELECT "+incidentCols+` FROM incidents WHERE status = 'open' AND outcome <> 'low_probability'
		AND deadline_at <= $1 ORDER BY deadline_at, id`, micros(t))
}

// IncidentPatient is one patient an incident affects.
type IncidentPatient struct {
	PatientID  string
	Source     string // audit | manual
	Removed    bool
	InfoSealed []byte // nil: nothing recorded yet
	UpdatedAt  time.Time
}

func scanIncidentPatient(row scanner) (IncidentPatient, error) {
	var p IncidentPatient
	var removed int
	var at int64
	err := row.Scan(&p.PatientID, &p.Source, &removed, &p.InfoSealed, &at)
	p.Removed, p.UpdatedAt = removed != 0, fromMicros(at)
	return p, err
}

// IncidentPatients lists an incident's patients, removed ones included.
func (tx *Tx) IncidentPatients(ctx context.Context, orgID, incidentID string) ([]IncidentPatient, error) {
	return collect(ctx, tx, scanIncidentPatient, `SELECT patient_id, source, removed, info_sealed, updated_at FROM incident_patients
		WHERE org_id = $1 AND incident_id = $2 ORDER BY patient_id`, orgID, incidentID)
}

// PutIncidentPatient inserts or replaces one patient of an incident.
func (tx *Tx) PutIncidentPatient(ctx context.Context, orgID, incidentID string, p IncidentPatient) error {
	removed := 0
	if p.Removed {
		removed = 1
	}
	_, err := tx.exec(ctx, `INSERT INTO incident_patients (incident_id, org_id, patient_id, source, removed, info_sealed, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (incident_id, patient_id) DO UPDATE SET source = $4, removed = $5,
		info_sealed = $6, updated_at = $7`, incidentID, orgID, p.PatientID, p.Source, removed, p.InfoSealed, micros(tx.Now))
	return err
}

// AccessQuery is what the affected patients are computed from: the reads
// by these users or devices in [From, To).
type AccessQuery struct {
	OrgID     string
	UserIDs   []string
	DeviceIDs []string
	From, To  time.Time
	Actions   []string // the audit actions that read a patient's PHI
}

// PatientsRead lists the patient records (ids, distinct) whose PHI the
// query's users or devices read in its window, by the audit trail: events
// whose patient id is a record of the org, or the patient user of one.
func (tx *Tx) PatientsRead(ctx context.Context, q AccessQuery) ([]string, error) {
	if len(q.UserIDs)+len(q.DeviceIDs) == 0 || len(q.Actions) == 0 {
		return nil, nil
	}
	args := []any{q.OrgID, micros(q.From), micros(q.To)}
	var who []string
	if len(q.UserIDs) > 0 {
		who = append(who, "e.actor_user_id IN ("+placeholders(len(args)+1, len(q.UserIDs))+")")
		for _, id := range q.UserIDs {
			args = append(args, id)
		}
	}
	if len(q.DeviceIDs) > 0 {
		who = append(who, "e.actor_device_id IN ("+placeholders(len(args)+1, len(q.DeviceIDs))+")")
		for _, id := range q.DeviceIDs {
			args = append(args, id)
		}
	}
	acts := placeholders(len(args)+1, len(q.Actions))
	for _, a := range q.Actions {
		args = append(args, a)
	}
	rows, err := tx.query(ctx, `SELECT DISTINCT p.id FROM audit_events e JOIN patients p ON p.org_id = e.org_id
		AND (p.id = e.patient_id OR (p.user_id <> '' AND p.user_id = e.patient_id))
		WHERE e.org_id = $1 AND e.at >= $2 AND e.at < $3 AND e.patient_id <> '' AND e.outcome = 'success'
		AND (`+strings.Join(who, " OR ")+") AND e.action IN ("+acts+") ORDER BY p.id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, tx.d.wrap(rows.Err())
}
