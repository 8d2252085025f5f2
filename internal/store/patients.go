package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/wardhealth/ward"
)

// PatientRow is a patient record as the patients table holds it: ids, the
// blind indexes, the sealed fields and the status (migration 0019). What is
// sealed and how the indexes are made is internal/patients' business.
type PatientRow struct {
	ID, OrgID    string
	MRNIndex     string // blind index of the normalised MRN, unique per org
	DOBNameIndex string // blind index of the date of birth and normalised family name
	Sealed       []byte // every field of the record, sealed under the patient's data key
	Status       string // active | deactivated
	UserID       string // the patient user linked to the record (migration 0021); "" none
	MergedInto   string // the record this duplicate was merged into (migration 0025); "" none
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

const patientCols = "id, org_id, mrn_index, dob_name_index, sealed, status, created_at, updated_at, user_id, merged_into"

func (tx *Tx) scanPatient(s scanner) (PatientRow, error) {
	var r PatientRow
	var created, updated int64
	var user, merged sql.NullString
	err := s.Scan(&r.ID, &r.OrgID, &r.MRNIndex, &r.DOBNameIndex, &r.Sealed, &r.Status, &created, &updated, &user, &merged)
	r.UserID, r.MergedInto = user.String, merged.String
	r.CreatedAt, r.UpdatedAt = fromMicros(created), fromMicros(updated)
	return r, tx.d.wrap(err)
}

// InsertPatient stores a new record, created and updated now. An MRN index
// another record of the org holds fails with CodeConflict.
func (tx *Tx) InsertPatient(ctx context.Context, r *PatientRow) error {
	r.CreatedAt, r.UpdatedAt = tx.Now, tx.Now
	_, err := tx.exec(ctx, "INSERT INTO patients (id, org_id, mrn_index, dob_name_index, sealed, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
		r.ID, r.OrgID, r.MRNIndex, r.DOBNameIndex, r.Sealed, r.Status, micros(tx.Now), micros(tx.Now))
	return err
}

// Patient reads a record of an org by id; none is CodeNotFound.
func (tx *Tx) Patient(ctx context.Context, orgID, id string) (PatientRow, error) {
	return tx.scanPatient(tx.queryRow(ctx, "SELECT "+patientCols+" FROM patients WHERE org_id = $1 AND id = $2", orgID, id))
}

// PatientsByMRN lists the org's record with that MRN index (none or one).
func (tx *Tx) PatientsByMRN(ctx context.Context, orgID, mrnIndex string) ([]PatientRow, error) {
	return collect(ctx, tx, tx.scanPatient, "SELECT "+patientCols+" FROM patients WHERE org_id = $1 AND mrn_index = $2",
		orgID, mrnIndex)
}

// PatientsByDOBName lists up to limit records of the org with that date of
// birth and family name index, oldest first.
func (tx *Tx) PatientsByDOBName(ctx context.Context, orgID, index string, limit int) ([]PatientRow, error) {
	return collect(ctx, tx, tx.scanPatient, "SELECT "+patientCols+" FROM patients WHERE org_id = $1 AND dob_name_index = $2"+
		" ORDER BY id LIMIT $3", orgID, index, limit)
}

// UpdatePatient stores r's indexes and sealed fields, updated now, if the
// row was last updated at r.UpdatedAt (so that a concurrent edit is not
// overwritten: it fails with CodeConflict). An MRN index another record
// holds fails with CodeConflict; no such record with CodeNotFound.
func (tx *Tx) UpdatePatient(ctx context.Context, r *PatientRow) error {
	res, err := tx.exec(ctx, "UPDATE patients SET mrn_index = $1, dob_name_index = $2, sealed = $3, updated_at = $4"+
		" WHERE org_id = $5 AND id = $6 AND updated_at = $7",
		r.MRNIndex, r.DOBNameIndex, r.Sealed, micros(tx.Now), r.OrgID, r.ID, micros(r.UpdatedAt))
	if n, err := inserted(res, err); err != nil || n {
		if n {
			r.UpdatedAt = tx.Now
		}
		return err
	}
	if _, err := tx.Patient(ctx, r.OrgID, r.ID); err != nil {
		return err
	}
	return ward.Errorf(ward.CodeConflict, "the record changed meanwhile; read it again")
}

// SetPatientStatus sets a record's status, updated now; no such record is
// CodeNotFound.
func (tx *Tx) SetPatientStatus(ctx context.Context, orgID, id, status string) error {
	return tx.execOne(ctx, "UPDATE patients SET status = $1, updated_at = $2 WHERE org_id = $3 AND id = $4",
		status, micros(tx.Now), orgID, id)
}

// PatientStatus returns a record's status; no such record is CodeNotFound.
func (tx *Tx) PatientStatus(ctx context.Context, orgID, id string) (string, error) {
	var s string
	err := tx.queryRow(ctx, "SELECT status FROM patients WHERE org_id = $1 AND id = $2", orgID, id).Scan(&s)
	return s, tx.d.wrap(err)
}
