package client_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client manages care teams as the owner; a clinician lists them
// and is refused a change with the server's code.
func TestClientTeams(t *testing.T) {
	ctx := context.Background()
	base, ana, _, anaID, benID := startServer(t)
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	team, err := owner.CreateTeam(ctx, "Cardiology clinic")
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{anaID, benID} {
		if team, err = owner.AddTeamMember(ctx, team.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	if team, err = owner.RemoveTeamMember(ctx, team.ID, benID); err != nil || len(team.Members) != 1 {
		t.Fatalf("remove: %+v %v", team, err)
	}
	if team, err = owner.RenameTeam(ctx, team.ID, "Cardiology"); err != nil || team.Name != "Cardiology" {
		t.Fatalf("rename: %+v %v", team, err)
	}
	teams, err := ana.Teams(ctx)
	if err != nil || len(teams) != 1 || len(teams[0].Members) != 1 || teams[0].Members[0].UserID != anaID {
		t.Fatalf("list: %+v %v", teams, err)
	}
	if _, err := ana.CreateTeam(ctx, "Mine"); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician creates a team: %v", err)
	}
	if _, err := owner.CreateTeam(ctx, "cardiology"); client.Code(err) != "conflict" {
		t.Fatalf("a taken name: %v", err)
	}
	if err := owner.DeleteTeam(ctx, team.ID); err != nil {
		t.Fatal(err)
	}
}
