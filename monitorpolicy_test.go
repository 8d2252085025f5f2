package ward_test

import (
	"testing"
	"time"

	"github.com/wardhealth/ward"
)

// TestMonitorPolicy: the monitoring keys default when 0 or "", are
// refused out of range with invalid_input, and off hours follow the org's
// hours, days and time zone.
func TestMonitorPolicy(t *testing.T) {
	p := ward.DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	var zero ward.Policy
	m := zero.Monitor()
	if m.BulkPatients != 50 || m.BulkWindow != time.Hour || m.SignInFailures != 10 || m.SprayAccounts != 5 ||
		m.SignInWindow != 10*time.Minute || m.Exports != 3 || m.ExportWindow != 24*time.Hour || m.Location != time.UTC {
		t.Fatalf("defaults: %+v", m)
	}
	for name, change := range map[string]func(*ward.Policy){
		"bulk patients 1":      func(p *ward.Policy) { p.MonitorBulkPatients = 1 },
		"bulk patients huge":   func(p *ward.Policy) { p.MonitorBulkPatients = 100001 },
		"bulk window 1s":       func(p *ward.Policy) { p.MonitorBulkWindow = ward.Duration(time.Second) },
		"bulk window 2 days":   func(p *ward.Policy) { p.MonitorBulkWindow = ward.Duration(48 * time.Hour) },
		"signin failures 2":    func(p *ward.Policy) { p.MonitorSignInFailures = 2 },
		"negative spray":       func(p *ward.Policy) { p.MonitorSprayAccounts = -1 },
		"signin window 2 days": func(p *ward.Policy) { p.MonitorSignInWindow = ward.Duration(48 * time.Hour) },
		"exports 1001":         func(p *ward.Policy) { p.MonitorExports = 1001 },
		"export window 1 min":  func(p *ward.Policy) { p.MonitorExportWindow = ward.Duration(time.Minute) },
		"hours backwards":      func(p *ward.Policy) { p.WorkHours = "22:00-06:00" },
		"hours garbage":        func(p *ward.Policy) { p.WorkHours = "9 to 5" },
		"hour 25":              func(p *ward.Policy) { p.WorkHours = "09:00-25:00" },
		"a day named funday":   func(p *ward.Policy) { p.WorkDays = "mon,funday" },
		"unknown zone":         func(p *ward.Policy) { p.TimeZone = "Mars/Olympus" },
		"a path for a zone":    func(p *ward.Policy) { p.TimeZone = "../../etc/passwd" },
	} {
		q := ward.DefaultPolicy()
		change(&q)
		if err := q.Validate(); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("%s: %v", name, err)
		}
	}
	q := ward.DefaultPolicy()
	q.WorkHours, q.WorkDays, q.TimeZone = "09:00-17:30", "mon, tue,wed,thu,FRI", "America/Chicago"
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
	m = q.Monitor()
	for at, off := range map[string]bool{
		"2026-11-25T15:00:00Z": false, // Wednesday 09:00 in Chicago
		"2026-11-25T14:59:00Z": true,  // 08:59
		"2026-11-25T23:29:00Z": false, // 17:29
		"2026-11-25T23:30:00Z": true,  // 17:30
		"2026-11-28T18:00:00Z": true,  // Saturday noon
	} {
		tm, _ := time.Parse(time.RFC3339, at)
		if got := m.OffHours(tm); got != off {
			t.Errorf("OffHours(%s) = %v", at, got)
		}
	}
	q.WorkHours = "00:00-24:00"
	q.WorkDays = ""
	if err := q.Validate(); err != nil || q.Monitor().OffHours(time.Date(2026, 11, 28, 3, 0, 0, 0, time.UTC)) {
		t.Fatalf("round the clock: %v", err)
	}
}
