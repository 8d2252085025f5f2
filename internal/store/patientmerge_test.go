package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformancePatientMergeMoves (issue 22): a merge moves the
// duplicate's team assignments and patient user to the survivor, keeping
// what it moved; undoing puts exactly that back (the survivor keeps the
// team it was on before) and forgets the moves; a user linked to the
// survivor already is a conflict; pending invitations are those neither
// accepted, revoked nor expired.
func TestConformancePatientMergeMoves(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "o1", Name: "o1"}); err != nil {
				return err
			}
			for _, u := range []string{"u1", "u2"} {
				if err := tx.CreateUser(ctx, &ward.User{ID: u, OrgID: "o1", Email: u + "@example.org", Name: u, Role: ward.RolePatient}); err != nil {
					return err
				}
			}
			for _, id := range []string{"dup", "surv", "other"} {
				r := &store.PatientRow{ID: id, OrgID: "o1", MRNIndex: "m" + id, DOBNameIndex: "d", Sealed: []byte{1}, Status: "active"}
				if err := tx.InsertPatient(ctx, r); err != nil {
					return err
				}
			}
			for _, team := range []string{"t1", "t2"} {
				if err := tx.CreateTeam(ctx, &ward.Team{ID: team, OrgID: "o1", Name: team}); err != nil {
					return err
				}
				if _, err := tx.AssignPatient(ctx, team, "dup"); err != nil {
					return err
				}
			}
			if _, err := tx.AssignPatient(ctx, "t2", "surv"); err != nil {
				return err
			}
			return tx.LinkPatientUser(ctx, "o1", "dup", "u1")
		})
		teams := func(id string) []string {
			var out []string
			mustRead(t, s, func(tx *store.Tx) (err error) { out, err = tx.PatientTeams(ctx, "o1", id); return err })
			return out
		}
		user := func(id string) string {
			var out string
			mustRead(t, s, func(tx *store.Tx) (err error) { out, err = tx.PatientUser(ctx, "o1", id); return err })
			return out
		}
		var moved []store.MergeMove
		mustWrite(t, s, func(tx *store.Tx) error {
			var err error
			if moved, err = tx.MovePatientTeams(ctx, "o1", "dup", "surv"); err != nil {
				return err
			}
			u, err := tx.MovePatientUser(ctx, "o1", "dup", "surv")
			if u != "u1" {
				t.Errorf("moved user %q", u)
			}
			return err
		})
		want := []store.MergeMove{{Kind: "team", Ref: "t1", Added: true}, {Kind: "team", Ref: "t2", Added: false}}
		if d := cmp.Diff(want, moved); d != "" {
			t.Errorf("moves (-want +got):\n%s", d)
		}
		if got := teams("surv"); !slices.Equal(got, []string{"t1", "t2"}) || len(teams("dup")) != 0 {
			t.Errorf("after the move: survivor %v, duplicate %v", got, teams("dup"))
		}
		if user("surv") != "u1" || user("dup") != "" {
			t.Errorf("after the move: survivor's user %q, duplicate's %q", user("surv"), user("dup"))
		}
		// Moving the user onto a record that has one is a conflict.
		mustWrite(t, s, func(tx *store.Tx) error { return tx.LinkPatientUser(ctx, "o1", "other", "u2") })
		err := s.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.MovePatientUser(ctx, "o1", "other", "surv")
			return err
		})
		if ward.ErrorCode(err) != ward.CodeConflict || user("other") != "u2" {
			t.Errorf("move onto a record with a user: %v; other's user %q", err, user("other"))
		}
		var undone []store.MergeMove
		mustWrite(t, s, func(tx *store.Tx) (err error) { undone, err = tx.UndoMergeMoves(ctx, "o1", "dup", "surv"); return err })
		if len(undone) != 3 {
			t.Errorf("undone %+v", undone)
		}
		if got := teams("dup"); !slices.Equal(got, []string{"t1", "t2"}) || !slices.Equal(teams("surv"), []string{"t2"}) {
			t.Errorf("after the undo: duplicate %v, survivor %v", got, teams("surv"))
		}
		if user("dup") != "u1" || user("surv") != "" {
			t.Errorf("after the undo: duplicate's user %q, survivor's %q", user("dup"), user("surv"))
		}
		mustWrite(t, s, func(tx *store.Tx) (err error) { undone, err = tx.UndoMergeMoves(ctx, "o1", "dup", "surv"); return err })
		if len(undone) != 0 {
			t.Errorf("a second undo found moves: %+v", undone)
		}

		// Pending invitations.
		now := fixedClock()()
		mustWrite(t, s, func(tx *store.Tx) error {
			for i, exp := range []int{1, -1, 2, 3} {
				r := store.InvitationRow{ID: "i" + string(rune('0'+i)), OrgID: "o1", PatientID: "dup", Channel: "link",
					TokenHash: "h" + string(rune('0'+i)), CreatedBy: "u2", ExpiresAt: now.Add(timeHours(exp))}
				if err := tx.InsertInvitation(ctx, &r); err != nil {
					return err
				}
			}
			if err := tx.RevokeInvitation(ctx, "i2"); err != nil {
				return err
			}
			_, err := tx.AcceptInvitation(ctx, "i3", "u1")
			return err
		})
		var pend []store.InvitationRow
		mustRead(t, s, func(tx *store.Tx) (err error) { pend, err = tx.PendingInvitations(ctx, "o1", "dup"); return err })
		if len(pend) != 1 || pend[0].ID != "i0" {
			t.Errorf("pending invitations: %+v", pend)
		}
	})
}

func mustRead(t *testing.T, s *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := s.Read(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func timeHours(n int) time.Duration { return time.Duration(n) * time.Hour }
