package oncall

import (
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustCompile(t *testing.T, s ward.Schedule) *Plan {
	t.Helper()
	p, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestAtAcrossDST: a daily 08:00 hand-over stays at 08:00 local time
// across the spring and autumn changes, in New York (8 March and
// 1 November 2026) and Berlin (29 March and 25 October 2026); a weekly
// Monday hand-over too.
func TestAtAcrossDST(t *testing.T) {
	nyDaily := mustCompile(t, ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily, HandOver: "08:00",
		TimeZone: "America/New_York", Start: "2026-03-05", People: []string{"a", "b", "c"}}})
	berlinWeekly := mustCompile(t, ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationWeekly, HandOver: "08:00",
		TimeZone: "Europe/Berlin", Start: "2026-03-23", People: []string{"x", "y"}}})
	nySkipped := mustCompile(t, ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily, HandOver: "02:30",
		TimeZone: "America/New_York", Start: "2026-03-07", People: []string{"a", "b"}}})
	nyRepeated := mustCompile(t, ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationDaily, HandOver: "01:30",
		TimeZone: "America/New_York", Start: "2026-10-31", People: []string{"a", "b"}}})
	custom := mustCompile(t, ward.Schedule{Rotation: ward.Rotation{Kind: ward.RotationCustom, Days: 3, HandOver: "19:00",
		TimeZone: "Europe/Berlin", Start: "2026-10-20", People: []string{"p", "q"}}})
	for _, tc := range []struct {
		name        string
		plan        *Plan
		at          string
		who         string
		from, until string
	}{
		{"ny before the schedule", nyDaily, "2026-03-05T12:59:59Z", "", "", "2026-03-05T13:00:00Z"},
		{"ny first shift, EST", nyDaily, "2026-03-05T13:00:00Z", "a", "2026-03-05T13:00:00Z", "2026-03-06T13:00:00Z"},
		{"ny the 23-hour shift into DST", nyDaily, "2026-03-08T11:59:59Z", "c", "2026-03-07T13:00:00Z", "2026-03-08T12:00:00Z"},
		{"ny 08:00 EDT", nyDaily, "2026-03-08T12:00:00Z", "a", "2026-03-08T12:00:00Z", "2026-03-09T12:00:00Z"},
		{"ny the 25-hour shift out of DST", nyDaily, "2026-11-01T12:30:00Z", "a", "2026-10-31T12:00:00Z", "2026-11-01T13:00:00Z"},
		{"ny 08:00 EST again", nyDaily, "2026-11-01T13:00:00Z", "b", "2026-11-01T13:00:00Z", "2026-11-02T13:00:00Z"},
		{"berlin first week, CET", berlinWeekly, "2026-03-23T07:00:00Z", "x", "2026-03-23T07:00:00Z", "2026-03-30T06:00:00Z"},
		{"berlin before Monday 08:00 CEST", berlinWeekly, "2026-03-30T05:59:59Z", "x", "2026-03-23T07:00:00Z", "2026-03-30T06:00:00Z"},
		{"berlin Monday 08:00 CEST", berlinWeekly, "2026-03-30T06:00:00Z", "y", "2026-03-30T06:00:00Z", "2026-04-06T06:00:00Z"},
		{"berlin October week across the change", berlinWeekly, "2026-10-26T06:30:00Z", "x", "2026-10-19T06:00:00Z", "2026-10-26T07:00:00Z"},
		{"ny a skipped hand-over moves past the gap", nySkipped, "2026-03-08T07:29:00Z", "a", "2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z"},
		{"ny after the skipped hand-over", nySkipped, "2026-03-08T07:30:00Z", "b", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z"},
		{"ny a repeated hand-over is the first 01:30", nyRepeated, "2026-11-01T05:30:00Z", "b", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
		{"custom three days across Berlin's autumn change", custom, "2026-10-25T12:00:00Z", "q", "2026-10-23T17:00:00Z", "2026-10-26T18:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sh := tc.plan.At(utc(tc.at))
			if sh.UserID != tc.who || stampOrEmpty(sh.From) != tc.from || stampOrEmpty(sh.Until) != tc.until {
				t.Errorf("At(%s) = %s [%s, %s), want %s [%s, %s)", tc.at, sh.UserID, stampOrEmpty(sh.From), stampOrEmpty(sh.Until),
					tc.who, tc.from, tc.until)
			}
		})
	}
}

func stampOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return stamp(t)
}

