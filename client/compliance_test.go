package client_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward/client"
)

// The Go client reviews a conversation as a compliance officer and breaks
// the glass as a clinician; the server's codes come through
// (reason_required, time_box_too_long), and the queue and dashboard follow
// the verdict.
func TestClientCompliance(t *testing.T) {
	ctx := context.Background()
	base, ana, _, _, benID := startServer(t)
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
	// The owner adds a compliance officer (the client has no user admin).
	req, _ := http.NewRequest("POST", base+"/api/v1/users", strings.NewReader(
		`{"email":"cora@ct.example","name":"Cora","role":"compliance","password":"cora passphrase long enough"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+owner.Token())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	resp, err := hc.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("add a compliance officer: %v %v", resp, err)
	}
	resp.Body.Close()
	cora := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := cora.Login(ctx, client.LoginRequest{Email: "cora@ct.example", Password: "cora passphrase long enough",
		Device: client.Device{ID: "client-test-cora", Name: "cora's laptop"}}); err != nil {
		t.Fatal(err)
	}

	rec, err := ana.CreatePatient(ctx, client.PatientFields{MRN: "CT-1", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	conv, err := ana.CreateConversation(ctx, client.NewConversation{Kind: "group", Title: "follow-up", Members: []string{benID}, PatientID: rec.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.Send(ctx, conv.ID, client.SendRequest{ClientID: "ct-1", Body: "BP stable"}); err != nil {
		t.Fatal(err)
	}

	found, err := cora.FindConversations(ctx, client.ConversationSearch{Patient: rec.ID})
	if err != nil || len(found) != 1 || found[0].ID != conv.ID || found[0].Title != "" {
		t.Fatalf("search: %+v %v", found, err)
	}
	if _, err := cora.OpenReview(ctx, conv.ID, "complaint", "", 0); client.Code(err) != "reason_required" {
		t.Fatalf("a review without a reason: %v", err)
	}
	if _, err := cora.OpenReview(ctx, conv.ID, "complaint", "why", 999); client.Code(err) != "time_box_too_long" {
		t.Fatalf("a review beyond policy: %v", err)
	}
	g, err := cora.OpenReview(ctx, conv.ID, "legal_request", "subpoena 2026-114", 0)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := cora.ReviewMessages(ctx, g.ID, 0, 0)
	if err != nil || len(msgs) != 1 || msgs[0].Body != "BP stable" {
		t.Fatalf("review messages: %+v %v", msgs, err)
	}
	if log, err := owner.Reviews(ctx); err != nil || len(log) != 1 || log[0].Reason.Text != "" || log[0].Reason.Category != "legal_request" {
		t.Fatalf("the owner's log: %+v %v", log, err)
	}

	bg, err := ana.BreakGlass(ctx, rec.ID, "emergency", "code blue", 10)
	if err != nil {
		t.Fatal(err)
	}
	if list, err := ana.BreakGlassConversations(ctx, bg.ID); err != nil || len(list) != 1 {
		t.Fatalf("break-glass conversations: %+v %v", list, err)
	}
	if msgs, err := ana.BreakGlassMessages(ctx, bg.ID, conv.ID, 0, 0); err != nil || len(msgs) != 1 {
		t.Fatalf("break-glass messages: %+v %v", msgs, err)
	}
	if q, err := cora.BreakGlassQueue(ctx, true); err != nil || len(q) != 1 || q[0].Reason.Text != "code blue" {
		t.Fatalf("queue: %+v %v", q, err)
	}
	if _, err := cora.JudgeBreakGlass(ctx, bg.ID, "justified", "confirmed"); err != nil {
		t.Fatal(err)
	}
	if d, err := owner.ComplianceDashboard(ctx); err != nil || d.Reviews != 1 || d.BreakGlassUses != 1 || d.BreakGlassUnreviewed != 0 {
		t.Fatalf("dashboard: %+v %v", d, err)
	}
}
