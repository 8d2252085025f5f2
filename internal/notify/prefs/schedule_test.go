package prefs_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/notify/prefs"
	"github.com/wardhealth/ward/internal/oncall"
)

// TestScheduleDrivesPresence: across a daily 08:00 hand-over (fake clock),
// whoever the rotation puts on call shows as on call and gets normal pushes
// through their quiet hours; the outgoing person is back to their own
// presence and quiet hours; someone who set off duty by hand keeps it
// while on call, and so does someone who set busy.
func TestScheduleDrivesPresence(t *testing.T) {
	ctx := context.Background()
	f := apptest.New(t, false)
	sched := oncall.New(oncall.Config{Store: f.Store, Now: f.Clock.Now})
	svc, gate := prefs.New(f.Store).WithSchedule(sched), prefs.NewGate(f.Store).WithSchedule(sched)
	admin := f.Principal(t, "sched-admin", ward.RoleAdmin)
	shah, lee, ito, ng := f.Principal(t, "shah", ward.RoleClinician), f.Principal(t, "lee", ward.RoleClinician),
		f.Principal(t, "ito", ward.RoleClinician), f.Principal(t, "ng", ward.RoleStaff)
	if _, err := sched.Create(ctx, admin, "Cardiology on call", ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily,
		HandOver: "08:00", TimeZone: "UTC", Start: "2026-11-23", People: []string{shah.User.ID, lee.User.ID, ito.User.ID}}}); err != nil {
		t.Fatal(err)
	}
	// Everyone has quiet hours all day; ito sets off duty, ng (on no
	// rotation) busy, by hand.
	allDay := prefs.Default()
	allDay.QuietHours = &prefs.QuietHours{From: "00:00", To: "23:59", TimeZone: "UTC"}
	for _, p := range []*app.Principal{shah, lee, ito, ng} {
		if _, err := svc.Put(ctx, p, allDay); err != nil {
			t.Fatal(err)
		}
	}
	if err := svc.SetPresence(ctx, ito, prefs.OffDuty); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPresence(ctx, ng, prefs.Busy); err != nil {
		t.Fatal(err)
	}
	conv, _, err := f.App.CreateConversation(ctx, shah, app.NewConversation{Kind: ward.Group, Title: "Ward 4",
		Members: []string{lee.User.ID, ito.User.ID, ng.User.ID}})
	if err != nil {
		t.Fatal(err)
	}
	everyone := []string{shah.User.ID, lee.User.ID, ito.User.ID, ng.User.ID}
	check := func(when string, wantDir map[string]prefs.Presence, wantAllowed []string) {
		t.Helper()
		dir, err := svc.Directory(ctx, admin)
		if err != nil || !maps.Equal(dir, wantDir) {
			t.Errorf("%s: directory %v (%v), want %v", when, dir, err, wantDir)
		}
		got, err := gate.Allow(ctx, false, conv.ID, everyone)
		if err != nil || !slices.Equal(got, wantAllowed) {
			t.Errorf("%s: a normal push reaches %v (%v), want %v", when, got, err, wantAllowed)
		}
		if got, err := gate.Allow(ctx, true, conv.ID, everyone); err != nil || !slices.Equal(got, everyone) {
			t.Errorf("%s: an urgent push reaches %v (%v)", when, got, err)
		}
	}

	f.Clock.Set(time.Date(2026, 11, 23, 7, 59, 0, 0, time.UTC)) // before the rotation starts: no one is on call
	check("before the rotation", map[string]prefs.Presence{ito.User.ID: prefs.OffDuty, ng.User.ID: prefs.Busy}, []string{})
	f.Clock.Set(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)) // shah's shift
	check("shah on call", map[string]prefs.Presence{shah.User.ID: prefs.OnCall, ito.User.ID: prefs.OffDuty, ng.User.ID: prefs.Busy},
		[]string{shah.User.ID})
	f.Clock.Set(time.Date(2026, 11, 24, 7, 59, 59, 0, time.UTC))
	check("the last second of shah's shift", map[string]prefs.Presence{shah.User.ID: prefs.OnCall, ito.User.ID: prefs.OffDuty,
		ng.User.ID: prefs.Busy}, []string{shah.User.ID})
	f.Clock.Set(time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)) // the hand-over to lee
	check("lee on call", map[string]prefs.Presence{lee.User.ID: prefs.OnCall, ito.User.ID: prefs.OffDuty, ng.User.ID: prefs.Busy},
		[]string{lee.User.ID})
	f.Clock.Set(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) // ito on call, off duty by hand: kept
	check("ito on call, off duty", map[string]prefs.Presence{ito.User.ID: prefs.OffDuty, ng.User.ID: prefs.Busy}, []string{})

	// Set by hand again, it is what shows; busy still lets the shift through quiet hours.
	if err := svc.SetPresence(ctx, ito, prefs.Busy); err != nil {
		t.Fatal(err)
	}
	check("ito on call, busy", map[string]prefs.Presence{ito.User.ID: prefs.Busy, ng.User.ID: prefs.Busy}, []string{ito.User.ID})
	if err := svc.SetPresence(ctx, ito, prefs.Available); err != nil {
		t.Fatal(err)
	}
	check("ito on call, available", map[string]prefs.Presence{ito.User.ID: prefs.OnCall, ng.User.ID: prefs.Busy}, []string{ito.User.ID})
	if p, err := svc.Presence(ctx, ito); err != nil || p != prefs.Available {
		t.Errorf("ito's own presence as set by hand: %q %v", p, err)
	}
}

// TestScheduled: the rule itself.
func TestScheduled(t *testing.T) {
	q := prefs.Default()
	q.QuietHours = &prefs.QuietHours{From: "00:00", To: "23:59", TimeZone: "UTC"}
	if got := q.Scheduled(false); got.Presence != prefs.Available || got.QuietHours == nil {
		t.Errorf("not on call: %+v", got)
	}
	if got := q.Scheduled(true); got.Presence != prefs.OnCall || got.QuietHours != nil {
		t.Errorf("on call: %+v", got)
	}
	for _, hand := range []prefs.Presence{prefs.Busy, prefs.OffDuty} {
		p := q
		p.Presence = hand
		if got := p.Scheduled(true); got.Presence != hand {
			t.Errorf("on call, %s by hand: %+v", hand, got)
		}
	}
	if prefs.OnCall.Valid() {
		t.Errorf("on call can be set by hand")
	}
}
