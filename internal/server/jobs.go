package server

import (
	"context"
	"log/slog"
	"time"

	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/notify/digest"
	"github.com/wardhealth/ward/internal/oncall"
	"github.com/wardhealth/ward/internal/store"
)

// How often the messaging jobs run.
const (
	urgentTimersEvery = 15 * time.Second
	purgeEvery        = 10 * time.Minute
	denialsEvery      = 30 * time.Second
)

// runMessagingJobs fires the urgent-message timers every urgentTimersEvery,
// and on the same tick moves urgent pages to on-call roles along their
// escalation chains and re-routes them at hand-overs (oncall.RunPages),
// and runs retention every purgeEvery (App.Retention().Run: the message
// lifespan purge, attachment retention, the shredding of patient records
// deactivated longer than the policy's patient_retention, each skipping
// what a legal hold covers, reported as retention.purged), then sweeps
// unsent attachments and leftover blobs, until ctx ends.
// Both jobs keep their state in the database and take the time from the
// App's clock, so a restart loses nothing. Failures are logged (never with
// content) and retried on the next tick.
//
// With several nodes on PostgreSQL only the leader (store.Leader) runs them;
// the others check again on every tick and take over when it goes away.
// Every node records the counts of the refusals it folded (its own, in
// memory) every denialsEvery, and once more as it stops.
// The purge tick also drops the shared sign-in throttle's drained counts.
func runMessagingJobs(ctx context.Context, a *app.App, oc *oncall.Service, st *store.Store, lead *jobLeader, every time.Duration, now func() time.Time, log *slog.Logger) {
	leader := func() bool { return lead.check(ctx) }
	urgent := time.NewTicker(every)
	defer urgent.Stop()
	purge := time.NewTicker(purgeEvery)
	defer purge.Stop()
	denials := time.NewTicker(denialsEvery)
	defer denials.Stop()
	for {
		select {
		case <-ctx.Done():
			a.FlushDenials(context.WithoutCancel(ctx), true)
			return
		case <-denials.C:
			a.FlushDenials(ctx, false)
		case <-urgent.C:
			if !leader() {
				continue
			}
			renotified, escalated, err := a.RunUrgentTimers(ctx)
			if err != nil && ctx.Err() == nil {
				log.Error("urgent message timers failed", "err", err.Error())
			} else if renotified+escalated > 0 {
				log.Info("urgent message timers", "renotified", renotified, "escalated", escalated)
			}
			escalated, rerouted, err := oc.RunPages(ctx)
			if err != nil && ctx.Err() == nil {
				log.Error("on-call page chains failed", "err", err.Error())
			} else if escalated+rerouted > 0 {
				log.Info("on-call page chains", "escalated", escalated, "rerouted", rerouted)
			}
		case <-purge.C:
			if !leader() {
				continue
			}
			reports, err := a.Retention().Run(ctx)
			if err != nil && ctx.Err() == nil {
				log.Error("retention failed", "err", err.Error())
			}
			for org, r := range reports { // counts only, no PHI
				log.Info("retention", "org", org, "report", r.String())
			}
			if _, err := st.PurgeThrottle(ctx, now()); err != nil && ctx.Err() == nil {
				log.Error("purge of sign-in throttle counts failed", "err", err.Error())
			}
			if n, err := a.Attachments().Sweep(ctx); err != nil && ctx.Err() == nil {
				log.Error("attachment sweep failed", "err", err.Error())
			} else if n > 0 {
				log.Info("attachment sweep", "blobs_deleted", n)
			}
		}
	}
}

// throttleAuditEvery is how often the sign-in attempts the throttles
// refused, folded in memory, are written to the audit trail.
const throttleAuditEvery = time.Minute

// runThrottleAudit writes the folded counts of refused sign-in attempts
// (login.throttled) every throttleAuditEvery, and all that is left when
// ctx ends. The refusals are folded in memory on the node that refused
// them, so every node runs it.
func runThrottleAudit(ctx context.Context, a *app.App, log *slog.Logger) {
	t := time.NewTicker(throttleAuditEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := a.FlushThrottleEvents(fctx, true); err != nil {
				log.Error("audit of throttled sign-ins failed", "err", err.Error())
			}
			return
		case <-t.C:
			if err := a.FlushThrottleEvents(ctx, false); err != nil && ctx.Err() == nil {
				log.Error("audit of throttled sign-ins failed", "err", err.Error())
			}
		}
	}
}

// emailFallbackEvery is how often the email fallback runs: an urgent
// message to someone with no push is mailed within it.
const emailFallbackEvery = 30 * time.Second

// runEmailFallback mails staff with no push subscription about unread and
// urgent messages (internal/notify/digest) every emailFallbackEvery, on
// the leader only (store.Leader), until ctx ends. When a user was last
// mailed is in the database, so a restart or a new leader does not mail
// again. Failures are logged (never an address) and retried on the next tick.
func runEmailFallback(ctx context.Context, d *digest.Service, lead *jobLeader, log *slog.Logger) {
	runOnLeader(ctx, lead, emailFallbackEvery, log, leaderJob{run: d.Run, failed: "email fallback failed", done: "email fallback", key: "sent"})
}

// DefaultMonitorEvery is how often activity monitoring reads the audit
// events sealed since its last round: with sealing every few seconds, an
// alert is raised well within 30 seconds of the event that trips it.
const DefaultMonitorEvery = 5 * time.Second

// runMonitor runs the monitoring rules over the new audit events every
// every (0: DefaultMonitorEvery), on the job leader only: the
// cursor is in the database, so a new leader resumes where the last one
// stopped. Failures are logged (ids only) and retried on the next tick.
func runMonitor(ctx context.Context, m *monitor.Monitor, lead *jobLeader, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		every = DefaultMonitorEvery
	}
	runOnLeader(ctx, lead, every, log, leaderJob{run: m.Run, failed: "activity monitoring failed", done: "activity monitoring", key: "alerts_raised"})
}
