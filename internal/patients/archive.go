package patients

import (
	"context"
	"strings"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// IDsByMRN returns the ids of the org's records with mrn (normalised),
// through the blind index, opening none: for the compliance archive
// (ward archive export --patient), which selects by the id and audits its
// own reads. It reads no PHI.
func (s *Service) IDsByMRN(ctx context.Context, orgID, mrn string) ([]string, error) {
	mrn = strings.TrimSpace(mrn)
	if mrn == "" || len(mrn) > maxMRN*4 {
		return nil, ward.Errorf(ward.CodeInvalid, "mrn must be 1 to %d characters", maxMRN)
	}
	key, err := s.orgKey(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var ids []string
	err = s.store.Read(ctx, func(tx *store.Tx) error {
		rows, err := tx.PatientsByMRN(ctx, orgID, mrnIndex(key, mrn))
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		return err
	})
	return ids, err
}
