package store

import "context"

// SetPatientMergedInto marks a record as a duplicate merged into another
// ("" unmerges it).
func (tx *Tx) SetPatientMergedInto(ctx context.Context, orgID, id, into string) error {
	var v any
	if into != "" {
		v = into
	}
	return tx.execOne(ctx, "UPDATE patients SET merged_into = $1 WHERE org_id = $2 AND id = $3", v, orgID, id)
}

// PatientsMergedInto counts the records merged into id.
func (tx *Tx) PatientsMergedInto(ctx context.Context, orgID, id string) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM patients WHERE org_id = $1 AND merged_into = $2", orgID, id).Scan(&n)
	return n, tx.d.wrap(err)
}
