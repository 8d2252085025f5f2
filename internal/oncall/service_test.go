package oncall_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/oncall"
	"github.com/wardhealth/ward/internal/store"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestRolesAndSchedules: admins build roles and schedules; bad input of
// every kind is refused with its code and saves nothing (no role, no
// version change, no audit event); every change is audited with ids and
// names only; patients, guests and compliance cannot manage, and patients
// and guests cannot even look.
func TestRolesAndSchedules(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	s := oncall.New(oncall.Config{Store: f.Store, Now: f.Clock.Now})
	adm := f.Principal(t, "adm", ward.RoleAdmin)
	shah, lee := f.Principal(t, "shah", ward.RoleClinician), f.Principal(t, "lee", ward.RoleStaff)
	comp, pat := f.Principal(t, "comp", ward.RoleCompliance), f.Principal(t, "pat", ward.RolePatient)
	guest := f.Principal(t, "guest", ward.RoleGuest)
	weekly := ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationWeekly, HandOver: "08:00", TimeZone: "Europe/Berlin",
		Start: "2026-03-23", People: []string{shah.User.ID, lee.User.ID}}}

	for _, caller := range []*access.Principal{shah, comp, pat, guest} {
		if _, err := s.Create(ctx, caller, "Mine", weekly); ward.ErrorCode(err) != ward.CodeForbidden {
			t.Errorf("%s creates a role: %v", caller.User.Role, err)
		}
	}
	for _, caller := range []*access.Principal{pat, guest} {
		if _, err := s.Now(ctx, caller); ward.ErrorCode(err) != ward.CodeForbidden {
			t.Errorf("%s asks who is on call: %v", caller.User.Role, err)
		}
	}
	bad := []struct {
		name string
		s    ward.Schedule
		code ward.Code
	}{
		{"Cardiology on call", ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationWeekly, HandOver: "08:00",
			TimeZone: "Europe/Berlin", Start: "2026-03-23"}}, ward.CodeInvalid},
		{"Cardiology on call", ward.Schedule{Rotation: weekly.Rotation, Overrides: []ward.Override{
			{UserID: comp.User.ID, From: at("2026-03-24T00:00:00Z"), To: at("2026-03-25T00:00:00Z")}}}, ward.CodeNotInRotation},
		{"Cardiology on call", ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationWeekly, HandOver: "08:00",
			TimeZone: "Europe/Berlin", Start: "2026-03-23", People: []string{shah.User.ID, comp.User.ID}}}, ward.CodeInvalid},
		{"Cardiology on call", ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationWeekly, HandOver: "08:00",
			TimeZone: "Europe/Berlin", Start: "2026-03-23", People: []string{shah.User.ID, "u-nobody"}}}, ward.CodeInvalid},
		{"  ", weekly, ward.CodeInvalid},
	}
	for _, b := range bad {
		if _, err := s.Create(ctx, adm, b.name, b.s); ward.ErrorCode(err) != b.code {
			t.Errorf("create %q %+v: %v, want %s", b.name, b.s.Rotation, err, b.code)
		}
	}
	if rs, err := s.Roles(ctx, adm); err != nil || len(rs) != 0 {
		t.Fatalf("refused creations left roles: %+v %v", rs, err)
	}
	card, err := s.Create(ctx, adm, " Cardiology on call ", weekly)
	if err != nil || card.Name != "Cardiology on call" || card.Version != 1 {
		t.Fatalf("create: %+v %v", card, err)
	}
	if _, err := s.Create(ctx, adm, "cardiology ON CALL", weekly); ward.ErrorCode(err) != ward.CodeConflict {
		t.Fatalf("a taken name: %v", err)
	}
	// An override outside the rotation's people, and overlapping ones, change nothing.
	ov := ward.Override{UserID: lee.User.ID, From: at("2026-03-24T12:00:00Z"), To: at("2026-03-25T12:00:00Z")}
	if card, _, err = s.AddOverride(ctx, adm, card.ID, ov); err != nil || len(card.Schedule.Overrides) != 1 || card.Version != 2 {
		t.Fatalf("add override: %+v %v", card, err)
	}
	_, _, err = s.AddOverride(ctx, adm, card.ID, ward.Override{UserID: shah.User.ID, From: at("2026-03-25T00:00:00Z"), To: at("2026-03-26T00:00:00Z")})
	apptest.WantCode(t, err, ward.CodeScheduleOverlap)
	if !strings.Contains(ward.ErrorMessage(err), "from 2026-03-24T12:00:00Z to 2026-03-25T12:00:00Z overlaps") {
		t.Errorf("the overlap does not say where: %v", err)
	}
	_, _, err = s.AddOverride(ctx, adm, card.ID, ward.Override{UserID: comp.User.ID, From: at("2026-04-01T00:00:00Z"), To: at("2026-04-02T00:00:00Z")})
	apptest.WantCode(t, err, ward.CodeNotInRotation)
	// A schedule with a gap: the rotation ends, an override starts a day later.
	gappy := weekly
	gappy.Rotation.End = "2026-04-06"
	gappy.Overrides = []ward.Override{{UserID: shah.User.ID, From: at("2026-04-07T06:00:00Z"), To: at("2026-04-08T06:00:00Z")}}
	_, err = s.SetSchedule(ctx, adm, card.ID, gappy)
	apptest.WantCode(t, err, ward.CodeScheduleGap)
	if !strings.Contains(ward.ErrorMessage(err), "from 2026-04-06T06:00:00Z to 2026-04-07T06:00:00Z") {
		t.Errorf("the gap does not say where: %v", err)
	}
	_, err = s.SetSchedule(ctx, comp, card.ID, weekly)
	apptest.WantCode(t, err, ward.CodeForbidden)
	if got, err := s.Role(ctx, lee, card.ID); err != nil || got.Version != 2 || len(got.Schedule.Overrides) != 1 {
		t.Fatalf("refused changes changed the role: %+v %v", got, err)
	}
	// Swaps, removal, rename, and a role of another org.
	if card, _, err = s.AddSwap(ctx, adm, card.ID, ward.Swap{A: at("2026-03-31T12:00:00Z"), B: at("2026-04-07T12:00:00Z")}); err != nil {
		t.Fatal(err)
	}
	if card, err = s.RemoveOverride(ctx, adm, card.ID, card.Schedule.Overrides[0].ID); err != nil || len(card.Schedule.Overrides) != 0 {
		t.Fatalf("remove override: %+v %v", card, err)
	}
	if _, err = s.RemoveSwap(ctx, adm, card.ID, "nope"); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("remove an unknown swap: %v", err)
	}
	if card, err = s.Rename(ctx, adm, card.ID, "Cardiology"); err != nil || card.Name != "Cardiology" {
		t.Fatalf("rename: %+v %v", card, err)
	}
	got, err := s.At(ctx, comp, card.ID, at("2026-04-01T12:00:00Z"))
	if err != nil || got.UserID != shah.User.ID || got.Source != "swap" || got.Label() != "Cardiology (shah)" {
		t.Fatalf("at, swapped: %+v %v", got, err)
	}
	other := *adm
	other.User.OrgID = "another-org"
	if _, err := s.Role(ctx, &other, card.ID); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("another org reads the role: %v", err)
	}
	var oncallEvents []string
	for _, a := range f.AuditActions(t) {
		if strings.HasPrefix(a, "oncall.") {
			oncallEvents = append(oncallEvents, a)
		}
	}
	if want := "oncall.role_created oncall.override_added oncall.swap_added oncall.override_removed oncall.role_renamed"; strings.Join(oncallEvents, " ") != want {
		t.Errorf("audit: %s, want %s", strings.Join(oncallEvents, " "), want)
	}
	for _, e := range f.AuditEvents(t, audit.OnCallRoleCreated) {
		if r, _ := e["reason"].(string); !strings.Contains(r, "over "+shah.User.ID+","+lee.User.ID+";") {
			t.Errorf("role_created reason: %q", r)
		}
	}
	if err := s.Delete(ctx, adm, card.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.At(ctx, comp, card.ID, f.Clock.Now()); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("a deleted role: %v", err)
	}
}

