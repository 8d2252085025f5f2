package prefs_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/notify/prefs"
)

func at(zone string, y int, m time.Month, d, h, min int) time.Time {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		panic(err)
	}
	return time.Date(y, m, d, h, min, 0, 0, loc)
}

// TestQuiet: quiet hours across midnight, in the user's zone, on both sides
// of a daylight-saving change; do-not-disturb; off duty.
func TestQuiet(t *testing.T) {
	night := prefs.Default()
	night.QuietHours = &prefs.QuietHours{From: "22:00", To: "07:00", TimeZone: "Europe/London"}
	day := prefs.Default()
	day.QuietHours = &prefs.QuietHours{From: "12:00", To: "13:30", TimeZone: "America/New_York"}
	until := at("UTC", 2026, 3, 29, 12, 0)
	dnd := prefs.Default()
	dnd.DNDUntil = &until
	off := prefs.Default()
	off.Presence = prefs.OffDuty
	busy := prefs.Default()
	busy.Presence = prefs.Busy
	for _, tc := range []struct {
		name string
		p    prefs.Prefs
		t    time.Time
		want bool
	}{
		{"night, 23:00 London", night, at("Europe/London", 2026, 3, 28, 23, 0), true},
		{"night, 06:59 London after the clocks went forward", night, at("Europe/London", 2026, 3, 29, 6, 59), true},
		{"night, 07:00 London", night, at("Europe/London", 2026, 3, 29, 7, 0), false},
		{"night, 21:59 London", night, at("Europe/London", 2026, 3, 29, 21, 59), false},
		{"night, 22:30 UTC in summer is 23:30 London", night, at("UTC", 2026, 7, 1, 22, 30), true},
		{"night, 06:30 UTC in summer is 07:30 London", night, at("UTC", 2026, 7, 1, 6, 30), false},
		{"day, 12:00 New York", day, at("America/New_York", 2026, 11, 2, 12, 0), true},
		{"day, 13:30 New York", day, at("America/New_York", 2026, 11, 2, 13, 30), false},
		{"day, 12:15 London", day, at("Europe/London", 2026, 11, 2, 12, 15), false},
		{"dnd before", dnd, until.Add(-time.Second), true},
		{"dnd at", dnd, until, false},
		{"off duty", off, until, true},
		{"busy", busy, until, false},
		{"default", prefs.Default(), until, false},
	} {
		if got := tc.p.Quiet(tc.t); got != tc.want {
			t.Errorf("%s: Quiet %v, want %v", tc.name, got, tc.want)
		}
		// Urgent is never held; a normal message exactly when quiet.
		if tc.p.Hold(tc.t, true, prefs.Direct) || tc.p.Hold(tc.t, false, prefs.Direct) != tc.want {
			t.Errorf("%s: Hold does not follow Quiet", tc.name)
		}
	}
	p := prefs.Default()
	p.NewMessage = prefs.NewMessage{Direct: true, Group: false, TeamInbox: false}
	if p.Hold(until, false, prefs.Direct) || !p.Hold(until, false, prefs.Group) || !p.Hold(until, false, prefs.TeamInbox) || p.Hold(until, true, prefs.Group) {
		t.Error("the switches of new_message are not followed")
	}
}

