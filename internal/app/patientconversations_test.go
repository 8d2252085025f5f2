package app_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/patients"
)

// A clinician lists the conversations about a patient record that they are
// in, and no other; the list is audited; other orgs' records, staff users
// and unknown ids are not_found; roles that read no PHI are refused.
func TestConversationsAboutARecord(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	_, npw := f.AddUser(t, ward.RoleStaff, "nurse@stmary.example", "Nina Nurse")
	nurse, _ := f.MustLogin(t, "nurse@stmary.example", npw, "dev-nurse")
	du, dpw := f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dana Doc")
	doc, _ := f.MustLogin(t, du.Email, dpw, "dev-doctor")
	other, _ := f.AddUser(t, ward.RoleClinician, "other@stmary.example", "Olly Other")
	_, apw := f.AddUser(t, ward.RoleAdmin, "admin@stmary.example", "Ada Admin")
	admin, _ := f.MustLogin(t, "admin@stmary.example", apw, "dev-admin")
	rec, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: "R-1", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	rec2, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: "R-2", GivenName: "Sam", FamilyName: "Second", BirthDate: "1971-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(p *app.Principal, title, patientID string, members ...string) ward.Conversation {
		c, _, err := f.App.CreateConversation(ctx, p, app.NewConversation{Kind: ward.Group, Title: title, Members: members, PatientID: patientID})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	withDoc := mk(nurse, "cardio follow-up", rec.ID, du.ID)
	mk(nurse, "nurses only", rec.ID, other.ID) // the doctor is not in it
	mk(nurse, "someone else", rec2.ID, du.ID)
	mk(nurse, "no patient", "", du.ID)

	list, err := f.App.PatientConversations(ctx, doc, rec.ID)
	if err != nil || len(list) != 1 || list[0].ID != withDoc.ID || list[0].Title != "cardio follow-up" {
		t.Fatalf("the doctor's conversations about the record: %+v, %v", list, err)
	}
	if list, err := f.App.PatientConversations(ctx, nurse, rec.ID); err != nil || len(list) != 2 {
		t.Fatalf("the nurse's: %d, %v", len(list), err)
	}
	var audited int
	for _, a := range f.AuditActions(t) {
		if a == "conversation.read" {
			audited++
		}
	}
	if audited < 2 {
		t.Fatalf("%d conversation.read events, want the two lists", audited)
	}
	for name, id := range map[string]string{"unknown uuid": "0190a3a0-0000-7000-8000-000000000000", "staff user": du.ID,
		"free text": "Jane Doe", "empty": ""} {
		_, err := f.App.PatientConversations(ctx, doc, id)
		if ward.ErrorCode(err) != ward.CodeNotFound {
			t.Errorf("%s: %v, want not_found", name, err)
		}
	}
	_, err = f.App.PatientConversations(ctx, admin, rec.ID)
	apptest.WantCode(t, err, ward.CodeForbidden)
	// Deactivated, the record keeps its conversations.
	if err := f.Patients.Deactivate(ctx, nurse, rec.ID); err != nil {
		t.Fatal(err)
	}
	if list, err := f.App.PatientConversations(ctx, doc, rec.ID); err != nil || len(list) != 1 {
		t.Fatalf("after deactivation: %d, %v", len(list), err)
	}
}
