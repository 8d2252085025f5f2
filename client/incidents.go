package client

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// IncidentFactor is one factor of an incident's risk assessment.
type IncidentFactor struct {
	Rating string `json:"rating"` // "", low, moderate, high
	Notes  string `json:"notes"`
}

// IncidentAssessment is the four-factor risk assessment of 45 CFR
// 164.402(2) and its outcome ("", low_probability, breach).
type IncidentAssessment struct {
	Nature           IncidentFactor `json:"nature"`
	Identifiers      []string       `json:"identifiers,omitempty"`
	Reidentification string         `json:"reidentification,omitempty"`
	Recipient        IncidentFactor `json:"recipient"`
	Acquired         IncidentFactor `json:"acquired"`
	Viewed           string         `json:"viewed,omitempty"`
	Mitigation       IncidentFactor `json:"mitigation"`
	Outcome          string         `json:"outcome"`
}

// IncidentDetails are an incident's free text and portal fields (sealed
// by the server).
type IncidentDetails struct {
	Title        string             `json:"title"`
	WhatHappened string             `json:"what_happened,omitempty"`
	BreachStart  string             `json:"breach_start,omitempty"`
	BreachEnd    string             `json:"breach_end,omitempty"`
	BreachType   string             `json:"breach_type,omitempty"`
	Locations    []string           `json:"locations,omitempty"`
	PHITypes     []string           `json:"phi_types,omitempty"`
	Safeguards   string             `json:"safeguards,omitempty"`
	ActionsTaken string             `json:"actions_taken,omitempty"`
	Steps        string             `json:"steps,omitempty"`
	Contact      string             `json:"contact,omitempty"`
	Assessment   IncidentAssessment `json:"assessment"`
}

// IncidentRequest opens or changes an incident. Dates are RFC 3339 times
// or YYYY-MM-DD days.
type IncidentRequest struct {
	DiscoveredAt string          `json:"discovered_at"`
	Deadline     string          `json:"deadline,omitempty"`
	WindowFrom   string          `json:"window_from,omitempty"`
	WindowTo     string          `json:"window_to,omitempty"`
	UserIDs      []string        `json:"user_ids,omitempty"`
	DeviceIDs    []string        `json:"device_ids,omitempty"`
	AlertIDs     []string        `json:"alert_ids,omitempty"`
	AlertID      string          `json:"alert_id,omitempty"`
	Details      IncidentDetails `json:"details"`
}

// AffectedPatient is one patient an incident affects.
type AffectedPatient struct {
	PatientID string `json:"patient_id"`
	Source    string `json:"source"`
	Removed   bool   `json:"removed"`
	State     string `json:"state"`
	Changes   []struct {
		At     time.Time `json:"at"`
		By     string    `json:"by"`
		Op     string    `json:"op"`
		Reason string    `json:"reason"`
	} `json:"changes"`
}

// IncidentNotice is who must be notified (the 500 rule) and by when.
type IncidentNotice struct {
	Required       bool           `json:"required"`
	Affected       int            `json:"affected"`
	ByState        map[string]int `json:"by_state"`
	MediaStates    []string       `json:"media_states"`
	Media          bool           `json:"media"`
	HHSNow         bool           `json:"hhs_now"`
	AnnualLog      bool           `json:"annual_log"`
	IndividualsDue time.Time      `json:"individuals_due"`
	HHSDue         time.Time      `json:"hhs_due"`
}

// Incident is a breach incident; Details, Patients and Notice come with
// Incident (one), not Incidents (the list).
type Incident struct {
	ID            string            `json:"id"`
	Status        string            `json:"status"`
	Outcome       string            `json:"outcome"`
	DiscoveredAt  time.Time         `json:"discovered_at"`
	Deadline      time.Time         `json:"deadline"`
	DaysLeft      int               `json:"days_left"`
	WindowFrom    time.Time         `json:"window_from,omitzero"`
	WindowTo      time.Time         `json:"window_to,omitzero"`
	UserIDs       []string          `json:"user_ids"`
	DeviceIDs     []string          `json:"device_ids"`
	AlertIDs      []string          `json:"alert_ids"`
	Details       *IncidentDetails  `json:"details,omitempty"`
	Patients      []AffectedPatient `json:"patients,omitempty"`
	Notice        *IncidentNotice   `json:"notice,omitempty"`
	RemindersSent []int             `json:"reminders_sent,omitempty"`
	CreatedBy     string            `json:"created_by"`
	CreatedAt     time.Time         `json:"created_at"`
	UpdatedAt     time.Time         `json:"updated_at"`
	ClosedAt      time.Time         `json:"closed_at,omitzero"`
	ClosedBy      string            `json:"closed_by,omitempty"`
}

// HHSPortal is what HHS's breach portal asks about one breach.
type HHSPortal struct {
	IncidentID          string   `json:"incident_id,omitempty"`
	CoveredEntity       string   `json:"covered_entity"`
	EntityType          string   `json:"entity_type"`
	BreachStart         string   `json:"breach_start"`
	BreachEnd           string   `json:"breach_end"`
	DiscoveredOn        string   `json:"discovered_on"`
	Affected            int      `json:"affected"`
	BreachType          string   `json:"breach_type"`
	Locations           []string `json:"locations"`
	PHITypes            []string `json:"phi_types"`
	Description         string   `json:"description"`
	Safeguards          string   `json:"safeguards"`
	IndividualNoticeDue string   `json:"individual_notice_due"`
	MediaNotice         bool     `json:"media_notice"`
	MediaStates         []string `json:"media_states"`
	ActionsTaken        string   `json:"actions_taken"`
	Outcome             string   `json:"outcome"`
}

