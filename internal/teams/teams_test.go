package teams_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
)

// TestCareTeams: admins make, rename and delete teams and put clinicians
// and staff in them; every change is audited; bad input (a bad or taken
// name, a member of another role or org) changes nothing.
func TestCareTeams(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	adm := f.Principal(t, "adm", ward.RoleAdmin)
	priya, riley := f.Principal(t, "priya", ward.RoleClinician), f.Principal(t, "riley", ward.RoleStaff)
	comp, pat := f.Principal(t, "comp", ward.RoleCompliance), f.Principal(t, "pat", ward.RolePatient)
	own := f.Principal(t, "own", ward.RoleOwner)

	if _, err := f.Teams.Create(ctx, priya, "Mine"); ward.ErrorCode(err) != ward.CodeForbidden {
		t.Fatalf("a clinician creates a team: %v", err)
	}
	if _, err := f.Teams.Teams(ctx, pat); ward.ErrorCode(err) != ward.CodeForbidden {
		t.Fatalf("a patient lists teams: %v", err)
	}
	card, err := f.Teams.Create(ctx, adm, "  Cardiology clinic ")
	if err != nil || card.Name != "Cardiology clinic" {
		t.Fatalf("create: %+v %v", card, err)
	}
	for name, bad := range map[string]ward.Code{"": ward.CodeInvalid, "   ": ward.CodeInvalid,
		strings.Repeat("x", ward.MaxTeamNameLen+1): ward.CodeInvalid, "a\nb": ward.CodeInvalid, "cardiology CLINIC": ward.CodeConflict} {
		if _, err := f.Teams.Create(ctx, adm, name); ward.ErrorCode(err) != bad {
			t.Errorf("create %q: %v, want %s", name, err, bad)
		}
	}
	desk, err := f.Teams.Create(ctx, adm, "Front desk")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Teams.Rename(ctx, adm, desk.ID, "Cardiology Clinic"); ward.ErrorCode(err) != ward.CodeConflict {
		t.Fatalf("rename to a taken name: %v", err)
	}
	if desk, err = f.Teams.Rename(ctx, adm, desk.ID, "Reception"); err != nil || desk.Name != "Reception" {
		t.Fatalf("rename: %+v %v", desk, err)
	}
	if card, err = f.Teams.AddMember(ctx, adm, card.ID, priya.User.ID); err != nil || len(card.Members) != 1 {
		t.Fatalf("add priya: %+v %v", card, err)
	}
	if card, err = f.Teams.AddMember(ctx, adm, card.ID, priya.User.ID); err != nil || len(card.Members) != 1 {
		t.Fatalf("add priya again: %+v %v", card, err)
	}
	if _, err = f.Teams.AddMember(ctx, adm, card.ID, riley.User.ID); err != nil {
		t.Fatal(err)
	}
	// Not clinicians or staff, or not of the org.
	other := ward.Org{ID: "org-other", Slug: "other", Name: "Other"}
	write(t, f, func(tx *store.Tx) error { return tx.CreateOrg(ctx, &other) })
	stranger := ward.User{ID: "u-stranger", OrgID: other.ID, Email: "s@other.example", Name: "S", Role: ward.RoleStaff}
	write(t, f, func(tx *store.Tx) error { return tx.CreateUser(ctx, &stranger) })
	for id, want := range map[string]ward.Code{pat.User.ID: ward.CodeInvalid, comp.User.ID: ward.CodeInvalid,
		own.User.ID: ward.CodeInvalid, adm.User.ID: ward.CodeInvalid, stranger.ID: ward.CodeNotFound, "u-nobody": ward.CodeNotFound} {
		if _, err := f.Teams.AddMember(ctx, adm, card.ID, id); ward.ErrorCode(err) != want {
			t.Errorf("add %s: %v, want %s", id, err, want)
		}
	}
	if _, err := f.Teams.AddMember(ctx, adm, "t-nowhere", priya.User.ID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Errorf("add to no team: %v", err)
	}
	teams, err := f.Teams.Teams(ctx, riley)
	if err != nil || len(teams) != 2 || teams[0].ID != card.ID || len(teams[0].Members) != 2 || len(teams[1].Members) != 0 {
		t.Fatalf("teams: %+v %v", teams, err)
	}
	if got := len(f.AuditEvents(t, audit.TeamMemberAdded)); got != 2 {
		t.Errorf("%d team.member_added events, want 2 (the repeated add and the refusals add none)", got)
	}
	if got := len(f.AuditEvents(t, audit.TeamCreated)); got != 2 {
		t.Errorf("%d team.created events, want 2", got)
	}

	if _, err := f.Teams.RemoveMember(ctx, adm, desk.ID, riley.User.ID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Errorf("remove a non-member: %v", err)
	}
	if card, err = f.Teams.RemoveMember(ctx, adm, card.ID, riley.User.ID); err != nil || len(card.Members) != 1 {
		t.Fatalf("remove riley: %+v %v", card, err)
	}
	ev := f.AuditEvents(t, audit.TeamMemberRemoved)
	if len(ev) != 1 || ev[0]["resource_id"] != card.ID || !strings.Contains(ev[0]["reason"].(string), riley.User.ID) {
		t.Errorf("team.member_removed: %v", ev)
	}
	if err := f.Teams.Delete(ctx, adm, desk.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.Teams.Delete(ctx, adm, desk.ID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("delete again: %v", err)
	}
	if n := len(f.AuditEvents(t, audit.TeamDeleted)) + len(f.AuditEvents(t, audit.TeamUpdated)); n != 2 {
		t.Errorf("%d team.deleted + team.updated events, want 2", n)
	}
}

// TestRoleChangeEndsTeamMemberships: a clinician made admin (or patient)
// leaves their care teams in the role change's transaction, audited; a
// clinician made staff stays.
func TestRoleChangeEndsTeamMemberships(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	own := f.Principal(t, "own", ward.RoleOwner)
	priya, jordan := f.Principal(t, "priya", ward.RoleClinician), f.Principal(t, "jordan", ward.RoleClinician)
	card, err := f.Teams.Create(ctx, own, "Cardiology clinic")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{priya.User.ID, jordan.User.ID} {
		if _, err := f.Teams.AddMember(ctx, own, card.ID, p); err != nil {
			t.Fatal(err)
		}
	}
	admin, staff := ward.RoleAdmin, ward.RoleStaff
	if _, err := f.App.UpdateUser(ctx, own, priya.User.ID, app.UserChange{Role: &admin}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.UpdateUser(ctx, own, jordan.User.ID, app.UserChange{Role: &staff}); err != nil {
		t.Fatal(err)
	}
	teams, err := f.Teams.Teams(ctx, own)
	if err != nil || len(teams) != 1 || len(teams[0].Members) != 1 || teams[0].Members[0].UserID != jordan.User.ID {
		t.Fatalf("after the role changes: %+v %v", teams, err)
	}
	ev := f.AuditEvents(t, audit.TeamMemberRemoved)
	if len(ev) != 1 || ev[0]["resource_id"] != card.ID || !strings.Contains(ev[0]["reason"].(string), priya.User.ID+" removed: the role admin") {
		t.Fatalf("team.member_removed: %v", ev)
	}
}

func write(tb testing.TB, f *apptest.Fixture, fn func(*store.Tx) error) {
	tb.Helper()
	if err := f.Store.Write(context.Background(), fn); err != nil {
		tb.Fatal(err)
	}
}
