package patients

import (
	"context"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// Merge marks the record id as a duplicate merged into the record into
// (patient.merged, reason the survivor's id): conversations about the
// duplicate then list under the survivor too. The duplicate's care team
// assignments move to the survivor (team.patient_unassigned and
// team.patient_assigned, reason "merge"), and so does its patient user
// account, if it has one; its pending invitations are revoked
// (invitation.revoked, reason "merge"). If both records have an account the
// merge is refused (CodeMergeAccounts): a person has one account. The
// fields of either record are not changed, and what moved is kept, so
// Unmerge reverses it (a revoked invitation stays revoked: staff send a new
// one). Both must be active records of the org, not erased; the duplicate
// not merged already and with no record merged into it, the survivor not
// merged itself (no chains). Merging is an edit of the records
// (authz.PatientUpdate); it reads no PHI.
func (s *Service) Merge(ctx context.Context, p *access.Principal, id, into string) (Record, error) {
	if err := p.Can(authz.PatientUpdate); err != nil {
		return Record{}, err
	}
	if err := validID(id); err != nil {
		return Record{}, err
	}
	if into == "" || len(into) > 64 {
		return Record{}, ward.Errorf(ward.CodeInvalid, "into must name the record to merge into")
	}
	if into == id {
		return Record{}, ward.Errorf(ward.CodeInvalid, "a record cannot be merged into itself")
	}
	if err := validID(into); err != nil {
		return Record{}, err
	}
	var row store.PatientRow
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		dup, err := tx.Patient(ctx, p.User.OrgID, id)
		if err != nil {
			return notFound(err)
		}
		surv, err := tx.Patient(ctx, p.User.OrgID, into)
		if err != nil {
			return notFound(err)
		}
		for _, r := range []store.PatientRow{dup, surv} {
			if Status(r.Status) != Active || r.Shredded() {
				return ward.Errorf(ward.CodeConflict, "only active records can be merged")
			}
		}
		if dup.MergedInto != "" {
			return ward.Errorf(ward.CodeConflict, "the record is merged already; unmerge it first")
		}
		if surv.MergedInto != "" {
			return ward.Errorf(ward.CodeConflict, "the record to merge into is itself merged into another")
		}
		if n, err := tx.PatientsMergedInto(ctx, p.User.OrgID, id); err != nil || n > 0 {
			if err == nil {
				err = ward.Errorf(ward.CodeConflict, "other records are merged into this one; merge into it instead")
			}
			return err
		}
		if dup.UserID != "" && surv.UserID != "" {
			return ward.Errorf(ward.CodeMergeAccounts, "both records have a patient account; a person has one")
		}
		if err := tx.SetPatientMergedInto(ctx, p.User.OrgID, id, into); err != nil {
			return err
		}
		ev := p.Event(audit.PatientMerged, "patient", id)
		ev.PatientID, ev.Reason = id, "into "+into
		events := []audit.Event{ev}
		moves, err := tx.MovePatientTeams(ctx, p.User.OrgID, id, into)
		if err != nil {
			return err
		}
		events = append(events, teamEvents(p, moves, id, into, false)...)
		if _, err := tx.MovePatientUser(ctx, p.User.OrgID, id, into); err != nil {
			return err
		}
		invs, err := tx.PendingInvitations(ctx, p.User.OrgID, id)
		if err != nil {
			return err
		}
		for _, inv := range invs {
			if err := tx.RevokeInvitation(ctx, inv.ID); err != nil {
				return err
			}
			e := p.Event(audit.InvitationRevoked, "invitation", inv.ID)
			e.PatientID, e.Reason = id, "merge"
			events = append(events, e)
		}
		if err := audit.Append(ctx, tx, events...); err != nil {
			return err
		}
		row, row.MergedInto, row.UserID = dup, into, ""
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	return mergeAnswer(row), nil
}

// mergedInto is CodePatientMerged for a record merged into the record
// into: a merged duplicate takes no edit, new care team assignment,
// invitation or conversation; the answer names the survivor (an id, no
// PHI) so the caller can use it instead.
func mergedInto(into string) error {
	return ward.Errorf(ward.CodePatientMerged, "the patient record was merged into record %s: use that record (or unmerge this one first)", into)
}

// NotMerged is nil when id names a record of the org that was not merged
// into another, CodePatientMerged when it was, CodeNotFound when there is
// no such record; in tx, so a caller checks it in the transaction that
// writes (internal/invitations before it stores an invitation). It reads
// no PHI.
func (s *Service) NotMerged(ctx context.Context, tx *store.Tx, orgID, id string) error {
	if err := validID(id); err != nil {
		return err
	}
	_, into, err := tx.PatientState(ctx, orgID, id)
	if err != nil {
		return notFound(err)
	}
	if into != "" {
		return mergedInto(into)
	}
	return nil
}

// Unmerge reverses Merge (patient.unmerged): the record stands alone again,
// its conversations no longer list under the other, the care team
// assignments the merge moved go back (a team deleted since excepted; the
// survivor keeps the teams it was on before), and so does the patient
// account it moved. A record that is not merged is CodeConflict, and so is
// an account that cannot go back (the record has another by now).
func (s *Service) Unmerge(ctx context.Context, p *access.Principal, id string) (Record, error) {
	if err := p.Can(authz.PatientUpdate); err != nil {
		return Record{}, err
	}
	if err := validID(id); err != nil {
		return Record{}, err
	}
	var row store.PatientRow
	err := s.store.Write(ctx, func(tx *store.Tx) error {
		r, err := tx.Patient(ctx, p.User.OrgID, id)
		if err != nil {
			return notFound(err)
		}
		if r.MergedInto == "" {
			return ward.Errorf(ward.CodeConflict, "the record is not merged")
		}
		if err := tx.SetPatientMergedInto(ctx, p.User.OrgID, id, ""); err != nil {
			return err
		}
		ev := p.Event(audit.PatientUnmerged, "patient", id)
		ev.PatientID, ev.Reason = id, "from "+r.MergedInto
		moves, err := tx.UndoMergeMoves(ctx, p.User.OrgID, id, r.MergedInto)
		if err != nil {
			return err
		}
		row, row.MergedInto = r, ""
		for _, m := range moves {
			if m.Kind == store.MergeMoveAccount {
				row.UserID = m.Ref
			}
		}
		return audit.Append(ctx, tx, append([]audit.Event{ev}, teamEvents(p, moves, id, r.MergedInto, true)...)...)
	})
	if err != nil {
		return Record{}, err
	}
	return mergeAnswer(row), nil
}

// mergeAnswer is a record's state without its fields: merging reads no PHI.
func mergeAnswer(r store.PatientRow) Record {
	return Record{ID: r.ID, OrgID: r.OrgID, Status: Status(r.Status), Erased: r.Shredded(), HasAccount: r.UserID != "", AccountUserID: r.UserID,
		MergedInto: r.MergedInto, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// teamEvents are the audit events of the care team moves of a merge (from
// the duplicate dup to the survivor surv) or, back, of its unmerge.
func teamEvents(p *access.Principal, moves []store.MergeMove, dup, surv string, back bool) []audit.Event {
	reason := "merge"
	if back {
		reason = "unmerge"
	}
	var evs []audit.Event
	add := func(action audit.Action, team, patient string) {
		e := p.Event(action, "team", team)
		e.PatientID, e.Reason = patient, reason
		evs = append(evs, e)
	}
	for _, m := range moves {
		if m.Kind != store.MergeMoveTeam {
			continue
		}
		switch {
		case !back:
			add(audit.TeamPatientUnassigned, m.Ref, dup)
			if m.Added {
				add(audit.TeamPatientAssigned, m.Ref, surv)
			}
		default:
			add(audit.TeamPatientAssigned, m.Ref, dup)
			if m.Added {
				add(audit.TeamPatientUnassigned, m.Ref, surv)
			}
		}
	}
	return evs
}