func incidentPath(id string) string { return "/api/v1/incidents/" + url.PathEscape(id) }

// Incidents lists the org's breach incidents (compliance).
func (c *Client) Incidents(ctx context.Context) ([]Incident, error) {
	var out struct{ Incidents []Incident }
	return out.Incidents, c.do(ctx, http.MethodGet, "/api/v1/incidents", nil, &out)
}

// Incident reads one incident with its details, patients and notice.
func (c *Client) Incident(ctx context.Context, id string) (*Incident, error) {
	var out Incident
	return &out, c.do(ctx, http.MethodGet, incidentPath(id), nil, &out)
}

// OpenIncident opens an incident; without a discovery date it is
// discovery_date_required.
func (c *Client) OpenIncident(ctx context.Context, req IncidentRequest) (*Incident, error) {
	var out Incident
	return &out, c.do(ctx, http.MethodPost, "/api/v1/incidents", req, &out)
}

// IncidentFromAlerts is the body of OpenIncidentFromAlerts: the alerts,
// and optionally the discovery date (default: when the earliest was
// raised) and a title.
type IncidentFromAlerts struct {
	AlertIDs     []string `json:"alert_ids"`
	DiscoveredAt string   `json:"discovered_at,omitempty"`
	Title        string   `json:"title,omitempty"`
}

// OpenIncidentFromAlerts opens an incident from activity alerts: their
// users, window and patients, and escalates them to it, in one go.
func (c *Client) OpenIncidentFromAlerts(ctx context.Context, req IncidentFromAlerts) (*Incident, error) {
	var out Incident
	return &out, c.do(ctx, http.MethodPost, "/api/v1/incidents/from-alerts", req, &out)
}

// UpdateIncident replaces an open incident's fields.
func (c *Client) UpdateIncident(ctx context.Context, id string, req IncidentRequest) (*Incident, error) {
	var out Incident
	return &out, c.do(ctx, http.MethodPut, incidentPath(id), req, &out)
}

// AssessIncident saves the four-factor assessment and its outcome.
func (c *Client) AssessIncident(ctx context.Context, id string, a IncidentAssessment) (*Incident, error) {
	var out Incident
	return &out, c.do(ctx, http.MethodPut, incidentPath(id)+"/assessment", a, &out)
}

// ComputeIncidentPatients computes the affected patients from the audit trail.
func (c *Client) ComputeIncidentPatients(ctx context.Context, id string) ([]AffectedPatient, error) {
	var out struct{ Patients []AffectedPatient }
	return out.Patients, c.do(ctx, http.MethodPost, incidentPath(id)+"/patients/compute", nil, &out)
}

// AddIncidentPatient adds a patient (or sets their state) with a reason.
func (c *Client) AddIncidentPatient(ctx context.Context, id, patientID, state, reason string) (*AffectedPatient, error) {
	var out AffectedPatient
	return &out, c.do(ctx, http.MethodPost, incidentPath(id)+"/patients",
		map[string]string{"patient_id": patientID, "state": state, "reason": reason}, &out)
}

// RemoveIncidentPatient removes a patient with a reason.
func (c *Client) RemoveIncidentPatient(ctx context.Context, id, patientID, reason string) (*AffectedPatient, error) {
	var out AffectedPatient
	return &out, c.do(ctx, http.MethodPost, incidentPath(id)+"/patients/"+url.PathEscape(patientID)+"/remove",
		map[string]string{"reason": reason}, &out)
}

// IncidentLetter downloads one affected patient's notification letter (PDF).
func (c *Client) IncidentLetter(ctx context.Context, id, patientID string) ([]byte, error) {
	b, _, err := c.raw(ctx, http.MethodGet, incidentPath(id)+"/letters/"+url.PathEscape(patientID), "", nil)
	return b, err
}

// IncidentHHS reads the HHS breach portal's fields of an incident.
func (c *Client) IncidentHHS(ctx context.Context, id string) (*HHSPortal, error) {
	var out HHSPortal
	return &out, c.do(ctx, http.MethodGet, incidentPath(id)+"/hhs", nil, &out)
}

// IncidentHHSCSV downloads them as CSV.
func (c *Client) IncidentHHSCSV(ctx context.Context, id string) ([]byte, error) {
	b, _, err := c.raw(ctx, http.MethodGet, incidentPath(id)+"/hhs?format=csv", "", nil)
	return b, err
}

// AnnualLog lists the breaches of under 500 individuals discovered in
// year (the HHS annual log) and when it is due.
func (c *Client) AnnualLog(ctx context.Context, year int) ([]HHSPortal, time.Time, error) {
	b, _, err := c.raw(ctx, http.MethodGet, "/api/v1/incidents/annual-log?year="+strconv.Itoa(year), "", nil)
	if err != nil {
		return nil, time.Time{}, err
	}
	var out struct {
		Due      time.Time   `json:"due"`
		Breaches []HHSPortal `json:"breaches"`
	}
	err = json.Unmarshal(b, &out)
	return out.Breaches, out.Due, err
}

// CloseIncident closes an incident: read-only from then on.
func (c *Client) CloseIncident(ctx context.Context, id string) (*Incident, error) {
	var out Incident
	return &out, c.do(ctx, http.MethodPost, incidentPath(id)+"/close", nil, &out)
}
