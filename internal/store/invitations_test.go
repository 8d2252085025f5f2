package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceInvitations (issue 22): on both databases an invitation is
// found by its token hash, a resend replaces the token, it is accepted once,
// and a record links to one user only (and a user to one record).
func TestConformanceInvitations(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "o1", Name: "o1"}); err != nil {
				return err
			}
			for _, u := range []string{"u1", "u2"} {
				if err := tx.CreateUser(ctx, &ward.User{ID: u, OrgID: "o1", Email: u + "@x.example", Name: u, Role: ward.RolePatient}); err != nil {
					return err
				}
			}
			for _, id := range []string{"p1", "p2"} {
				if err := tx.InsertPatient(ctx, &store.PatientRow{ID: id, OrgID: "o1", MRNIndex: id, DOBNameIndex: "d", Sealed: []byte{1}, Status: "active"}); err != nil {
					return err
				}
			}
			return tx.InsertInvitation(ctx, &store.InvitationRow{ID: "i1", OrgID: "o1", PatientID: "p1", Channel: "email",
				TokenHash: "h1", CreatedBy: "u1", ExpiresAt: time.Now().Add(time.Hour)})
		})
		mustWrite(t, s, func(tx *store.Tx) error {
			r, err := tx.InvitationByToken(ctx, "h1")
			if err != nil || r.ID != "i1" || r.PatientID != "p1" || !r.AcceptedAt.IsZero() || r.UserID != "" {
				t.Errorf("InvitationByToken: %+v %v", r, err)
			}
			if err := tx.RenewInvitation(ctx, "i1", "h2", time.Now().Add(2*time.Hour)); err != nil {
				return err
			}
			if _, err := tx.InvitationByToken(ctx, "h1"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("the old token after a resend: %v, want not_found", err)
			}
			if ok, err := tx.AcceptInvitation(ctx, "i1", "u1"); !ok || err != nil {
				t.Errorf("accept: %v %v", ok, err)
			}
			if ok, err := tx.AcceptInvitation(ctx, "i1", "u2"); ok || err != nil {
				t.Errorf("a second accept: %v %v, want false", ok, err)
			}
			if rs, err := tx.Invitations(ctx, "o1", "p1"); err != nil || len(rs) != 1 || rs[0].UserID != "u1" || rs[0].AcceptedAt.IsZero() {
				t.Errorf("Invitations: %+v %v", rs, err)
			}
			if err := tx.LinkPatientUser(ctx, "o1", "p1", "u1"); err != nil {
				return err
			}
			if p, err := tx.Patient(ctx, "o1", "p1"); err != nil || p.UserID != "u1" {
				t.Errorf("the linked record: %+v %v", p, err)
			}
			if err := tx.LinkPatientUser(ctx, "o1", "p1", "u2"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("a second user on the record: %v, want not_found (no unlinked row)", err)
			}
			return nil
		})
		err := s.Write(ctx, func(tx *store.Tx) error { return tx.LinkPatientUser(ctx, "o1", "p2", "u1") })
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Errorf("one user on two records: %v, want conflict", err)
		}
	})
}
