package monitor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/store"
)

// TestIncremental: the cursor advances to the last sealed event; a second
// run over no new events creates nothing; a new Monitor (a restart)
// resumes at the cursor, with the open burst rebuilt: its next events
// extend the alert raised before the restart.
func TestIncremental(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.policy(t, func(p *ward.Policy) { p.MonitorBulkPatients = 3 })
	w.read(t, w.doc, w.recs[:4]...)
	if n := w.run(t); n != 1 {
		t.Fatalf("first run raised %d", n)
	}
	cur, err := w.m.Cursor(ctx)
	if err != nil || cur == 0 {
		t.Fatalf("cursor %d, %v", cur, err)
	}
	if n := w.run(t); n != 0 {
		t.Fatalf("a run over nothing new raised %d", n)
	}
	if again, _ := w.m.Cursor(ctx); again != cur+1 { // the alert.raised event of the first run, and nothing else
		t.Fatalf("cursor %d after a run over the alert's own event, want %d", again, cur+1)
	}
	// Restart: the window and the open alert are rebuilt from a bounded
	// stretch of the trail; the burst goes on.
	w.m = w.newMonitor()
	w.read(t, w.doc, w.recs[4:6]...)
	if n := w.run(t); n != 0 {
		t.Fatalf("the burst's next reads after a restart raised %d", n)
	}
	got := w.alerts(t, monitor.RuleBulkAccess)
	if len(got) != 1 || len(got[0].Evidence.PatientIDs) != 6 {
		t.Fatalf("bulk alert after restart: %+v", got)
	}
	if n := len(w.f.AuditEvents(t, audit.AlertRaised)); n != 1 {
		t.Fatalf("%d alert.raised events", n)
	}
}

// TestAlertStatus: compliance acknowledges, dismisses with a reason
// (sealed: never in the audit trail) or escalates to an incident id; each
// change is audited; a closed alert does not change again; bad input
// changes nothing; no other role reaches alerts.
func TestAlertStatus(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.policy(t, func(p *ward.Policy) { p.MonitorBulkPatients = 2; p.MonitorBulkWindow = ward.Duration(time.Minute) })
	w.read(t, w.doc, w.recs[:3]...)
	w.f.Clock.Advance(time.Hour)
	w.read(t, w.nurse, w.recs[:3]...)
	w.f.Clock.Advance(time.Hour)
	w.read(t, w.er, w.recs[:3]...)
	w.run(t)
	all := w.alerts(t, monitor.RuleBulkAccess)
	if len(all) != 3 {
		t.Fatalf("alerts: %+v", all)
	}
	a, b, c := all[0].ID, all[1].ID, all[2].ID
	w.m.Wait() // one email per officer for the batch, not one per alert
	if mails := w.inbox.All(); len(mails) != 1 || !strings.Contains(mails[0].Body, "3 alerts, the highest of high severity") {
		t.Fatalf("alert emails: %+v", mails)
	}

	for _, p := range []*access.Principal{w.owner, w.admin, w.doc, w.nurse} {
		if _, err := w.m.List(ctx, p, monitor.Filter{}); ward.ErrorCode(err) != ward.CodeForbidden {
			t.Errorf("%s lists alerts: %v", p.User.Role, err)
		}
		if _, err := w.m.Acknowledge(ctx, p, a); ward.ErrorCode(err) != ward.CodeForbidden {
			t.Errorf("%s acknowledges: %v", p.User.Role, err)
		}
	}
	_, err := w.m.List(ctx, w.comp, monitor.Filter{Status: "open"})
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = w.m.List(ctx, w.comp, monitor.Filter{Severity: "critical"})
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = w.m.Dismiss(ctx, w.comp, a, "  ")
	apptest.WantCode(t, err, ward.CodeReasonRequired)
	_, err = w.m.Escalate(ctx, w.comp, a, "")
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = w.m.Escalate(ctx, w.comp, a, "inc/../1")
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = w.m.Acknowledge(ctx, w.comp, "01a20fde-0000-7000-8000-000000000000")
	apptest.WantCode(t, err, ward.CodeNotFound)
	if got, _ := w.m.Get(ctx, w.comp, a); got.Status != monitor.StatusNew {
		t.Fatalf("bad input changed the alert: %+v", got)
	}

	got, err := w.m.Acknowledge(ctx, w.comp, a)
	if err != nil || got.Status != monitor.StatusAcknowledged || got.StatusBy != w.comp.User.ID {
		t.Fatalf("acknowledge: %+v, %v", got, err)
	}
	_, err = w.m.Acknowledge(ctx, w.comp, a)
	apptest.WantCode(t, err, ward.CodeConflict)
	const why = "CANARY-dismiss-4471 covering Mrs Example's ward round"
	if got, err = w.m.Dismiss(ctx, w.comp, a, why); err != nil || got.Status != monitor.StatusDismissed || got.Reason != why {
		t.Fatalf("dismiss: %+v, %v", got, err)
	}
	_, err = w.m.Escalate(ctx, w.comp, a, "incident-1")
	apptest.WantCode(t, err, ward.CodeConflict)
	if got, err = w.m.Escalate(ctx, w.comp, b, "0193aa00-incident"); err != nil || got.Status != monitor.StatusEscalated ||
		got.EscalatedTo == nil || *got.EscalatedTo != "0193aa00-incident" {
		t.Fatalf("escalate: %+v, %v", got, err)
	}
	if got, err = w.m.Get(ctx, w.comp, a); err != nil || got.Reason != why {
		t.Fatalf("get a dismissed alert: %+v, %v", got, err)
	}
	if news, _ := w.m.List(ctx, w.comp, monitor.Filter{Status: monitor.StatusNew}); len(news) != 1 || news[0].ID != c {
		t.Fatalf("new alerts: %+v", news)
	}
	counts, err := w.m.Counts(ctx, w.comp)
	if err != nil || counts[monitor.StatusNew] != 1 || counts[monitor.StatusDismissed] != 1 || counts[monitor.StatusEscalated] != 1 {
		t.Fatalf("counts: %v, %v", counts, err)
	}
	for act, want := range map[audit.Action]string{audit.AlertAcknowledged: "acknowledged", audit.AlertDismissed: "dismissed",
		audit.AlertEscalated: "escalated to incident 0193aa00-incident"} {
		evs := w.f.AuditEvents(t, act)
		if len(evs) != 1 || evs[0]["reason"] != want || evs[0]["actor_user_id"] != w.comp.User.ID {
			t.Errorf("%s events: %+v", act, evs)
		}
	}
	for _, act := range []audit.Action{audit.AlertDismissed, audit.AlertRaised, audit.ComplianceSearched} {
		for _, e := range w.f.AuditEvents(t, act) {
			if strings.Contains(e["reason"].(string), "CANARY") {
				t.Fatalf("the dismissal reason reached the audit trail: %v", e)
			}
		}
	}
	if len(w.f.AuditEvents(t, audit.ComplianceSearched)) == 0 {
		t.Error("reading a dismissal reason was not audited")
	}
}