// TestResolveAcrossDST: with a fake clock, a daily 08:00 hand-over in New
// York resolves to the next person at 08:00 local time on both sides of
// the spring change; a message to a role is recorded and audited; a role
// that no one holds is refused at once with no_one_on_call; a schedule
// changed (on this node or another) is seen by the next resolution.
func TestResolveAcrossDST(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	f.Clock.Set(at("2026-03-07T12:59:00Z")) // Saturday 07:59 EST
	s := oncall.New(oncall.Config{Store: f.Store, Now: f.Clock.Now})
	other := oncall.New(oncall.Config{Store: f.Store, Now: f.Clock.Now}) // a second node
	adm := f.Principal(t, "adm", ward.RoleAdmin)
	shah, lee, kim := f.Principal(t, "shah", ward.RoleClinician), f.Principal(t, "lee", ward.RoleClinician), f.Principal(t, "kim", ward.RoleStaff)
	pat := f.Principal(t, "pat", ward.RolePatient)
	role, err := s.Create(ctx, adm, "Rapid response team", ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily,
		HandOver: "08:00", TimeZone: "America/New_York", Start: "2026-03-05", End: "2026-03-10", People: []string{shah.User.ID, lee.User.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		advance time.Duration
		who     string
	}{
		{0, lee.User.ID},                           // Saturday 07:59 EST: Friday's shift
		{time.Minute, shah.User.ID},                // Saturday 08:00 EST = 13:00Z
		{23*time.Hour - time.Minute, shah.User.ID}, // Sunday 07:59 EDT = 11:59Z: a 23-hour shift
		{time.Minute, lee.User.ID},                 // Sunday 08:00 EDT = 12:00Z
		{24 * time.Hour, shah.User.ID},             // Monday 08:00 EDT
	} {
		f.Clock.Advance(step.advance)
		for _, node := range []*oncall.Service{s, other} {
			got, err := node.Resolve(ctx, kim, role.ID)
			if err != nil || got.UserID != step.who {
				t.Fatalf("at %s: %+v %v, want %s", f.Clock.Now().Format(time.RFC3339), got, err, step.who)
			}
		}
	}
	// The one on call cannot write to themselves; patients cannot address a role.
	_, err = s.Resolve(ctx, shah, role.ID)
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = s.Resolve(ctx, pat, role.ID)
	apptest.WantCode(t, err, ward.CodeForbidden)
	// Another node changes the schedule: this node sees it at once.
	ov := ward.Override{UserID: lee.User.ID, From: f.Clock.Now().Add(-time.Hour), To: f.Clock.Now().Add(time.Hour)}
	if _, _, err := other.AddOverride(ctx, adm, role.ID, ov); err != nil {
		t.Fatal(err)
	}
	got, err := s.Resolve(ctx, kim, role.ID)
	if err != nil || got.UserID != lee.User.ID || got.Source != "override" {
		t.Fatalf("after another node's override: %+v %v", got, err)
	}
	if err := s.Record(ctx, kim, got, seedConversation(t, f, kim.User.ID, lee.User.ID), "m-1"); err != nil {
		t.Fatal(err)
	}
	ev := f.AuditEvents(t, audit.OnCallRoleAddressed)
	if len(ev) != 1 || !strings.Contains(ev[0]["reason"].(string), "resolved to "+lee.User.ID+" (override)") {
		t.Fatalf("role_addressed events: %+v", ev)
	}
	// After the rotation ends, no one is on call: the sender is told at once.
	f.Clock.Set(at("2026-03-10T12:00:00Z"))
	_, err = s.Resolve(ctx, kim, role.ID)
	apptest.WantCode(t, err, ward.CodeNoOneOnCall)
	// A disabled person on call cannot be reached either.
	f.Clock.Set(at("2026-03-09T13:00:00Z"))
	u := lee.User
	u.Disabled = true
	if err := f.Store.Write(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, u) }); err != nil {
		t.Fatal(err)
	}
	if now, err := s.Now(ctx, kim); err != nil || len(now) != 1 || now[0].UserID != shah.User.ID {
		t.Fatalf("now: %+v %v", now, err)
	}
	f.Clock.Set(at("2026-03-08T13:00:00Z"))
	_, err = s.Resolve(ctx, kim, role.ID)
	apptest.WantCode(t, err, ward.CodeNoOneOnCall)
}

func seedConversation(t *testing.T, f *apptest.Fixture, a, b string) string {
	t.Helper()
	c := &store.Conversation{Conversation: ward.Conversation{ID: "c-" + a + b, OrgID: f.Org.ID, Kind: ward.Group, CreatedBy: a,
		Members: []ward.Member{{UserID: a, Role: ward.MemberOwner}, {UserID: b, Role: ward.MemberMember}}}}
	if err := f.Store.Write(context.Background(), func(tx *store.Tx) error { return tx.CreateConversation(context.Background(), c) }); err != nil {
		t.Fatal(err)
	}
	return c.ID
}
