package patients_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/store"
)

// mergeStores runs a merge test on SQLite and on PostgreSQL (skipped where
// WARD_TEST_POSTGRES is unset).
func mergeStores(t *testing.T, test func(t *testing.T, f *fixture)) {
	t.Run("sqlite", func(t *testing.T) { test(t, newFixtureOn(t, apptest.New(t, false))) })
	t.Run("postgres", func(t *testing.T) { test(t, newFixtureOn(t, apptest.NewPostgres(t, false))) })
}

func (f *fixture) record(t *testing.T, mrn string) patients.Record {
	t.Helper()
	fs := jane()
	fs.MRN = mrn
	r, err := f.svc.Create(context.Background(), f.nurse, fs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// linkAccount links a patient user to a record, as accepting an
// invitation does (the store's own statement).
func (f *fixture) linkAccount(t *testing.T, recordID, userID string) {
	t.Helper()
	if err := f.Store.Write(context.Background(), func(tx *store.Tx) error {
		return tx.LinkPatientUser(context.Background(), f.Org.ID, recordID, userID)
	}); err != nil {
		t.Fatal(err)
	}
}

// invitation stores an invitation of a record, expiring after ttl (the
// store's own statement, as inviting does).
func (f *fixture) invitation(t *testing.T, recordID string, ttl time.Duration) string {
	t.Helper()
	r := store.InvitationRow{ID: uuid.NewString(), OrgID: f.Org.ID, PatientID: recordID, Channel: "link",
		TokenHash: uuid.NewString(), CreatedBy: f.nurse.User.ID, ExpiresAt: f.Clock.Now().Add(ttl)}
	if err := f.Store.Write(context.Background(), func(tx *store.Tx) error { return tx.InsertInvitation(context.Background(), &r) }); err != nil {
		t.Fatal(err)
	}
	return r.ID
}

func (f *fixture) invitationRow(t *testing.T, recordID, id string) (r store.InvitationRow) {
	t.Helper()
	if err := f.Store.Read(context.Background(), func(tx *store.Tx) (err error) {
		r, err = tx.Invitation(context.Background(), f.Org.ID, recordID, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) teamsOf(t *testing.T, recordID string) []string {
	t.Helper()
	r, err := f.svc.Get(context.Background(), f.nurse, recordID)
	if err != nil {
		t.Fatal(err)
	}
	return r.Teams
}

// TestMergeMovesTeamsAccountAndInvitations (issue 22): merging a duplicate
// moves its care team assignments and its patient account to the record it
// is merged into and revokes its pending invitations, each audited;
// unmerging moves the teams and the account back, and leaves the survivor
// on the teams it was on before the merge. A team deleted while merged is
// skipped by the unmerge.
func TestMergeMovesTeamsAccountAndInvitations(t *testing.T) {
	mergeStores(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		team := func(name string) string {
			tm, err := f.Teams.Create(ctx, f.admin, name)
			if err != nil {
				t.Fatal(err)
			}
			return tm.ID
		}
		cardio, ward7, shared, gone := team("Cardiology"), team("Ward 7"), team("Shared"), team("Gone")
		surv, dup := f.record(t, "S-1"), f.record(t, "D-1")
		for _, a := range [][2]string{{cardio, dup.ID}, {ward7, dup.ID}, {shared, dup.ID}, {gone, dup.ID}, {shared, surv.ID}} {
			if err := f.svc.AssignToTeam(ctx, f.admin, a[0], a[1]); err != nil {
				t.Fatal(err)
			}
		}
		f.linkAccount(t, dup.ID, f.pat.User.ID)
		pending := f.invitation(t, dup.ID, 72*time.Hour)
		expired := f.invitation(t, dup.ID, time.Minute)
		survInv := f.invitation(t, surv.ID, 72*time.Hour)
		f.Clock.Advance(2 * time.Minute)

		m, err := f.svc.Merge(ctx, f.nurse, dup.ID, surv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m.MergedInto != surv.ID || m.HasAccount {
			t.Errorf("merge answer: %+v", m)
		}
		want := []string{cardio, gone, shared, ward7}
		if got := f.teamsOf(t, surv.ID); !sameSet(got, want) {
			t.Errorf("survivor's teams after the merge: %v, want %v", got, want)
		}
		if got := f.teamsOf(t, dup.ID); len(got) != 0 {
			t.Errorf("duplicate's teams after the merge: %v", got)
		}
		if rec, err := f.svc.Get(ctx, f.nurse, surv.ID); err != nil || !rec.HasAccount {
			t.Errorf("the survivor has the account: %+v %v", rec.HasAccount, err)
		}
		f.Store.Read(ctx, func(tx *store.Tx) error {
			if id, err := tx.PatientRecordOfUser(ctx, f.Org.ID, f.pat.User.ID); err != nil || id != surv.ID {
				t.Errorf("the patient user's record: %q %v", id, err)
			}
			return nil
		})
		if r := f.invitationRow(t, dup.ID, pending); r.RevokedAt.IsZero() {
			t.Error("the pending invitation of the duplicate is not revoked")
		}
		if r := f.invitationRow(t, dup.ID, expired); !r.RevokedAt.IsZero() {
			t.Error("an expired invitation was revoked too")
		}
		if r := f.invitationRow(t, surv.ID, survInv); !r.RevokedAt.IsZero() {
			t.Error("the survivor's invitation was revoked")
		}
		if ev := f.events(t, audit.InvitationRevoked); len(ev) != 1 || ev[0].ResourceID != pending || ev[0].PatientID != dup.ID || ev[0].Reason != "merge" {
			t.Errorf("invitation.revoked events: %+v", ev)
		}
		un := f.events(t, audit.TeamPatientUnassigned)
		as := f.events(t, audit.TeamPatientAssigned)
		if len(un) != 4 || len(as) != 5+3 { // 5 assignments before, 3 teams new to the survivor
			t.Errorf("team events after the merge: %d unassigned, %d assigned", len(un), len(as))
		}

		// A team is deleted while the records are merged; then unmerge.
		if err := f.Teams.Delete(ctx, f.admin, gone); err != nil {
			t.Fatal(err)
		}
		u, err := f.svc.Unmerge(ctx, f.nurse, dup.ID)
		if err != nil {
			t.Fatal(err)
		}
		if u.MergedInto != "" || !u.HasAccount {
			t.Errorf("unmerge answer: %+v", u)
		}
		if got := f.teamsOf(t, dup.ID); !sameSet(got, []string{cardio, shared, ward7}) {
			t.Errorf("duplicate's teams after the unmerge: %v", got)
		}
		if got := f.teamsOf(t, surv.ID); !sameSet(got, []string{shared}) {
			t.Errorf("survivor's teams after the unmerge: %v, want the one it had", got)
		}
		f.Store.Read(ctx, func(tx *store.Tx) error {
			if id, err := tx.PatientRecordOfUser(ctx, f.Org.ID, f.pat.User.ID); err != nil || id != dup.ID {
				t.Errorf("the patient user's record after the unmerge: %q %v", id, err)
			}
			return nil
		})
		if rec, err := f.svc.Get(ctx, f.nurse, surv.ID); err != nil || rec.HasAccount {
			t.Errorf("the survivor still has the account: %v %v", rec.HasAccount, err)
		}
		// Merging again works, and unmerging again (nothing left to move back).
		if _, err := f.svc.Merge(ctx, f.nurse, dup.ID, surv.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Unmerge(ctx, f.nurse, dup.ID); err != nil {
			t.Fatal(err)
		}
		if got := f.teamsOf(t, dup.ID); !sameSet(got, []string{cardio, shared, ward7}) {
			t.Errorf("duplicate's teams after the second round: %v", got)
		}
	})
}

// TestMergeRefusesTwoAccounts: when both records have a patient account
// the merge is refused with merge_two_accounts and nothing changes; an
// account on the survivor alone stays where it is.
func TestMergeRefusesTwoAccounts(t *testing.T) {
	mergeStores(t, func(t *testing.T, f *fixture) {
		ctx := context.Background()
		surv, dup, third := f.record(t, "S-2"), f.record(t, "D-2"), f.record(t, "T-2")
		other, _ := f.AddUser(t, ward.RolePatient, "other@example.org", "Other Patient")
		f.linkAccount(t, dup.ID, f.pat.User.ID)
		f.linkAccount(t, surv.ID, other.ID)
		tm, err := f.Teams.Create(ctx, f.admin, "Cardiology")
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.AssignToTeam(ctx, f.admin, tm.ID, dup.ID); err != nil {
			t.Fatal(err)
		}
		before := len(f.events(t, audit.PatientMerged))
		_, err = f.svc.Merge(ctx, f.nurse, dup.ID, surv.ID)
		apptest.WantCode(t, err, ward.CodeMergeAccounts)
		if rec, _ := f.svc.Get(ctx, f.nurse, dup.ID); rec.MergedInto != "" || !rec.HasAccount || len(rec.Teams) != 1 {
			t.Errorf("the refused merge changed the duplicate: %+v", rec)
		}
		if n := len(f.events(t, audit.PatientMerged)); n != before {
			t.Error("a refused merge was audited as a merge")
		}
		// The survivor's own account stays with it when the duplicate has none.
		if _, err := f.svc.Merge(ctx, f.nurse, third.ID, surv.ID); err != nil {
			t.Fatal(err)
		}
		if rec, _ := f.svc.Get(ctx, f.nurse, surv.ID); !rec.HasAccount {
			t.Error("the survivor lost its account")
		}
		if _, err := f.svc.Unmerge(ctx, f.nurse, third.ID); err != nil {
			t.Fatal(err)
		}
		if rec, _ := f.svc.Get(ctx, f.nurse, surv.ID); !rec.HasAccount {
			t.Error("the survivor lost its account at the unmerge")
		}
	})
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
