package client

import (
	"context"
	"net/http"
	"net/url"
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
	Status     string    `json:"status"`      // active | deactivated
	HasAccount bool      `json:"has_account"` // the patient has a ward account (an accepted invitation)
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
