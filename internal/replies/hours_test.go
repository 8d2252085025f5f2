package replies_test

import (
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/replies"
)

func TestAfterHours(t *testing.T) {
	weekdays := []replies.Window{}
	for d := 1; d <= 5; d++ {
		weekdays = append(weekdays, replies.Window{Day: d, Open: "08:00", Close: "17:00"})
	}
	ny := replies.Schedule{TimeZone: "America/New_York", Open: append(weekdays,
		replies.Window{Day: 0, Open: "01:00", Close: "03:00"}, replies.Window{Day: 6, Open: "22:00", Close: "24:00"}),
		Holidays: []string{"2026-12-25", "2026-12-26"}}
	berlin := replies.Schedule{TimeZone: "Europe/Berlin", Open: weekdays}
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	for _, c := range []struct {
		name  string
		s     replies.Schedule
		at    string
		after bool
	}{
		{"Monday 08:30 EST is open", ny, "2026-03-02T13:30:00Z", false},
		{"Monday 07:30 EST is closed", ny, "2026-03-02T12:30:00Z", true},
		{"Monday 08:30 EDT, the day after spring forward, is open", ny, "2026-03-09T12:30:00Z", false},
		{"Monday 16:30 EDT is open", ny, "2026-03-09T20:30:00Z", false},
		{"Monday 17:30 EDT is closed", ny, "2026-03-09T21:30:00Z", true},
		{"Sunday 01:30 EST, before the clocks jump, is open", ny, "2026-03-08T06:30:00Z", false},
		{"Sunday 03:30 EDT, after the jump, is closed", ny, "2026-03-08T07:30:00Z", true},
		{"Sunday 01:30 EDT, the first of two on fall back, is open", ny, "2026-11-01T05:30:00Z", false},
		{"Sunday 01:30 EST, the second, is open", ny, "2026-11-01T06:30:00Z", false},
		{"Sunday 03:00 EST after fall back is closed", ny, "2026-11-01T08:00:00Z", true},
		{"Monday 07:30 EST, the day after fall back, is closed", ny, "2026-11-02T12:30:00Z", true},
		{"Monday 08:30 EST after fall back is open", ny, "2026-11-02T13:30:00Z", false},
		{"Saturday 23:59 is open up to 24:00", ny, "2026-03-08T04:59:00Z", false},
		{"Christmas, a Friday, is a holiday all day", ny, "2026-12-25T15:00:00Z", true},
		{"the 24th at 10:00 is open", ny, "2026-12-24T15:00:00Z", false},
		{"Saturday 22:30 on a normal week is open", ny, "2026-12-20T03:30:00Z", false},
		{"Saturday 22:30 on the holiday of the zone's date (the 27th in UTC) is closed", ny, "2026-12-27T03:30:00Z", true},
		{"the day after the holiday opens again", ny, "2026-12-28T14:00:00Z", false},
		{"Berlin 08:30 CET", berlin, "2026-03-23T07:30:00Z", false},
		{"Berlin after its own spring forward (29 March): 07:30 UTC is 09:30 CEST", berlin, "2026-03-30T07:30:00Z", false},
		{"Berlin 06:30 UTC on 30 March is 08:30 CEST: open", berlin, "2026-03-30T06:30:00Z", false},
		{"Berlin 06:30 UTC on 23 March is 07:30 CET: closed", berlin, "2026-03-23T06:30:00Z", true},
		{"no windows: always after hours", replies.Schedule{TimeZone: "UTC"}, "2026-03-02T12:00:00Z", true},
		{"a bad zone is never after hours", replies.Schedule{TimeZone: "Mars/Olympus"}, "2026-03-02T03:00:00Z", false},
	} {
		if got := replies.AfterHours(c.s, utc(c.at)); got != c.after {
			t.Errorf("%s: AfterHours = %v, want %v", c.name, got, c.after)
		}
	}
}

func TestScheduleValidate(t *testing.T) {
	ok := replies.Schedule{TimeZone: "Asia/Kolkata", Open: []replies.Window{{Day: 1, Open: "09:00", Close: "24:00"}}, Holidays: []string{"2026-01-26"}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]replies.Schedule{
		"no zone":        {},
		"unknown zone":   {TimeZone: "Mars/Olympus"},
		"Local":          {TimeZone: "Local"},
		"day 7":          {TimeZone: "UTC", Open: []replies.Window{{Day: 7, Open: "09:00", Close: "10:00"}}},
		"close before":   {TimeZone: "UTC", Open: []replies.Window{{Day: 1, Open: "17:00", Close: "08:00"}}},
		"bad time":       {TimeZone: "UTC", Open: []replies.Window{{Day: 1, Open: "9am", Close: "10:00"}}},
		"minute 60":      {TimeZone: "UTC", Open: []replies.Window{{Day: 1, Open: "09:60", Close: "10:00"}}},
		"24:30":          {TimeZone: "UTC", Open: []replies.Window{{Day: 1, Open: "09:00", Close: "24:30"}}},
		"bad holiday":    {TimeZone: "UTC", Holidays: []string{"2026-02-30"}},
		"holiday no pad": {TimeZone: "UTC", Holidays: []string{"2026-1-1"}},
	} {
		if err := s.Validate(); err == nil {
			t.Errorf("%s: validated", name)
		}
	}
}
