package oncall_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/oncall"
)

// BenchmarkResolveRole is the cost of resolving a role at send time
// (issue 23: at most 100 us): a weekly rotation over 12 clinicians in
// America/New_York with a year of overrides (one a week) and swaps, read
// through the real SQLite store; the compiled schedule is cached, so each
// resolution reads the role's version and the person on call.
func BenchmarkResolveRole(b *testing.B) {
	f := apptest.New(b, false)
	ctx := context.Background()
	f.Clock.Set(time.Date(2026, 7, 15, 14, 0, 0, 0, time.UTC))
	adm := f.Principal(b, "adm", ward.RoleAdmin)
	sender := f.Principal(b, "sender", ward.RoleStaff)
	s := oncall.New(oncall.Config{Store: f.Store, Now: f.Clock.Now})
	var people []string
	for i := range 12 {
		people = append(people, f.Principal(b, fmt.Sprintf("dr%02d", i), ward.RoleClinician).User.ID)
	}
	sch := ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationWeekly, HandOver: "08:00", TimeZone: "America/New_York",
		Start: "2026-01-05", People: people}}
	first := time.Date(2026, 1, 7, 0, 0, 0, 0, time.UTC)
	for w := range 52 {
		from := first.Add(time.Duration(w) * 7 * 24 * time.Hour)
		sch.Overrides = append(sch.Overrides, ward.Override{UserID: people[(w+5)%12], From: from, To: from.Add(12 * time.Hour)})
		if w%4 == 0 && w+1 < 52 {
			sch.Swaps = append(sch.Swaps, ward.Swap{A: from.Add(24 * time.Hour), B: from.Add(8 * 24 * time.Hour)})
		}
	}
	role, err := s.Create(ctx, adm, "Cardiology on call", sch)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Resolve(ctx, sender, role.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlanAt is the pure part alone: who is on call at an instant.
func BenchmarkPlanAt(b *testing.B) {
	p, err := oncall.Compile(ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationWeekly, HandOver: "08:00",
		TimeZone: "America/New_York", Start: "2026-01-05", People: []string{"a", "b", "c", "d"}}})
	if err != nil {
		b.Fatal(err)
	}
	t := time.Date(2026, 7, 15, 14, 0, 0, 0, time.UTC)
	for b.Loop() {
		p.At(t)
	}
}