// TestLeaderChange: two monitors on one store, as when the job's leader
// moves to another node and back: each resumes at the stored cursor, and
// the one that comes back with stale windows rebuilds them, so no event
// is evaluated twice and no alert is raised twice.
func TestLeaderChange(t *testing.T) { testLeaderChange(t, newWorld(t)) }

// TestLeaderChangePostgres is TestLeaderChange on PostgreSQL.
func TestLeaderChangePostgres(t *testing.T) {
	testLeaderChange(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

func testLeaderChange(t *testing.T, w *world) {
	w.policy(t, func(p *ward.Policy) { p.MonitorBulkPatients = 3 })
	a := w.m
	w.read(t, w.doc, w.recs[:4]...)
	if n := w.run(t); n != 1 {
		t.Fatalf("node A raised %d", n)
	}
	w.m = w.newMonitor()        // node B leads
	w.read(t, w.doc, w.recs[4]) // the burst goes on
	w.read(t, w.er, w.recs[:4]...)
	if n := w.run(t); n != 1 {
		t.Fatalf("node B raised %d, want 1 (er's burst; doc's extends A's alert)", n)
	}
	w.m = a // node A leads again, its windows stale
	w.read(t, w.er, w.recs[4])
	if n := w.run(t); n != 0 {
		t.Fatalf("node A, back, raised %d", n)
	}
	got := w.alerts(t, monitor.RuleBulkAccess)
	if len(got) != 2 || len(got[0].Evidence.PatientIDs) != 5 || len(got[1].Evidence.PatientIDs) != 5 {
		t.Fatalf("alerts: %+v", got)
	}
	if n := len(w.f.AuditEvents(t, audit.AlertRaised)); n != 2 {
		t.Fatalf("%d alert.raised events", n)
	}
}

// TestLaggingRestart: a monitor that starts long after its cursor (the
// server was down longer than any window) rebuilds the windows as they
// were at the cursor, so a burst that straddles the outage still alerts.
func TestLaggingRestart(t *testing.T) {
	w := newWorld(t)
	w.policy(t, func(p *ward.Policy) { p.MonitorBulkPatients = 3 })
	w.read(t, w.doc, w.recs[:3]...)
	if n := w.run(t); n != 0 {
		t.Fatalf("3 patients raised %d", n)
	}
	w.read(t, w.doc, w.recs[3])       // the 4th, within the window, while no monitor runs
	w.f.Clock.Advance(30 * time.Hour) // longer than the longest window (the export window's day)
	w.m = w.newMonitor()
	if n := w.run(t); n != 1 {
		t.Fatalf("after the outage: %d alerts, want 1", n)
	}
	if got := w.alerts(t, monitor.RuleBulkAccess); len(got) != 1 || len(got[0].Evidence.PatientIDs) != 4 {
		t.Fatalf("alerts: %+v", w.alerts(t, ""))
	}
}

// TestUnwatchedEventsStayInTheDatabase: events no rule reads (a message
// sent in a conversation about no patient, by an active account) never
// reach the evaluator, yet its cursor passes them all in one run; the same
// kind of event by a disabled account is read, and alerted.
func TestUnwatchedEventsStayInTheDatabase(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.run(t)
	for range 200 { // more than three batches of 64
		if err := w.f.Recorder.Record(ctx, w.doc.Event(audit.MessageSent, "conversation", "c1")); err != nil {
			t.Fatal(err)
		}
	}
	if n := w.run(t); n != 0 {
		t.Fatalf("unwatched events raised %d", n)
	}
	var head int64
	if err := w.f.Store.Read(ctx, func(tx *store.Tx) (err error) { head, _, err = tx.AuditHead(ctx); return err }); err != nil {
		t.Fatal(err)
	}
	if cur, err := w.m.Cursor(ctx); err != nil || cur != head {
		t.Fatalf("cursor %d (%v), want the head %d: the run passes what it does not read", cur, err, head)
	}
	yes := true
	if _, err := w.f.App.UpdateUser(ctx, w.admin, w.nurse.User.ID, app.UserChange{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	if err := w.f.Recorder.Record(ctx, w.nurse.Event(audit.MessageSent, "conversation", "c1")); err != nil {
		t.Fatal(err)
	}
	w.run(t)
	if got := w.alerts(t, monitor.RuleDisabledActive); len(got) != 1 {
		t.Fatalf("a disabled account's unwatched event: %d alerts, want 1", len(got))
	}
}
