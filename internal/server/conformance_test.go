package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/baa"
	"github.com/wardhealth/ward/internal/conformance"
	"github.com/wardhealth/ward/internal/incidents"
	"github.com/wardhealth/ward/internal/server"
	"github.com/wardhealth/ward/internal/store"
)

// TestConformanceEvidence: the report that ward serve and ward compliance
// report make (server.ConformanceRegistry) judges backups, breach
// incidents, BAAs and unacknowledged alerts on what the store holds: the
// backup_runs table, the incidents and their deadlines, the agreements and
// their expiry, the alerts and their age; each check moves from pass to
// warn or fail as the evidence does.
func TestConformanceEvidence(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { conformanceEvidence(t, apptest.New(t, true)) })
	t.Run("postgres", func(t *testing.T) { conformanceEvidence(t, apptest.NewPostgres(t, true)) })
}

func conformanceEvidence(t *testing.T, f *apptest.Fixture) {
	ctx := context.Background()
	comp := f.Principal(t, "comp", ward.RoleCompliance)
	admin := f.Principal(t, "admin", ward.RoleAdmin)
	report := func(cfg server.Config) conformance.Report {
		t.Helper()
		r, err := conformance.Make(ctx, conformance.Source{Store: f.Store, Keyring: f.Keyring, OrgID: f.Org.ID, Now: f.Clock.Now,
			Deployment: conformance.Deployment{TLS: true}}, server.ConformanceRegistry(cfg))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	check := func(r conformance.Report, id string, status conformance.Status, reason string) {
		t.Helper()
		for _, s := range r.Sections {
			for _, it := range s.Items {
				if it.ID == id {
					if it.Status != status || !strings.Contains(it.Reason, reason) {
						t.Errorf("%s: %s %q (evidence %q), want %s with %q", id, it.Status, it.Reason, it.Evidence, status, reason)
					}
					return
				}
			}
		}
		t.Errorf("no check %s", id)
	}
	sched := server.Config{BackupTo: t.TempDir(), BackupEvery: 6 * time.Hour}

	// Nothing yet: no backups configured, no incidents, no agreements.
	r := report(server.Config{})
	check(r, "164.308(a)(7)", conformance.Warn, "no backups are configured")
	check(r, "164.308(a)(6)", conformance.Pass, "")
	check(r, "164.308(b)(1)", conformance.Warn, "no business associate is recorded")
	check(report(sched), "164.308(a)(7)", conformance.Fail, "no backup to restore from")

	// Backups: a success 3 h ago passes; 13 h later it is old; a failure fails.
	run := func(ago time.Duration, outcome, msg string) {
		if err := f.Store.RecordBackupRun(ctx, store.BackupRun{At: f.Clock.Now().Add(-ago), Outcome: outcome, Location: "/backups/x",
			Bytes: 1 << 20, Error: msg}); err != nil {
			t.Fatal(err)
		}
	}
	run(3*time.Hour, "success", "")
	check(report(sched), "164.308(a)(7)", conformance.Pass, "within 12h0m0s")
	check(report(server.Config{}), "164.308(a)(7)", conformance.Pass, "within 24h0m0s")
	f.Clock.Advance(10 * time.Hour)
	check(report(sched), "164.308(a)(7)", conformance.Fail, "older than 12h0m0s")
	run(0, "failure", "the backup folder is full")
	check(report(sched), "164.308(a)(7)", conformance.Fail, "the last backup failed: the backup folder is full")
	run(0, "success", "")
	check(report(sched), "164.308(a)(7)", conformance.Pass, "")

	// Incidents: open within its deadline passes; past it fails; closed passes.
	is := incidents.New(incidents.Config{Store: f.Store, Keyring: f.Keyring, Contacts: f.Patients, Now: f.Clock.Now})
	in, err := is.Open(ctx, comp, incidents.Draft{DiscoveredAt: f.Clock.Now(), Details: incidents.Details{Title: "Lost laptop"}})
	if err != nil {
		t.Fatal(err)
	}
	check(report(sched), "164.308(a)(6)", conformance.Pass, "")
	f.Clock.Advance(61 * 24 * time.Hour)
	run(0, "success", "")
	check(report(sched), "164.308(a)(6)", conformance.Fail, "1 breach incidents passed their 60-day notification deadline")
	if _, err := is.Close(ctx, comp, in.ID); err != nil {
		t.Fatal(err)
	}
	check(report(sched), "164.308(a)(6)", conformance.Pass, "")

	// BAAs: signed for a year passes; 20 days before expiry warns; a
	// vendor without one in force fails.
	bs := baa.New(baa.Config{Store: f.Store, Keyring: f.Keyring, Blobs: f.Blobs, Now: f.Clock.Now})
	now := f.Clock.Now()
	if _, err := bs.Create(ctx, admin, baa.Draft{Vendor: "Cloudy Hosting", Status: baa.StatusSigned, SignedAt: now,
		ExpiresAt: now.AddDate(1, 0, 0)}); err != nil {
		t.Fatal(err)
	}
	check(report(sched), "164.308(b)(1)", conformance.Pass, "every recorded vendor")
	f.Clock.Advance(345 * 24 * time.Hour)
	run(0, "success", "")
	check(report(sched), "164.308(b)(1)", conformance.Warn, "1 agreements expire within 30 days")
	f.Clock.Advance(21 * 24 * time.Hour)
	run(0, "success", "")
	check(report(sched), "164.308(b)(1)", conformance.Fail, "1 vendors touching PHI have no signed agreement in force")
	if _, err := bs.Create(ctx, admin, baa.Draft{Vendor: "Fax Gateway", Status: baa.StatusRequested}); err != nil {
		t.Fatal(err)
	}
	if r := report(sched); !strings.Contains(itemOf(r, "164.308(b)(1)").Evidence, "2 vendors without one in force") {
		t.Errorf("BAA evidence: %+v", itemOf(r, "164.308(b)(1)"))
	}

	// Alerts: a new alert 8 days old warns both activity checks (a spray is
	// a sign-in alert); acknowledged, it no longer does.
	if err := f.Store.Write(ctx, func(tx *store.Tx) error {
		at := f.Clock.Now().Add(-8 * 24 * time.Hour)
		return tx.CreateAlert(ctx, &store.AlertRow{ID: "alert-1", OrgID: f.Org.ID, Rule: "password_spray", Subject: "address:203.0.113.9",
			Severity: "high", Status: "new", Summary: "a password spray", Evidence: []byte(`{"seq_ranges":[]}`), FirstAt: at, LastAt: at,
			RaisedAt: at, UpdatedAt: at})
	}); err != nil {
		t.Fatal(err)
	}
	r = report(sched)
	check(r, "164.308(a)(1)(ii)(D)", conformance.Warn, "1 activity alerts wait more than 7 days")
	check(r, "164.308(a)(5)(ii)(C)", conformance.Warn, "1 activity alerts wait more than 7 days")
	if err := f.Store.Write(ctx, func(tx *store.Tx) error {
		return tx.SetAlertStatus(ctx, f.Org.ID, "alert-1", "acknowledged", comp.User.ID, nil, "", "new")
	}); err != nil {
		t.Fatal(err)
	}
	check(report(sched), "164.308(a)(5)(ii)(C)", conformance.Pass, "")
}

func itemOf(r conformance.Report, id string) conformance.Item {
	for _, s := range r.Sections {
		for _, it := range s.Items {
			if it.ID == id {
				return it
			}
		}
	}
	return conformance.Item{}
}
