-- What merging a duplicate patient record moved to the record it was merged into (internal/patients,
-- merge.go), so that unmerging moves exactly that back. kind 'team': the duplicate's care team assignment
-- (ref the team id) moved to the survivor; added is 1 when the survivor was not on that team before (unmerging
-- then takes it off again), 0 when it was. kind 'account': the duplicate's patient user (ref the user id) was
-- linked to the survivor instead. Ids only, no PHI. The rows go when the record is unmerged.
CREATE TABLE patient_merge_moves (
	patient_id TEXT NOT NULL REFERENCES patients(id),
	kind       TEXT NOT NULL,
	ref        TEXT NOT NULL,
	added      INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (patient_id, kind, ref)
);
