package ward

import (
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time_zone is checked the same on a host without zoneinfo
)

// Monitoring thresholds (internal/monitor). Each policy field is 0 or ""
// when the policy was stored before it existed, or a client left it out:
// that means the default below.
const (
	DefaultMonitorBulkPatients   = 50
	DefaultMonitorBulkWindow     = time.Hour
	DefaultMonitorWorkHours      = "06:00-22:00"
	DefaultMonitorSignInFailures = 10
	DefaultMonitorSprayAccounts  = 5
	DefaultMonitorSignInWindow   = 10 * time.Minute
	DefaultMonitorExports        = 3
	DefaultMonitorExportWindow   = 24 * time.Hour
)

// weekdays are the names work_days takes, in time.Weekday order.
var weekdays = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// MonitorPolicy is the monitoring thresholds of a Policy, defaults filled in.
type MonitorPolicy struct {
	BulkPatients   int           // more distinct patients than this read by one user within BulkWindow
	BulkWindow     time.Duration // also how long an alert of a burst stays open to the burst's next events
	WorkStart      time.Duration // working hours: from WorkStart to WorkEnd after local midnight
	WorkEnd        time.Duration
	WorkDays       [7]bool // by time.Weekday
	Location       *time.Location
	SignInFailures int // failed sign-ins of one account within SignInWindow
	SprayAccounts  int // distinct accounts failing from one address within SignInWindow
	SignInWindow   time.Duration
	Exports        int // audit or archive exports by one user within ExportWindow
	ExportWindow   time.Duration
}

// Monitor returns p's monitoring thresholds with the defaults filled in. p
// must have passed Validate (an invalid zone or hours fall back to the
// defaults).
func (p Policy) Monitor() MonitorPolicy {
	m := MonitorPolicy{
		BulkPatients: orInt(p.MonitorBulkPatients, DefaultMonitorBulkPatients), BulkWindow: orDur(p.MonitorBulkWindow, DefaultMonitorBulkWindow),
		SignInFailures: orInt(p.MonitorSignInFailures, DefaultMonitorSignInFailures), SprayAccounts: orInt(p.MonitorSprayAccounts, DefaultMonitorSprayAccounts),
		SignInWindow: orDur(p.MonitorSignInWindow, DefaultMonitorSignInWindow),
		Exports:      orInt(p.MonitorExports, DefaultMonitorExports), ExportWindow: orDur(p.MonitorExportWindow, DefaultMonitorExportWindow),
		Location: time.UTC,
	}
	var ok bool
	if m.WorkStart, m.WorkEnd, ok = parseWorkHours(p.WorkHours); !ok {
		m.WorkStart, m.WorkEnd, _ = parseWorkHours(DefaultMonitorWorkHours)
	}
	days, _ := parseWorkDays(p.WorkDays)
	m.WorkDays = days
	if p.TimeZone != "" {
		if loc, err := time.LoadLocation(p.TimeZone); err == nil {
			m.Location = loc
		}
	}
	return m
}

// OffHours reports whether t lies outside m's working hours and days, in
// the org's time zone.
func (m MonitorPolicy) OffHours(t time.Time) bool {
	lt := t.In(m.Location)
	if !m.WorkDays[lt.Weekday()] {
		return true
	}
	since := time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute + time.Duration(lt.Second())*time.Second
	return since < m.WorkStart || since >= m.WorkEnd
}

