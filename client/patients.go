package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// PatientFields are a patient record's fields (all PHI, sealed by the
// server). MRN, names and BirthDate (YYYY-MM-DD) are required on creation.
type PatientFields struct {
	MRN               string `json:"mrn"`
	GivenName         string `json:"given_name"`
	FamilyName        string `json:"family_name"`
	BirthDate         string `json:"birth_date"`
	Sex               string `json:"sex,omitempty"`
	Phone             string `json:"phone,omitempty"`
	Email             string `json:"email,omitempty"`
	PreferredLanguage string `json:"preferred_language,omitempty"`
	Guardian          string `json:"guardian,omitempty"`
}

// Patient is a patient record.
type Patient struct {
	ID string `json:"id"`
	PatientFields
	Status     string    `json:"status"`                // active | deactivated
	TeamIDs    []string  `json:"team_ids,omitempty"`    // the care teams it is assigned to (reads only)
	HasAccount bool      `json:"has_account"`           // the patient has a ward account (an accepted invitation)
	Erased     bool      `json:"erased,omitempty"`      // the data key was shredded (retention): no fields
	MergedInto string    `json:"merged_into,omitempty"` // the record this duplicate was merged into
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// PatientEdit changes the fields that are not nil.
type PatientEdit struct {
	MRN               *string `json:"mrn,omitempty"`
	GivenName         *string `json:"given_name,omitempty"`
	FamilyName        *string `json:"family_name,omitempty"`
	BirthDate         *string `json:"birth_date,omitempty"`
	Sex               *string `json:"sex,omitempty"`
	Phone             *string `json:"phone,omitempty"`
	Email             *string `json:"email,omitempty"`
	PreferredLanguage *string `json:"preferred_language,omitempty"`
	Guardian          *string `json:"guardian,omitempty"`
}

// CreatePatient creates a patient record (clinicians, staff).
func (c *Client) CreatePatient(ctx context.Context, f PatientFields) (*Patient, error) {
	var out Patient
	return &out, c.do(ctx, http.MethodPost, "/api/v1/patients", f, &out)
}

// Patient reads a patient record by id.
func (c *Client) Patient(ctx context.Context, id string) (*Patient, error) {
	var out Patient
	return &out, c.do(ctx, http.MethodGet, "/api/v1/patients/"+url.PathEscape(id), nil, &out)
}

// PatientsByMRN looks a record up by MRN: none or one.
func (c *Client) PatientsByMRN(ctx context.Context, mrn string) ([]Patient, error) {
	var out struct{ Patients []Patient }
	return out.Patients, c.do(ctx, http.MethodGet, "/api/v1/patients?"+url.Values{"mrn": {mrn}}.Encode(), nil, &out)
}

// PatientsByBirthDateAndName looks records up by date of birth (YYYY-MM-DD)
// and family name.
func (c *Client) PatientsByBirthDateAndName(ctx context.Context, birthDate, familyName string) ([]Patient, error) {
	var out struct{ Patients []Patient }
	q := url.Values{"birth_date": {birthDate}, "family_name": {familyName}}
	return out.Patients, c.do(ctx, http.MethodGet, "/api/v1/patients?"+q.Encode(), nil, &out)
}

// UpdatePatient edits an active record.
func (c *Client) UpdatePatient(ctx context.Context, id string, e PatientEdit) (*Patient, error) {
	var out Patient
	return &out, c.do(ctx, http.MethodPatch, "/api/v1/patients/"+url.PathEscape(id), e, &out)
}

// DeactivatePatient deactivates a record (owner, admin, clinicians, staff).
func (c *Client) DeactivatePatient(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/patients/"+url.PathEscape(id)+"/deactivate", nil, nil)
}

// MergePatient merges the duplicate record id into the record into
// (reversible: UnmergePatient); conversations about the duplicate then
// list under the survivor too.
func (c *Client) MergePatient(ctx context.Context, id, into string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/patients/"+url.PathEscape(id)+"/merge", map[string]string{"into": into}, nil)
}

// UnmergePatient reverses MergePatient.
func (c *Client) UnmergePatient(ctx context.Context, id string) error {
	return c.do(ctx, http.MethodPost, "/api/v1/patients/"+url.PathEscape(id)+"/unmerge", nil, nil)
}

// TeamPatients lists a page (limit 1 to 100; 0 means 50) of the active
// records assigned to the caller's care teams, after the id after ("" is
// the start); next is the after of the following page, "" at the end.
func (c *Client) TeamPatients(ctx context.Context, limit int, after string) (patients []Patient, next string, err error) {
	q := url.Values{}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	if after != "" {
		q.Set("after", after)
	}
	var out struct {
		Patients []Patient
		Next     string
	}
	path := "/api/v1/patients"
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	err = c.do(ctx, http.MethodGet, path, nil, &out)
	return out.Patients, out.Next, err
}

// AssignPatient assigns a record to a care team (owners, admins, and the
// team's clinicians and staff). Assigning again changes nothing.
func (c *Client) AssignPatient(ctx context.Context, teamID, patientID string) error {
	return c.do(ctx, http.MethodPut, teamPatientPath(teamID, patientID), nil, nil)
}

// UnassignPatient takes a record off a care team.
func (c *Client) UnassignPatient(ctx context.Context, teamID, patientID string) error {
	return c.do(ctx, http.MethodDelete, teamPatientPath(teamID, patientID), nil, nil)
}

func teamPatientPath(teamID, patientID string) string {
	return "/api/v1/teams/" + url.PathEscape(teamID) + "/patients/" + url.PathEscape(patientID)
}

// PatientConversations lists the conversations about a patient that the
// caller is in.
func (c *Client) PatientConversations(ctx context.Context, patientID string) ([]Conversation, error) {
	var out struct{ Conversations []Conversation }
	return out.Conversations, c.do(ctx, http.MethodGet, "/api/v1/patients/"+url.PathEscape(patientID)+"/conversations", nil, &out)
}
