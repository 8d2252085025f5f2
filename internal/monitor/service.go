package monitor

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// MaxList is the most alerts one page lists.
const MaxList = 200

// Filter selects alerts for List: by status and severity ("" any), raised
// before Before (zero: the newest), at most Limit (0: MaxList).
type Filter struct {
	Status, Severity string
	Before           time.Time
	Limit            int
}

// ref is where an alert's dismissal reason is sealed: the org's
// compliance data key, like a break-glass verdict's note.
func ref(orgID, alertID string) keyring.Ref {
	return keyring.Ref{Org: orgID, Scope: "compliance:" + orgID, Record: alertID, Field: "dismiss_reason"}
}

// List lists p's org's alerts, newest first, without dismissal reasons.
func (m *Monitor) List(ctx context.Context, p *access.Principal, f Filter) ([]Alert, error) {
	if err := p.Can(authz.AlertManage); err != nil {
		return nil, err
	}
	switch f.Status {
	case "", StatusNew, StatusAcknowledged, StatusDismissed, StatusEscalated:
	default:
		return nil, ward.Errorf(ward.CodeInvalid, "status is new, acknowledged, dismissed or escalated")
	}
	switch f.Severity {
	case "", SeverityLow, SeverityMedium, SeverityHigh:
	default:
		return nil, ward.Errorf(ward.CodeInvalid, "severity is low, medium or high")
	}
	if f.Limit <= 0 || f.Limit > MaxList {
		f.Limit = MaxList
	}
	var rows []store.AlertRow
	err := m.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.Alerts(ctx, p.User.OrgID, store.AlertFilter{Status: f.Status, Severity: f.Severity, Before: f.Before, Limit: f.Limit})
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Alert, 0, len(rows))
	for i := range rows {
		a, err := view(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Counts counts p's org's alerts by status (the dashboard's new alerts).
func (m *Monitor) Counts(ctx context.Context, p *access.Principal) (map[string]int, error) {
	if err := p.Can(authz.AlertManage); err != nil {
		return nil, err
	}
	var c map[string]int
	err := m.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
		c, err = tx.AlertCounts(ctx, p.User.OrgID)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, s := range []string{StatusNew, StatusAcknowledged, StatusDismissed, StatusEscalated} {
		c[s] += 0
	}
	return c, err
}

// Get reads one alert with its dismissal reason; reading a reason (free
// text that may name a patient) is audited as compliance.searched.
func (m *Monitor) Get(ctx context.Context, p *access.Principal, id string) (Alert, error) {
	if err := p.Can(authz.AlertManage); err != nil {
		return Alert{}, err
	}
	row, err := m.row(ctx, p, id)
	if err != nil {
		return Alert{}, err
	}
	return m.opened(ctx, p, &row)
}

func (m *Monitor) row(ctx context.Context, p *access.Principal, id string) (row store.AlertRow, err error) {
	if id == "" || len(id) > 64 {
		return row, ward.Errorf(ward.CodeNotFound, "no such alert")
	}
	err = m.cfg.Store.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.AlertByID(ctx, p.User.OrgID, id)
		return err
	})
	return row, err
}

// opened is row as the API shows it, its reason opened (and the read audited).
func (m *Monitor) opened(ctx context.Context, p *access.Principal, row *store.AlertRow) (Alert, error) {
	a, err := view(row)
	if err != nil || len(row.DismissReasonSealed) == 0 {
		return a, err
	}
	pt, err := m.cfg.Keyring.Open(ctx, ref(row.OrgID, row.ID), row.DismissReasonSealed)
	if err != nil {
		return Alert{}, err
	}
	e := p.Event(audit.ComplianceSearched, "alert", row.ID)
	e.Reason = "an alert's dismissal reason read"
	if err := m.cfg.Store.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) }); err != nil {
		return Alert{}, err
	}
	a.Reason = string(pt)
	return a, nil
}

