-- Care team patients: the patient records (patients.id) assigned to a care team (teams.id). Ids only, no PHI.
-- Staff see the patients of the teams they are members of.
CREATE TABLE team_patients (
	team_id     TEXT NOT NULL REFERENCES teams(id),
	patient_id  TEXT NOT NULL REFERENCES patients(id),
	assigned_at BIGINT NOT NULL,
	PRIMARY KEY (team_id, patient_id)
);
CREATE INDEX team_patients_patient ON team_patients (patient_id);
-- A patient's conversations (GET /api/v1/patients/{id}/conversations, and later break-glass) are found by patient_id.
CREATE INDEX conversations_patient ON conversations (org_id, patient_id) WHERE patient_id <> '';
