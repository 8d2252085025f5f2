package httpapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/patients"
)

// TestIncidentFromAlertsOverHTTP: a clinician reads more patients'
// records than the policy allows; the monitor raises a bulk-access alert;
// the compliance officer opens an incident from it over the API: it names
// the clinician, lists exactly the patients read (source "alert"), and the
// alert is escalated to it; opening again from it is 409; an admin is
// refused.
func TestIncidentFromAlertsOverHTTP(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	mon := monitor.New(monitor.Config{Store: f.Store, Keyring: f.Keyring, Broker: f.App.Broker(), Now: f.Clock.Now})
	inc := incidents.New(incidents.Config{Store: f.Store, Keyring: f.Keyring, Contacts: f.Patients, PlainPDF: true, Now: f.Clock.Now})
	srv := httptest.NewServer(httpapi.New(httpapi.Config{App: f.App, Patients: f.Patients, Monitor: mon, Incidents: inc}))
	t.Cleanup(srv.Close)
	sealer, err := audit.NewSealer(f.Store, audit.SealerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	owner, _ := f.MustLogin(t, f.Owner.Email, f.OwnerPW, "device-owner")
	pol, _ := f.App.Policy(ctx, owner)
	pol.MonitorBulkPatients = 3
	if _, err := f.App.UpdatePolicy(ctx, owner, pol); err != nil {
		t.Fatal(err)
	}
	login := func(role ward.Role, name string) (string, string) {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		_, tok := f.MustLogin(t, u.Email, pw, "device-"+name)
		return tok, u.ID
	}
	comp, _ := login(ward.RoleCompliance, "comp")
	admin, _ := login(ward.RoleAdmin, "admin")
	doc, docID := login(ward.RoleClinician, "doc")
	nurse := f.Principal(t, "nurse", ward.RoleStaff)
	read := map[string]bool{}
	for i := range 4 {
		rec, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: fmt.Sprint("FA-", i), GivenName: "Fa", FamilyName: "Alert", BirthDate: "1980-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		if st := do(t, srv, "GET", "/api/v1/patients/"+rec.ID, doc, "", nil); st != 200 {
			t.Fatalf("read patient: %d", st)
		}
		read[rec.ID] = true
	}
	if _, err := sealer.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := mon.Run(ctx); err != nil {
		t.Fatal(err)
	}
	var list struct{ Alerts []monitor.Alert }
	if st := do(t, srv, "GET", "/api/v1/compliance/alerts?status=new", comp, "", &list); st != 200 || len(list.Alerts) == 0 {
		t.Fatalf("alerts: %d %+v", st, list)
	}
	var bulk string
	for _, a := range list.Alerts {
		if a.Rule == monitor.RuleBulkAccess {
			bulk = a.ID
		}
	}
	body := `{"alert_ids":["` + bulk + `"]}`
	if st := do(t, srv, "POST", "/api/v1/incidents/from-alerts", admin, body, nil); st != 403 {
		t.Fatalf("an admin opens from alerts: %d", st)
	}
	var in incidents.Incident
	if st := do(t, srv, "POST", "/api/v1/incidents/from-alerts", comp, body, &in); st != 201 {
		t.Fatalf("open from alerts: %d", st)
	}
	if len(in.UserIDs) != 1 || in.UserIDs[0] != docID || len(in.AlertIDs) != 1 || in.DaysLeft != 60 || in.WindowFrom == nil {
		t.Fatalf("incident %+v", in)
	}
	if len(in.Patients) != len(read) {
		t.Fatalf("%d patients, want %d", len(in.Patients), len(read))
	}
	for _, p := range in.Patients {
		if !read[p.PatientID] || p.Source != "alert" {
			t.Fatalf("patient %+v", p)
		}
	}
	var a monitor.Alert
	if st := do(t, srv, "GET", "/api/v1/compliance/alerts/"+bulk, comp, "", &a); st != 200 || a.Status != "escalated" ||
		a.EscalatedTo == nil || *a.EscalatedTo != in.ID {
		t.Fatalf("the alert after: %d %+v", st, a)
	}
	if st := do(t, srv, "POST", "/api/v1/incidents/from-alerts", comp, body, nil); st != 409 {
		t.Fatalf("again: %d", st)
	}
}
