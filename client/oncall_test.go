package client_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client builds an on-call role as the owner, asks who is on call,
// and pages the role as a clinician: the page reaches the other clinician,
// and the server's codes come through (override_outside_rotation).
func TestClientOnCall(t *testing.T) {
	ctx := context.Background()
	base, ana, _, anaID, benID := startServer(t)
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	_, err := owner.CreateOnCallRole(ctx, "Cardiology on call", client.OnCallSchedule{Rotation: client.Rotation{
		Kind: "custom", Days: 36500, HandOver: "08:00", TimeZone: "UTC", Start: "2000-01-01", People: []string{benID}}})
	if client.Code(err) != "invalid_input" {
		t.Fatalf("a custom rotation of 36500 days: %v", err)
	}
	role, err := owner.CreateOnCallRole(ctx, "Cardiology on call", client.OnCallSchedule{Rotation: client.Rotation{
		Kind: "weekly", HandOver: "08:00", TimeZone: "America/New_York", Start: "2000-01-03", People: []string{benID}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owner.AddOnCallOverride(ctx, role.ID, client.OnCallOverride{UserID: anaID, From: role.CreatedAt,
		To: role.CreatedAt.Add(3600e9)}); client.Code(err) != "override_outside_rotation" {
		t.Fatalf("an override outside the rotation: %v", err)
	}
	now, err := ana.OnCallNow(ctx)
	if err != nil || len(now) != 1 || now[0].UserID != benID || now[0].Label != "Cardiology on call (ben)" {
		t.Fatalf("now: %+v %v", now, err)
	}
	if _, err := owner.SetOnCallChain(ctx, role.ID, client.OnCallChain{SecondaryID: anaID, LeadID: anaID}); client.Code(err) != "invalid_input" {
		t.Fatalf("the same secondary and lead: %v", err)
	}
	if role, err = owner.SetOnCallChain(ctx, role.ID, client.OnCallChain{LeadID: anaID}); err != nil || role.Chain.LeadID != anaID {
		t.Fatalf("chain: %+v %v", role, err)
	}
	page, err := ana.PageRole(ctx, role.ID, "bed 4", "page-1", "")
	if err != nil || page.OnCall.UserID != benID || page.OnCall.Step != "primary" || page.Message.Priority != "urgent" {
		t.Fatalf("page: %+v %v", page, err)
	}
	where, err := ana.PageOf(ctx, page.Message.ID)
	if err != nil || where.Step != "primary" || where.HolderID != benID || where.NextStepAt == nil || len(where.Steps) != 1 {
		t.Fatalf("where is the page: %+v %v", where, err)
	}
	stats, err := owner.OnCallStats(ctx, "", "")
	if err != nil || len(stats.Roles) != 1 || len(stats.Roles[0].Days) != 1 || stats.Roles[0].Days[0].Pages != 1 {
		t.Fatalf("stats: %+v %v", stats, err)
	}
	if _, err := ana.OnCallStats(ctx, "", ""); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician reads the stats: %v", err)
	}
}
