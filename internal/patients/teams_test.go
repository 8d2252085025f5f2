package patients_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/patients"
)

// Care team patients: who may assign, what is audited, and that staff list
// the patients of their own teams only, paged, each read audited.
func TestTeamPatients(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// The nurse is in Cardiology; the doctor is in no team.
	cardio, err := f.Teams.Create(ctx, f.admin, "Cardiology clinic")
	if err != nil {
		t.Fatal(err)
	}
	ward7, err := f.Teams.Create(ctx, f.admin, "Ward 7 nurses")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Teams.AddMember(ctx, f.admin, cardio.ID, f.nurse.User.ID); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i := range 3 {
		fs := jane()
		fs.MRN = fmt.Sprintf("MRN-%d", i)
		rec, err := f.svc.Create(ctx, f.doc, fs)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, rec.ID)
	}
	// The nurse assigns to her own team, twice (idempotent: one event).
	for range 2 {
		if err := f.svc.AssignToTeam(ctx, f.nurse, cardio.ID, ids[0]); err != nil {
			t.Fatal(err)
		}
	}
	// The admin assigns to any team, the nurse not to a team she is not in.
	if err := f.svc.AssignToTeam(ctx, f.admin, cardio.ID, ids[1]); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AssignToTeam(ctx, f.admin, ward7.ID, ids[2]); err != nil {
		t.Fatal(err)
	}
	apptest.WantCode(t, f.svc.AssignToTeam(ctx, f.nurse, ward7.ID, ids[0]), ward.CodeForbidden)
	apptest.WantCode(t, f.svc.AssignToTeam(ctx, f.doc, cardio.ID, ids[2]), ward.CodeForbidden)
	apptest.WantCode(t, f.svc.AssignToTeam(ctx, f.pat, cardio.ID, ids[2]), ward.CodeForbidden)
	apptest.WantCode(t, f.svc.AssignToTeam(ctx, f.admin, cardio.ID, "not-a-record"), ward.CodeNotFound)
	apptest.WantCode(t, f.svc.AssignToTeam(ctx, f.admin, "no-such-team", ids[0]), ward.CodeNotFound)
	if ev := f.events(t, audit.TeamPatientAssigned); len(ev) != 3 || ev[0].ResourceID != cardio.ID || ev[0].PatientID != ids[0] {
		t.Fatalf("team.patient_assigned events: %+v", ev)
	}

	reads := len(f.events(t, audit.PatientRecordRead))
	page, next, err := f.svc.TeamPatients(ctx, f.nurse, "", 1)
	if err != nil || len(page) != 1 || page[0].ID != ids[0] || next != ids[0] {
		t.Fatalf("first page: %+v, %q, %v", page, next, err)
	}
	page, next, err = f.svc.TeamPatients(ctx, f.nurse, next, 1)
	if err != nil || len(page) != 1 || page[0].ID != ids[1] || page[0].Fields.MRN != "MRN-1" || next != "" {
		t.Fatalf("second (last) page: %+v, %q, %v", page, next, err)
	}
	if got := len(f.events(t, audit.PatientRecordRead)); got != reads+2 {
		t.Fatalf("patient.read events: %d, want %d", got, reads+2)
	}
	if page, _, err := f.svc.TeamPatients(ctx, f.doc, "", 50); err != nil || len(page) != 0 {
		t.Fatalf("a clinician in no team: %+v, %v", page, err)
	}
	_, _, err = f.svc.TeamPatients(ctx, f.admin, "", 50)
	apptest.WantCode(t, err, ward.CodeForbidden)
	_, _, err = f.svc.TeamPatients(ctx, f.nurse, "", 0)
	apptest.WantCode(t, err, ward.CodeInvalid)

	// A record's teams come with it.
	rec, err := f.svc.Get(ctx, f.nurse, ids[0])
	if err != nil || len(rec.Teams) != 1 || rec.Teams[0] != cardio.ID {
		t.Fatalf("teams of a record: %+v, %v", rec.Teams, err)
	}

	// Deactivated: no new assignment, and gone from the list.
	if err := f.svc.Deactivate(ctx, f.nurse, ids[1]); err != nil {
		t.Fatal(err)
	}
	apptest.WantCode(t, f.svc.AssignToTeam(ctx, f.admin, ward7.ID, ids[1]), ward.CodeConflict)
	if page, _, err := f.svc.TeamPatients(ctx, f.nurse, "", 50); err != nil || len(page) != 1 {
		t.Fatalf("list after deactivation: %+v, %v", page, err)
	}

	// Unassigning: once, then not_found.
	if err := f.svc.UnassignFromTeam(ctx, f.nurse, cardio.ID, ids[0]); err != nil {
		t.Fatal(err)
	}
	apptest.WantCode(t, f.svc.UnassignFromTeam(ctx, f.nurse, cardio.ID, ids[0]), ward.CodeNotFound)
	if ev := f.events(t, audit.TeamPatientUnassigned); len(ev) != 1 || ev[0].PatientID != ids[0] {
		t.Fatalf("team.patient_unassigned events: %+v", ev)
	}
	// Deleting a team takes its assignments with it.
	if err := f.Teams.Delete(ctx, f.admin, ward7.ID); err != nil {
		t.Fatal(err)
	}
	if n := f.count(t, "SELECT COUNT(*) FROM team_patients"); n != 1 {
		t.Fatalf("%d assignments left, want 1", n)
	}
	_ = patients.Active
}