// TestPut: valid preferences are kept and audited with no PHI; bad ones
// (zone, time, dnd, presence) are invalid_input and change nothing; a
// patient may set preferences but has no presence; a guest may not.
func TestPut(t *testing.T) {
	ctx := context.Background()
	f := apptest.New(t, false)
	svc := prefs.New(f.Store)
	nurse := f.Principal(t, "nurse", ward.RoleStaff)
	got, err := svc.Get(ctx, nurse)
	if err != nil || got.Presence != prefs.Available || !got.NewMessage.Direct || got.QuietHours != nil {
		t.Fatalf("defaults %+v, %v", got, err)
	}
	until := f.Clock.Now().Add(9 * time.Hour)
	in := prefs.Prefs{NewMessage: prefs.NewMessage{Direct: true}, QuietHours: &prefs.QuietHours{From: "22:00", To: "07:00", TimeZone: "Europe/London"},
		DNDUntil: &until, Presence: prefs.Busy}
	if _, err := svc.Put(ctx, nurse, in); err != nil {
		t.Fatal(err)
	}
	bad := []func(p *prefs.Prefs){
		func(p *prefs.Prefs) {
			p.QuietHours = &prefs.QuietHours{From: "22:00", To: "07:00", TimeZone: "Mars/Olympus"}
		},
		func(p *prefs.Prefs) { p.QuietHours = &prefs.QuietHours{From: "22:00", To: "07:00", TimeZone: "Local"} },
		func(p *prefs.Prefs) { p.QuietHours = &prefs.QuietHours{From: "22:00", To: "07:00"} },
		func(p *prefs.Prefs) { p.QuietHours = &prefs.QuietHours{From: "24:00", To: "07:00", TimeZone: "UTC"} },
		func(p *prefs.Prefs) { p.QuietHours = &prefs.QuietHours{From: "7:00", To: "08:00", TimeZone: "UTC"} },
		func(p *prefs.Prefs) { p.QuietHours = &prefs.QuietHours{From: "08:00", To: "08:00", TimeZone: "UTC"} },
		func(p *prefs.Prefs) { past := f.Clock.Now().Add(-time.Minute); p.DNDUntil = &past },
		func(p *prefs.Prefs) { far := f.Clock.Now().Add(prefs.MaxDND + time.Hour); p.DNDUntil = &far },
		func(p *prefs.Prefs) { p.Presence = "away" },
	}
	for i, change := range bad {
		p := prefs.Default()
		change(&p)
		_, err := svc.Put(ctx, nurse, p)
		apptest.WantCode(t, err, ward.CodeInvalid)
		if kept, _ := svc.Get(ctx, nurse); kept.QuietHours == nil || kept.QuietHours.TimeZone != "Europe/London" || kept.Presence != prefs.Busy || kept.NewMessage.Group {
			t.Errorf("bad input %d changed the preferences: %+v", i, kept)
		}
	}
	got, _ = svc.Get(ctx, nurse)
	if got.DNDUntil == nil || !got.DNDUntil.Equal(until) || got.UpdatedAt.IsZero() {
		t.Errorf("kept %+v", got)
	}
	events := f.AuditEvents(t, audit.NotificationsUpdated)
	if len(events) != 1 {
		t.Fatalf("%d settings.notifications_updated events, want 1", len(events))
	}
	if r, _ := events[0]["reason"].(string); !strings.Contains(r, "quiet_hours 22:00-07:00 Europe/London") || !strings.Contains(r, "presence busy") {
		t.Errorf("reason %q", r)
	}
	// Presence alone, audited when it changes.
	if err := svc.SetPresence(ctx, nurse, prefs.OffDuty); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetPresence(ctx, nurse, prefs.OffDuty); err != nil {
		t.Fatal(err)
	}
	apptest.WantCode(t, svc.SetPresence(ctx, nurse, "gone"), ward.CodeInvalid)
	if n := len(f.AuditEvents(t, audit.PresenceChanged)); n != 1 {
		t.Errorf("%d settings.presence_changed events, want 1", n)
	}
	doc := f.Principal(t, "doc", ward.RoleClinician)
	dir, err := svc.Directory(ctx, doc)
	if err != nil || len(dir) != 1 || dir[nurse.User.ID] != prefs.OffDuty {
		t.Errorf("directory %v, %v", dir, err)
	}
	// A patient sets what wakes them, but has no presence and sees none.
	pat := f.Principal(t, "pat", ward.RolePatient)
	if _, err := svc.Put(ctx, pat, prefs.Default()); err != nil {
		t.Errorf("a patient's preferences: %v", err)
	}
	p := prefs.Default()
	p.Presence = prefs.Busy
	_, err = svc.Put(ctx, pat, p)
	apptest.WantCode(t, err, ward.CodeForbidden)
	_, err = svc.Directory(ctx, pat)
	apptest.WantCode(t, err, ward.CodeForbidden)
}
