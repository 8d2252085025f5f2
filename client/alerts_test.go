package client_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/client"
	"github.com/wardhealth/ward/internal/server"
)

// The Go client sees the alert the monitor raises for a break-glass use
// (the server's monitoring job, run every 50 ms here), acknowledges it
// and escalates it to an incident; a dismissal without a reason is
// reason_required; a clinician is refused.
func TestClientAlerts(t *testing.T) {
	ctx := context.Background()
	base, ana, _, _, _ := startServerWith(t, func(c *server.Config) { c.MonitorEvery = 50 * time.Millisecond })
	owner := client.New(base, client.Options{InsecureSkipVerify: true})
	if _, err := owner.Login(ctx, client.LoginRequest{Email: "owner@ct.example", Password: "owner passphrase long",
		Device: client.Device{ID: "client-test-owner", Name: "owner's laptop"}}); err != nil {
		t.Fatal(err)
	}
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
	rec, err := ana.CreatePatient(ctx, client.PatientFields{MRN: "CT-9", GivenName: "Al", FamilyName: "Ert", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ana.BreakGlass(ctx, rec.ID, "emergency", "code blue", 0); err != nil {
		t.Fatal(err)
	}
	var alerts []client.Alert
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if alerts, err = cora.Alerts(ctx, client.AlertFilter{Status: "new"}); err != nil {
			t.Fatal(err)
		}
		if len(alerts) > 0 {
			break
		}
	}
	if len(alerts) != 1 || alerts[0].Rule != "break_glass" || len(alerts[0].Evidence.PatientIDs) != 1 || alerts[0].Evidence.PatientIDs[0] != rec.ID {
		t.Fatalf("alerts: %+v", alerts)
	}
	id := alerts[0].ID
	if _, err := ana.Alerts(ctx, client.AlertFilter{}); client.Code(err) != "forbidden" {
		t.Fatalf("a clinician lists alerts: %v", err)
	}
	if _, err := cora.DismissAlert(ctx, id, ""); client.Code(err) != "reason_required" {
		t.Fatalf("dismiss without a reason: %v", err)
	}
	if a, err := cora.AcknowledgeAlert(ctx, id); err != nil || a.Status != "acknowledged" {
		t.Fatalf("acknowledge: %+v %v", a, err)
	}
	if a, err := cora.EscalateAlert(ctx, id, "incident-7"); err != nil || a.Status != "escalated" || a.EscalatedTo == nil || *a.EscalatedTo != "incident-7" {
		t.Fatalf("escalate: %+v %v", a, err)
	}
	if a, err := cora.Alert(ctx, id); err != nil || a.Status != "escalated" {
		t.Fatalf("get: %+v %v", a, err)
	}
	if c, err := cora.AlertCounts(ctx); err != nil || c["escalated"] != 1 || c["new"] != 0 {
		t.Fatalf("counts: %v %v", c, err)
	}
}
