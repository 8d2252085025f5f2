package monitor_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/monitor"
)

// TestBulkAccess: a clinician reading more than monitor_bulk_patients
// records within the window raises one high alert naming exactly those
// patients and the user; later reads of the burst extend it; compliance
// gets it live and by a PHI-free email; the raise is audited.
func TestBulkAccess(t *testing.T) { testBulkAccess(t, newWorld(t)) }

// TestBulkAccessPostgres is TestBulkAccess on PostgreSQL (when WARD_TEST_POSTGRES is set).
func TestBulkAccessPostgres(t *testing.T) {
	testBulkAccess(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

func testBulkAccess(t *testing.T, w *world) {
	w.policy(t, func(p *ward.Policy) { p.MonitorBulkPatients = 5; p.MonitorBulkWindow = ward.Duration(10 * time.Minute) })
	w.run(t) // the setup's sign-ins teach the monitor the devices
	w.read(t, w.doc, w.recs[:5]...)
	w.read(t, w.doc, w.recs[0]) // the same patient again: still 5
	if n := w.run(t); n != 0 {
		t.Fatalf("5 patients raised %d alerts", n)
	}
	w.read(t, w.doc, w.recs[5])
	if n := w.run(t); n != 1 {
		t.Fatalf("a 6th patient raised %d alerts, want 1", n)
	}
	w.read(t, w.doc, w.recs[6:8]...)
	w.run(t)
	got := w.alerts(t, monitor.RuleBulkAccess)
	if len(got) != 1 {
		t.Fatalf("bulk alerts: %+v", got)
	}
	a := got[0]
	want := ids(w.recs)
	slices.Sort(want)
	have := slices.Clone(a.Evidence.PatientIDs)
	slices.Sort(have)
	if !slices.Equal(have, want) || !slices.Equal(a.Evidence.UserIDs, []string{w.doc.User.ID}) || a.Severity != monitor.SeverityHigh ||
		a.Status != monitor.StatusNew || a.Evidence.Events != 9 || a.EscalatedTo != nil {
		t.Fatalf("bulk alert: %+v", a)
	}
	if len(a.Evidence.SeqRanges) == 0 || a.FirstSeq != a.Evidence.SeqRanges[0][0] || a.LastSeq < a.FirstSeq {
		t.Fatalf("seq ranges: %+v (first %d last %d)", a.Evidence.SeqRanges, a.FirstSeq, a.LastSeq)
	}
	if raised := w.f.AuditEvents(t, audit.AlertRaised); len(raised) != 1 || raised[0]["resource_id"] != a.ID {
		t.Fatalf("alert.raised events: %+v", raised)
	}
	live := w.liveEvents()
	if len(live) != 1 || !slices.Equal(live[0].Users, []string{w.comp.User.ID}) {
		t.Fatalf("live events: %+v", live)
	}
	var r monitor.Raised
	if err := json.Unmarshal(live[0].Data, &r); err != nil || r.ID != a.ID || r.Rule != monitor.RuleBulkAccess {
		t.Fatalf("live data %s: %v", live[0].Data, err)
	}
	w.m.Wait()
	body := w.inbox.Last(t, w.comp.User.Email)
	if !strings.Contains(body, "high-severity alert") || strings.Contains(body, w.doc.User.ID) || strings.Contains(body, w.recs[0].ID) {
		t.Fatalf("alert email: %s", body)
	}
	// A later burst, after the window, is another alert.
	w.f.Clock.Advance(time.Hour)
	w.read(t, w.doc, w.recs[:6]...)
	if n := w.run(t); n != 1 || len(w.alerts(t, monitor.RuleBulkAccess)) != 2 {
		t.Fatalf("a second burst raised %d", n)
	}
}

// TestOffHours: reads at 02:00 raise one low alert per user and burst; the
// org's time zone and hours decide what is off hours.
func TestOffHours(t *testing.T) {
	w := newWorld(t)
	w.run(t)
	w.f.Clock.Set(time.Date(2026, 11, 25, 2, 0, 0, 0, time.UTC))
	w.read(t, w.doc, w.recs[:3]...)
	w.f.Clock.Advance(10 * time.Minute)
	w.read(t, w.doc, w.recs[3])
	w.run(t)
	got := w.alerts(t, monitor.RuleOffHours)
	if len(got) != 1 || len(got[0].Evidence.PatientIDs) != 4 || got[0].Severity != monitor.SeverityLow {
		t.Fatalf("off-hours alerts: %+v", got)
	}
	// 15:00 UTC is 09:00 in Chicago: within 09:00-17:00 there.
	w.policy(t, func(p *ward.Policy) {
		p.TimeZone = "America/Chicago"
		p.WorkHours = "09:00-17:00"
		p.WorkDays = "mon,tue,wed,thu,fri"
	})
	w.f.Clock.Set(time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC)) // a Wednesday
	w.read(t, w.nurse, w.recs[0])
	w.run(t)
	if got := w.alerts(t, monitor.RuleOffHours); len(got) != 1 {
		t.Fatalf("a read within Chicago's hours alerted: %+v", got)
	}
	w.f.Clock.Set(time.Date(2026, 11, 28, 15, 0, 0, 0, time.UTC)) // a Saturday
	w.read(t, w.nurse, w.recs[0])
	w.run(t)
	if got := w.alerts(t, monitor.RuleOffHours); len(got) != 2 || got[0].Subject != w.nurse.User.ID {
		t.Fatalf("a Saturday read: %+v", got)
	}
}

// TestOutsideCareTeam: a clinician who reads the record of a patient of a
// care team they are not in raises an alert; a member of the team, or the
// same clinician under break-glass, does not.
func TestOutsideCareTeam(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	team, err := w.f.Teams.Create(ctx, w.admin, "Cardiology")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.f.Teams.AddMember(ctx, w.admin, team.ID, w.nurse.User.ID); err != nil {
		t.Fatal(err)
	}
	if err := w.f.Patients.AssignToTeam(ctx, w.admin, team.ID, w.recs[0].ID); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	w.read(t, w.nurse, w.recs[0]) // in the team
	w.read(t, w.doc, w.recs[1])   // a patient of no team
	if _, err := w.cs.BreakGlass(ctx, w.er, w.recs[0].ID, ward.Reason{Category: ward.ReasonEmergency, Text: "code blue"}, 0); err != nil {
		t.Fatal(err)
	}
	w.read(t, w.er, w.recs[0]) // under break-glass
	w.run(t)
	if got := w.alerts(t, monitor.RuleOutsideTeam); len(got) != 0 {
		t.Fatalf("alerts before the outside read: %+v", got)
	}
	w.read(t, w.doc, w.recs[0])
	w.run(t)
	got := w.alerts(t, monitor.RuleOutsideTeam)
	if len(got) != 1 || got[0].Subject != w.doc.User.ID || !slices.Equal(got[0].Evidence.PatientIDs, []string{w.recs[0].ID}) {
		t.Fatalf("outside alerts: %+v", got)
	}
	bg := w.alerts(t, monitor.RuleBreakGlass)
	if len(bg) != 1 || !slices.Equal(bg[0].Evidence.UserIDs, []string{w.er.User.ID}) || !slices.Equal(bg[0].Evidence.PatientIDs, []string{w.recs[0].ID}) {
		t.Fatalf("break-glass alerts: %+v", bg)
	}
}

// TestPasswordSpray: failed sign-ins on 40 unknown accounts from one
// address, most refused by the throttles, make ONE aggregated alert, with
// the throttled attempts counted.
func TestPasswordSpray(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.run(t)
	for i := range 40 {
		w.f.Login(fmt.Sprintf("guess%d@stmary.example", i), "Winter2026!", "dev-spray", "203.0.113.9")
		w.f.Clock.Advance(time.Second)
	}
	if err := w.f.App.FlushThrottleEvents(ctx, true); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	for i := range 20 { // the spray goes on: the same alert grows
		w.f.Login(fmt.Sprintf("more%d@stmary.example", i), "Winter2026!", "dev-spray", "203.0.113.9")
	}
	w.f.App.FlushThrottleEvents(ctx, true)
	w.run(t)
	all := w.alerts(t, "")
	if len(all) != 1 || all[0].Rule != monitor.RulePasswordSpray || all[0].Severity != monitor.SeverityHigh ||
		!slices.Equal(all[0].Evidence.Addresses, []string{"203.0.113.9"}) || all[0].Evidence.Attempts < 60 {
		t.Fatalf("spray alerts: %+v", all)
	}
	throttled := w.f.AuditEvents(t, audit.LoginThrottled)
	if len(throttled) == 0 {
		t.Fatal("no login.throttled events: the throttles did not refuse any attempt")
	}
}

// TestSignInBurst: a dozen wrong passwords for one account from one address
// make one alert naming the account.
func TestSignInBurst(t *testing.T) {
	w := newWorld(t)
	w.run(t)
	for range 12 {
		w.f.Login(w.nurse.User.Email, "wrong password", "device-x", "198.51.100.7")
		w.f.Clock.Advance(2 * time.Second)
	}
	w.f.App.FlushThrottleEvents(context.Background(), true)
	w.run(t)
	all := w.alerts(t, "")
	if len(all) != 1 || all[0].Rule != monitor.RuleSignInBurst || !slices.Contains(all[0].Evidence.Accounts, w.nurse.User.ID) ||
		all[0].Evidence.Attempts < 12 {
		t.Fatalf("burst alerts: %+v", all)
	}
}

// TestMassExport: the third audit export by one user within a day alerts.
func TestMassExport(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.run(t)
	export := func() {
		var sb strings.Builder
		if _, err := w.f.App.ExportAudit(ctx, w.comp, app.AuditExport{Format: "jsonl", AuditFilter: app.AuditFilter{From: w.f.Clock.Now().Add(-time.Hour), To: w.f.Clock.Now().Add(time.Hour)}}, &sb); err != nil {
			t.Fatal(err)
		}
		w.f.Clock.Advance(time.Minute)
	}
	export()
	export()
	if n := w.run(t); n != 0 {
		t.Fatalf("two exports raised %d", n)
	}
	export()
	w.run(t)
	if got := w.alerts(t, monitor.RuleMassExport); len(got) != 1 || got[0].Evidence.Events != 3 || got[0].Subject != w.comp.User.ID {
		t.Fatalf("export alerts: %+v", got)
	}
}

// TestNewDevice: an admin's sign-in from a device and address not seen
// before alerts (the first sign-in seen only teaches); a clinician's does not.
func TestNewDevice(t *testing.T) {
	w := newWorld(t)
	w.run(t)
	if got := w.alerts(t, monitor.RuleNewDevice); len(got) != 0 {
		t.Fatalf("first sign-ins alerted: %+v", got)
	}
	if _, err := w.f.Login(w.admin.User.Email, adminPW(t, w), "laptop-2", "192.0.2.44"); err != nil {
		t.Fatal(err)
	}
	w.f.Login(w.doc.User.Email, w.pws[w.doc.User.ID], "device-other", "192.0.2.45")
	w.run(t)
	got := w.alerts(t, monitor.RuleNewDevice)
	if len(got) != 1 || got[0].Subject != w.admin.User.ID || len(got[0].Evidence.Devices) != 1 || got[0].Evidence.Devices[0] == w.admin.Device.ID ||
		!slices.Equal(got[0].Evidence.Addresses, []string{"192.0.2.44"}) {
		t.Fatalf("new device alerts: %+v", got)
	}
	w.f.Clock.Advance(2 * time.Hour)
	w.f.Login(w.admin.User.Email, adminPW(t, w), "laptop-2", "192.0.2.44") // known now
	w.run(t)
	if got := w.alerts(t, monitor.RuleNewDevice); len(got) != 1 {
		t.Fatalf("a known device alerted: %+v", got)
	}
}

// TestDisabledUserActivity: an event of a user after they were disabled
// raises a high alert.
func TestDisabledUserActivity(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.read(t, w.nurse, w.recs[0]) // before: nothing
	yes := true
	if _, err := w.f.App.UpdateUser(ctx, w.admin, w.nurse.User.ID, app.UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	if got := w.alerts(t, monitor.RuleDisabledActive); len(got) != 0 {
		t.Fatalf("alerts before any activity: %+v", got)
	}
	e := w.nurse.Event(audit.PatientRecordRead, "patient", w.recs[1].ID) // a read that slipped through
	e.PatientID = w.recs[1].ID
	if err := w.f.Recorder.Record(ctx, e); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	got := w.alerts(t, monitor.RuleDisabledActive)
	if len(got) != 1 || got[0].Severity != monitor.SeverityHigh || !slices.Equal(got[0].Evidence.PatientIDs, []string{w.recs[1].ID}) {
		t.Fatalf("disabled-user alerts: %+v", got)
	}
}
