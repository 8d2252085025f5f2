package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/patients"
)

// TestIncidentOverHTTP: a compliance officer opens an incident from an
// alert, adds a patient with a state and a reason, downloads the letter
// (a PDF holding the §164.404(c) headings) and the HHS fields as CSV,
// closes it, and then every change is 409 incident_closed.
func TestIncidentOverHTTP(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	comp := e.token(t, e.email[ward.RoleCompliance], e.pw[ward.RoleCompliance])
	nurse := e.f.Principal(t, "nurse-http", ward.RoleClinician)
	rec, err := e.f.Patients.Create(ctx, nurse, patients.Fields{MRN: "H-1", GivenName: "Hana", FamilyName: "Letter", BirthDate: "1980-02-02"})
	if err != nil {
		t.Fatal(err)
	}
	var in struct {
		ID       string   `json:"id"`
		AlertIDs []string `json:"alert_ids"`
		DaysLeft int      `json:"days_left"`
		Status   string   `json:"status"`
	}
	body := `{"discovered_at":"2026-11-24","alert_id":"alert-7","details":{"title":"Insider","what_happened":"Bulk reads.","phi_types":["name"],"contact":"Call us."}}`
	if st, p := e.request(t, "POST", "/api/v1/incidents", comp, body, &in); st != 201 {
		t.Fatalf("open: %d %+v", st, p)
	}
	if len(in.AlertIDs) != 1 || in.AlertIDs[0] != "alert-7" || in.DaysLeft != 60 {
		t.Fatalf("opened %+v", in)
	}
	if st, p := e.request(t, "POST", "/api/v1/incidents/"+in.ID+"/patients", comp, `{"patient_id":"`+rec.ID+`","state":"ca","reason":"read it"}`, nil); st != 200 {
		t.Fatalf("add: %d %+v", st, p)
	}
	get := func(path string) (string, string) {
		req, _ := http.NewRequest("GET", e.srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+comp)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return resp.Header.Get("Content-Type"), string(b)
	}
	ct, pdf := get("/api/v1/incidents/" + in.ID + "/letters/" + rec.ID)
	if ct != "application/pdf" || !strings.HasPrefix(pdf, "%PDF-") || !strings.Contains(pdf, "What happened") || !strings.Contains(pdf, "Dear Hana Letter") {
		t.Fatalf("letter %s: %.200q", ct, pdf)
	}
	ct, csv := get("/api/v1/incidents/" + in.ID + "/hhs?format=csv")
	if !strings.HasPrefix(ct, "text/csv") || !strings.Contains(csv, "covered_entity") || !strings.Contains(csv, "St Mary") {
		t.Fatalf("csv %s: %q", ct, csv)
	}
	if st, p := e.request(t, "POST", "/api/v1/incidents/"+in.ID+"/close", comp, "", &in); st != 200 || in.Status != "closed" {
		t.Fatalf("close: %d %+v", st, p)
	}
	if st, p := e.request(t, "PUT", "/api/v1/incidents/"+in.ID, comp, body, nil); st != 409 || p.Code != "incident_closed" {
		t.Fatalf("change after close: %d %+v", st, p)
	}
}
