package store

import (
	"context"
	"strings"
	"time"
)

// erasedIndexPrefix starts the blind indexes of a shredded record: an
// index of real data is base64url, which has no ':'.
const erasedIndexPrefix = "erased:"

// Shredded reports whether the record's key was shredded by retention
// (ErasePatientIndexes).
func (r PatientRow) Shredded() bool { return strings.HasPrefix(r.MRNIndex, erasedIndexPrefix) }

// PatientsToShred lists up to limit records of the org deactivated before
// (their updated_at: a deactivated record takes no edits, so that is when
// it was deactivated) whose key was not shredded yet, oldest first.
func (tx *Tx) PatientsToShred(ctx context.Context, orgID string, before time.Time, limit int) ([]PatientRow, error) {
	return collect(ctx, tx, tx.scanPatient, "SELECT "+patientCols+" FROM patients p WHERE org_id = $1 AND status = 'deactivated'"+
		" AND updated_at < $2 AND mrn_index NOT LIKE 'erased:%' AND NOT "+heldPatient("p")+" ORDER BY updated_at, id LIMIT $3",
		orgID, micros(before), limit)
}

// HeldPatientsDue counts the deactivated records due for shredding before
// cutoff that a legal hold keeps.
func (tx *Tx) HeldPatientsDue(ctx context.Context, orgID string, before time.Time) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM patients p WHERE org_id = $1 AND status = 'deactivated'"+
		" AND updated_at < $2 AND mrn_index NOT LIKE 'erased:%' AND "+heldPatient("p"), orgID, micros(before)).Scan(&n)
	return n, tx.d.wrap(err)
}

// ErasePatientIndexes replaces the blind indexes of a shredded record
// (which would still let whoever knows its MRN, or date of birth and
// family name, find it) with "erased:<id>", which marks it shredded and
// frees its MRN.
func (tx *Tx) ErasePatientIndexes(ctx context.Context, orgID, id string) error {
	return tx.execOne(ctx, "UPDATE patients SET mrn_index = $1, dob_name_index = $1, updated_at = $2 WHERE org_id = $3 AND id = $4",
		erasedIndexPrefix+id, micros(tx.Now), orgID, id)
}