// TestOverridesAndSwaps: an override wins over the rotation and cuts the
// spans around it; a swap exchanges two shifts; a rotation that ends
// leaves no one after it, unless an override meets it.
func TestOverridesAndSwaps(t *testing.T) {
	p := mustCompile(t, ward.Schedule{
		Rotation: ward.Rotation{Kind: ward.RotationDaily, HandOver: "08:00", TimeZone: "UTC", Start: "2026-01-01",
			End: "2026-02-01", People: []string{"a", "b", "c"}},
		Overrides: []ward.Override{
			{UserID: "c", From: utc("2026-01-01T12:00:00Z"), To: utc("2026-01-01T14:00:00Z")},
			{UserID: "b", From: utc("2026-02-01T08:00:00Z"), To: utc("2026-02-02T08:00:00Z")},
		},
		Swaps: []ward.Swap{{A: utc("2026-01-05T09:00:00Z"), B: utc("2026-01-07T20:00:00Z")}}, // shift 4 (b) and 6 (a)
	})
	for _, tc := range []struct{ at, who, source, from, until string }{
		{"2026-01-01T09:00:00Z", "a", "rotation", "2026-01-01T08:00:00Z", "2026-01-01T12:00:00Z"},
		{"2026-01-01T12:00:00Z", "c", "override", "2026-01-01T12:00:00Z", "2026-01-01T14:00:00Z"},
		{"2026-01-01T14:00:00Z", "a", "rotation", "2026-01-01T14:00:00Z", "2026-01-02T08:00:00Z"},
		{"2026-01-05T10:00:00Z", "a", "swap", "2026-01-05T08:00:00Z", "2026-01-06T08:00:00Z"},
		{"2026-01-06T10:00:00Z", "c", "rotation", "2026-01-06T08:00:00Z", "2026-01-07T08:00:00Z"},
		{"2026-01-07T10:00:00Z", "b", "swap", "2026-01-07T08:00:00Z", "2026-01-08T08:00:00Z"},
		{"2026-01-31T10:00:00Z", "a", "rotation", "2026-01-31T08:00:00Z", "2026-02-01T08:00:00Z"}, // shift 30: 30 % 3 = 0
		{"2026-02-01T10:00:00Z", "b", "override", "2026-02-01T08:00:00Z", "2026-02-02T08:00:00Z"},
		{"2026-02-02T08:00:00Z", "", "", "2026-02-02T08:00:00Z", ""},
	} {
		sh := p.At(utc(tc.at))
		if sh.UserID != tc.who || sh.Source != tc.source || stampOrEmpty(sh.From) != tc.from || stampOrEmpty(sh.Until) != tc.until {
			t.Errorf("At(%s) = %+v, want %s (%s) [%s, %s)", tc.at, sh, tc.who, tc.source, tc.from, tc.until)
		}
	}
	got := p.Shifts(utc("2026-01-01T00:00:00Z"), utc("2026-01-02T12:00:00Z"), 100)
	var names []string
	for _, s := range got {
		names = append(names, s.UserID+"@"+s.From.Format("02T15"))
	}
	if want := "@01T00 a@01T08 c@01T12 a@01T14 b@02T08"; strings.Join(names, " ") != want {
		t.Errorf("Shifts = %s, want %s", strings.Join(names, " "), want)
	}
}

