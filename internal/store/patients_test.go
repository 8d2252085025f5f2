package store_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformancePatients (issue 22): patient rows on both databases: the
// MRN index is unique per org (not across orgs), look-ups by either index
// stay within the org, an edit checks the row did not change meanwhile,
// and the status moves.
func TestConformancePatients(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		row := func(id, org, mrn, dob string) *store.PatientRow {
			return &store.PatientRow{ID: id, OrgID: org, MRNIndex: mrn, DOBNameIndex: dob, Sealed: []byte{1, 2, 3}, Status: "active"}
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			for _, o := range []string{"o1", "o2"} {
				if err := tx.CreateOrg(ctx, &ward.Org{ID: o, Slug: o, Name: o}); err != nil {
					return err
				}
			}
			for _, r := range []*store.PatientRow{row("p1", "o1", "m1", "d1"), row("p2", "o1", "m2", "d1"), row("p3", "o2", "m1", "d1")} {
				if err := tx.InsertPatient(ctx, r); err != nil {
					return err
				}
			}
			return nil
		})
		err := s.Write(ctx, func(tx *store.Tx) error { return tx.InsertPatient(ctx, row("p4", "o1", "m1", "d9")) })
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Fatalf("a second record with an org's MRN index: %v, want conflict", err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			if rs, err := tx.PatientsByMRN(ctx, "o1", "m1"); err != nil || len(rs) != 1 || rs[0].ID != "p1" || string(rs[0].Sealed) != "\x01\x02\x03" {
				t.Errorf("PatientsByMRN: %+v %v", rs, err)
			}
			if rs, err := tx.PatientsByDOBName(ctx, "o1", "d1", 10); err != nil || len(rs) != 2 || rs[0].ID != "p1" || rs[1].ID != "p2" {
				t.Errorf("PatientsByDOBName: %+v %v", rs, err)
			}
			if rs, _ := tx.PatientsByDOBName(ctx, "o1", "d1", 1); len(rs) != 1 {
				t.Errorf("PatientsByDOBName with limit 1: %d rows", len(rs))
			}
			if _, err := tx.Patient(ctx, "o1", "p3"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("another org's record: %v, want not_found", err)
			}
			return nil
		})
		// A failed statement ends a PostgreSQL transaction: one of its own.
		err = s.Write(ctx, func(tx *store.Tx) error {
			r, err := tx.Patient(ctx, "o1", "p2")
			if err != nil {
				return err
			}
			r.MRNIndex = "m1"
			return tx.UpdatePatient(ctx, &r)
		})
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Errorf("an edit to a taken MRN index: %v, want conflict", err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			r, err := tx.Patient(ctx, "o1", "p2")
			if err != nil {
				return err
			}
			stale := r
			stale.UpdatedAt = stale.UpdatedAt.Add(-1)
			if err := tx.UpdatePatient(ctx, &stale); ward.ErrorCode(err) != ward.CodeConflict {
				t.Errorf("a stale edit: %v, want conflict", err)
			}
			r.MRNIndex, r.Sealed = "m3", []byte{7}
			if err := tx.UpdatePatient(ctx, &r); err != nil {
				return err
			}
			if rs, _ := tx.PatientsByMRN(ctx, "o1", "m3"); len(rs) != 1 || string(rs[0].Sealed) != "\x07" {
				t.Errorf("after the edit: %+v", rs)
			}
			missing := r
			missing.ID = "p9"
			if err := tx.UpdatePatient(ctx, &missing); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("an edit of no record: %v, want not_found", err)
			}
			if err := tx.SetPatientStatus(ctx, "o1", "p2", "deactivated"); err != nil {
				return err
			}
			if st, err := tx.PatientStatus(ctx, "o1", "p2"); st != "deactivated" || err != nil {
				t.Errorf("PatientStatus: %q %v", st, err)
			}
			if err := tx.SetPatientStatus(ctx, "o2", "p2", "active"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("SetPatientStatus across orgs: %v, want not_found", err)
			}
			return nil
		})
	})
}
