package client_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
)

// TestClientIncidentsAndBAAs: a clinician may not open an incident (the
// server's forbidden comes through); the owner registers a BAA, uploads
// its document and reads it back whole; the dashboard card names what is
// missing; a BAA expiring before it was signed is baa_dates_invalid.
func TestClientIncidentsAndBAAs(t *testing.T) {
	ctx := context.Background()
	base, ana, _, _, _ := startServer(t)
	if _, err := ana.OpenIncident(ctx, client.IncidentRequest{DiscoveredAt: "2026-11-20", Details: client.IncidentDetails{Title: "T"}}); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician opens an incident: %v", err)
	}
	if _, err := ana.OpenIncidentFromAlerts(ctx, client.IncidentFromAlerts{AlertIDs: []string{"a1"}}); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician opens an incident from alerts: %v", err)
	}
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.CreateBAA(ctx, client.BAARequest{Vendor: "V", Status: "signed", SignedAt: "2026-06-01", ExpiresAt: "2026-01-01"}); client.Code(err) != "baa_dates_invalid" {
		t.Fatalf("bad dates: %v", err)
	}
	b, err := owner.CreateBAA(ctx, client.BAARequest{Vendor: "Cloudy Hosting", Service: "hosting", Status: "requested"})
	if err != nil {
		t.Fatal(err)
	}
	doc := "%PDF-1.4 " + strings.Repeat("x", 100000)
	if err := owner.UploadBAADocument(ctx, b.ID, "baa.pdf", strings.NewReader(doc)); err != nil {
		t.Fatal(err)
	}
	got, err := owner.BAADocument(ctx, b.ID)
	if err != nil || !bytes.Equal(got, []byte(doc)) {
		t.Fatalf("document: %d bytes, %v", len(got), err)
	}
	card, err := owner.BAADashboard(ctx)
	if err != nil || card.Total != 1 || len(card.Missing) != 1 || card.Missing[0].Document == nil {
		t.Fatalf("card %+v %v", card, err)
	}
	if _, err := ana.BAAs(ctx); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician lists BAAs: %v", err)
	}
}
