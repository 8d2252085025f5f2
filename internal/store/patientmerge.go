package store

import (
	"context"
	"database/sql"

	"github.com/wardhealth/ward"
)

// SetPatientMergedInto marks a record as a duplicate merged into another
// ("" unmerges it).
func (tx *Tx) SetPatientMergedInto(ctx context.Context, orgID, id, into string) error {
	var v any
	if into != "" {
		v = into
	}
	return tx.execOne(ctx, "UPDATE patients SET merged_into = $1 WHERE org_id = $2 AND id = $3", v, orgID, id)
}

// PatientState reads a record's status and the record it was merged into
// ("" none): no sealed field.
func (tx *Tx) PatientState(ctx context.Context, orgID, id string) (status, mergedInto string, err error) {
	var merged sql.NullString
	err = tx.queryRow(ctx, "SELECT status, merged_into FROM patients WHERE org_id = $1 AND id = $2", orgID, id).Scan(&status, &merged)
	return status, merged.String, tx.d.wrap(err)
}

// PatientsMergedInto counts the records merged into id.
func (tx *Tx) PatientsMergedInto(ctx context.Context, orgID, id string) (int, error) {
	var n int
	err := tx.queryRow(ctx, "SELECT COUNT(*) FROM patients WHERE org_id = $1 AND merged_into = $2", orgID, id).Scan(&n)
	return n, tx.d.wrap(err)
}

// Kinds of what a merge moved (migration 0027).
const (
	MergeMoveTeam    = "team"    // a care team assignment; Ref the team id
	MergeMoveAccount = "account" // the patient user; Ref the user id
)

// MergeMove is one thing merging a duplicate record moved to the record it
// was merged into.
type MergeMove struct {
	Kind, Ref string
	Added     bool // team: the survivor was not on the team before
}

// MovePatientTeams moves every care team assignment of the record from to
// the record to (both of the org): to is assigned to each of from's teams
// it was not on, and from is taken off them all. Each move is kept for
// UnmovePatientTeams.
func (tx *Tx) MovePatientTeams(ctx context.Context, orgID, from, to string) ([]MergeMove, error) {
	teams, err := tx.PatientTeams(ctx, orgID, from)
	if err != nil {
		return nil, err
	}
	moves := make([]MergeMove, 0, len(teams))
	for _, team := range teams {
		added, err := tx.AssignPatient(ctx, team, to)
		if err != nil {
			return nil, err
		}
		if err := tx.UnassignPatient(ctx, team, from); err != nil {
			return nil, err
		}
		m := MergeMove{Kind: MergeMoveTeam, Ref: team, Added: added}
		if err := tx.insertMergeMove(ctx, from, m); err != nil {
			return nil, err
		}
		moves = append(moves, m)
	}
	return moves, nil
}

// MovePatientUser links the patient user of the record from to the record
// to instead, and keeps the move for MergeMoves. It reports the user's id,
// "" when from has none (nothing moves). to must have none: CodeConflict.
func (tx *Tx) MovePatientUser(ctx context.Context, orgID, from, to string) (string, error) {
	user, err := tx.PatientUser(ctx, orgID, from)
	if err != nil || user == "" {
		return "", err
	}
	if err := tx.execOne(ctx, "UPDATE patients SET user_id = NULL, updated_at = $1 WHERE org_id = $2 AND id = $3",
		micros(tx.Now), orgID, from); err != nil {
		return "", err
	}
	if err := tx.LinkPatientUser(ctx, orgID, to, user); err != nil {
		if ward.ErrorCode(err) == ward.CodeNotFound {
			err = ward.Errorf(ward.CodeConflict, "the record merged into has a patient account")
		}
		return "", err
	}
	return user, tx.insertMergeMove(ctx, from, MergeMove{Kind: MergeMoveAccount, Ref: user})
}

func (tx *Tx) insertMergeMove(ctx context.Context, patientID string, m MergeMove) error {
	_, err := tx.exec(ctx, "INSERT INTO patient_merge_moves (patient_id, kind, ref, added) VALUES ($1, $2, $3, $4)",
		patientID, m.Kind, m.Ref, boolInt(m.Added))
	return err
}

// UndoMergeMoves moves back what merging the record id into the record
// into moved (MovePatientTeams, MovePatientUser), and forgets the moves.
// A team deleted since is skipped; the survivor is taken off a team it was
// put on by the merge (if it still is). The account goes back to id only
// if into still has it: else CodeConflict. It returns the moves undone.
func (tx *Tx) UndoMergeMoves(ctx context.Context, orgID, id, into string) ([]MergeMove, error) {
	moves, err := collect(ctx, tx, func(s scanner) (MergeMove, error) {
		var m MergeMove
		var added int
		err := s.Scan(&m.Kind, &m.Ref, &added)
		m.Added = added != 0
		return m, err
	}, "SELECT kind, ref, added FROM patient_merge_moves WHERE patient_id = $1 ORDER BY kind, ref", id)
	if err != nil {
		return nil, err
	}
	done := moves[:0]
	for _, m := range moves {
		switch m.Kind {
		case MergeMoveTeam:
			var n int
			if err := tx.queryRow(ctx, "SELECT COUNT(*) FROM teams WHERE org_id = $1 AND id = $2", orgID, m.Ref).Scan(&n); err != nil {
				return nil, tx.d.wrap(err)
			}
			if n == 0 {
				continue // the team was deleted meanwhile
			}
			if _, err := tx.AssignPatient(ctx, m.Ref, id); err != nil {
				return nil, err
			}
			if m.Added {
				if _, err := tx.exec(ctx, "DELETE FROM team_patients WHERE team_id = $1 AND patient_id = $2", m.Ref, into); err != nil {
					return nil, err
				}
			}
		case MergeMoveAccount:
			if err := tx.execOne(ctx, "UPDATE patients SET user_id = NULL, updated_at = $1 WHERE org_id = $2 AND id = $3 AND user_id = $4",
				micros(tx.Now), orgID, into, m.Ref); err != nil {
				if ward.ErrorCode(err) == ward.CodeNotFound {
					err = ward.Errorf(ward.CodeConflict, "the patient account is no longer linked to the record merged into")
				}
				return nil, err
			}
			if err := tx.LinkPatientUser(ctx, orgID, id, m.Ref); err != nil {
				if ward.ErrorCode(err) == ward.CodeNotFound {
					err = ward.Errorf(ward.CodeConflict, "the record has another patient account now")
				}
				return nil, err
			}
		}
		done = append(done, m)
	}
	_, err = tx.exec(ctx, "DELETE FROM patient_merge_moves WHERE patient_id = $1", id)
	return done, err
}

// PendingInvitations lists the invitations of a record that are neither
// accepted nor revoked and expire after now.
func (tx *Tx) PendingInvitations(ctx context.Context, orgID, patientID string) ([]InvitationRow, error) {
	return collect(ctx, tx, tx.scanInvitation, "SELECT "+invitationCols+" FROM patient_invitations"+
		" WHERE org_id = $1 AND patient_id = $2 AND accepted_at = 0 AND revoked_at = 0 AND expires_at > $3 ORDER BY id",
		orgID, patientID, micros(tx.Now))
}
