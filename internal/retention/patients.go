package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// shredBatch is how many records ShredRetiredPatients reads at a time.
const shredBatch = 100

// ShredRetiredPatients is the retention of patient records: for every org
// whose policy sets patient_retention, it shreds the data key of each
// record deactivated longer ago than that (scope "patient:<id>", so every
// field of the record becomes unreadable and it reads as erased) and, when
// a patient user is linked to it, that user's identity key ("user:<id>":
// their name, email and TOTP secret). The user is disabled, their sessions
// end and their email's blind index is replaced, so the account can never
// sign in again. The record's blind indexes are replaced too (the MRN is
// free again). Each record is one transaction with its audit events
// (keys.shredded per scope, user.disabled, patient.shredded), so the
// chain still verifies. It returns how many records it shredded; the
// server runs it with the message purge, at the app's clock, on the leader.
// A record a legal hold names (or whose patient user it names) is skipped.
func (s *Service) ShredRetiredPatients(ctx context.Context) (int, error) {
	if s.keys == nil {
		return 0, nil
	}
	var orgs []ward.Org
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		orgs, err = tx.ListOrgs(ctx)
		return err
	}); err != nil {
		return 0, err
	}
	total := 0
	for _, o := range orgs {
		n, err := s.shredOrgPatients(ctx, o.ID)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// shredOrgPatients shreds one org's patient records due for it (none that
// a legal hold names) and returns how many.
func (s *Service) shredOrgPatients(ctx context.Context, orgID string) (int, error) {
	total := 0
	for {
		var pol ward.Policy
		var rows []store.PatientRow
		err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
			if pol, err = tx.Policy(ctx, orgID); err != nil || pol.PatientRetention == 0 {
				return err
			}
			rows, err = tx.PatientsToShred(ctx, orgID, tx.Now.Add(-pol.PatientRetention.D()), shredBatch)
			return err
		})
		if err != nil {
			return total, err
		}
		for _, r := range rows {
			done, err := s.shredPatient(ctx, r, pol.PatientRetention.D())
			if err != nil {
				return total, err
			}
			if done {
				total++
			}
		}
		if len(rows) < shredBatch {
			return total, nil
		}
	}
}

// shredPatient shreds one record (and its patient user's identity) in one
// transaction, after checking it is still due.
func (s *Service) shredPatient(ctx context.Context, r store.PatientRow, retention time.Duration) (bool, error) {
	var forget []func()
	done := false
	users := []string{}
	if r.UserID != "" {
		users = append(users, r.UserID)
	}
	err := s.core.ChangeAccess(ctx, func(tx *store.Tx) error {
		forget, done = nil, false
		row, err := tx.Patient(ctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		if row.Status != "deactivated" || row.Shredded() || !row.UpdatedAt.Before(tx.Now.Add(-retention)) {
			return nil // reactivated, shredded or changed meanwhile
		}
		if held, err := tx.PatientHeld(ctx, row.OrgID, row.ID); err != nil || held {
			return err // a legal hold was placed meanwhile
		}
		done = true
		sys := access.SystemActor()
		shred := func(scope, patient string) error {
			f, err := s.keys.ShredIn(ctx, tx, row.OrgID, scope)
			if err != nil {
				return err
			}
			forget = append(forget, f)
			return audit.Append(ctx, tx, audit.Event{OrgID: row.OrgID, Actor: sys, Action: audit.KeyShredded,
				ResourceType: "key", ResourceID: scope, PatientID: patient, Outcome: audit.Success,
				Reason: "patient retention"})
		}
		if err := shred("patient:"+row.ID, row.ID); err != nil {
			return err
		}
		if row.UserID != "" {
			if err := s.core.EraseAccount(ctx, tx, row.OrgID, row.UserID, shred); err != nil {
				return err
			}
		}
		if err := tx.ErasePatientIndexes(ctx, row.OrgID, row.ID); err != nil {
			return err
		}
		return audit.Append(ctx, tx, audit.Event{OrgID: row.OrgID, Actor: sys, Action: audit.PatientShredded,
			ResourceType: "patient", ResourceID: row.ID, PatientID: row.ID, Outcome: audit.Success,
			Reason: fmt.Sprintf("deactivated %s, longer than the patient retention (%s)",
				row.UpdatedAt.UTC().Format(time.RFC3339), retention)})
	}, users...)
	if err != nil {
		return false, err
	}
	for _, f := range forget {
		f()
	}
	return done, nil
}
