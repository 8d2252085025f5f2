package demo_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/compliance"
	"github.com/wardhealth/ward/internal/demo"
	"github.com/wardhealth/ward/internal/holds"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/oncall"
)

func TestSeedIsCompleteAndIdempotent(t *testing.T) {
	f := apptest.New(t, true) // another org, with MFA required
	ctx := context.Background()
	oc := oncall.New(oncall.Config{Store: f.Store, Now: f.Clock.Now})
	hs := holds.New(f.Store)
	cs := compliance.New(compliance.Config{Store: f.Store, Keyring: f.Keyring, Transcripts: f.App, Now: f.Clock.Now})
	sv := demo.Services{App: f.App, Store: f.Store, Patients: f.Patients, Teams: f.Teams, Invitations: f.Invitations, OnCall: oc,
		Holds: hs, Compliance: cs,
		Incidents: incidents.New(incidents.Config{Store: f.Store, Keyring: f.Keyring, Contacts: f.Patients, Now: time.Now}), // the demo runs on the wall clock
		BAAs:      baa.New(baa.Config{Store: f.Store, Keyring: f.Keyring, Blobs: f.Blobs, Now: time.Now})}
	res, err := demo.Seed(ctx, sv)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.Messages != 14 {
		t.Fatalf("first run: created %v, %d messages", res.Created, res.Messages)
	}
	again, err := demo.Seed(ctx, sv)
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.Messages != 0 {
		t.Fatalf("second run: created %v, %d messages; want nothing new", again.Created, again.Messages)
	}
	// Two weeks of team inbox response times for the dashboard, once (2 to
	// 5 a day: the second run added none).
	sysP, err := f.App.SystemPrincipal(ctx, demo.OrgSlug)
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().UTC() // the demo's history ends today, by the wall clock
	times, _, _, err := f.Inbox.Stats(ctx, sysP, today.AddDate(0, 0, -29).Format(time.DateOnly), today.Format(time.DateOnly))
	if err != nil || len(times) != 2 {
		t.Fatalf("inbox stats: %+v %v", times, err)
	}
	for _, tm := range times {
		var n int64
		for _, d := range tm.Days {
			if d.FirstResponses < 2 || d.FirstResponses > 5 || d.FirstResponseP50 <= 0 || d.FirstResponseP90 < d.FirstResponseP50 {
				t.Errorf("%s %s: %+v", tm.Name, d.Day, d)
			}
			n += d.FirstResponses
		}
		if len(tm.Days) != 14 || n < 28 {
			t.Errorf("%s: %d days, %d first responses; want 14 days of 2 to 5", tm.Name, len(tm.Days), n)
		}
	}

	// The on-call role, once, with whoever is on call now.
	onSys, err := f.App.SystemPrincipal(ctx, demo.OrgSlug)
	if err != nil {
		t.Fatal(err)
	}
	now, err := oc.Now(ctx, onSys)
	if err != nil || len(now) != 1 || now[0].RoleName != demo.OnCallRole.Name || now[0].UserID == "" {
		t.Fatalf("on call now: %+v %v", now, err)
	}
	// The compliance case, once: a legal hold on the conversation about the
	// first demo patient, and one review of it with a reason.
	held, err := hs.List(ctx, onSys)
	if err != nil || len(held) != 1 || held[0].Matter != demo.ComplianceMatter || held[0].ConversationID == "" {
		t.Fatalf("legal holds: %+v %v", held, err)
	}
	reviews, err := cs.Reviews(ctx, onSys, time.Time{})
	if err != nil || len(reviews) != 1 || reviews[0].ConversationID != held[0].ConversationID || reviews[0].Reason.Category != ward.ReasonLegalRequest {
		t.Fatalf("compliance reviews: %+v %v", reviews, err)
	}
	// The breach case, once: an open incident with its deadline, and two
	// agreements in the BAA registry (one expiring soon, one awaited).
	officer := principal(t, f, res.Logins[5])
	ins, err := sv.Incidents.List(ctx, officer)
	if err != nil || len(ins) != 1 || ins[0].Status != incidents.StatusOpen || ins[0].DaysLeft < 50 {
		t.Fatalf("demo incidents: %+v %v", ins, err)
	}
	if in, err := sv.Incidents.Get(ctx, officer, ins[0].ID); err != nil || in.Details == nil || in.Details.Title != demo.IncidentTitle {
		t.Fatalf("demo incident: %+v %v", in, err)
	}
	agreements, err := sv.BAAs.List(ctx, officer)
	if err != nil || len(agreements) != 2 {
		t.Fatalf("demo BAAs: %+v %v", agreements, err)
	}
	if card, err := sv.BAAs.Dashboard(ctx, officer); err != nil || len(card.Expiring) != 1 || len(card.Missing) != 1 {
		t.Fatalf("demo BAA card: %+v %v", card, err)
	}
	// The care teams, once each, with their members.
	sys, err := f.App.SystemPrincipal(ctx, demo.OrgSlug)
	if err != nil {
		t.Fatal(err)
	}
	teams, err := f.Teams.Teams(ctx, sys)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, tm := range teams {
		names := []string{tm.Name + ":"}
		for _, m := range tm.Members {
			names = append(names, m.Name)
		}
		got = append(got, strings.Join(names, " "))
	}
	if want := []string{"Cardiology clinic: Jordan Lee, RN Priya Shah, MD", "Front desk: Riley Chen"}; !slices.Equal(got, want) {
		t.Errorf("demo teams %q, want %q", got, want)
	}

	// The demo patients, once each, in Cardiology clinic's list, and the
	// conversation about the first.
	jordan := principal(t, f, res.Logins[3])
	mine, _, err := f.Patients.TeamPatients(ctx, jordan, "", 50)
	if err != nil || len(mine) != 2 || mine[0].Fields.MRN != "DEMO-0001" || mine[1].Fields.MRN != "DEMO-0002" {
		t.Fatalf("Jordan's care team patients: %+v, %v", mine, err)
	}
	about, err := f.App.PatientConversations(ctx, jordan, mine[0].ID)
	if err != nil || len(about) != 1 || about[0].Title != "Echo follow-up" {
		t.Fatalf("conversations about the first demo patient: %+v, %v", about, err)
	}

	// Every login works with its password, without a second factor: MFA
	// is off for the demo org only.
	roles := map[ward.Role]int{}
	for i, l := range res.Logins {
		r, err := f.App.Login(ctx, app.LoginRequest{Email: l.Email, Password: l.Password, DeviceID: "demo-test-device-" + string(rune('a'+i)),
			DeviceName: "test", IP: "127.0.0.1"})
		if err != nil {
			t.Fatalf("login %s: %v", l.Email, err)
		}
		if len(r.EnrollmentRequired) > 0 {
			t.Errorf("%s must enrol MFA: %v", l.Email, r.EnrollmentRequired)
		}
		roles[l.Role]++
	}
	if roles[ward.RoleOwner] != 1 || roles[ward.RoleCompliance] != 1 || roles[ward.RoleClinician] < 3 {
		t.Errorf("roles: %v", roles)
	}
	sys, err = f.App.SystemPrincipal(ctx, f.Org.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if pol, err := f.App.Policy(ctx, sys); err != nil || !pol.MFARequired {
		t.Errorf("the other org's MFA policy changed: %+v %v", pol, err)
	}

	// Sam has the urgent message waiting, once.
	sam := principal(t, f, res.Logins[2])
	convs, err := f.App.ListConversations(ctx, sam)
	if err != nil {
		t.Fatal(err)
	}
	urgent, groups := 0, 0
	for _, c := range convs {
		urgent += c.UrgentUnacked
		if c.Kind == ward.Group {
			groups++
		}
	}
	if len(convs) != 2 || urgent != 1 || groups != 1 {
		t.Errorf("Sam sees %d conversations, %d urgent unacknowledged, %d groups; want 2, 1, 1", len(convs), urgent, groups)
	}
}

func principal(t *testing.T, f *apptest.Fixture, l demo.Login) *app.Principal {
	t.Helper()
	ctx := context.Background()
	r, err := f.App.Login(ctx, app.LoginRequest{Email: l.Email, Password: l.Password, DeviceID: "demo-test-principal",
		DeviceName: "test", IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.App.Authenticate(ctx, r.Token, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return p
}
