package conformance_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward/internal/conformance"
)

var now = time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)

func run(c conformance.Check) conformance.Result {
	return c.Run(context.Background(), &conformance.Facts{Now: now})
}

func want(t *testing.T, name string, r conformance.Result, status conformance.Status, reason string) {
	t.Helper()
	if r.Status != status || !strings.Contains(r.Reason, reason) {
		t.Errorf("%s: %s %q (evidence %q), want %s with %q", name, r.Status, r.Reason, r.Evidence, status, reason)
	}
}

// TestBackupCheck: 164.308(a)(7) passes with a success within twice the
// schedule (24 h without one), warns when none are configured, fails on a
// failed last run, no success, or an old one.
func TestBackupCheck(t *testing.T) {
	six := 6 * time.Hour
	for _, c := range []struct {
		name   string
		s      conformance.BackupStatus
		status conformance.Status
		reason string
	}{
		{"none configured", conformance.BackupStatus{}, conformance.Warn, "no backups are configured"},
		{"scheduled, fresh", conformance.BackupStatus{Every: six, Last: now.Add(-3 * time.Hour), LastOK: now.Add(-3 * time.Hour)}, conformance.Pass, "within 12h0m0s"},
		{"scheduled, 11 h old", conformance.BackupStatus{Every: six, Last: now.Add(-11 * time.Hour), LastOK: now.Add(-11 * time.Hour)}, conformance.Pass, "within"},
		{"scheduled, 13 h old", conformance.BackupStatus{Every: six, Last: now.Add(-13 * time.Hour), LastOK: now.Add(-13 * time.Hour)}, conformance.Fail, "older than 12h0m0s"},
		{"last failed", conformance.BackupStatus{Every: six, Last: now.Add(-time.Hour), LastFailed: true, LastError: "disk full",
			LastOK: now.Add(-2 * time.Hour)}, conformance.Fail, "the last backup failed: disk full"},
		{"scheduled, never succeeded", conformance.BackupStatus{Every: six}, conformance.Fail, "no backup to restore from"},
		{"by hand, 23 h old", conformance.BackupStatus{Last: now.Add(-23 * time.Hour), LastOK: now.Add(-23 * time.Hour)}, conformance.Pass, "within 24h0m0s"},
		{"by hand, 2 days old", conformance.BackupStatus{Last: now.Add(-48 * time.Hour), LastOK: now.Add(-48 * time.Hour)}, conformance.Fail, "older than 24h0m0s"},
	} {
		r := run(conformance.BackupCheck(func(context.Context, *conformance.Facts) (conformance.BackupStatus, error) { return c.s, nil }))
		want(t, c.name, r, c.status, c.reason)
	}
}

// TestIncidentCheck: 164.308(a)(6) fails when an open incident is past its
// deadline, and passes otherwise, open incidents counted.
func TestIncidentCheck(t *testing.T) {
	check := func(s conformance.IncidentStatus) conformance.Result {
		return run(conformance.IncidentCheck(func(context.Context, *conformance.Facts) (conformance.IncidentStatus, error) { return s, nil }))
	}
	want(t, "none", check(conformance.IncidentStatus{}), conformance.Pass, "worked to their deadlines")
	r := check(conformance.IncidentStatus{Open: 2, NextDeadline: now.AddDate(0, 0, 20)})
	want(t, "open in time", r, conformance.Pass, "")
	if !strings.Contains(r.Evidence, "2 open incidents") || !strings.Contains(r.Evidence, "2026-12-26") {
		t.Errorf("evidence %q", r.Evidence)
	}
	want(t, "overdue", check(conformance.IncidentStatus{Open: 2, Overdue: 1}), conformance.Fail, "1 breach incidents passed their 60-day")
}

// TestBAACheck: 164.308(b)(1) fails on a missing or expired agreement,
// warns on one expiring within 30 days (or none recorded), else passes.
func TestBAACheck(t *testing.T) {
	check := func(s conformance.BAAStatus) conformance.Result {
		return run(conformance.BAACheck(func(context.Context, *conformance.Facts) (conformance.BAAStatus, error) { return s, nil }))
	}
	want(t, "in force", check(conformance.BAAStatus{Total: 2, InForce: 2}), conformance.Pass, "in force")
	want(t, "expiring", check(conformance.BAAStatus{Total: 2, InForce: 2, Expiring: 1}), conformance.Warn, "expire within 30 days")
	want(t, "missing", check(conformance.BAAStatus{Total: 2, InForce: 1, Expiring: 1, Missing: 1}), conformance.Fail, "no signed agreement in force")
	want(t, "none recorded", check(conformance.BAAStatus{}), conformance.Warn, "no business associate is recorded")
}

// TestAlertChecks: activity review and log-in monitoring warn when alerts
// wait unacknowledged more than 7 days (log-in monitoring: sign-in alerts
// only), and keep their own verdict otherwise.
func TestAlertChecks(t *testing.T) {
	check := func(c func(func(context.Context, *conformance.Facts) (conformance.AlertStatus, error)) conformance.Check, s conformance.AlertStatus) conformance.Result {
		return c(func(context.Context, *conformance.Facts) (conformance.AlertStatus, error) { return s, nil }).Run(context.Background(),
			&conformance.Facts{Now: now, AuditSearches90d: 3})
	}
	fresh := conformance.AlertStatus{New: 4}
	want(t, "review, fresh alerts", check(conformance.ActivityReviewCheck, fresh), conformance.Pass, "compliance reviews")
	want(t, "login, fresh alerts", check(conformance.LoginMonitoringCheck, fresh), conformance.Pass, "every failed sign-in")
	stale := conformance.AlertStatus{New: 4, Stale: map[string]int{"bulk_access": 2}}
	r := check(conformance.ActivityReviewCheck, stale)
	want(t, "review, stale bulk", r, conformance.Warn, "2 activity alerts wait more than 7 days")
	if !strings.Contains(r.Evidence, "4 new alerts, 2 of them older than 7 days (bulk_access 2)") {
		t.Errorf("evidence %q", r.Evidence)
	}
	want(t, "login, stale bulk", check(conformance.LoginMonitoringCheck, stale), conformance.Pass, "")
	stale.Stale["password_spray"] = 1
	want(t, "login, stale spray", check(conformance.LoginMonitoringCheck, stale), conformance.Warn, "1 activity alerts wait")
	want(t, "review, stale both", check(conformance.ActivityReviewCheck, stale), conformance.Warn, "3 activity alerts wait")
}
