package store

import (
	"context"
	"strings"
)

// Care team patients (migration 0022): which patient records are assigned
// to which teams. Ids only; the caller checks that team and record belong
// to the same org.

// AssignPatient assigns a record to a team; it reports false when it was
// already assigned.
func (tx *Tx) AssignPatient(ctx context.Context, teamID, patientID string) (bool, error) {
	return inserted(tx.exec(ctx, `INSERT INTO team_patients (team_id, patient_id, assigned_at) VALUES ($1, $2, $3)
		ON CONFLICT (team_id, patient_id) DO NOTHING`, teamID, patientID, micros(tx.Now)))
}

// UnassignPatient takes a record off a team; CodeNotFound when it was not
// assigned.
func (tx *Tx) UnassignPatient(ctx context.Context, teamID, patientID string) error {
	return tx.execOne(ctx, "DELETE FROM team_patients WHERE team_id = $1 AND patient_id = $2", teamID, patientID)
}

// PatientTeams lists the ids of the teams of an org a record is assigned to.
func (tx *Tx) PatientTeams(ctx context.Context, orgID, patientID string) ([]string, error) {
	return collect(ctx, tx, scanString, `SELECT t.id FROM team_patients tp JOIN teams t ON t.id = tp.team_id
		WHERE tp.patient_id = $1 AND t.org_id = $2 ORDER BY t.name_key, t.id`, patientID, orgID)
}

// OnCareTeam says whether a user is a member of a team a record is
// assigned to (the record's care team).
func (tx *Tx) OnCareTeam(ctx context.Context, patientID, userID string) (bool, error) {
	var n int
	err := tx.queryRow(ctx, `SELECT COUNT(*) FROM team_patients tp JOIN team_members m ON m.team_id = tp.team_id
		WHERE tp.patient_id = $1 AND m.user_id = $2`, patientID, userID).Scan(&n)
	return n > 0, err
}

// TeamPatients lists up to limit active records of an org assigned to any
// team the user is a member of, each once, by id, after the id after ("" is
// the start).
func (tx *Tx) TeamPatients(ctx context.Context, orgID, userID, after string, limit int) ([]PatientRow, error) {
	return collect(ctx, tx, tx.scanPatient, "SELECT "+prefixed("p.", patientCols)+` FROM patients p
		WHERE p.org_id = $1 AND p.status = 'active' AND p.id > $3 AND EXISTS (
			SELECT 1 FROM team_patients tp JOIN team_members m ON m.team_id = tp.team_id
			WHERE tp.patient_id = p.id AND m.user_id = $2)
		ORDER BY p.id LIMIT $4`, orgID, userID, after, limit)
}

func scanString(s scanner) (string, error) {
	var v string
	err := s.Scan(&v)
	return v, err
}

// prefixed puts prefix before each of the comma-separated column names.
func prefixed(prefix, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}
