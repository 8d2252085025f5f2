package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
)

// auditWorld is an org with a compliance officer and two clinicians, and
// another org with events of its own.
type auditWorld struct {
	f          *Fixture
	compliance *app.Principal
	nurse      *app.Principal
	otherOwner ward.User
}

func newAuditWorld(t *testing.T) *auditWorld {
	t.Helper()
	f := MustFixture(t, false)
	ctx := context.Background()
	cu, cpw := f.AddUser(t, ward.RoleCompliance, "comp@stmary.example", "C Officer")
	nu, npw := f.AddUser(t, ward.RoleClinician, "nurse@stmary.example", "N Nurse")
	w := &auditWorld{f: f}
	w.compliance, _ = f.MustLogin(t, cu.Email, cpw, "device-comp")
	w.nurse, _ = f.MustLogin(t, nu.Email, npw, "device-nurse")
	var err error
	_, w.otherOwner, _, err = f.App.CreateOrg(ctx, app.InitOrg{Name: "Elsewhere", AdminEmail: "boss@elsewhere.example", Password: "other org owner passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	// A failed sign-in in each org, and patient events in each.
	if _, err := f.Login(nu.Email, "not the password at all", "device-nurse", "10.0.0.9"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	if _, err := f.Login(w.otherOwner.Email, "not the password at all", "device-boss", "10.0.0.8"); err == nil {
		t.Fatal("a wrong password signed in")
	}
	err = f.Recorder.Record(ctx,
		audit.Event{OrgID: f.Org.ID, Actor: audit.Actor{UserID: nu.ID, Role: "clinician"}, Action: audit.PatientRecordRead,
			ResourceType: "patient", ResourceID: "pat-1", PatientID: "pat-1", Outcome: audit.Success},
		audit.Event{OrgID: w.otherOwner.OrgID, Actor: audit.Actor{UserID: w.otherOwner.ID, Role: "owner"}, Action: audit.PatientRecordRead,
			ResourceType: "patient", ResourceID: "pat-1", PatientID: "pat-1", Outcome: audit.Success})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *auditWorld) search(t *testing.T, q app.AuditQuery) app.AuditPage {
	t.Helper()
	page, err := w.f.App.SearchAudit(context.Background(), w.compliance, q)
	if err != nil {
		t.Fatalf("SearchAudit(%+v): %v", q, err)
	}
	for _, e := range page.Events {
		if e.OrgID != w.f.Org.ID {
			t.Fatalf("an event of org %s shows in %s's audit viewer: %+v", e.OrgID, w.f.Org.ID, e)
		}
	}
	return page
}

func TestSearchAuditFilters(t *testing.T) {
	w := newAuditWorld(t)
	ctx := context.Background()
	nurseID := w.nurse.User.ID

	// The search is recorded before it answers: it is the newest event of its own answer.
	page := w.search(t, app.AuditQuery{})
	if len(page.Events) == 0 || page.Events[0].Action != audit.AuditSearched || page.Events[0].Actor.UserID != w.compliance.User.ID ||
		page.Events[0].Reason != "limit=50" {
		t.Fatalf("the first event is not this search: %+v", page.Events)
	}
	page = w.search(t, app.AuditQuery{AuditFilter: app.AuditFilter{UserID: nurseID}})
	if last := w.search(t, app.AuditQuery{Limit: 2}); last.Events[1].Reason != "user="+nurseID+" limit=50" {
		t.Errorf("audit.searched reason %q", last.Events[1].Reason)
	}
	for _, e := range page.Events {
		if e.Actor.UserID != nurseID && !(e.ResourceType == "user" && e.ResourceID == nurseID) {
			t.Errorf("user filter let through %+v", e)
		}
	}
	actions := map[audit.Action]bool{}
	for _, e := range page.Events {
		actions[e.Action] = true
	}
	if !actions[audit.LoginFailed] || !actions[audit.LoginSucceeded] || !actions[audit.UserCreated] {
		t.Errorf("the nurse's events lack sign-ins or their creation: %v", actions)
	}

	page = w.search(t, app.AuditQuery{AuditFilter: app.AuditFilter{Action: audit.LoginFailed}})
	if len(page.Events) != 1 || page.Events[0].Actor.UserID != nurseID || page.Events[0].Outcome != audit.Failure {
		t.Errorf("action filter: %+v", page.Events)
	}
	page = w.search(t, app.AuditQuery{AuditFilter: app.AuditFilter{PatientID: "pat-1"}})
	if len(page.Events) != 1 || page.Events[0].Action != audit.PatientRecordRead {
		t.Errorf("patient filter: %+v", page.Events)
	}
	// Another org's user: nothing, not an error.
	page = w.search(t, app.AuditQuery{AuditFilter: app.AuditFilter{UserID: w.otherOwner.ID, Action: audit.LoginFailed}})
	if len(page.Events) != 0 || page.Next != 0 {
		t.Errorf("another org's user: %+v", page)
	}

	// Time: events two days on fall in [now, now+1h) and nothing older.
	w.f.Clock.Advance(48 * time.Hour)
	later := w.f.Clock.Now()
	if err := w.f.Recorder.Record(ctx, audit.Event{OrgID: w.f.Org.ID, Action: audit.PolicyUpdated, Outcome: audit.Success}); err != nil {
		t.Fatal(err)
	}
	page = w.search(t, app.AuditQuery{AuditFilter: app.AuditFilter{From: later, To: later.Add(time.Hour)}})
	var got []audit.Action
	for _, e := range page.Events {
		got = append(got, e.Action)
	}
	if !slices.Equal(got, []audit.Action{audit.AuditSearched, audit.PolicyUpdated}) {
		t.Errorf("time filter: %v", got)
	}
	page = w.search(t, app.AuditQuery{AuditFilter: app.AuditFilter{To: later.Add(-time.Hour), Action: audit.PolicyUpdated}})
	if len(page.Events) != 0 {
		t.Errorf("to filter let through %+v", page.Events)
	}

	for _, tc := range []struct {
		name string
		q    app.AuditQuery
	}{
		{"unknown action", app.AuditQuery{AuditFilter: app.AuditFilter{Action: "user.deleted_everything"}}},
		{"limit too big", app.AuditQuery{Limit: app.MaxAuditLimit + 1}},
		{"negative limit", app.AuditQuery{Limit: -1}},
		{"negative cursor", app.AuditQuery{Before: -5}},
		{"from after to", app.AuditQuery{AuditFilter: app.AuditFilter{From: later, To: later.Add(-time.Hour)}}},
		{"free text as user", app.AuditQuery{AuditFilter: app.AuditFilter{UserID: "Jane Doe, diabetic"}}},
		{"long patient id", app.AuditQuery{AuditFilter: app.AuditFilter{PatientID: strings.Repeat("p", 200)}}},
	} {
		_, err := w.f.App.SearchAudit(ctx, w.compliance, tc.q)
		if ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("%s: %v, want invalid_input", tc.name, err)
		}
	}
	// Only compliance may search.
	_, err := w.f.App.SearchAudit(ctx, w.nurse, app.AuditQuery{})
	wantCode(t, err, ward.CodeForbidden)
	owner, _ := w.f.MustLogin(t, w.f.Owner.Email, w.f.OwnerPW, "device-owner")
	_, err = w.f.App.SearchAudit(ctx, owner, app.AuditQuery{})
	wantCode(t, err, ward.CodeForbidden)

	// If the search cannot be recorded, it fails.
	w.f.Recorder.Close()
	_, err = w.f.App.SearchAudit(ctx, w.compliance, app.AuditQuery{})
	wantCode(t, err, ward.CodeUnavailable)
}

func TestSearchAuditPaging(t *testing.T) {
	w := newAuditWorld(t)
	ctx := context.Background()
	for range 7 {
		if err := w.f.Recorder.Record(ctx, audit.Event{OrgID: w.f.Org.ID, Action: audit.PolicyUpdated, Outcome: audit.Success}); err != nil {
			t.Fatal(err)
		}
	}
	// The whole trail of the org, in one page, as the reference.
	all := w.search(t, app.AuditQuery{Limit: app.MaxAuditLimit})
	if all.Next != 0 || len(all.Events) < 15 {
		t.Fatalf("%d events, next %d", len(all.Events), all.Next)
	}
	var want []int64
	for _, e := range all.Events {
		want = append(want, e.ID)
	}
	// Paging three at a time from just before that search reaches each once,
	// newest first (each page's own audit.searched is newer than the cursor).
	var got []int64
	before := want[0]
	for pages := 0; ; pages++ {
		if pages > 50 {
			t.Fatal("paging does not end")
		}
		page := w.search(t, app.AuditQuery{Before: before, Limit: 3})
		for _, e := range page.Events {
			got = append(got, e.ID)
		}
		if page.Next == 0 {
			if len(page.Events) > 3 {
				t.Fatalf("a page of %d", len(page.Events))
			}
			break
		}
		if page.Next != page.Events[len(page.Events)-1].ID {
			t.Fatalf("next %d is not the last id of the page", page.Next)
		}
		before = page.Next
	}
	if !slices.Equal(got, want[1:]) {
		t.Errorf("paged ids %v, want %v", got, want[1:])
	}
}

func TestExportAudit(t *testing.T) {
	w := newAuditWorld(t)
	ctx := context.Background()
	now := w.f.Clock.Now()
	x := app.AuditExport{AuditFilter: app.AuditFilter{From: now.Add(-time.Hour), To: now.Add(time.Hour)}, Format: app.ExportCSV}
	var buf bytes.Buffer
	n, err := w.f.App.ExportAudit(ctx, w.compliance, x, &buf)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(recs[0], audit.ExportColumns()) || len(recs) != n+1 || n < 5 {
		t.Fatalf("header %v, %d rows for %d events", recs[0], len(recs)-1, n)
	}
	exported := false
	for _, r := range recs[1:] {
		if r[2] != w.f.Org.ID {
			t.Errorf("another org's event exported: %v", r)
		}
		if r[7] == string(audit.AuditExported) && r[3] == w.compliance.User.ID && strings.HasPrefix(r[12], "format=csv from=") {
			exported = true // recorded before the export ran
		}
	}
	if !exported {
		t.Error("the export's own audit.exported event is not in it")
	}

	x.Format, x.PatientID = app.ExportJSONL, "pat-1"
	buf.Reset()
	if n, err = w.f.App.ExportAudit(ctx, w.compliance, x, &buf); err != nil || n != 1 {
		t.Fatalf("patient export: %d events, %v", n, err)
	}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec["org_id"] != w.f.Org.ID || rec["patient_id"] != "pat-1" {
			t.Errorf("JSONL line %s: %v", sc.Bytes(), err)
		}
	}

	for _, bad := range []app.AuditExport{
		{AuditFilter: app.AuditFilter{From: now}, Format: "csv"},
		{AuditFilter: app.AuditFilter{From: now, To: now.Add(time.Hour)}, Format: "xml"},
		{AuditFilter: app.AuditFilter{From: now, To: now.Add(time.Hour), Action: "nope"}, Format: "csv"},
		{AuditFilter: app.AuditFilter{From: now, To: now}, Format: "csv"},
	} {
		buf.Reset()
		_, err := w.f.App.ExportAudit(ctx, w.compliance, bad, &buf)
		if ward.ErrorCode(err) != ward.CodeInvalid || buf.Len() != 0 {
			t.Errorf("%+v: %v, %d bytes", bad, err, buf.Len())
		}
	}
	_, err = w.f.App.ExportAudit(ctx, w.nurse, x, &buf)
	wantCode(t, err, ward.CodeForbidden)

	// No record, no export.
	w.f.Recorder.Close()
	buf.Reset()
	_, err = w.f.App.ExportAudit(ctx, w.compliance, x, &buf)
	if err == nil || buf.Len() != 0 {
		t.Errorf("export with the recorder down: %v, %d bytes", err, buf.Len())
	}
}
