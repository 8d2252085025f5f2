package accounting_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/access"
	"github.com/wardhealth/ward/internal/accounting"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/patients"
)

// world: two patients, a conversation about each; a nurse, a doctor and a
// second doctor read them at different times.
type world struct {
	f                *apptest.Fixture
	s                *accounting.Service
	nurse, doc, doc2 *access.Principal
	comp             *access.Principal
	rec, rec2        patients.Record
	start            time.Time
}

func newWorld(t testing.TB, f *apptest.Fixture) *world {
	ctx := context.Background()
	w := &world{f: f, start: f.Clock.Now()}
	w.s = accounting.New(accounting.Config{Store: f.Store, Patients: f.Patients, Now: f.Clock.Now})
	login := func(role ward.Role, name string) *access.Principal {
		u, pw := f.AddUser(t, role, name+"@stmary.example", "A "+name)
		p, _ := f.MustLogin(t, u.Email, pw, "device-"+name)
		return p
	}
	w.nurse, w.doc, w.doc2 = login(ward.RoleStaff, "nurse"), login(ward.RoleClinician, "doc"), login(ward.RoleClinician, "doc2")
	w.comp = login(ward.RoleCompliance, "comp")
	var err error
	if w.rec, err = f.Patients.Create(ctx, w.nurse, patients.Fields{MRN: "R-1", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"}); err != nil {
		t.Fatal(err)
	}
	if w.rec2, err = f.Patients.Create(ctx, w.nurse, patients.Fields{MRN: "R-2", GivenName: "Sam", FamilyName: "Second", BirthDate: "1971-01-01"}); err != nil {
		t.Fatal(err)
	}
	mk := func(patientID string, members ...string) ward.Conversation {
		c, _, err := f.App.CreateConversation(ctx, w.nurse, app.NewConversation{Kind: ward.Group, Title: "about " + patientID, Members: members, PatientID: patientID})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.App.SendMessage(ctx, w.nurse, c.ID, app.SendRequest{ClientID: "c-" + c.ID, Body: "body"}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := mk(w.rec.ID, w.doc.User.ID, w.doc2.User.ID)
	c2 := mk(w.rec2.ID, w.doc.User.ID, w.doc2.User.ID)
	// A day later the doctor reads both; two days later the second doctor
	// reads the first patient's record and the second patient's conversation.
	f.Clock.Advance(24 * time.Hour)
	for _, c := range []ward.Conversation{c1, c2} {
		if _, err := f.App.ListMessages(ctx, w.doc, c.ID, 0, 50); err != nil {
			t.Fatal(err)
		}
	}
	f.Clock.Advance(24 * time.Hour)
	if _, err := f.Patients.Get(ctx, w.doc2, w.rec.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.App.ListMessages(ctx, w.doc2, c2.ID, 0, 50); err != nil {
		t.Fatal(err)
	}
	f.Clock.Advance(time.Hour)
	return w
}

func (w *world) caller() accounting.Caller {
	return accounting.Caller{OrgID: w.comp.User.OrgID, Actor: w.comp.Actor()}
}

func TestAccountingListsOnlyThePatientsAccesses(t *testing.T) {
	w := newWorld(t, apptest.New(t, false))
	a, err := w.s.Produce(context.Background(), w.caller(), accounting.Query{MRN: "R-1", Format: "csv"})
	if err != nil {
		t.Fatal(err)
	}
	if a.PatientID != w.rec.ID || !a.To.Equal(w.f.Clock.Now().Add(time.Microsecond)) || !a.From.Equal(a.To.AddDate(-6, 0, 0)) {
		t.Fatalf("patient %s period %s to %s", a.PatientID, a.From, a.To)
	}
	var who []string
	for _, e := range a.Entries {
		who = append(who, e.Who+" "+e.Action)
		if strings.Contains(e.Resource, w.rec2.ID) || strings.Contains(e.Why, w.rec2.ID) {
			t.Errorf("an entry about the other patient: %+v", e)
		}
	}
	for _, want := range []string{"A nurse patient.created", "A nurse conversation.created", "A nurse message.sent",
		"A doc message.read", "A doc2 patient.read"} {
		if !slices.Contains(who, want) {
			t.Errorf("no %q in %q", want, who)
		}
	}
	if slices.Contains(who, "A doc2 message.read") {
		t.Errorf("doc2 read only the other patient's conversation, yet: %q", who)
	}
	for _, e := range a.Entries {
		if e.Action == string(audit.PatientRecordRead) && (e.Role != "clinician" || e.What != "viewed the patient's record") {
			t.Errorf("record read described as %+v", e)
		}
	}
}

func TestAccountingPeriodBounds(t *testing.T) {
	w := newWorld(t, apptest.New(t, false))
	day1 := w.start.Add(24 * time.Hour)
	// Only the day of the doctor's reads: [day1, day1+1h).
	a, err := w.s.Produce(context.Background(), w.caller(), accounting.Query{PatientID: w.rec.ID, From: day1, To: day1.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Entries) != 1 || a.Entries[0].Action != string(audit.MessageRead) || a.Entries[0].Who != "A doc" {
		t.Fatalf("entries %+v", a.Entries)
	}
	// The end is excluded: a period that ends at the read holds nothing of it.
	a, err = w.s.Produce(context.Background(), w.caller(), accounting.Query{PatientID: w.rec.ID, From: day1.Add(time.Minute), To: day1.Add(24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Entries) != 0 {
		t.Fatalf("entries %+v", a.Entries)
	}
}

func TestAccountingCSVAndPDF(t *testing.T) {
	w := newWorld(t, apptest.New(t, false))
	a, err := w.s.Produce(context.Background(), w.caller(), accounting.Query{MRN: "R-1"})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := accounting.WriteCSV(&b, &a); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"time", "who", "role", "user_id", "what", "kind", "action", "resource", "why", "seq"}) {
		t.Fatalf("header %q", rows[0])
	}
	if len(rows) != len(a.Entries)+1 {
		t.Fatalf("%d rows for %d entries", len(rows), len(a.Entries))
	}
	var pdf bytes.Buffer
	if err := accounting.WritePDF(&pdf, &a, false); err != nil {
		t.Fatal(err)
	}
	// The PDF and the CSV agree: the same people, in the same order.
	for _, want := range []string{"%PDF-", accounting.Title, "MRN R-1", a.RequestID, "A doc2 (clinician)", "viewed the patient's record"} {
		if !bytes.Contains(pdf.Bytes(), []byte(pdfEscape(want))) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
	for _, r := range rows[1:] {
		if !bytes.Contains(pdf.Bytes(), []byte(pdfEscape(r[1]+" ("+r[2]+")"))) {
			t.Errorf("the PDF lacks %q", r[1])
		}
	}
}

// pdfEscape escapes a string as fpdf writes it in a text operator.
func pdfEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(s)
}

func TestAccountingIsLoggedWithItsDeadline(t *testing.T) {
	w := newWorld(t, apptest.New(t, false))
	ctx := context.Background()
	asked := w.f.Clock.Now().Add(-72 * time.Hour)
	r, err := w.s.LogRequest(ctx, w.caller(), accounting.Query{MRN: "R-2"}, asked)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Deadline.Equal(asked.Add(60*24*time.Hour)) || r.PatientID != w.rec2.ID || !r.AnsweredAt.IsZero() {
		t.Fatalf("request %+v", r)
	}
	a, err := w.s.Produce(ctx, w.caller(), accounting.Query{RequestID: r.ID, Format: "pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if a.RequestID != r.ID || a.PatientID != w.rec2.ID || !a.Deadline.Equal(r.Deadline) {
		t.Fatalf("accounting %+v", a)
	}
	// A second, answered at once.
	if _, err := w.s.Produce(ctx, w.caller(), accounting.Query{MRN: "R-1"}); err != nil {
		t.Fatal(err)
	}
	rs, err := w.s.Requests(ctx, w.comp.User.OrgID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("%d requests", len(rs))
	}
	for _, q := range rs {
		if q.AnsweredAt.IsZero() || !q.Deadline.Equal(q.RequestedAt.Add(60*24*time.Hour)) {
			t.Errorf("request %+v", q)
		}
	}
	evs := w.f.AuditEvents(t, audit.AccountingProduced)
	if len(evs) != 2 || evs[0]["patient_id"] != w.rec2.ID || !strings.Contains(fmt.Sprint(evs[0]["reason"]), "pdf") {
		t.Fatalf("accounting.produced events %v", evs)
	}
	if got := w.f.AuditEvents(t, audit.AccountingRequested); len(got) != 1 {
		t.Fatalf("accounting.requested events %v", got)
	}
}

func TestAccountingBadInputChangesNothing(t *testing.T) {
	w := newWorld(t, apptest.New(t, false))
	ctx := context.Background()
	for _, q := range []accounting.Query{
		{MRN: "NOPE"},
		{PatientID: "0193a000-0000-7000-8000-000000000000"},
	} {
		_, err := w.s.Produce(ctx, w.caller(), q)
		apptest.WantCode(t, err, ward.CodeUnknownPatient)
		_, err = w.s.LogRequest(ctx, w.caller(), q, time.Time{})
		apptest.WantCode(t, err, ward.CodeUnknownPatient)
	}
	now := w.f.Clock.Now()
	_, err := w.s.Produce(ctx, w.caller(), accounting.Query{MRN: "R-1", From: now, To: now.Add(-time.Hour)})
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = w.s.Produce(ctx, w.caller(), accounting.Query{})
	apptest.WantCode(t, err, ward.CodeInvalid)
	_, err = w.s.LogRequest(ctx, w.caller(), accounting.Query{MRN: "R-1"}, now.Add(time.Hour))
	apptest.WantCode(t, err, ward.CodeInvalid)
	rs, err := w.s.Requests(ctx, w.comp.User.OrgID)
	if err != nil || len(rs) != 0 {
		t.Fatalf("requests %v %v", rs, err)
	}
	if got := w.f.AuditEvents(t, audit.AccountingProduced); len(got) != 0 {
		t.Fatalf("events %v", got)
	}
}

func TestAccountingPostgres(t *testing.T) {
	w := newWorld(t, apptest.NewPostgres(t, false))
	a, err := w.s.Produce(context.Background(), w.caller(), accounting.Query{MRN: "R-1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Entries) < 5 {
		t.Fatalf("entries %+v", a.Entries)
	}
}
