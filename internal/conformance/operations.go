package conformance

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The checks of this file replace the placeholders of Default (backups,
// incidents, BAAs) and sharpen the activity-review and log-in monitoring
// checks with the monitor's alerts. Each judges evidence that a function
// handed in at wiring reads (internal/server ConformanceRegistry), so that
// this package imports none of the packages that hold it.

// Thresholds of these checks.
const (
	BackupMaxAge      = 24 * time.Hour      // the last successful backup, without a schedule, at most this old
	BAAExpiringWithin = 30 * 24 * time.Hour // an agreement in force expiring within this: warn
	AlertAckWithin    = 7 * 24 * time.Hour  // a new alert not acknowledged (nor dismissed or escalated) after this: warn
)

// BackupStatus is what a deployment's backups show: the schedule and the
// newest runs (the backup_runs table; zero times when there were none).
type BackupStatus struct {
	Every        time.Duration // scheduled backups run this often; 0: none are configured
	Last         time.Time     // the newest attempt
	LastFailed   bool          // it failed
	LastError    string        // why (ward's message: paths and counts, no secrets)
	LastOK       time.Time     // the newest success
	LastOKBytes  int64
	LastLocation string // of the newest success (a path or URL)
}

// BackupCheck is the 164.308(a)(7) contingency plan check: pass when a
// backup succeeded within twice the schedule (or BackupMaxAge without one),
// warn when none are configured and none ran, fail when the last attempt
// failed, none succeeded, or the last success is older than that.
func BackupCheck(status func(ctx context.Context, f *Facts) (BackupStatus, error)) Check {
	return Check{"164.308(a)(7)", SecAdmin, "Contingency plan: data backup", func(ctx context.Context, f *Facts) Result {
		s, err := status(ctx, f)
		if err != nil {
			return Result{Fail, "the backup runs could not be read", err.Error()}
		}
		limit, sched := BackupMaxAge, "no scheduled backups (--backup-to)"
		if s.Every > 0 {
			limit, sched = 2*s.Every, "scheduled backups every "+s.Every.String()
		}
		ev := sched
		if !s.LastOK.IsZero() {
			ev += fmt.Sprintf("; last successful backup %s (%s ago, %d bytes)", s.LastOK.UTC().Format(time.RFC3339),
				age(f.Now, s.LastOK), s.LastOKBytes)
		}
		if s.LastFailed {
			ev += fmt.Sprintf("; last attempt %s failed", s.Last.UTC().Format(time.RFC3339))
		}
		switch {
		case s.Last.IsZero() && s.Every == 0:
			return Result{Warn, ev + "; no backup has run", "no backups are configured: run 'ward serve --backup-to' or 'ward backup' on a schedule"}
		case s.LastFailed:
			return Result{Fail, ev, "the last backup failed: " + s.LastError}
		case s.LastOK.IsZero():
			return Result{Fail, ev + "; no backup has succeeded", "there is no backup to restore from"}
		case f.Now.Sub(s.LastOK) > limit:
			return Result{Fail, ev, fmt.Sprintf("the last successful backup is older than %s: are backups running?", limit)}
		}
		return Result{Pass, ev, fmt.Sprintf("a backup succeeded within %s; 'ward backup verify --restore-test' proves one restores", limit)}
	}}
}

// IncidentStatus is an org's breach incidents now.
type IncidentStatus struct {
	Open         int       // incidents not closed
	Overdue      int       // of them, past their notification deadline and not assessed low_probability
	NextDeadline time.Time // the nearest deadline of an open incident not yet passed (zero: none)
}

// IncidentCheck is the 164.308(a)(6) security incident procedures check:
// fail when an open incident is past its notification deadline, else pass
// (open incidents are counted in the evidence).
func IncidentCheck(status func(ctx context.Context, f *Facts) (IncidentStatus, error)) Check {
	return Check{"164.308(a)(6)", SecAdmin, "Security incident procedures (breach incidents)", func(ctx context.Context, f *Facts) Result {
		s, err := status(ctx, f)
		if err != nil {
			return Result{Fail, "the incidents could not be read", err.Error()}
		}
		ev := fmt.Sprintf("%d open incidents, %d past their notification deadline", s.Open, s.Overdue)
		if !s.NextDeadline.IsZero() {
			ev += fmt.Sprintf("; the next deadline %s", s.NextDeadline.UTC().Format("2006-01-02"))
		}
		if s.Overdue > 0 {
			return Result{Fail, ev, fmt.Sprintf("%d breach incidents passed their 60-day notification deadline (164.404(b)) while open", s.Overdue)}
		}
		return Result{Pass, ev, "incidents are recorded, assessed and worked to their deadlines; activity alerts escalate to them"}
	}}
}

// BAAStatus is an org's business associate agreements now.
type BAAStatus struct {
	Total    int // agreements recorded
	InForce  int // signed and not expired
	Expiring int // of those, expiring within BAAExpiringWithin
	Missing  int // vendors without one in force: none, requested, terminated or expired
}

// BAACheck is the 164.308(b)(1) business associate contracts check: fail
// when a vendor has no agreement in force (missing or expired), warn when
// one expires within BAAExpiringWithin or none is recorded, else pass.
func BAACheck(status func(ctx context.Context, f *Facts) (BAAStatus, error)) Check {
	return Check{"164.308(b)(1)", SecAdmin, "Business associate agreements", func(ctx context.Context, f *Facts) Result {
		s, err := status(ctx, f)
		if err != nil {
			return Result{Fail, "the agreements could not be read", err.Error()}
		}
		ev := fmt.Sprintf("%d agreements recorded: %d in force, %d expiring within %d days, %d vendors without one in force",
			s.Total, s.InForce, s.Expiring, int(BAAExpiringWithin.Hours()/24), s.Missing)
		switch {
		case s.Missing > 0:
			return Result{Fail, ev, fmt.Sprintf("%d vendors touching PHI have no signed agreement in force (missing or expired)", s.Missing)}
		case s.Expiring > 0:
			return Result{Warn, ev, fmt.Sprintf("%d agreements expire within %d days: renew them", s.Expiring, int(BAAExpiringWithin.Hours()/24))}
		case s.Total == 0:
			return Result{Warn, ev, "no business associate is recorded: record every vendor that touches PHI (the BAA registry)"}
		}
		return Result{Pass, ev, "every recorded vendor has a signed agreement in force"}
	}}
}

// AlertStatus is an org's activity-monitoring alerts waiting for
// compliance: status new (not acknowledged, dismissed or escalated).
type AlertStatus struct {
	New   int            // every new alert
	Stale map[string]int // of them, raised more than AlertAckWithin ago, by rule
}

// signInRules are the monitor's rules about sign-ins (log-in monitoring).
var signInRules = []string{"signin_burst", "password_spray", "new_device"}

// ActivityReviewCheck replaces the built-in 164.308(a)(1)(ii)(D) check:
// its verdict, and a warning when alerts wait unacknowledged for more than
// AlertAckWithin.
func ActivityReviewCheck(status func(ctx context.Context, f *Facts) (AlertStatus, error)) Check {
	return alertCheck("164.308(a)(1)(ii)(D)", "Information system activity review", checkActivityReview, nil, status)
}

// LoginMonitoringCheck replaces the built-in 164.308(a)(5)(ii)(C) check:
// its verdict, and a warning when sign-in alerts (bursts, sprays, new
// devices) wait unacknowledged for more than AlertAckWithin.
func LoginMonitoringCheck(status func(ctx context.Context, f *Facts) (AlertStatus, error)) Check {
	return alertCheck("164.308(a)(5)(ii)(C)", "Log-in monitoring", checkLoginMonitoring, signInRules, status)
}

func alertCheck(id, title string, base func(context.Context, *Facts) Result, rules []string,
	status func(ctx context.Context, f *Facts) (AlertStatus, error)) Check {
	return Check{id, SecAdmin, title, func(ctx context.Context, f *Facts) Result {
		r := base(ctx, f)
		s, err := status(ctx, f)
		if err != nil {
			return Result{Fail, r.Evidence, "the activity alerts could not be read: " + err.Error()}
		}
		stale, names := 0, []string{}
		for rule, n := range s.Stale {
			if rules == nil || contains(rules, rule) {
				stale += n
				names = append(names, fmt.Sprintf("%s %d", rule, n))
			}
		}
		sort.Strings(names)
		days := int(AlertAckWithin.Hours() / 24)
		r.Evidence += fmt.Sprintf("; activity monitoring: %d new alerts, %d of them older than %d days", s.New, stale, days)
		if stale > 0 {
			r.Evidence += " (" + strings.Join(names, ", ") + ")"
			if r.Status == Pass {
				r.Status = Warn
			}
			r.Reason = fmt.Sprintf("%d activity alerts wait more than %d days for compliance to acknowledge, dismiss or escalate them", stale, days)
		}
		return r
	}}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// age is d rounded for the report.
func age(now, t time.Time) string {
	d := now.Sub(t)
	if d >= 48*time.Hour {
		return fmt.Sprintf("%d days", int(d.Hours()/24))
	}
	return d.Round(time.Minute).String()
}
