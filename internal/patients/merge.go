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
// duplicate then list under the survivor too. Nothing of either record
// is changed or lost, so Unmerge reverses it. Both must be active records
// of the org, not erased; the duplicate not merged already and with no
// record merged into it, the survivor not merged itself (no chains).
// Merging is an edit of the records (authz.PatientUpdate); it reads no PHI.
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
		if err := tx.SetPatientMergedInto(ctx, p.User.OrgID, id, into); err != nil {
			return err
		}
		ev := p.Event(audit.PatientMerged, "patient", id)
		ev.PatientID, ev.Reason = id, "into "+into
		if err := audit.Append(ctx, tx, ev); err != nil {
			return err
		}
		row, row.MergedInto = dup, into
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	return mergeAnswer(row), nil
}

// Unmerge reverses Merge (patient.unmerged): the record stands alone again
// and its conversations no longer list under the other. A record that is
// not merged is CodeConflict.
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
		if err := audit.Append(ctx, tx, ev); err != nil {
			return err
		}
		row, row.MergedInto = r, ""
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	return mergeAnswer(row), nil
}

// mergeAnswer is a record's state without its fields: merging reads no PHI.
func mergeAnswer(r store.PatientRow) Record {
	return Record{ID: r.ID, OrgID: r.OrgID, Status: Status(r.Status), Erased: r.Shredded(), HasAccount: r.UserID != "",
		MergedInto: r.MergedInto, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}