// TestCompileRefuses: every malformed schedule is refused with its code,
// and the detail says where.
func TestCompileRefuses(t *testing.T) {
	rot := func(f func(*ward.Rotation)) ward.Schedule {
		r := ward.Rotation{Kind: ward.RotationWeekly, HandOver: "08:00", TimeZone: "Europe/Berlin", Start: "2026-03-23",
			People: []string{"x", "y"}}
		f(&r)
		return ward.Schedule{Rotation: r}
	}
	with := func(s ward.Schedule, os []ward.Override, sw []ward.Swap) ward.Schedule {
		s.Overrides, s.Swaps = os, sw
		return s
	}
	ok := rot(func(*ward.Rotation) {})
	ends := rot(func(r *ward.Rotation) { r.End = "2026-04-06" }) // 2026-04-06T06:00Z
	for _, tc := range []struct {
		name   string
		s      ward.Schedule
		code   ward.Code
		detail string
	}{
		{"no people", rot(func(r *ward.Rotation) { r.People = nil }), ward.CodeInvalid, "at least one person"},
		{"a person twice", rot(func(r *ward.Rotation) { r.People = []string{"x", "x"} }), ward.CodeInvalid, "twice"},
		{"kind", rot(func(r *ward.Rotation) { r.Kind = "monthly" }), ward.CodeInvalid, "daily, weekly or custom"},
		{"weekly of 3 days", rot(func(r *ward.Rotation) { r.Days = 3 }), ward.CodeInvalid, "7 days"},
		{"custom of 0 days", rot(func(r *ward.Rotation) { r.Kind = ward.RotationCustom }), ward.CodeInvalid, "between 1 and 365"},
		{"hand-over 8am", rot(func(r *ward.Rotation) { r.HandOver = "8:00" }), ward.CodeInvalid, "HH:MM"},
		{"hand-over 24:00", rot(func(r *ward.Rotation) { r.HandOver = "24:00" }), ward.CodeInvalid, "HH:MM"},
		{"time zone", rot(func(r *ward.Rotation) { r.TimeZone = "Mars/Olympus" }), ward.CodeInvalid, "IANA"},
		{"local time zone", rot(func(r *ward.Rotation) { r.TimeZone = "Local" }), ward.CodeInvalid, "IANA"},
		{"start", rot(func(r *ward.Rotation) { r.Start = "23/03/2026" }), ward.CodeInvalid, "YYYY-MM-DD"},
		{"end before start", rot(func(r *ward.Rotation) { r.End = "2026-03-01" }), ward.CodeInvalid, "after its start"},
		{"override outside the people", with(ok, []ward.Override{{UserID: "z", From: utc("2026-03-24T00:00:00Z"),
			To: utc("2026-03-25T00:00:00Z")}}, nil), ward.CodeNotInRotation, "z, who is not one of the rotation's people"},
		{"empty override", with(ok, []ward.Override{{UserID: "x", From: utc("2026-03-24T00:00:00Z"),
			To: utc("2026-03-24T00:00:00Z")}}, nil), ward.CodeInvalid, "from before to"},
		{"overlapping overrides", with(ok, []ward.Override{
			{UserID: "y", From: utc("2026-03-25T00:00:00Z"), To: utc("2026-03-27T00:00:00Z")},
			{UserID: "x", From: utc("2026-03-24T00:00:00Z"), To: utc("2026-03-25T00:00:01Z")},
		}, nil), ward.CodeScheduleOverlap,
			"the override of x from 2026-03-24T00:00:00Z to 2026-03-25T00:00:01Z overlaps that of y from 2026-03-25T00:00:00Z"},
		{"an override after the rotation ends", with(ends, []ward.Override{{UserID: "x", From: utc("2026-04-07T00:00:00Z"),
			To: utc("2026-04-08T00:00:00Z")}}, nil), ward.CodeScheduleGap, "no one is on call from 2026-04-06T06:00:00Z to 2026-04-07T00:00:00Z"},
		{"an override before the rotation starts", with(ok, []ward.Override{{UserID: "x", From: utc("2026-03-20T00:00:00Z"),
			To: utc("2026-03-21T00:00:00Z")}}, nil), ward.CodeScheduleGap, "no one is on call from 2026-03-21T00:00:00Z to 2026-03-23T07:00:00Z"},
		{"a swap with oneself", with(ok, nil, []ward.Swap{{A: utc("2026-03-24T00:00:00Z"), B: utc("2026-04-07T00:00:00Z")}}),
			ward.CodeInvalid, "exchanges x with themselves"},
		{"a shift in two swaps", with(ok, nil, []ward.Swap{{A: utc("2026-03-24T00:00:00Z"), B: utc("2026-03-31T00:00:00Z")},
			{A: utc("2026-04-14T00:00:00Z"), B: utc("2026-03-25T00:00:00Z")}}), ward.CodeScheduleOverlap,
			"the shift from 2026-03-23T07:00:00Z is in two swaps"},
		{"a swap before the rotation", with(ok, nil, []ward.Swap{{A: utc("2026-03-01T00:00:00Z"), B: utc("2026-03-31T00:00:00Z")}}),
			ward.CodeInvalid, "outside the rotation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Compile(tc.s)
			if ward.ErrorCode(err) != tc.code || !strings.Contains(ward.ErrorMessage(err), tc.detail) {
				t.Errorf("Compile: %v, want %s with %q", err, tc.code, tc.detail)
			}
		})
	}
	// What meets the rotation is no gap.
	if _, err := Compile(with(ends, []ward.Override{{UserID: "x", From: utc("2026-04-06T06:00:00Z"),
		To: utc("2026-04-08T00:00:00Z")}}, nil)); err != nil {
		t.Errorf("an override that meets the end: %v", err)
	}
}
