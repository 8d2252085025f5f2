package app_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
)

func TestStats(t *testing.T) {
	f := MustFixture(t, false)
	ctx := context.Background()
	au, apw := f.AddUser(t, ward.RoleAdmin, "admin@stmary.example", "A Admin")
	n1, pw1 := f.AddUser(t, ward.RoleClinician, "n1@stmary.example", "N One")
	n2, pw2 := f.AddUser(t, ward.RoleClinician, "n2@stmary.example", "N Two")
	f.AddUser(t, ward.RoleCompliance, "c@stmary.example", "C Officer")
	// The clock starts on 2026-11-24 08:00 UTC: day 0.
	start := f.Clock.Now()
	p1, _ := f.MustLogin(t, n1.Email, pw1, "device-n1")
	p2, _ := f.MustLogin(t, n2.Email, pw2, "device-n2")
	c, _, err := f.App.CreateConversation(ctx, p1, app.NewConversation{Kind: ward.Direct, Members: []string{n2.ID}})
	if err != nil {
		t.Fatal(err)
	}
	send := func(p *app.Principal, id string) {
		t.Helper()
		if _, _, err := f.App.SendMessage(ctx, p, c.ID, app.SendRequest{ClientID: id, Body: "hello " + id}); err != nil {
			t.Fatal(err)
		}
	}
	send(p1, "a")
	send(p2, "b")
	f.Clock.Advance(2 * 24 * time.Hour) // day 2
	send(p1, "c")
	if _, err := f.Login(n1.Email, "wrong password entirely", "device-n1", "10.1.1.1"); err == nil {
		t.Fatal("wrong password signed in")
	}
	f.Clock.Advance(15*time.Hour + 59*time.Minute) // day 2, 23:59
	send(p2, "d")
	f.Clock.Advance(2 * time.Minute) // day 3, 00:01
	if _, err := f.Login(n2.Email, "wrong password entirely", "device-n2", "10.1.1.2"); err == nil {
		t.Fatal("wrong password signed in")
	}
	// Another org's messages and failures never count.
	_, other, _, err := f.App.CreateOrg(ctx, app.InitOrg{Name: "Elsewhere", AdminEmail: "boss@elsewhere.example", Password: "other org owner passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Login(other.Email, "wrong password entirely", "device-o", "10.1.1.3"); err == nil {
		t.Fatal("wrong password signed in")
	}
	admin, _ := f.MustLogin(t, au.Email, apw, "device-admin")

	s, err := f.App.Stats(ctx, admin, 5)
	if err != nil {
		t.Fatal(err)
	}
	day := func(i int) string { return start.AddDate(0, 0, i).Format(time.DateOnly) }
	show := func(dc []app.DayCount) string {
		out := ""
		for _, d := range dc {
			out += fmt.Sprintf("%s:%d ", d.Day.Format(time.DateOnly), d.Count)
		}
		return out
	}
	// Five days ending today (day 3): day -1 … day 3.
	wantMsgs := fmt.Sprintf("%s:0 %s:2 %s:0 %s:2 %s:0 ", day(-1), day(0), day(1), day(2), day(3))
	wantFailed := fmt.Sprintf("%s:0 %s:0 %s:0 %s:1 %s:1 ", day(-1), day(0), day(1), day(2), day(3))
	if s.Days != 5 || show(s.MessagesPerDay) != wantMsgs || show(s.FailedLoginsPerDay) != wantFailed {
		t.Errorf("days %d\nmessages %s\nwant     %s\nfailed %s\nwant   %s", s.Days, show(s.MessagesPerDay), wantMsgs,
			show(s.FailedLoginsPerDay), wantFailed)
	}
	if s.ActiveDevices != 3 || s.DevicesByStatus[ward.DeviceActive] != 3 || s.DevicesByStatus[ward.DeviceWiped] != 0 || len(s.DevicesByStatus) != 4 {
		t.Errorf("devices: active %d, by status %v", s.ActiveDevices, s.DevicesByStatus)
	}
	wantRoles := map[ward.Role]int64{ward.RoleOwner: 1, ward.RoleAdmin: 1, ward.RoleCompliance: 1, ward.RoleClinician: 2, ward.RoleStaff: 0, ward.RolePatient: 0, ward.RoleGuest: 0}
	if fmt.Sprint(s.UsersByRole) != fmt.Sprint(wantRoles) {
		t.Errorf("users by role %v, want %v", s.UsersByRole, wantRoles)
	}

	// A month on, the devices are no longer active, and the default range is 30 days.
	f.Clock.Advance(31 * 24 * time.Hour)
	s, err = f.App.Stats(ctx, admin, 0)
	if err != nil {
		t.Fatal(err)
	}
	if s.Days != app.DefaultStatsDays || len(s.MessagesPerDay) != 30 || len(s.FailedLoginsPerDay) != 30 || s.ActiveDevices != 0 {
		t.Errorf("a month on: days %d, %d and %d buckets, %d active devices", s.Days, len(s.MessagesPerDay), len(s.FailedLoginsPerDay), s.ActiveDevices)
	}
	if last := s.MessagesPerDay[29].Day; !last.Equal(time.Date(2026, 12, 28, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("the last bucket is %v, want today", last)
	}

	for _, days := range []int{-1, app.MaxStatsDays + 1} {
		_, err := f.App.Stats(ctx, admin, days)
		wantCode(t, err, ward.CodeInvalid)
	}
	_, err = f.App.Stats(ctx, p1, 7)
	wantCode(t, err, ward.CodeForbidden)
}
