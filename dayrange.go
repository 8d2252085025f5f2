package ward

import "time"

// Dashboard ranges, in days, both ends included.
const (
	DefaultRangeDays = 30
	MaxRangeDays     = 365
)

// ParseDayRange parses a dashboard range of UTC days ("YYYY-MM-DD", both
// included): to defaults to now's day, from to DefaultRangeDays before to;
// more than MaxRangeDays, or from after to, is CodeInvalid.
func ParseDayRange(now time.Time, from, to string) (first, last time.Time, err error) {
	now = now.UTC()
	last = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if to != "" {
		if last, err = time.Parse(time.DateOnly, to); err != nil {
			return first, last, Errorf(CodeInvalid, "to must be a date, YYYY-MM-DD")
		}
	}
	first = last.AddDate(0, 0, -(DefaultRangeDays - 1))
	if from != "" {
		if first, err = time.Parse(time.DateOnly, from); err != nil {
			return first, last, Errorf(CodeInvalid, "from must be a date, YYYY-MM-DD")
		}
	}
	if first.After(last) || last.Sub(first) >= MaxRangeDays*24*time.Hour {
		return first, last, Errorf(CodeInvalid, "from must be on or before to, at most %d days before", MaxRangeDays-1)
	}
	return first, last, nil
}
