package app

import (
	"context"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/authz"
	"github.com/wardhealth/ward/internal/store"
)

// PatientConversations lists the conversations about a patient (a record,
// or a patient user, of the caller's org) that the caller is a member of,
// newest activity first. Those they are not in stay unseen (break-glass is
// the way to them). The list is audited as a read about the patient,
// durably, before it is answered. An id that names no patient of the org
// is CodeNotFound.
func (a *App) PatientConversations(ctx context.Context, p *Principal, patientID string) ([]ward.ConversationSummary, error) {
	if err := p.Can(authz.PatientRead); err != nil {
		return nil, err
	}
	noPatient := ward.Errorf(ward.CodeNotFound, "no such patient")
	if patientID == "" || len(patientID) > 64 {
		return nil, noPatient
	}
	var rows []store.ConversationSummary
	err := a.store.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.PatientStatus(ctx, p.User.OrgID, patientID); err != nil {
			if ward.ErrorCode(err) != ward.CodeNotFound {
				return err
			}
			u, err := tx.UserByID(ctx, p.User.OrgID, patientID)
			if ward.ErrorCode(err) == ward.CodeNotFound || (err == nil && u.Role != ward.RolePatient) {
				return noPatient
			}
			if err != nil {
				return err
			}
		}
		var err error
		rows, err = tx.PatientConversationSummaries(ctx, p.User.OrgID, p.User.ID, patientID)
		return err
	})
	if err != nil {
		return nil, err
	}
	out, err := a.openSummaries(ctx, p, rows)
	if err != nil {
		return nil, err
	}
	e := p.Event(audit.ConversationRead, "patient", patientID)
	e.PatientID, e.Reason = patientID, fmt.Sprintf("list of %d conversations about the patient", len(out))
	if err := a.audit.Record(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}
