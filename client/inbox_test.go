package client_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/client"
)

// The Go client, staff side of the team inbox: a member lists their team's
// (empty) inbox; a thread that does not exist cannot be claimed; a
// clinician is refused the patients' routes.
func TestClientTeamInbox(t *testing.T) {
	ctx := context.Background()
	base, ana, _, anaID, _ := startServer(t)
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	team, err := owner.CreateTeam(ctx, "Cardiology clinic")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.AddTeamMember(ctx, team.ID, anaID); err != nil {
		t.Fatal(err)
	}
	if list, err := ana.TeamInbox(ctx, team.ID, "open", 50); err != nil || len(list) != 0 {
		t.Errorf("inbox: %+v %v", list, err)
	}
	if _, err := ana.ClaimInbox(ctx, "01a20fde-0000-7000-8000-000000000000"); client.Code(err) != string(ward.CodeNotFound) {
		t.Errorf("claim an unknown thread: %v", err)
	}
	if _, err := ana.CareTeams(ctx); client.Code(err) != string(ward.CodeForbidden) {
		t.Errorf("a clinician's care teams: %v", err)
	}
	if _, err := owner.TeamInbox(ctx, team.ID, "", 0); client.Code(err) != string(ward.CodeForbidden) {
		t.Errorf("an owner's inbox: %v", err)
	}
	// Response times: the owner reads them (no thread yet: no days); a
	// clinician may not.
	st, err := owner.InboxStats(ctx, "2026-01-01", "2026-01-31")
	if err != nil || st.From != "2026-01-01" || st.To != "2026-01-31" || len(st.Teams) != 1 || st.Teams[0].Name != "Cardiology clinic" || len(st.Teams[0].Days) != 0 {
		t.Errorf("inbox stats: %+v %v", st, err)
	}
	if _, err := ana.InboxStats(ctx, "", ""); client.Code(err) != string(ward.CodeForbidden) {
		t.Errorf("a clinician's inbox stats: %v", err)
	}
}
