package patients

import (
	"context"
	"slices"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Care team patients: a record is assigned to care teams (internal/app
// manages the teams themselves), and the clinicians and staff of a team see
// its patients. An assignment names ids only: owners and admins assign to
// any team, clinicians and staff only to the teams they are in.

// MaxPage bounds one page of TeamPatients.
const MaxPage = 100

// AssignToTeam assigns a record of the caller's org to a team of it. A
// deactivated record is CodeConflict, one merged into another
// CodePatientMerged; assigning again changes nothing.
func (s *Service) AssignToTeam(ctx context.Context, p *access.Principal, teamID, patientID string) error {
	return s.changeAssignment(ctx, p, teamID, patientID, func(tx *store.Tx, status Status, merged string) error {
		if merged != "" {
			return mergedInto(merged)
		}
		if status != Active {
			return ward.Errorf(ward.CodeConflict, "the patient record is deactivated")
		}
		added, err := tx.AssignPatient(ctx, teamID, patientID)
		if err != nil || !added {
			return err
		}
		e := p.Event(audit.TeamPatientAssigned, "team", teamID)
		e.PatientID = patientID
		return audit.Append(ctx, tx, e)
	})
}

// UnassignFromTeam takes a record off a team; CodeNotFound when it was not
// assigned to it.
func (s *Service) UnassignFromTeam(ctx context.Context, p *access.Principal, teamID, patientID string) error {
	return s.changeAssignment(ctx, p, teamID, patientID, func(tx *store.Tx, _ Status, _ string) error {
		if err := tx.UnassignPatient(ctx, teamID, patientID); err != nil {
			if ward.ErrorCode(err) == ward.CodeNotFound {
				return ward.Errorf(ward.CodeNotFound, "the patient is not assigned to this team")
			}
			return err
		}
		e := p.Event(audit.TeamPatientUnassigned, "team", teamID)
		e.PatientID = patientID
		return audit.Append(ctx, tx, e)
	})
}

// changeAssignment checks, in one write transaction, that the team and the
// record are of p's org and that p may assign to the team, then runs fn
// with the record's status and the record it was merged into ("" none).
func (s *Service) changeAssignment(ctx context.Context, p *access.Principal, teamID, patientID string, fn func(tx *store.Tx, st Status, mergedInto string) error) error {
	if err := p.Can(authz.TeamAssignPatient); err != nil {
		return err
	}
	if err := validID(patientID); err != nil {
		return err
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.TeamByID(ctx, p.User.OrgID, teamID); err != nil {
			return err
		}
		if r := p.User.Role; r != ward.RoleOwner && r != ward.RoleAdmin {
			mine, err := tx.TeamsOf(ctx, p.User.OrgID, p.User.ID)
			if err != nil {
				return err
			}
			if !slices.Contains(mine, teamID) {
				return ward.Errorf(ward.CodeForbidden, "only members of a care team (and admins) assign patients to it")
			}
		}
		st, into, err := tx.PatientState(ctx, p.User.OrgID, patientID)
		if err != nil {
			return notFound(err)
		}
		return fn(tx, Status(st), into)
	})
}

// TeamPatients lists the active records assigned to the caller's care
// teams, by id, up to limit (1 to MaxPage) after the id after ("" is the
// start); next is the id to ask after for the following page, "" at the
// end. Each record returned is audited as a read.
func (s *Service) TeamPatients(ctx context.Context, p *access.Principal, after string, limit int) (recs []Record, next string, err error) {
	if err := p.Can(authz.PatientRead); err != nil {
		return nil, "", err
	}
	if limit < 1 || limit > MaxPage {
		return nil, "", ward.Errorf(ward.CodeInvalid, "limit must be 1 to %d", MaxPage)
	}
	if after != "" && validID(after) != nil {
		return nil, "", ward.Errorf(ward.CodeInvalid, "after must be a patient id from the previous page")
	}
	if err := s.store.Read(ctx, func(tx *store.Tx) error {
		// One more than asked tells whether a next page exists.
		rows, err := tx.TeamPatients(ctx, p.User.OrgID, p.User.ID, after, limit+1)
		if err != nil {
			return err
		}
		if len(rows) > limit {
			rows = rows[:limit]
			next = rows[limit-1].ID
		}
		if recs, err = s.openAll(ctx, tx, rows); err != nil {
			return err
		}
		for i := range recs {
			if recs[i].Teams, err = tx.PatientTeams(ctx, p.User.OrgID, recs[i].ID); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, "", err
	}
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	if err := s.audited(ctx, p, ids, "care team list"); err != nil {
		return nil, "", err
	}
	return recs, next, nil
}
