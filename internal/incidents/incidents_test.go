package incidents_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/notify/mail"
	"github.com/wardhealth/ward/internal/notify/mail/mailtest"
	"github.com/wardhealth/ward/internal/patients"
)

// canary is free text that must stay sealed: never in the database files,
// the audit trail or a reminder email.
const canary = "CANARY-incident-5521 Mr Example's chart"

type world struct {
	f                  *apptest.Fixture
	s                  *incidents.Service
	inbox              *mailtest.Inbox
	comp, comp2, nurse *access.Principal
	doc, admin         *access.Principal
	recs               []patients.Record
}

func newWorld(t testing.TB) *world { return newWorldOn(t, apptest.New(t, false)) }

func newWorldOn(t testing.TB, f *apptest.Fixture) *world {
	w := &world{f: f, inbox: mailtest.Start(t)}
	m, err := mail.Open(w.inbox.URL)
	if err != nil {
		t.Fatal(err)
	}
	w.s = incidents.New(incidents.Config{Store: f.Store, Keyring: f.Keyring, Contacts: f.Patients, Mailer: m,
		ConsoleLink: "https://ward.example/console/incidents", PlainPDF: true, Now: f.Clock.Now})
	login := func(role ward.Role, name string) *access.Principal {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		p, _ := f.MustLogin(t, u.Email, pw, "device-"+name)
		return p
	}
	w.nurse, w.doc = login(ward.RoleStaff, "nurse"), login(ward.RoleClinician, "doc")
	w.comp, w.comp2, w.admin = login(ward.RoleCompliance, "comp"), login(ward.RoleCompliance, "comp2"), login(ward.RoleAdmin, "admin")
	for i := range 5 {
		r, err := f.Patients.Create(context.Background(), w.nurse, patients.Fields{MRN: fmt.Sprint("M-", i), GivenName: fmt.Sprint("Given", i),
			FamilyName: fmt.Sprint("Family", i), BirthDate: "1970-01-01"})
		if err != nil {
			t.Fatal(err)
		}
		w.recs = append(w.recs, r)
	}
	return w
}

func draft(now time.Time) incidents.Draft {
	return incidents.Draft{DiscoveredAt: now, Details: incidents.Details{Title: "Lost laptop", WhatHappened: canary,
		BreachStart: "2026-11-20", BreachEnd: "2026-11-21", BreachType: "theft", Locations: []string{"laptop"},
		PHITypes: []string{"name", "date of birth", "diagnosis"}, Steps: "Watch your statements.",
		ActionsTaken: "We re-trained staff.", Contact: "Call 1-800-555-0100."}}
}

// TestDeadlineAndReminders: the deadline is 60 days after discovery; the
// leader job mails every compliance officer (through a real SMTP server
// on loopback) at 30, 14, 7 and 1 days before it, each reminder once
// however often it runs, PHI-free, and audited; nothing after the
// deadline, nothing for a closed incident.
func TestDeadlineAndReminders(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := w.f.Clock.Now()
	in, err := w.s.Open(ctx, w.comp, draft(now))
	if err != nil {
		t.Fatal(err)
	}
	if want := now.AddDate(0, 0, 60); !in.Deadline.Equal(want) || in.DaysLeft != 60 {
		t.Fatalf("deadline %v (%d days left), want %v", in.Deadline, in.DaysLeft, want)
	}
	run := func(want int) {
		t.Helper()
		for range 2 { // a second run sends nothing more
			n, err := w.s.RunReminders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n != want {
				t.Fatalf("at %v: %d reminders, want %d", w.f.Clock.Now(), n, want)
			}
			want = 0
		}
	}
	run(0)
	at := func(daysBefore float64) {
		w.f.Clock.Set(in.Deadline.Add(-time.Duration(daysBefore * 24 * float64(time.Hour))))
	}
	at(30.5)
	run(0)
	at(30)
	run(1)
	at(20)
	run(0)
	at(13.9)
	run(1)
	at(6.5)
	run(1)
	at(0.5)
	run(1)
	at(-1)
	run(0)
	mails := w.inbox.All()
	if len(mails) != 8 {
		t.Fatalf("%d mails, want 4 reminders to 2 officers", len(mails))
	}
	for _, m := range mails {
		if strings.Contains(m.Body, canary) || strings.Contains(m.Body, "Lost laptop") || !strings.Contains(m.Body, "breach incident") {
			t.Fatalf("reminder body: %s", m.Body)
		}
	}
	if n := len(w.f.AuditEvents(t, audit.IncidentReminded)); n != 4 {
		t.Fatalf("%d incident.reminded events, want 4", n)
	}
	got, err := w.s.Get(ctx, w.comp, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got.RemindersSent) != "[30 14 7 1]" {
		t.Fatalf("reminders sent %v", got.RemindersSent)
	}

	// Opened 10 days before its deadline: the 14-day reminder once, the
	// 30-day one passed over; a closed incident is reminded no more.
	w.f.Clock.Set(now.AddDate(0, 3, 0))
	d := draft(w.f.Clock.Now().AddDate(0, 0, -50))
	late, err := w.s.Open(ctx, w.comp, d)
	if err != nil {
		t.Fatal(err)
	}
	run(1)
	if _, err := w.s.Close(ctx, w.comp, late.ID); err != nil {
		t.Fatal(err)
	}
	w.f.Clock.Set(late.Deadline.Add(-12 * time.Hour))
	run(0)
}

