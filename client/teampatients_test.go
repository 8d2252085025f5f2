package client_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client: a clinician of a care team creates a patient, assigns it
// to the team, lists the team's patients, and lists the conversations
// about the patient.
func TestClientTeamPatients(t *testing.T) {
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
	if _, err := owner.AddTeamMember(ctx, team.ID, anaID); err != nil {
		t.Fatal(err)
	}
	rec, err := ana.CreatePatient(ctx, client.PatientFields{MRN: "C-1", GivenName: "Cleo", FamilyName: "Client", BirthDate: "1990-05-05"})
	if err != nil {
		t.Fatal(err)
	}
	if err := ana.AssignPatient(ctx, team.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	list, next, err := ana.TeamPatients(ctx, 0, "")
	if err != nil || len(list) != 1 || list[0].ID != rec.ID || list[0].FamilyName != "Client" || next != "" ||
		len(list[0].TeamIDs) != 1 || list[0].TeamIDs[0] != team.ID {
		t.Fatalf("team patients: %+v %q %v", list, next, err)
	}
	c, err := ana.CreateConversation(ctx, client.NewConversation{Kind: "group", Title: "about Cleo", Members: []string{benID}, PatientID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	convs, err := ana.PatientConversations(ctx, rec.ID)
	if err != nil || len(convs) != 1 || convs[0].ID != c.ID || convs[0].PatientID != rec.ID {
		t.Fatalf("patient conversations: %+v %v", convs, err)
	}
	if err := owner.UnassignPatient(ctx, team.ID, rec.ID); err != nil {
		t.Fatal(err)
	}
	if err := owner.UnassignPatient(ctx, team.ID, rec.ID); client.Code(err) != "not_found" {
		t.Fatalf("unassigning twice: %v", err)
	}
	if _, _, err := ana.TeamPatients(ctx, 101, ""); client.Code(err) != "invalid_input" {
		t.Fatalf("limit 101: %v", err)
	}
}
