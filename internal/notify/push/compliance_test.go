package push_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/notify/push/pushtest"
)

// TestComplianceNoticesPush (issue 25): a compliance officer's subscribed
// device gets, by Web Push and without any email configured, the deadline
// reminder of a breach incident (30 days before), the expiry reminder of a
// BAA (60 days before) and the new activity alerts of a monitor run (one
// push for the batch), each once, urgent and PHI-free: a kind and a
// number, never the incident's title, the vendor or the address. A
// clinician's subscribed device gets none of them.
func TestComplianceNoticesPush(t *testing.T) {
	e := newEnv(t, false)
	ctx := context.Background()
	officer := e.person(t, ward.RoleCompliance, "cora", "cora-laptop")
	admin := e.person(t, ward.RoleAdmin, "adam", "adam-laptop")
	doc := e.person(t, ward.RoleClinician, "dora", "dora-phone")
	clock := e.f.Clock
	var sub, docSub *pushtest.Subscription // subscribed below, once the clock has moved
	secrets := []string{"Lost laptop of ward 4", "Cloudy Hosting", "203.0.113.9"}
	check := func(n int, want push.Payload) {
		t.Helper()
		waitUntil(t, func() bool { return len(e.ps.For(sub)) >= n }, fmt.Sprintf("push %d (%s) to the officer", n, want.Kind))
		p := e.ps.For(sub)[n-1]
		if pl := payload(t, p); pl != want || p.Urgency != "high" {
			t.Errorf("push %d: payload %+v urgency %q, want %+v high", n, pl, p.Urgency, want)
		}
		for _, s := range secrets {
			if bytes.Contains(p.Payload, []byte(s)) {
				t.Errorf("the push names %q: %s", s, p.Payload)
			}
		}
	}

	// The incident's deadline is 60 days after discovery: 30 days before it,
	// its reminder; again the same day, nothing more.
	is := incidents.New(incidents.Config{Store: e.f.Store, Keyring: e.f.Keyring, Contacts: e.f.Patients, Pusher: e.svc, Now: clock.Now})
	if _, err := is.Open(ctx, officer.Principal, incidents.Draft{DiscoveredAt: clock.Now(),
		Details: incidents.Details{Title: secrets[0]}}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(30 * 24 * time.Hour)
	// A subscription lives with its session: the officer and the clinician
	// sign in again (a month later) and turn notifications on.
	relogin := func(p person, device string) person {
		p.Principal, _ = e.f.MustLogin(t, p.email, p.pw, device)
		return p
	}
	officer, admin, doc = relogin(officer, "cora-laptop"), relogin(admin, "adam-laptop"), relogin(doc, "dora-phone")
	sub, docSub = e.subscribe(t, officer.Principal), e.subscribe(t, doc.Principal)
	for i := range 2 {
		if n, err := is.RunReminders(ctx); err != nil || n != 1-i {
			t.Fatalf("incident reminders run %d: %d, %v", i, n, err)
		}
	}
	check(1, push.Payload{Kind: push.IncidentDeadline, Count: 1, Days: 30})
	if p := e.ps.For(sub)[0]; p.TTL != 86400 {
		t.Errorf("a reminder's TTL %d, want a day", p.TTL)
	}
	if ev := e.f.AuditEvents(t, audit.IncidentReminded); len(ev) != 1 || ev[0]["reason"] != "30 days before; 0 compliance officers mailed, 1 pushed to" {
		t.Errorf("incident.reminded events: %v", ev)
	}

	// A BAA expiring in 59 days: its 60-day reminder.
	bs := baa.New(baa.Config{Store: e.f.Store, Keyring: e.f.Keyring, Blobs: e.f.Blobs, Pusher: e.svc, Now: clock.Now})
	if _, err := bs.Create(ctx, admin.Principal, baa.Draft{Vendor: secrets[1], Status: baa.StatusSigned, SignedAt: clock.Now(),
		ExpiresAt: clock.Now().AddDate(0, 0, 59)}); err != nil {
		t.Fatal(err)
	}
	if n, err := bs.RunReminders(ctx); err != nil || n != 1 {
		t.Fatalf("BAA reminders: %d, %v", n, err)
	}
	check(2, push.Payload{Kind: push.BAAExpiry, Count: 1, Days: 59})

	// A password spray from one address: one alert, one push.
	sealer, err := audit.NewSealer(e.f.Store, audit.SealerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	mon := monitor.New(monitor.Config{Store: e.f.Store, Keyring: e.f.Keyring, Pusher: e.svc, Now: clock.Now})
	run := func() int {
		t.Helper()
		if _, err := sealer.Seal(ctx); err != nil {
			t.Fatal(err)
		}
		n, err := mon.Run(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	run()
	for i := range 12 {
		e.f.Login(fmt.Sprintf("guess%d@stmary.example", i), "Winter2026!", "spray-device", secrets[2])
	}
	if n := run(); n != 1 {
		t.Fatalf("%d alerts raised, want 1", n)
	}
	check(3, push.Payload{Kind: push.ActivityAlert, Count: 1})

	time.Sleep(50 * time.Millisecond) // anything else under way arrives
	if n := len(e.ps.For(sub)); n != 3 {
		t.Errorf("%d pushes to the officer, want 3", n)
	}
	if n := len(e.ps.For(docSub)); n != 0 {
		t.Errorf("%d compliance pushes reached a clinician", n)
	}
}