// TestOpenRefusesBadInput: no discovery date, a deadline in the past or
// beyond 60 days, an outcome before the four factors are rated, users of
// another org: a stable code and nothing stored. Only compliance opens.
func TestOpenRefusesBadInput(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	now := w.f.Clock.Now()
	cases := []struct {
		name string
		edit func(*incidents.Draft)
		code ward.Code
	}{
		{"no discovery date", func(d *incidents.Draft) { d.DiscoveredAt = time.Time{} }, ward.CodeDiscoveryRequired},
		{"deadline in the past", func(d *incidents.Draft) { d.DiscoveredAt = now.AddDate(0, 0, -10); d.Deadline = now.Add(-time.Hour) }, ward.CodeDeadlineInPast},
		{"deadline beyond 60 days", func(d *incidents.Draft) { d.Deadline = now.AddDate(0, 0, 61) }, ward.CodeInvalid},
		{"no title", func(d *incidents.Draft) { d.Details.Title = " " }, ward.CodeInvalid},
		{"outcome unrated", func(d *incidents.Draft) { d.Details.Assessment.Outcome = incidents.OutcomeBreach }, ward.CodeAssessmentIncomplete},
		{"bad rating", func(d *incidents.Draft) { d.Details.Assessment.Nature.Rating = "huge" }, ward.CodeInvalid},
		{"bad breach type", func(d *incidents.Draft) { d.Details.BreachType = "aliens" }, ward.CodeInvalid},
		{"half a window", func(d *incidents.Draft) { d.WindowFrom = now }, ward.CodeInvalid},
		{"unknown user", func(d *incidents.Draft) { d.UserIDs = []string{"nobody"} }, ward.CodeNotFound},
	}
	for _, c := range cases {
		d := draft(now)
		c.edit(&d)
		_, err := w.s.Open(ctx, w.comp, d)
		apptest.WantCode(t, err, c.code)
	}
	for _, p := range []*access.Principal{w.admin, w.nurse, w.doc} {
		_, err := w.s.Open(ctx, p, draft(now))
		apptest.WantCode(t, err, ward.CodeForbidden)
	}
	if l, err := w.s.List(ctx, w.comp); err != nil || len(l) != 0 {
		t.Fatalf("list %v %v", l, err)
	}
	if n := len(w.f.AuditEvents(t, audit.IncidentOpened)); n != 0 {
		t.Fatalf("%d incident.opened", n)
	}
}

