package app_test

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/patients"
)

// A conversation's patient_id may name an active patient record of the org
// (issue 22), besides a patient user; a deactivated record, another org's
// record or an unknown id is invalid_input and nothing is stored.
func TestConversationAboutPatientRecord(t *testing.T) {
	f := apptest.New(t, false)
	ctx := context.Background()
	_, npw := f.AddUser(t, ward.RoleStaff, "nurse@stmary.example", "Nina Nurse")
	nurse, _ := f.MustLogin(t, "nurse@stmary.example", npw, "dev-nurse")
	doc, _ := f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dana Doc")
	pat, _ := f.AddUser(t, ward.RolePatient, "pat@example.org", "Pat Patient")
	rec, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: "R-1", GivenName: "Rae", FamilyName: "Record", BirthDate: "1970-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	c, _, err := f.App.CreateConversation(ctx, nurse, app.NewConversation{Kind: ward.Group, Title: "about a record",
		Members: []string{doc.ID}, PatientID: rec.ID})
	if err != nil || c.PatientID != rec.ID {
		t.Fatalf("a conversation about a record: %+v, %v", c.PatientID, err)
	}
	// The patient user form still works.
	if c, _, err := f.App.CreateConversation(ctx, nurse, app.NewConversation{Kind: ward.Group, Title: "about a user",
		Members: []string{doc.ID}, PatientID: pat.ID}); err != nil || c.PatientID != pat.ID {
		t.Fatalf("a conversation about a patient user: %+v, %v", c.PatientID, err)
	}

	// Another org's record.
	org, _, _, err := f.App.CreateOrg(ctx, app.InitOrg{Name: "Elsewhere", AdminEmail: "boss@elsewhere.example", Password: "elsewhere passphrase long"})
	if err != nil {
		t.Fatal(err)
	}
	ou, opw := addUserIn(t, f, org.Slug, ward.RoleStaff, "nurse@elsewhere.example")
	other, _ := f.MustLogin(t, ou.Email, opw, "dev-other")
	foreign, err := f.Patients.Create(ctx, other, patients.Fields{MRN: "R-1", GivenName: "Fay", FamilyName: "Foreign", BirthDate: "1971-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Patients.Deactivate(ctx, nurse, rec.ID); err != nil {
		t.Fatal(err)
	}
	before, _ := f.App.ListConversations(ctx, nurse)
	for name, id := range map[string]string{"deactivated record": rec.ID, "another org's record": foreign.ID,
		"unknown uuid": "0190a3a0-0000-7000-8000-000000000000", "staff user": doc.ID, "free text": "Jane Doe 1970"} {
		_, _, err := f.App.CreateConversation(ctx, nurse, app.NewConversation{Kind: ward.Group, Title: name,
			Members: []string{doc.ID}, PatientID: id})
		if ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("%s: %v, want invalid_input", name, err)
		}
	}
	if after, _ := f.App.ListConversations(ctx, nurse); len(after) != len(before) {
		t.Errorf("refused conversations were stored: %d → %d", len(before), len(after))
	}
}

func addUserIn(t *testing.T, f *apptest.Fixture, slug string, role ward.Role, email string) (ward.User, string) {
	t.Helper()
	pw := "pw for " + email + " is long"
	u, err := f.App.AddUser(context.Background(), slug, app.NewUser{Email: email, Name: "Other", Role: role, Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	return u, pw
}
