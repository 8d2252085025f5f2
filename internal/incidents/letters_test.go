package incidents_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/incidents"
)

func TestLettersExportAndClose(t *testing.T) { testLettersExportAndClose(t, newWorld(t)) }

// TestLettersExportAndClosePostgres is the same on PostgreSQL (skipped
// unless WARD_TEST_POSTGRES is set).
func TestLettersExportAndClosePostgres(t *testing.T) {
	testLettersExportAndClose(t, newWorldOn(t, apptest.NewPostgres(t, false)))
}

// testLettersExportAndClose: the four-factor assessment and its outcome;
// a letter per affected patient (PDF) holds the §164.404(c) headings, the
// dates, the PHI types and the patient's name, audited with the patient;
// the HHS portal's fields as JSON and CSV; the annual log lists a breach
// of under 500; a closed incident refuses every change (incident_closed)
// yet its letters and export still read.
func testLettersExportAndClose(t *testing.T, w *world) {
	ctx := context.Background()
	in, err := w.s.Open(ctx, w.comp, draft(w.f.Clock.Now()))
	if err != nil {
		t.Fatal(err)
	}
	a := incidents.Assessment{Nature: incidents.Factor{Rating: "high", Notes: "names and diagnoses"}, Identifiers: []string{"name", "mrn"},
		Reidentification: "high", Recipient: incidents.Factor{Rating: "moderate", Notes: "unknown thief"},
		Acquired: incidents.Factor{Rating: "moderate"}, Viewed: "unknown", Outcome: incidents.OutcomeBreach}
	_, err = w.s.Assess(ctx, w.comp, in.ID, a)
	apptest.WantCode(t, err, ward.CodeAssessmentIncomplete)
	a.Mitigation = incidents.Factor{Rating: "low", Notes: "remote wipe failed"}
	if got, err := w.s.Assess(ctx, w.comp, in.ID, a); err != nil || got.Outcome != incidents.OutcomeBreach {
		t.Fatalf("assess: %+v %v", got, err)
	}
	if r := reasonsOf(t, w, audit.IncidentAssessed); len(r) != 1 || r[0] != "nature high, recipient moderate, acquired moderate, mitigation low; outcome breach" {
		t.Fatalf("assessed reasons %q", r)
	}
	for _, r := range w.recs[:2] {
		if _, err := w.s.EditPatient(ctx, w.comp, in.ID, incidents.PatientEdit{PatientID: r.ID, State: "CA", Reason: "on the laptop"}); err != nil {
			t.Fatal(err)
		}
	}
	pdf, err := w.s.Letter(ctx, w.comp, in.ID, w.recs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:16])
	}
	for _, want := range []string{incidents.HeadingWhatHappened, incidents.HeadingInformation, incidents.HeadingSteps,
		incidents.HeadingWhatWeDo, incidents.HeadingContact, "Dear Given0 Family0", "November 20, 2026", "November 24, 2026",
		"name, date of birth, diagnosis", "Call 1-800-555-0100.", "St Mary"} {
		if !bytes.Contains(pdf, []byte(want)) {
			t.Errorf("letter lacks %q", want)
		}
	}
	_, err = w.s.Letter(ctx, w.comp, in.ID, w.recs[3].ID)
	apptest.WantCode(t, err, ward.CodeNotFound)
	if ev := w.f.AuditEvents(t, audit.IncidentLetter); len(ev) != 1 || ev[0]["patient_id"] != w.recs[0].ID {
		t.Fatalf("letter events %v", ev)
	}

	pt, err := w.s.Export(ctx, w.comp, in.ID, "json")
	if err != nil {
		t.Fatal(err)
	}
	if pt.CoveredEntity != "St Mary" || pt.Affected != 2 || pt.BreachType != "theft" || pt.DiscoveredOn != "2026-11-24" ||
		pt.IndividualNoticeDue != "2027-01-23" || pt.MediaNotice || pt.Outcome != "breach" {
		t.Fatalf("portal %+v", pt)
	}
	var b bytes.Buffer
	if err := incidents.WriteCSV(&b, []incidents.Portal{pt}); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil || len(rows) != 2 || rows[1][0] != "St Mary" || rows[1][5] != "2" || rows[1][7] != "laptop" {
		t.Fatalf("csv %q %v", rows, err)
	}
	log, due, err := w.s.AnnualLog(ctx, w.comp, 2026)
	if err != nil || len(log) != 1 || log[0].IncidentID != in.ID || due.Format("2006-01-02") != "2027-03-01" {
		t.Fatalf("annual log %+v due %v %v", log, due, err)
	}
	if l, _, err := w.s.AnnualLog(ctx, w.comp, 2025); err != nil || len(l) != 0 {
		t.Fatalf("2025 log %v %v", l, err)
	}

	if _, err := w.s.Close(ctx, w.comp, in.ID); err != nil {
		t.Fatal(err)
	}
	closed := func(err error) { t.Helper(); apptest.WantCode(t, err, ward.CodeIncidentClosed) }
	_, err = w.s.Close(ctx, w.comp, in.ID)
	closed(err)
	_, err = w.s.Update(ctx, w.comp, in.ID, draft(w.f.Clock.Now()))
	closed(err)
	_, err = w.s.Assess(ctx, w.comp, in.ID, a)
	closed(err)
	_, err = w.s.EditPatient(ctx, w.comp, in.ID, incidents.PatientEdit{PatientID: w.recs[2].ID, Reason: "late"})
	closed(err)
	_, err = w.s.Compute(ctx, w.comp, in.ID)
	closed(err)
	if _, err := w.s.Letter(ctx, w.comp, in.ID, w.recs[1].ID); err != nil {
		t.Fatal(err)
	}
	got, err := w.s.Get(ctx, w.comp, in.ID)
	if err != nil || got.Status != "closed" || len(got.Patients) != 2 || got.Notice == nil || !got.Notice.AnnualLog {
		t.Fatalf("closed incident %+v %v", got, err)
	}
	for _, r := range reasonsOf(t, w, "") {
		if strings.Contains(r, "CANARY") || strings.Contains(r, "on the laptop") {
			t.Fatalf("free text in the audit trail: %q", r)
		}
	}
}

// reasonsOf lists the audit reasons of action a (every action when "").
func reasonsOf(t *testing.T, w *world, a audit.Action) []string {
	var out []string
	acts := []audit.Action{a}
	if a == "" {
		acts = audit.Actions()
	}
	for _, act := range acts {
		for _, e := range w.f.AuditEvents(t, act) {
			r, _ := e["reason"].(string)
			out = append(out, r)
		}
	}
	return out
}