// TestAffectedPatientsFromAudit: the patients an incident affects are
// computed from real audit events: the records the incident's user (or
// device) read in its window (patient.read and message pages of a
// conversation about a patient), not those read before the window nor by
// others; edits by hand carry a reason (sealed), audited; a removed
// patient stays removed on a recompute.
func TestAffectedPatientsFromAudit(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	f := w.f
	read := func(p *access.Principal, r patients.Record) {
		t.Helper()
		if _, err := f.Patients.Get(ctx, p, r.ID); err != nil {
			t.Fatal(err)
		}
	}
	read(w.nurse, w.recs[4]) // before the window
	f.Clock.Advance(time.Hour)
	from := f.Clock.Now()
	read(w.nurse, w.recs[0])
	read(w.doc, w.recs[1]) // someone else
	c, _, err := f.App.CreateConversation(ctx, w.doc, app.NewConversation{Kind: ward.Group, Title: "about 2",
		Members: []string{w.nurse.User.ID}, PatientID: w.recs[2].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.App.SendMessage(ctx, w.doc, c.ID, app.SendRequest{ClientID: "m1", Body: "hello"}); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(time.Minute)
	if _, err := f.App.ListMessages(ctx, w.nurse, c.ID, 0, 50); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(time.Hour)
	to := f.Clock.Now()
	f.Clock.Advance(time.Minute)
	read(w.nurse, w.recs[3]) // after the window

	d := draft(f.Clock.Now())
	d.UserIDs, d.WindowFrom, d.WindowTo = []string{w.nurse.User.ID}, from, to
	in, err := w.s.Open(ctx, w.comp, d)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := w.s.Compute(ctx, w.comp, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(ps), []string{w.recs[0].ID, w.recs[2].ID}; !same(got, want) {
		t.Fatalf("affected %v, want %v", got, want)
	}
	// By device: the doctor's device read record 1.
	d.UserIDs, d.DeviceIDs = nil, []string{w.doc.Device.ID}
	byDev, err := w.s.Open(ctx, w.comp, d)
	if err != nil {
		t.Fatal(err)
	}
	if ps, err := w.s.Compute(ctx, w.comp, byDev.ID); err != nil || !same(ids(ps), []string{w.recs[1].ID}) {
		t.Fatalf("by device: %v %v (want record 1: the doctor read it; writing about 2 is no read)", ids(ps), err)
	}

	// Hand edits need a reason; removed stays removed.
	_, err = w.s.EditPatient(ctx, w.comp, in.ID, incidents.PatientEdit{PatientID: w.recs[2].ID, Remove: true})
	apptest.WantCode(t, err, ward.CodeReasonRequired)
	if _, err := w.s.EditPatient(ctx, w.comp, in.ID, incidents.PatientEdit{PatientID: w.recs[2].ID, Remove: true, Reason: canary}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.s.EditPatient(ctx, w.comp, in.ID, incidents.PatientEdit{PatientID: w.recs[4].ID, State: "ny", Reason: "read on paper"}); err != nil {
		t.Fatal(err)
	}
	_, err = w.s.EditPatient(ctx, w.comp, in.ID, incidents.PatientEdit{PatientID: w.recs[4].ID, State: "New York", Reason: "x"})
	apptest.WantCode(t, err, ward.CodeInvalid)
	if _, err := w.s.Compute(ctx, w.comp, in.ID); err != nil {
		t.Fatal(err)
	}
	got, err := w.s.Get(ctx, w.comp, in.ID)
	if err != nil {
		t.Fatal(err)
	}
	var live []string
	for _, p := range got.Patients {
		if !p.Removed {
			live = append(live, p.PatientID)
		}
		if p.PatientID == w.recs[4].ID && (p.State != "NY" || p.Source != "manual" || len(p.Changes) != 1 || p.Changes[0].Reason != "read on paper") {
			t.Fatalf("added patient %+v", p)
		}
		if p.PatientID == w.recs[2].ID && (!p.Removed || p.Changes[0].Reason != canary) {
			t.Fatalf("removed patient %+v", p)
		}
	}
	if !same(live, []string{w.recs[0].ID, w.recs[4].ID}) || got.Notice.Affected != 2 {
		t.Fatalf("live %v, notice %+v", live, got.Notice)
	}
	if n := len(f.AuditEvents(t, audit.IncidentPatientRemoved)); n != 1 {
		t.Fatalf("%d incident.patient_removed", n)
	}
	for _, e := range f.AuditEvents(t, audit.IncidentPatientAdded) {
		if e["patient_id"] != w.recs[4].ID {
			t.Fatalf("added event %v", e)
		}
	}
	assertSealed(t, f)
}

// assertSealed: the canary is in no database file and no audit reason.
func assertSealed(t *testing.T, f *apptest.Fixture) {
	t.Helper()
	filepath.Walk(f.DataDir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return nil
		}
		b, _ := os.ReadFile(path)
		if bytes.Contains(b, []byte("CANARY-incident")) {
			t.Errorf("canary in %s", path)
		}
		return nil
	})
}

func ids(ps []incidents.Affected) []string {
	var out []string
	for _, p := range ps {
		if !p.Removed {
			out = append(out, p.PatientID)
		}
	}
	return out
}

func same(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, x := range a {
		m[x]++
	}
	for _, x := range b {
		m[x]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}
