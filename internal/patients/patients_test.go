package patients_test

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/store"
)

type fixture struct {
	*apptest.Fixture
	svc                    *patients.Service
	nurse, doc, admin, pat *access.Principal
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	return newFixtureOn(t, apptest.New(t, false))
}

// newFixtureOn is newFixture over an apptest Fixture (apptest.NewPostgres, say).
func newFixtureOn(t *testing.T, af *apptest.Fixture) *fixture {
	t.Helper()
	f := &fixture{Fixture: af}
	f.svc = f.Patients
	login := func(role ward.Role, email string) *access.Principal {
		_, pw := f.AddUser(t, role, email, "Someone "+string(role))
		p, _ := f.MustLogin(t, email, pw, "dev-"+string(role))
		return p
	}
	f.nurse = login(ward.RoleStaff, "nurse@stmary.example")
	f.doc = login(ward.RoleClinician, "doc@stmary.example")
	f.admin = login(ward.RoleAdmin, "admin@stmary.example")
	f.pat = login(ward.RolePatient, "pat@example.org")
	return f
}

type auditRow struct {
	Action     string `json:"action"`
	ResourceID string `json:"resource_id"`
	PatientID  string `json:"patient_id"`
	Reason     string `json:"reason"`
}

// events returns the audit events of the given action so far.
func (f *fixture) events(t *testing.T, action audit.Action) []auditRow {
	t.Helper()
	var buf bytes.Buffer
	if _, err := audit.Export(context.Background(), f.Store, time.Time{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), "jsonl", &buf, nil); err != nil {
		t.Fatal(err)
	}
	var out []auditRow
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r auditRow
		if json.Unmarshal(sc.Bytes(), &r) == nil && r.Action == string(action) {
			out = append(out, r)
		}
	}
	return out
}

func (f *fixture) count(t *testing.T, query string) int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.DataDir, store.SQLiteFile)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func jane() patients.Fields {
	return patients.Fields{MRN: "AB-1234", GivenName: "Jane", FamilyName: "Doe", BirthDate: "1980-02-29", Sex: "female",
		Phone: "+1 555 0100", Email: "jane@example.org"}
}

func TestCreateGetFind(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rec, err := f.svc.Create(ctx, f.nurse, jane())
	if err != nil {
		t.Fatal(err)
	}
	if rec.ID == "" || rec.Status != patients.Active || rec.Fields.MRN != "AB-1234" {
		t.Fatalf("created %+v", rec)
	}
	if ev := f.events(t, audit.PatientCreated); len(ev) != 1 || ev[0].ResourceID != rec.ID || ev[0].PatientID != rec.ID {
		t.Fatalf("patient.created events %+v", ev)
	}
	got, err := f.svc.Get(ctx, f.doc, rec.ID)
	if err != nil || got.Fields != rec.Fields {
		t.Fatalf("get: %+v, %v", got, err)
	}
	if ev := f.events(t, audit.PatientRecordRead); len(ev) != 1 || ev[0].ResourceID != rec.ID {
		t.Fatalf("patient.read after get: %+v", ev)
	}
	// The MRN is found in another spelling; the family name in another case.
	found, err := f.svc.FindByMRN(ctx, f.nurse, " ab 1234 ")
	if err != nil || len(found) != 1 || found[0].ID != rec.ID {
		t.Fatalf("find by mrn: %+v, %v", found, err)
	}
	found, err = f.svc.FindByBirthDateAndName(ctx, f.nurse, "1980-02-29", "  DOE ")
	if err != nil || len(found) != 1 || found[0].ID != rec.ID {
		t.Fatalf("find by dob+name: %+v, %v", found, err)
	}
	if found, err := f.svc.FindByMRN(ctx, f.nurse, "AB-9999"); err != nil || len(found) != 0 {
		t.Fatalf("find an unknown mrn: %+v, %v", found, err)
	}
	if ev := f.events(t, audit.PatientRecordRead); len(ev) != 3 {
		t.Fatalf("patient.read events: %d, want 3 (one per record returned)", len(ev))
	}
	// Nothing of the record is in the row in the clear.
	var row store.PatientRow
	if err := f.Store.Read(ctx, func(tx *store.Tx) (err error) { row, err = tx.Patient(ctx, f.Org.ID, rec.ID); return err }); err != nil {
		t.Fatal(err)
	}
	for _, v := range []string{"Jane", "Doe", "AB-1234", "AB1234", "1980-02-29", "555", "jane@"} {
		if bytes.Contains(row.Sealed, []byte(v)) || strings.Contains(row.MRNIndex+row.DOBNameIndex, v) {
			t.Errorf("the stored row holds %q", v)
		}
	}
}

func TestDuplicateMRNStoresNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.Create(ctx, f.nurse, jane()); err != nil {
		t.Fatal(err)
	}
	keys := f.count(t, "SELECT count(*) FROM keyring_deks")
	dup := jane()
	dup.MRN, dup.GivenName = "ab1234", "Other"
	_, err := f.svc.Create(ctx, f.doc, dup)
	apptest.WantCode(t, err, ward.CodeConflict)
	if n := f.count(t, "SELECT count(*) FROM patients"); n != 1 {
		t.Errorf("%d patient rows after a duplicate, want 1", n)
	}
	if n := f.count(t, "SELECT count(*) FROM keyring_deks"); n != keys {
		t.Errorf("a refused duplicate made a data key (%d → %d)", keys, n)
	}
	if ev := f.events(t, audit.PatientCreated); len(ev) != 1 {
		t.Errorf("patient.created events: %d, want 1", len(ev))
	}
}

func TestBadInputStoresNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for name, mod := range map[string]func(*patients.Fields){
		"empty mrn":      func(p *patients.Fields) { p.MRN = "  " },
		"no given name":  func(p *patients.Fields) { p.GivenName = "" },
		"bad date":       func(p *patients.Fields) { p.BirthDate = "1980-02-30" },
		"date form":      func(p *patients.Fields) { p.BirthDate = "29/02/1980" },
		"future date":    func(p *patients.Fields) { p.BirthDate = "2999-01-01" },
		"long name":      func(p *patients.Fields) { p.FamilyName = strings.Repeat("x", 201) },
		"long mrn":       func(p *patients.Fields) { p.MRN = strings.Repeat("1", 65) },
		"bad sex":        func(p *patients.Fields) { p.Sex = "x" },
		"bad phone":      func(p *patients.Fields) { p.Phone = "call me" },
		"bad email":      func(p *patients.Fields) { p.Email = "jane" },
		"control in mrn": func(p *patients.Fields) { p.MRN = "A\x00B" },
	} {
		in := jane()
		mod(&in)
		_, err := f.svc.Create(ctx, f.nurse, in)
		if ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("%s: %v, want invalid_input", name, err)
		}
	}
	if n := f.count(t, "SELECT count(*) FROM patients"); n != 0 {
		t.Errorf("%d rows stored from bad input", n)
	}
}

func TestUpdateAndDeactivate(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rec, err := f.svc.Create(ctx, f.nurse, jane())
	if err != nil {
		t.Fatal(err)
	}
	other := jane()
	other.MRN = "CD-1"
	if _, err := f.svc.Create(ctx, f.nurse, other); err != nil {
		t.Fatal(err)
	}
	phone, family := "+1 555 0199", "Roe"
	up, err := f.svc.Update(ctx, f.doc, rec.ID, patients.Edit{Phone: &phone, FamilyName: &family})
	if err != nil || up.Fields.Phone != phone || up.Fields.FamilyName != family || up.Fields.GivenName != "Jane" {
		t.Fatalf("update: %+v, %v", up, err)
	}
	ev := f.events(t, audit.PatientUpdated)
	if len(ev) != 1 || ev[0].Reason != "fields: family_name, phone" {
		t.Fatalf("patient.updated: %+v", ev)
	}
	if found, _ := f.svc.FindByBirthDateAndName(ctx, f.nurse, "1980-02-29", "roe"); len(found) != 1 {
		t.Errorf("the new family name is not found: %d", len(found))
	}
	taken := "cd 1"
	_, err = f.svc.Update(ctx, f.doc, rec.ID, patients.Edit{MRN: &taken})
	apptest.WantCode(t, err, ward.CodeConflict)

	if ok, err := f.svc.IsActivePatient(ctx, f.Org.ID, rec.ID); !ok || err != nil {
		t.Fatalf("IsActivePatient before deactivation: %v, %v", ok, err)
	}
	if err := f.svc.Deactivate(ctx, f.admin, rec.ID); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.svc.IsActivePatient(ctx, f.Org.ID, rec.ID); ok {
		t.Error("a deactivated record is active")
	}
	if got, err := f.svc.Get(ctx, f.nurse, rec.ID); err != nil || got.Status != patients.Deactivated {
		t.Errorf("get after deactivation: %+v, %v", got.Status, err)
	}
	_, err = f.svc.Update(ctx, f.doc, rec.ID, patients.Edit{Phone: &family})
	apptest.WantCode(t, err, ward.CodeConflict)
	if ev := f.events(t, audit.PatientDeactivated); len(ev) != 1 || ev[0].ResourceID != rec.ID {
		t.Errorf("patient.deactivated: %+v", ev)
	}
}

