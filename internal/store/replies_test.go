package store_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// Saved replies and team hours on both dialects: a reply is a team's or a
// user's, listed for the team and the user; hours are upserted; deleting
// the team takes its replies and hours with it.
func TestConformanceReplies(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "one", Name: "One"}); err != nil {
				return err
			}
			for _, u := range []ward.User{
				{ID: "u1", OrgID: "o1", Email: "b@x.example", Name: "Bea", Role: ward.RoleClinician},
				{ID: "u2", OrgID: "o1", Email: "a@x.example", Name: "Al", Role: ward.RoleStaff},
			} {
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
			}
			return tx.CreateTeam(ctx, &ward.Team{ID: "t1", OrgID: "o1", Name: "Cardiology"})
		}))
		must(s.Write(ctx, func(tx *store.Tx) error {
			for _, r := range []store.ReplyRow{
				{ID: "r1", OrgID: "o1", TeamID: "t1", CreatedBy: "u1", Sealed: []byte{1}},
				{ID: "r2", OrgID: "o1", UserID: "u1", CreatedBy: "u1", Sealed: []byte{2}},
				{ID: "r3", OrgID: "o1", UserID: "u2", CreatedBy: "u2", Sealed: []byte{3}},
			} {
				if err := tx.CreateReply(ctx, &r); err != nil {
					return err
				}
			}
			return nil
		}))
		// Neither or both owners: the schema refuses it.
		if err := s.Write(ctx, func(tx *store.Tx) error {
			return tx.CreateReply(ctx, &store.ReplyRow{ID: "r4", OrgID: "o1", CreatedBy: "u1", Sealed: []byte{4}})
		}); err == nil {
			t.Fatal("a reply with no owner was stored")
		}
		must(s.Write(ctx, func(tx *store.Tx) error { return tx.UpdateReply(ctx, "o1", "r2", []byte{9}) }))
		if err := s.Write(ctx, func(tx *store.Tx) error { return tx.UpdateReply(ctx, "o2", "r2", []byte{9}) }); ward.ErrorCode(err) != ward.CodeNotFound {
			t.Fatalf("update in another org: %v", err)
		}
		must(s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.PutTeamHours(ctx, store.TeamHoursRow{TeamID: "t1", OrgID: "o1", Schedule: `{"a":1}`}); err != nil {
				return err
			}
			return tx.PutTeamHours(ctx, store.TeamHoursRow{TeamID: "t1", OrgID: "o1", Schedule: `{"a":2}`, AutoReply: []byte{7}})
		}))
		must(s.Read(ctx, func(tx *store.Tx) error {
			rs, err := tx.Replies(ctx, "o1", "t1", "u1")
			if err != nil {
				return err
			}
			if len(rs) != 2 || rs[0].ID != "r1" || rs[1].ID != "r2" || rs[1].Sealed[0] != 9 || rs[0].TeamID != "t1" || rs[1].UserID != "u1" {
				t.Fatalf("replies = %+v", rs)
			}
			if rs, err = tx.Replies(ctx, "o1", "", "u2"); err != nil || len(rs) != 1 || rs[0].ID != "r3" {
				t.Fatalf("u2's replies = %+v, %v", rs, err)
			}
			h, err := tx.TeamHours(ctx, "o1", "t1")
			if err != nil || h.Schedule != `{"a":2}` || len(h.AutoReply) != 1 {
				t.Fatalf("hours = %+v, %v", h, err)
			}
			return nil
		}))
		must(s.Write(ctx, func(tx *store.Tx) error { _, err := tx.DeleteTeam(ctx, "o1", "t1"); return err }))
		must(s.Read(ctx, func(tx *store.Tx) error {
			if _, err := tx.ReplyByID(ctx, "o1", "r1"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Fatalf("the team's reply outlived it: %v", err)
			}
			if _, err := tx.TeamHours(ctx, "o1", "t1"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Fatalf("the team's hours outlived it: %v", err)
			}
			return nil
		}))
	})
}
