package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Alert is an activity-monitoring alert (docs/compliance.md, "Activity
// monitoring"): what a rule found in the audit trail, with its evidence as
// ids. Compliance officers only.
type Alert struct {
	ID          string        `json:"id"`
	Rule        string        `json:"rule"`     // bulk_access, off_hours, outside_care_team, signin_burst, password_spray, …
	Severity    string        `json:"severity"` // low, medium, high
	Status      string        `json:"status"`   // new, acknowledged, dismissed, escalated
	Summary     string        `json:"summary"`
	Subject     string        `json:"subject"`
	Evidence    AlertEvidence `json:"evidence"`
	FirstSeq    int64         `json:"first_seq"`
	LastSeq     int64         `json:"last_seq"`
	FirstAt     time.Time     `json:"first_at"`
	LastAt      time.Time     `json:"last_at"`
	RaisedAt    time.Time     `json:"raised_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
	StatusBy    string        `json:"status_by,omitempty"`
	Reason      string        `json:"dismiss_reason,omitempty"`
	EscalatedTo *string       `json:"escalated_to"` // the incident id, once escalated
}

// AlertEvidence is what an alert rests on: audit seq ranges (inclusive)
// and the ids they name.
type AlertEvidence struct {
	SeqRanges  [][2]int64 `json:"seq_ranges"`
	Events     int        `json:"events"`
	Attempts   int        `json:"attempts,omitempty"`
	UserIDs    []string   `json:"user_ids,omitempty"`
	PatientIDs []string   `json:"patient_ids,omitempty"`
	Accounts   []string   `json:"accounts,omitempty"`
	Addresses  []string   `json:"addresses,omitempty"`
	Devices    []string   `json:"devices,omitempty"`
}

// AlertFilter selects alerts: by status and severity ("" any), raised
// before Before (zero: the newest).
type AlertFilter struct {
	Status, Severity string
	Before           time.Time
}

// Alerts lists the org's alerts, newest first.
func (c *Client) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	q := url.Values{}
	if f.Status != "" {
		q.Set("status", f.Status)
	}
	if f.Severity != "" {
		q.Set("severity", f.Severity)
	}
	if !f.Before.IsZero() {
		q.Set("before", f.Before.UTC().Format(time.RFC3339Nano))
	}
	var out struct{ Alerts []Alert }
	return out.Alerts, c.do(ctx, http.MethodGet, "/api/v1/compliance/alerts?"+q.Encode(), nil, &out)
}

// AlertCounts counts the org's alerts by status ("new", …).
func (c *Client) AlertCounts(ctx context.Context) (map[string]int, error) {
	var out map[string]int
	return out, c.do(ctx, http.MethodGet, "/api/v1/compliance/alerts/counts", nil, &out)
}

// Alert reads one alert, with its dismissal reason.
func (c *Client) Alert(ctx context.Context, id string) (*Alert, error) {
	var a Alert
	return &a, c.do(ctx, http.MethodGet, "/api/v1/compliance/alerts/"+url.PathEscape(id), nil, &a)
}

// AcknowledgeAlert marks a new alert acknowledged.
func (c *Client) AcknowledgeAlert(ctx context.Context, id string) (*Alert, error) {
	var a Alert
	return &a, c.do(ctx, http.MethodPost, "/api/v1/compliance/alerts/"+url.PathEscape(id)+"/acknowledge", struct{}{}, &a)
}

// DismissAlert dismisses an alert with a reason (required).
func (c *Client) DismissAlert(ctx context.Context, id, reason string) (*Alert, error) {
	var a Alert
	return &a, c.do(ctx, http.MethodPost, "/api/v1/compliance/alerts/"+url.PathEscape(id)+"/dismiss", map[string]string{"reason": reason}, &a)
}

// EscalateAlert escalates an alert to a breach incident by its id.
func (c *Client) EscalateAlert(ctx context.Context, id, incidentID string) (*Alert, error) {
	var a Alert
	return &a, c.do(ctx, http.MethodPost, "/api/v1/compliance/alerts/"+url.PathEscape(id)+"/escalate", map[string]string{"incident_id": incidentID}, &a)
}