func view(row *store.AlertRow) (Alert, error) {
	a := Alert{ID: row.ID, Rule: Rule(row.Rule), Severity: row.Severity, Status: row.Status, Summary: row.Summary, Subject: row.Subject,
		FirstSeq: row.FirstSeq, LastSeq: row.LastSeq, FirstAt: row.FirstAt, LastAt: row.LastAt, RaisedAt: row.RaisedAt,
		UpdatedAt: row.UpdatedAt, StatusBy: row.StatusBy}
	if row.EscalatedTo != "" {
		s := row.EscalatedTo
		a.EscalatedTo = &s
	}
	if err := json.Unmarshal(row.Evidence, &a.Evidence); err != nil {
		return Alert{}, ward.Wrap(ward.CodeIntegrity, err, "stored alert evidence is unreadable")
	}
	return a, nil
}

// Acknowledge marks a new alert acknowledged: someone is looking at it.
func (m *Monitor) Acknowledge(ctx context.Context, p *access.Principal, id string) (Alert, error) {
	return m.transition(ctx, p, id, StatusAcknowledged, nil, "", audit.AlertAcknowledged, "acknowledged", StatusNew)
}

// Dismiss closes an alert that needs nothing more, with a reason
// (CodeReasonRequired without one; sealed, never in the audit trail).
func (m *Monitor) Dismiss(ctx context.Context, p *access.Principal, id, reason string) (Alert, error) {
	if err := p.Can(authz.AlertManage); err != nil {
		return Alert{}, err
	}
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return Alert{}, ward.Errorf(ward.CodeReasonRequired, "say why the alert is dismissed")
	case !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > ward.MaxReasonLen:
		return Alert{}, ward.Errorf(ward.CodeInvalid, "the reason is at most %d characters of text", ward.MaxReasonLen)
	}
	if id == "" || len(id) > 64 {
		return Alert{}, ward.Errorf(ward.CodeNotFound, "no such alert")
	}
	sealed, err := m.cfg.Keyring.Seal(ctx, ref(p.User.OrgID, id), []byte(reason))
	if err != nil {
		return Alert{}, err
	}
	return m.transition(ctx, p, id, StatusDismissed, sealed, "", audit.AlertDismissed, "dismissed", StatusNew, StatusAcknowledged)
}

// Escalate hands an alert to a breach incident: its id (required: letters,
// digits, '-' and '_', at most 64) is kept in escalated_to.
func (m *Monitor) Escalate(ctx context.Context, p *access.Principal, id, incidentID string) (Alert, error) {
	if err := p.Can(authz.AlertManage); err != nil {
		return Alert{}, err
	}
	if !validIncidentID(incidentID) {
		return Alert{}, ward.Errorf(ward.CodeInvalid, "incident_id is required: letters, digits, '-' and '_', at most 64")
	}
	return m.transition(ctx, p, id, StatusEscalated, nil, incidentID, audit.AlertEscalated, "escalated to incident "+incidentID,
		StatusNew, StatusAcknowledged)
}

func validIncidentID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// transition moves alert id to status from one of from (else CodeConflict),
// audited as action with reason why, in one transaction.
func (m *Monitor) transition(ctx context.Context, p *access.Principal, id, status string, sealed []byte, incident string,
	action audit.Action, why string, from ...string) (Alert, error) {
	if err := p.Can(authz.AlertManage); err != nil {
		return Alert{}, err
	}
	if id == "" || len(id) > 64 {
		return Alert{}, ward.Errorf(ward.CodeNotFound, "no such alert")
	}
	var row store.AlertRow
	err := m.cfg.Store.Write(ctx, func(tx *store.Tx) error {
		if err := tx.SetAlertStatus(ctx, p.User.OrgID, id, status, p.User.ID, sealed, incident, from...); err != nil {
			return err
		}
		e := p.Event(action, "alert", id)
		e.Reason = why
		if err := audit.Append(ctx, tx, e); err != nil {
			return err
		}
		var err error
		row, err = tx.AlertByID(ctx, p.User.OrgID, id)
		return err
	})
	if err != nil {
		return Alert{}, err
	}
	a, err := view(&row)
	if err == nil && status == StatusDismissed {
		a.Reason = strings.TrimSpace(string(mustOpen(ctx, m, &row)))
	}
	return a, err
}

// mustOpen opens a dismissal reason just written by its author (no audit:
// they wrote it); "" when it cannot be opened.
func mustOpen(ctx context.Context, m *Monitor, row *store.AlertRow) []byte {
	pt, err := m.cfg.Keyring.Open(ctx, ref(row.OrgID, row.ID), row.DismissReasonSealed)
	if err != nil {
		return nil
	}
	return pt
}