func TestWhoMay(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rec, err := f.svc.Create(ctx, f.nurse, jane())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*access.Principal{f.admin, f.pat} {
		_, err := f.svc.Get(ctx, p, rec.ID)
		apptest.WantCode(t, err, ward.CodeForbidden)
		_, err = f.svc.FindByMRN(ctx, p, "AB-1234")
		apptest.WantCode(t, err, ward.CodeForbidden)
		_, err = f.svc.Create(ctx, p, jane())
		apptest.WantCode(t, err, ward.CodeForbidden)
	}
	apptest.WantCode(t, f.svc.Deactivate(ctx, f.pat, rec.ID), ward.CodeForbidden)
	// Another org's record, or no record, is not found.
	_, err = f.svc.Get(ctx, f.nurse, "0190a3a0-0000-7000-8000-000000000000")
	apptest.WantCode(t, err, ward.CodeNotFound)
	_, err = f.svc.Get(ctx, f.nurse, "not-a-uuid")
	apptest.WantCode(t, err, ward.CodeNotFound)
}

// Shredding a record's data key (scope patient:<id>) erases every field:
// the record reads with its id and status only, and cannot be edited.
func TestShreddedRecordIsErased(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rec, err := f.svc.Create(ctx, f.nurse, jane())
	if err != nil {
		t.Fatal(err)
	}
	other := jane()
	other.MRN = "KEEP-1"
	kept, err := f.svc.Create(ctx, f.nurse, other)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Keyring.Shred(ctx, f.Org.ID, "patient:"+rec.ID); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Get(ctx, f.doc, rec.ID)
	if err != nil || !got.Erased || got.Fields != (patients.Fields{}) || got.ID != rec.ID {
		t.Fatalf("a shredded record: %+v, %v", got, err)
	}
	phone := "+1 555 0101"
	_, err = f.svc.Update(ctx, f.doc, rec.ID, patients.Edit{Phone: &phone})
	apptest.WantCode(t, err, ward.CodeConflict)
	if got, err := f.svc.Get(ctx, f.doc, kept.ID); err != nil || got.Erased || got.Fields.MRN != "KEEP-1" {
		t.Fatalf("another patient's record after the shred: %+v, %v", got, err)
	}
}

// TestLookUpWithoutItsAuditReturnsNothing: a look-up whose patient.read
// cannot be committed fails whole, though the record was found and opened
// while the event was being written.
func TestLookUpWithoutItsAuditReturnsNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	rec, err := f.svc.Create(ctx, f.nurse, jane())
	if err != nil {
		t.Fatal(err)
	}
	f.Recorder.Close()
	if found, err := f.svc.FindByMRN(ctx, f.nurse, "AB-1234"); err == nil || len(found) != 0 {
		t.Errorf("find by mrn with no audit: %d records, %v", len(found), err)
	}
	if found, err := f.svc.FindByBirthDateAndName(ctx, f.nurse, "1980-02-29", "Doe"); err == nil || len(found) != 0 {
		t.Errorf("find by dob+name with no audit: %d records, %v", len(found), err)
	}
	if got, err := f.svc.Get(ctx, f.nurse, rec.ID); err == nil || got.ID != "" {
		t.Errorf("get with no audit: %+v, %v", got, err)
	}
	// An unknown MRN reads no record and so records nothing: it still answers.
	if found, err := f.svc.FindByMRN(ctx, f.nurse, "AB-9999"); err != nil || len(found) != 0 {
		t.Errorf("find an unknown mrn with no audit: %d records, %v", len(found), err)
	}
}
