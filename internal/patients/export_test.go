package patients

import (
	"context"

	"github.com/google/uuid"

	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// FindByMRNUnaudited is FindByMRN without its audit event, for the
// benchmark to tell the look-up's own cost from the audit write's.
func (s *Service) FindByMRNUnaudited(ctx context.Context, orgID, mrn string) ([]Record, error) {
	key, err := s.orgKey(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return s.lookUp(ctx, func(tx *store.Tx) ([]store.PatientRow, error) {
		return tx.PatientsByMRN(ctx, orgID, mrnIndex(key, mrn))
	}, nil)
}

// CreateMany is Create for many records in one transaction, for the
// benchmark's seeding: each record sealed under a data key of its own
// (made in one transaction beforehand, keyring.PrepareMany), its indexes,
// and its patient.created event, as Create stores them. It skips Create's
// checks (a taken MRN fails the whole batch).
func (s *Service) CreateMany(ctx context.Context, p *access.Principal, fs []Fields) error {
	orgID := p.User.OrgID
	ids := make([]string, len(fs))
	scopes := make([]string, len(fs))
	for i := range fs {
		if err := fs[i].normalize(s.now()); err != nil {
			return err
		}
		ids[i] = uuid.Must(uuid.NewV7()).String()
		scopes[i] = scope(ids[i])
	}
	if err := s.keys.PrepareMany(ctx, orgID, scopes); err != nil {
		return err
	}
	rows := make([]store.PatientRow, len(fs))
	for i := range fs {
		var err error
		if rows[i], err = s.row(ctx, orgID, ids[i], fs[i]); err != nil {
			return err
		}
		rows[i].Status = string(Active)
	}
	return s.store.Write(ctx, func(tx *store.Tx) error {
		events := make([]audit.Event, len(rows))
		for i := range rows {
			if err := tx.InsertPatient(ctx, &rows[i]); err != nil {
				return err
			}
			events[i] = p.Event(audit.PatientCreated, "patient", rows[i].ID)
			events[i].PatientID = rows[i].ID
		}
		return audit.Append(ctx, tx, events...)
	})
}
