package push_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/notify/prefs"
	"github.com/wardhealth/ward/internal/notify/push"
	"github.com/wardhealth/ward/internal/notify/push/pushtest"
)

// newGatedEnv is newEnv with the receivers' notification preferences
// applied (internal/notify/prefs.Gate), as internal/server wires it.
func newGatedEnv(t testing.TB) *env {
	return newEnv(t, false, func(c *push.Config) { c.Gate = prefs.NewGate(c.Store) })
}

func setPrefs(t testing.TB, e *env, p person, in prefs.Prefs) {
	t.Helper()
	if _, err := prefs.New(e.f.Store).Put(context.Background(), p.Principal, in); err != nil {
		t.Fatal(err)
	}
}

// heldFrom sends a normal message from doc to quiet and one to control in
// conversations of kind, waits for control's push, and reports how many
// pushes quiet's subscription got.
func heldFrom(t testing.TB, e *env, doc, quiet, control person, quietSub, controlSub *pushtest.Subscription, kind ward.ConversationKind) int {
	t.Helper()
	before := len(e.ps.For(controlSub))
	var a, b string
	if kind == ward.Direct {
		a, b = e.conv(t, doc.Principal, ward.Direct, quiet.User.ID).ID, e.conv(t, doc.Principal, ward.Direct, control.User.ID).ID
	} else {
		a, b = e.conv(t, doc.Principal, ward.Group, quiet.User.ID).ID, e.conv(t, doc.Principal, ward.Group, control.User.ID).ID
	}
	n := time.Now().UnixNano()
	e.send(t, doc.Principal, a, fmt.Sprint("q", n), ward.Normal)
	e.send(t, doc.Principal, b, fmt.Sprint("c", n), ward.Normal)
	waitUntil(t, func() bool { return len(e.ps.For(controlSub)) == before+1 }, "the control push")
	time.Sleep(100 * time.Millisecond)
	return len(e.ps.For(quietSub))
}

// TestQuietHoursHoldNormalLetUrgentThrough (issue 23, shows 4): in the
// nurse's quiet hours (22:00-07:00 America/New_York, a fake clock) a normal
// message's push is held back and an urgent one reaches her phone at once,
// with Urgency high; after 07:00 a normal message is pushed again.
func TestQuietHoursHoldNormalLetUrgentThrough(t *testing.T) {
	e := newGatedEnv(t)
	doc, nurse := e.person(t, ward.RoleClinician, "doc", "doc-phone-1"), e.person(t, ward.RoleStaff, "nurse", "nurse-phone")
	nurseSub := e.subscribe(t, nurse.Principal)
	in := prefs.Default()
	in.QuietHours = &prefs.QuietHours{From: "22:00", To: "07:00", TimeZone: "America/New_York"}
	setPrefs(t, e, nurse, in)
	ny, _ := time.LoadLocation("America/New_York")
	e.f.Clock.Set(time.Date(2026, 11, 24, 3, 0, 0, 0, ny)) // 08:00 UTC
	c := e.conv(t, doc.Principal, ward.Direct, nurse.User.ID)

	e.send(t, doc.Principal, c.ID, "normal "+canary, ward.Normal)
	e.send(t, doc.Principal, c.ID, "urgent "+canary, ward.Urgent)
	e.ps.WaitFor(1, time.Second)
	time.Sleep(150 * time.Millisecond) // the normal one would have arrived by now
	if got := e.ps.For(nurseSub); len(got) != 1 {
		t.Fatalf("%d pushes in quiet hours, want 1 (the urgent one)", len(got))
	}
	got := e.ps.For(nurseSub)
	if pl := payload(t, got[0]); pl.Kind != push.UrgentMessage || got[0].Urgency != "high" {
		t.Errorf("in quiet hours: %+v, urgency %q; want the urgent message, high", pl, got[0].Urgency)
	}

	e.f.Clock.Set(time.Date(2026, 11, 24, 7, 0, 0, 0, ny)) // quiet hours over
	e.send(t, doc.Principal, c.ID, "morning "+canary, ward.Normal)
	waitUntil(t, func() bool { return len(e.ps.For(nurseSub)) == 2 }, "a normal push after quiet hours")
	if pl := payload(t, e.ps.For(nurseSub)[1]); pl.Kind != push.NewMessage {
		t.Errorf("after quiet hours: %+v", pl)
	}
}

// TestPreferencesHoldNormalPushes: do-not-disturb, off duty and a kind of
// conversation switched off each hold back a normal push (a colleague
// without them gets theirs); do-not-disturb lets an escalation through.
func TestPreferencesHoldNormalPushes(t *testing.T) {
	ctx := context.Background()
	e := newGatedEnv(t)
	doc := e.person(t, ward.RoleClinician, "doc", "doc-phone-1")
	quiet, control := e.person(t, ward.RoleStaff, "quiet", "quiet-phone"), e.person(t, ward.RoleStaff, "ctl", "ctl-phone")
	lead := e.person(t, ward.RoleClinician, "lead", "lead-phone")
	quietSub, controlSub, leadSub := e.subscribe(t, quiet.Principal), e.subscribe(t, control.Principal), e.subscribe(t, lead.Principal)
	until := e.f.Clock.Now().Add(2 * time.Hour)

	dnd := prefs.Default()
	dnd.DNDUntil = &until
	setPrefs(t, e, quiet, dnd)
	if n := heldFrom(t, e, doc, quiet, control, quietSub, controlSub, ward.Direct); n != 0 {
		t.Errorf("do-not-disturb: %d pushes, want 0", n)
	}
	setPrefs(t, e, lead, dnd) // escalations break through do-not-disturb
	c := e.conv(t, doc.Principal, ward.Direct, quiet.User.ID)
	if _, _, err := e.f.App.SendMessage(ctx, doc.Principal, c.ID, appSend("stat", ward.Urgent, lead.User.ID)); err != nil {
		t.Fatal(err)
	}
	e.f.Clock.Advance(time.Hour)
	renotified, esc, err := e.f.App.RunUrgentTimers(ctx)
	if err != nil || esc != 1 {
		t.Fatalf("escalated %d, %v", esc, err)
	}
	waitUntil(t, func() bool { return len(e.ps.For(leadSub)) == 1 }, "the escalation pushed through do-not-disturb")
	// The urgent message and its re-notifications reach quiet through
	// do-not-disturb too; they are all in before the counts below start.
	waitUntil(t, func() bool { return len(e.ps.For(quietSub)) == 1+renotified }, "the urgent message's pushes to quiet")

	off := prefs.Default()
	off.Presence = prefs.OffDuty
	setPrefs(t, e, quiet, off)
	base := len(e.ps.For(quietSub))
	if n := heldFrom(t, e, doc, quiet, control, quietSub, controlSub, ward.Group); n != base {
		t.Errorf("off duty: %d pushes, want %d", n, base)
	}

	noGroups := prefs.Default()
	noGroups.NewMessage.Group = false
	setPrefs(t, e, quiet, noGroups)
	if n := heldFrom(t, e, doc, quiet, control, quietSub, controlSub, ward.Group); n != base {
		t.Errorf("groups off: %d pushes, want %d", n, base)
	}
	if n := heldFrom(t, e, doc, quiet, control, quietSub, controlSub, ward.Direct); n != base+1 {
		t.Errorf("groups off, a direct message: %d pushes, want %d", n, base+1)
	}
}

func appSend(clientID string, pri ward.Priority, backup string) app.SendRequest {
	return app.SendRequest{ClientID: clientID, Body: canary, Priority: pri, BackupUserID: backup}
}
