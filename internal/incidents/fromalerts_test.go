package incidents_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/monitor"
	"github.com/wardhealth/ward/internal/store"
)

// addAlert stores an alert of rule raised at raised, its evidence reads
// from first to last by userID of the patients named.
func (w *world) addAlert(t *testing.T, rule monitor.Rule, userID string, first, last, raised time.Time, patientIDs ...string) string {
	t.Helper()
	ev, _ := json.Marshal(monitor.Evidence{SeqRanges: [][2]int64{{1, 2}}, Events: 2, UserIDs: []string{userID, "gone-user"},
		PatientIDs: append(patientIDs, "gone-patient")})
	row := store.AlertRow{ID: uuid.Must(uuid.NewV7()).String(), OrgID: w.comp.User.OrgID, Rule: string(rule), Subject: userID,
		Severity: monitor.SeverityHigh, Status: monitor.StatusNew, Summary: "test alert", Evidence: ev, FirstSeq: 1, LastSeq: 2,
		FirstAt: first, LastAt: last, RaisedAt: raised, UpdatedAt: raised}
	if err := w.f.Store.Write(context.Background(), func(tx *store.Tx) error { return tx.CreateAlert(context.Background(), &row) }); err != nil {
		t.Fatal(err)
	}
	return row.ID
}

// TestOpenFromAlerts: an incident opened from a bulk-access and an
// off-hours alert takes their user, the window of their evidence (padded),
// the patients their evidence names (source "alert"; ids no longer the
// org's left out), a deadline 60 days after the first alert was raised,
// and escalates both alerts to it, audited; an alert already escalated, an
// unknown one or a caller who is not compliance changes nothing.
func TestOpenFromAlerts(t *testing.T) { testOpenFromAlerts(t, newWorld(t)) }

// TestOpenFromAlertsPostgres is the same on PostgreSQL (skipped unless
// WARD_TEST_POSTGRES is set).
func TestOpenFromAlertsPostgres(t *testing.T) {
	testOpenFromAlerts(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

func testOpenFromAlerts(t *testing.T, w *world) {
	ctx := context.Background()
	now := w.f.Clock.Now()
	first, last := now.Add(-3*time.Hour), now.Add(-2*time.Hour)
	bulk := w.addAlert(t, monitor.RuleBulkAccess, w.doc.User.ID, first, last.Add(-time.Minute), now.Add(-110*time.Minute),
		w.recs[0].ID, w.recs[1].ID, w.recs[2].ID)
	off := w.addAlert(t, monitor.RuleOffHours, w.doc.User.ID, first.Add(time.Minute), last, now.Add(-100*time.Minute),
		w.recs[1].ID, w.recs[3].ID)

	if _, err := w.s.OpenFromAlerts(ctx, w.nurse, incidents.FromAlerts{AlertIDs: []string{bulk}}); ward.ErrorCode(err) != ward.CodeForbidden {
		t.Fatalf("a nurse opens from alerts: %v", err)
	}
	if _, err := w.s.OpenFromAlerts(ctx, w.comp, incidents.FromAlerts{AlertIDs: []string{bulk, "no-such-alert"}}); ward.ErrorCode(err) != ward.CodeNotFound {
		t.Fatalf("an unknown alert: %v", err)
	}
	if _, err := w.s.OpenFromAlerts(ctx, w.comp, incidents.FromAlerts{}); ward.ErrorCode(err) != ward.CodeInvalid {
		t.Fatalf("no alerts: %v", err)
	}

	in, err := w.s.OpenFromAlerts(ctx, w.comp, incidents.FromAlerts{AlertIDs: []string{off, bulk}})
	if err != nil {
		t.Fatal(err)
	}
	discovered := now.Add(-110 * time.Minute).UTC()
	if !in.DiscoveredAt.Equal(discovered) || !in.Deadline.Equal(discovered.AddDate(0, 0, 60)) {
		t.Fatalf("discovered %s, deadline %s", in.DiscoveredAt, in.Deadline)
	}
	if in.WindowFrom == nil || !in.WindowFrom.Equal(first.Add(-incidents.WindowPad)) || !in.WindowTo.Equal(last.Add(incidents.WindowPad)) {
		t.Fatalf("window %v to %v", in.WindowFrom, in.WindowTo)
	}
	if !same(in.UserIDs, []string{w.doc.User.ID}) || len(in.AlertIDs) != 2 || in.Details.Title != "From alerts: bulk_access, off_hours" &&
		in.Details.Title != "From alerts: off_hours, bulk_access" {
		t.Fatalf("users %v, alerts %v, title %q", in.UserIDs, in.AlertIDs, in.Details.Title)
	}
	want := []string{w.recs[0].ID, w.recs[1].ID, w.recs[2].ID, w.recs[3].ID}
	if !same(ids(in.Patients), want) {
		t.Fatalf("patients %v, want %v", ids(in.Patients), want)
	}
	for _, p := range in.Patients {
		if p.Source != incidents.SourceAlert {
			t.Fatalf("source %q", p.Source)
		}
	}
	got, err := w.s.Get(ctx, w.comp, in.ID)
	if err != nil || !same(ids(got.Patients), want) {
		t.Fatalf("get: %v %v", ids(got.Patients), err)
	}

	// Both alerts escalated to it, each audited.
	for _, id := range []string{bulk, off} {
		var row store.AlertRow
		w.f.Store.Read(ctx, func(tx *store.Tx) (err error) { row, err = tx.AlertByID(ctx, w.comp.User.OrgID, id); return })
		if row.Status != monitor.StatusEscalated || row.EscalatedTo != in.ID || row.StatusBy != w.comp.User.ID {
			t.Fatalf("alert %s: %s to %q by %s", id, row.Status, row.EscalatedTo, row.StatusBy)
		}
	}
	if rs := reasonsOf(t, w, audit.AlertEscalated); len(rs) != 2 || rs[0] != "escalated to incident "+in.ID {
		t.Fatalf("alert.escalated reasons: %q", rs)
	}
	if rs := reasonsOf(t, w, audit.IncidentOpened); len(rs) != 1 || !strings.Contains(rs[0], "4 patients from their evidence") {
		t.Fatalf("incident.opened reasons: %q", rs)
	}

	// An escalated alert opens nothing more.
	fresh := w.addAlert(t, monitor.RuleOffHours, w.doc.User.ID, first, last, now, w.recs[4].ID)
	if _, err := w.s.OpenFromAlerts(ctx, w.comp, incidents.FromAlerts{AlertIDs: []string{fresh, bulk}}); ward.ErrorCode(err) != ward.CodeConflict {
		t.Fatalf("an escalated alert again: %v", err)
	}
	if l, _ := w.s.List(ctx, w.comp); len(l) != 1 {
		t.Fatalf("%d incidents after the refusals", len(l))
	}
	var row store.AlertRow
	w.f.Store.Read(ctx, func(tx *store.Tx) (err error) { row, err = tx.AlertByID(ctx, w.comp.User.OrgID, fresh); return })
	if row.Status != monitor.StatusNew {
		t.Fatalf("the fresh alert became %s", row.Status)
	}
}
