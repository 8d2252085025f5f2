package store_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceTeamPatients (issue 22): a user lists the active records
// of the teams they are in, each once, paged by id; assignments are
// idempotent; deleting a team takes its assignments.
func TestConformanceTeamPatients(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "o1", Name: "o1"}); err != nil {
				return err
			}
			for _, u := range []string{"u1", "u2"} {
				if err := tx.CreateUser(ctx, &ward.User{ID: u, OrgID: "o1", Email: u + "@example.org", Name: u, Role: ward.RoleStaff}); err != nil {
					return err
				}
			}
			for _, id := range []string{"p1", "p2", "p3"} {
				r := &store.PatientRow{ID: id, OrgID: "o1", MRNIndex: "m" + id, DOBNameIndex: "d", Sealed: []byte{1}, Status: "active"}
				if err := tx.InsertPatient(ctx, r); err != nil {
					return err
				}
			}
			for _, team := range []string{"t1", "t2"} {
				if err := tx.CreateTeam(ctx, &ward.Team{ID: team, OrgID: "o1", Name: team}); err != nil {
					return err
				}
				if _, err := tx.AddTeamMember(ctx, team, "u1"); err != nil {
					return err
				}
			}
			for _, a := range [][2]string{{"t1", "p1"}, {"t2", "p1"}, {"t1", "p2"}, {"t2", "p3"}} {
				if ok, err := tx.AssignPatient(ctx, a[0], a[1]); err != nil || !ok {
					t.Errorf("assign %v: %v %v", a, ok, err)
				}
			}
			if ok, err := tx.AssignPatient(ctx, "t1", "p1"); err != nil || ok {
				t.Errorf("assigning again: %v %v", ok, err)
			}
			return tx.SetPatientStatus(ctx, "o1", "p3", "deactivated")
		})
		mustWrite(t, s, func(tx *store.Tx) error {
			rs, err := tx.TeamPatients(ctx, "o1", "u1", "", 10)
			if err != nil || len(rs) != 2 || rs[0].ID != "p1" || rs[1].ID != "p2" {
				t.Errorf("TeamPatients: %+v %v", rs, err)
			}
			if rs, err := tx.TeamPatients(ctx, "o1", "u1", "p1", 1); err != nil || len(rs) != 1 || rs[0].ID != "p2" {
				t.Errorf("TeamPatients after p1: %+v %v", rs, err)
			}
			if rs, err := tx.TeamPatients(ctx, "o1", "u2", "", 10); err != nil || len(rs) != 0 {
				t.Errorf("a user in no team: %+v %v", rs, err)
			}
			if ids, err := tx.PatientTeams(ctx, "o1", "p1"); err != nil || len(ids) != 2 {
				t.Errorf("PatientTeams: %v %v", ids, err)
			}
			if err := tx.UnassignPatient(ctx, "t2", "p2"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("unassigning what is not assigned: %v", err)
			}
			_, err = tx.DeleteTeam(ctx, "o1", "t1")
			return err
		})
		mustWrite(t, s, func(tx *store.Tx) error {
			if rs, err := tx.TeamPatients(ctx, "o1", "u1", "", 10); err != nil || len(rs) != 1 || rs[0].ID != "p1" {
				t.Errorf("after deleting t1: %+v %v", rs, err)
			}
			return nil
		})
	})
}
