package store_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestConformanceTeams(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		write := func(fn func(tx *store.Tx) error) error { return s.Write(ctx, fn) }
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(write(func(tx *store.Tx) error {
			for _, o := range []ward.Org{{ID: "o1", Slug: "one", Name: "One"}, {ID: "o2", Slug: "two", Name: "Two"}} {
				if err := tx.CreateOrg(ctx, &o); err != nil {
					return err
				}
			}
			for _, u := range []ward.User{
				{ID: "u1", OrgID: "o1", Email: "b@x.example", Name: "Bea", Role: ward.RoleClinician},
				{ID: "u2", OrgID: "o1", Email: "a@x.example", Name: "Al", Role: ward.RoleStaff},
			} {
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
			}
			return nil
		}))
		card := ward.Team{ID: "t1", OrgID: "o1", Name: "Cardiology clinic"}
		must(write(func(tx *store.Tx) error { return tx.CreateTeam(ctx, &card) }))
		must(write(func(tx *store.Tx) error {
			return tx.CreateTeam(ctx, &ward.Team{ID: "t2", OrgID: "o1", Name: "Front desk"})
		}))
		// Names are unique per org, ignoring case; another org may reuse one.
		err := write(func(tx *store.Tx) error {
			return tx.CreateTeam(ctx, &ward.Team{ID: "t3", OrgID: "o1", Name: "CARDIOLOGY clinic"})
		})
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Fatalf("duplicate name: %v", err)
		}
		must(write(func(tx *store.Tx) error {
			return tx.CreateTeam(ctx, &ward.Team{ID: "t4", OrgID: "o2", Name: "Cardiology clinic"})
		}))
		if err := write(func(tx *store.Tx) error { return tx.RenameTeam(ctx, "o1", "t2", "cardiology CLINIC") }); ward.ErrorCode(err) != ward.CodeConflict {
			t.Fatalf("rename to a taken name: %v", err)
		}
		if err := write(func(tx *store.Tx) error { return tx.RenameTeam(ctx, "o2", "t2", "Reception") }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("rename another org's team: %v", err)
		}
		must(write(func(tx *store.Tx) error { return tx.RenameTeam(ctx, "o1", "t2", "Reception") }))
		must(write(func(tx *store.Tx) error {
			for _, uid := range []string{"u1", "u2"} {
				if added, err := tx.AddTeamMember(ctx, "t1", uid); err != nil || !added {
					t.Errorf("add %s: %v %v", uid, added, err)
				}
			}
			added, err := tx.AddTeamMember(ctx, "t1", "u1")
			if err != nil || added {
				t.Errorf("second add: added %v, err %v; want false, nil", added, err)
			}
			return err
		}))
		var teams []ward.Team
		var of []string
		must(s.Read(ctx, func(tx *store.Tx) (err error) {
			if teams, err = tx.Teams(ctx, "o1"); err != nil {
				return err
			}
			of, err = tx.TeamsOf(ctx, "o1", "u2")
			return err
		}))
		if len(teams) != 2 || teams[0].Name != "Cardiology clinic" || teams[1].Name != "Reception" || len(teams[1].Members) != 0 {
			t.Fatalf("teams: %+v", teams)
		}
		if m := teams[0].Members; len(m) != 2 || m[0].Name != "Al" || m[1].Role != ward.RoleClinician || !m[0].AddedAt.Equal(fixedClock()()) {
			t.Fatalf("members: %+v", m)
		}
		if len(of) != 1 || of[0] != "t1" {
			t.Fatalf("TeamsOf: %v", of)
		}
		if err := write(func(tx *store.Tx) error { return tx.RemoveTeamMember(ctx, "t2", "u1") }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("remove a non-member: %v", err)
		}
		must(write(func(tx *store.Tx) error { return tx.RemoveTeamMember(ctx, "t1", "u1") }))
		var gone []string
		must(write(func(tx *store.Tx) (err error) { gone, err = tx.DeleteTeam(ctx, "o1", "t1"); return err }))
		if len(gone) != 1 || gone[0] != "u2" {
			t.Fatalf("DeleteTeam returned %v", gone)
		}
		if err := s.Read(ctx, func(tx *store.Tx) error { _, err := tx.TeamByID(ctx, "o1", "t1"); return err }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("deleted team: %v", err)
		}
		if err := write(func(tx *store.Tx) error { _, err := tx.DeleteTeam(ctx, "o1", "t4"); return err }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("delete another org's team: %v", err)
		}
	})
}
