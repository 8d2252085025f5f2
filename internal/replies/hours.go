package replies

import (
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // time zones even on a host without zoneinfo

	"github.com/wardhealth/ward"
)

// Window is one span of open hours on a weekday: Day as time.Weekday
// (0 Sunday … 6 Saturday), Open and Close as "HH:MM" wall-clock times in
// the schedule's zone, Close after Open ("24:00" is the end of the day).
// Hours that cross midnight are two windows.
type Window struct {
	Day   int    `json:"day"`
	Open  string `json:"open"`
	Close string `json:"close"`
}

// Schedule is a team's weekly open hours in an IANA time zone, with
// holiday dates ("YYYY-MM-DD" in that zone) on which it is closed all day.
type Schedule struct {
	TimeZone string   `json:"time_zone"`
	Open     []Window `json:"open"`
	Holidays []string `json:"holidays"`
}

const (
	maxWindows  = 7 * 8
	maxHolidays = 400
)

// minutes parses "HH:MM" (00:00 to 24:00) into minutes of the day.
func minutes(s string) (int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// Validate reports whether s is a schedule AfterHours can follow; it loads
// the time zone.
func (s Schedule) Validate() error {
	if s.TimeZone == "" {
		return ward.Errorf(ward.CodeInvalid, "time_zone is required (an IANA name such as America/New_York)")
	}
	if _, err := time.LoadLocation(s.TimeZone); err != nil || s.TimeZone == "Local" {
		return ward.Errorf(ward.CodeInvalid, "time_zone %q is not an IANA time zone", s.TimeZone)
	}
	if len(s.Open) > maxWindows {
		return ward.Errorf(ward.CodeInvalid, "at most %d open windows", maxWindows)
	}
	for _, w := range s.Open {
		o, ok1 := minutes(w.Open)
		c, ok2 := minutes(w.Close)
		switch {
		case w.Day < 0 || w.Day > 6:
			return ward.Errorf(ward.CodeInvalid, "day must be 0 (Sunday) to 6 (Saturday), not %d", w.Day)
		case !ok1 || !ok2 || o == 24*60:
			return ward.Errorf(ward.CodeInvalid, "open and close are HH:MM times (00:00 to 24:00)")
		case c <= o:
			return ward.Errorf(ward.CodeInvalid, "close must be after open (%s-%s); hours across midnight are two windows", w.Open, w.Close)
		}
	}
	if len(s.Holidays) > maxHolidays {
		return ward.Errorf(ward.CodeInvalid, "at most %d holidays", maxHolidays)
	}
	for _, d := range s.Holidays {
		if t, err := time.Parse(time.DateOnly, d); err != nil || t.Format(time.DateOnly) != d {
			return ward.Errorf(ward.CodeInvalid, "holiday %q is not a YYYY-MM-DD date", d)
		}
	}
	return nil
}

// AfterHours reports whether t falls outside s's open hours: on a holiday
// of s's zone, or on a weekday at a wall-clock time no window covers. The
// wall clock is read in s's zone, so daylight saving changes move the hours
// with the clinic's clocks. A schedule that does not validate is never
// after hours (no auto-reply rather than a wrong one).
func AfterHours(s Schedule, t time.Time) bool {
	loc, err := time.LoadLocation(s.TimeZone)
	if err != nil || s.TimeZone == "" {
		return false
	}
	local := t.In(loc)
	if slices.Contains(s.Holidays, local.Format(time.DateOnly)) {
		return true
	}
	now := local.Hour()*60 + local.Minute()
	for _, w := range s.Open {
		o, ok1 := minutes(w.Open)
		c, ok2 := minutes(w.Close)
		if ok1 && ok2 && w.Day == int(local.Weekday()) && now >= o && now < c {
			return false
		}
	}
	return true
}
