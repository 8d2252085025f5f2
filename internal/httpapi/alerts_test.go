package httpapi_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/httpapi"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/realtime"
)

// TestAlertsOverHTTP: a clinician reads more patients' records than the
// policy allows; once the trail is sealed and the monitor runs, the
// compliance officer's open socket gets the alert at once (the admin's
// does not); compliance lists it by severity, opens it, acknowledges and
// dismisses it with a reason; the counts follow; admins are refused.
func TestAlertsOverHTTP(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	hub := realtime.NewHub(f.App.Broker(), realtime.HubOptions{})
	mon := monitor.New(monitor.Config{Store: f.Store, Keyring: f.Keyring, Broker: f.App.Broker(), Now: f.Clock.Now})
	h := httpapi.New(httpapi.Config{App: f.App, Patients: f.Patients, Monitor: mon, Hub: hub})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		hub.Close(c)
		srv.Close()
	})
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
	login := func(role ward.Role, name string) string {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		_, tok := f.MustLogin(t, u.Email, pw, "device-"+name)
		return tok
	}
	comp, admin, doc := login(ward.RoleCompliance, "comp"), login(ward.RoleAdmin, "admin"), login(ward.RoleClinician, "doc")
	nurse := f.Principal(t, "nurse", ward.RoleStaff)
	dial := func(token string) *websocket.Conn {
		c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/ws", nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.CloseNow() })
		send(t, c, map[string]string{"type": "auth", "token": token})
		if hello := frame(t, c); hello["type"] != "hello" {
			t.Fatalf("hello %v", hello)
		}
		return c
	}
	compSock, adminSock := dial(comp), dial(admin)
	for i := range 4 {
		rec, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: fmt.Sprint("B-", i), GivenName: "Bo", FamilyName: "Bulk", BirthDate: "1980-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		if st := do(t, srv, "GET", "/api/v1/patients/"+rec.ID, doc, "", nil); st != 200 {
			t.Fatalf("read patient: %d", st)
		}
	}
	if _, err := sealer.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	if n, err := mon.Run(ctx); err != nil || n != 1 {
		t.Fatalf("monitor run: %d, %v", n, err)
	}
	live := frame(t, compSock)
	data, _ := live["data"].(map[string]any)
	if live["type"] != monitor.AlertRaised || data["rule"] != "bulk_access" || data["severity"] != "high" {
		t.Fatalf("live alert %v", live)
	}
	send(t, adminSock, map[string]string{"type": "ping"})
	if f := frame(t, adminSock); f["type"] != "pong" {
		t.Fatalf("the admin's socket got %v", f)
	}

	var list struct{ Alerts []monitor.Alert }
	if st := do(t, srv, "GET", "/api/v1/compliance/alerts?severity=high&status=new", comp, "", &list); st != 200 || len(list.Alerts) != 1 ||
		list.Alerts[0].ID != data["id"] || len(list.Alerts[0].Evidence.PatientIDs) != 4 {
		t.Fatalf("list: %d %+v", st, list)
	}
	id := list.Alerts[0].ID
	if st := do(t, srv, "GET", "/api/v1/compliance/alerts?severity=low", comp, "", &list); st != 200 || len(list.Alerts) != 0 {
		t.Fatalf("low alerts: %d %+v", st, list)
	}
	for _, path := range []string{"/api/v1/compliance/alerts", "/api/v1/compliance/alerts/" + id, "/api/v1/compliance/alerts/counts"} {
		if st := do(t, srv, "GET", path, admin, "", nil); st != 403 {
			t.Errorf("admin GET %s: %d", path, st)
		}
	}
	var a monitor.Alert
	if st := do(t, srv, "POST", "/api/v1/compliance/alerts/"+id+"/acknowledge", comp, "{}", &a); st != 200 || a.Status != "acknowledged" {
		t.Fatalf("acknowledge: %d %+v", st, a)
	}
	if st := do(t, srv, "POST", "/api/v1/compliance/alerts/"+id+"/dismiss", comp, `{"reason":"audit of the ward's charts, planned"}`, &a); st != 200 ||
		a.Status != "dismissed" || a.Reason != "audit of the ward's charts, planned" {
		t.Fatalf("dismiss: %d %+v", st, a)
	}
	if st := do(t, srv, "POST", "/api/v1/compliance/alerts/"+id+"/escalate", comp, `{"incident_id":"inc-1"}`, nil); st != 409 {
		t.Fatalf("escalate a dismissed alert: %d", st)
	}
	var counts map[string]int
	if st := do(t, srv, "GET", "/api/v1/compliance/alerts/counts", comp, "", &counts); st != 200 || counts["new"] != 0 || counts["dismissed"] != 1 {
		t.Fatalf("counts: %d %v", st, counts)
	}
}
