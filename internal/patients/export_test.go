package patients

import (
	"context"

	"github.com/wardhealth/ward/internal/store"
)

// FindByMRNUnaudited is FindByMRN without its audit event, for the
// benchmark to tell the look-up's own cost from the audit write's.
func (s *Service) FindByMRNUnaudited(ctx context.Context, orgID, mrn string) ([]Record, error) {
	key, err := s.orgKey(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var rows []store.PatientRow
	if err := s.store.Read(ctx, func(tx *store.Tx) (err error) {
		rows, err = tx.PatientsByMRN(ctx, orgID, mrnIndex(key, mrn))
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]Record, len(rows))
	for i, r := range rows {
		if out[i], err = s.open(ctx, r); err != nil {
			return nil, err
		}
	}
	return out, nil
}