func orInt(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func orDur(v Duration, d time.Duration) time.Duration {
	if v == 0 {
		return d
	}
	return v.D()
}

// parseWorkHours reads "HH:MM-HH:MM" (end after start; 24:00 is midnight at
// the end); "" is the default.
func parseWorkHours(s string) (start, end time.Duration, ok bool) {
	if s == "" {
		s = DefaultMonitorWorkHours
	}
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	start, ok1 := clockTime(a)
	end, ok2 := clockTime(b)
	return start, end, ok1 && ok2 && start < end
}

func clockTime(s string) (time.Duration, bool) {
	h, m, found := strings.Cut(strings.TrimSpace(s), ":")
	if !found || len(h) != 2 || len(m) != 2 {
		return 0, false
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return time.Duration(hh)*time.Hour + time.Duration(mm)*time.Minute, true
}

// parseWorkDays reads comma-separated day names ("mon,tue"); "" is every day.
func parseWorkDays(s string) (days [7]bool, ok bool) {
	ds := strings.Split(s, ",")
	if strings.TrimSpace(s) == "" {
		return [7]bool{true, true, true, true, true, true, true}, true
	}
	for _, d := range ds {
		i := -1
		for j, w := range weekdays {
			if strings.EqualFold(strings.TrimSpace(d), w) {
				i = j
			}
		}
		if i < 0 {
			return [7]bool{true, true, true, true, true, true, true}, false
		}
		days[i] = true
	}
	return days, true
}

// WorkDayNames are the names work_days takes.
func WorkDayNames() []string { return weekdays[:] }

// validateMonitor checks the monitoring fields of p.
func (p Policy) validateMonitor() error {
	switch {
	case p.MonitorBulkPatients != 0 && (p.MonitorBulkPatients < 2 || p.MonitorBulkPatients > 100000):
		return Errorf(CodeInvalid, "monitor_bulk_patients must be between 2 and 100000")
	case p.MonitorBulkWindow != 0 && (p.MonitorBulkWindow.D() < time.Minute || p.MonitorBulkWindow.D() > 24*time.Hour):
		return Errorf(CodeInvalid, "monitor_bulk_window must be between 1 minute and 24 hours")
	case p.MonitorSignInFailures != 0 && (p.MonitorSignInFailures < 3 || p.MonitorSignInFailures > 100000):
		return Errorf(CodeInvalid, "monitor_signin_failures must be between 3 and 100000")
	case p.MonitorSprayAccounts != 0 && (p.MonitorSprayAccounts < 2 || p.MonitorSprayAccounts > 100000):
		return Errorf(CodeInvalid, "monitor_spray_accounts must be between 2 and 100000")
	case p.MonitorSignInWindow != 0 && (p.MonitorSignInWindow.D() < time.Minute || p.MonitorSignInWindow.D() > 24*time.Hour):
		return Errorf(CodeInvalid, "monitor_signin_window must be between 1 minute and 24 hours")
	case p.MonitorExports != 0 && (p.MonitorExports < 1 || p.MonitorExports > 1000):
		return Errorf(CodeInvalid, "monitor_exports must be between 1 and 1000")
	case p.MonitorExportWindow != 0 && (p.MonitorExportWindow.D() < time.Hour || p.MonitorExportWindow.D() > 30*24*time.Hour):
		return Errorf(CodeInvalid, "monitor_export_window must be between 1 hour and 30 days")
	case len(p.WorkHours) > 20:
		return Errorf(CodeInvalid, "work_hours is HH:MM-HH:MM, the end after the start")
	case len(p.TimeZone) > 64:
		return Errorf(CodeInvalid, "time_zone must be an IANA time zone such as America/Chicago")
	case len(p.WorkDays) > 40:
		return Errorf(CodeInvalid, "work_days lists day names: sun, mon, tue, wed, thu, fri, sat")
	}
	if _, _, ok := parseWorkHours(p.WorkHours); !ok {
		return Errorf(CodeInvalid, "work_hours is HH:MM-HH:MM, the end after the start")
	}
	if _, ok := parseWorkDays(p.WorkDays); !ok {
		return Errorf(CodeInvalid, "work_days lists day names: sun, mon, tue, wed, thu, fri, sat")
	}
	if p.TimeZone != "" {
		if _, err := time.LoadLocation(p.TimeZone); err != nil || strings.HasPrefix(p.TimeZone, "/") || strings.Contains(p.TimeZone, "..") {
			return Errorf(CodeInvalid, "time_zone must be an IANA time zone such as America/Chicago")
		}
	}
	return nil
}
