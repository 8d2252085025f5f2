package app_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestDirectoryAuditsPatientIdentity (issue 21, finding 21): a patient's
// name and email are PHI, so an admin's directory that shows them leaves a
// patient.read event naming each patient; the staff directory, which
// leaves patients out, leaves none.
func TestDirectoryAuditsPatientIdentity(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	adele, alice := f.user(t, "adele", ward.RoleAdmin), f.user(t, "alice", ward.RoleClinician)
	pat, err := f.App.CreateUser(ctx, adele, app.NewUser{Email: "Pat@Mail.example", Name: "Pat Patient", Role: ward.RolePatient,
		Password: "patient passphrase long enough"})
	if err != nil || pat.Email != "pat@mail.example" || pat.Name != "Pat Patient" {
		t.Fatalf("create: %+v %v", pat, err)
	}
	if _, err := f.App.Directory(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if evs := f.auditEvents(t, audit.PatientRecordRead); len(evs) != 0 {
		t.Fatalf("the staff directory left %d patient.read events", len(evs))
	}
	us, err := f.App.Directory(ctx, adele)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range us {
		found = found || u.ID == pat.ID && u.Email == "pat@mail.example" && u.Name == "Pat Patient"
	}
	if !found {
		t.Fatalf("the admin directory lacks the patient's name and email: %+v", us)
	}
	evs := f.auditEvents(t, audit.PatientRecordRead)
	if len(evs) != 1 || evs[0]["patient_id"] != pat.ID || evs[0]["resource_id"] != pat.ID || evs[0]["actor_user_id"] != adele.User.ID {
		t.Fatalf("patient.read events: %v", evs)
	}
	// One email, one account, whichever form the row keeps it in.
	_, err = f.App.CreateUser(ctx, adele, app.NewUser{Email: "pat@mail.example", Name: "Other", Role: ward.RoleClinician,
		Password: "clinician passphrase long enough"})
	msgWantCode(t, err, ward.CodeConflict, "a clinician with a patient's email")
	_, err = f.App.CreateUser(ctx, adele, app.NewUser{Email: "alice@stmary.example", Name: "Other", Role: ward.RolePatient,
		Password: "patient passphrase long enough"})
	msgWantCode(t, err, ward.CodeConflict, "a patient with a clinician's email")
}

// TestOneEmailOneAccountConcurrently: a staff account and a patient account
// with one email, created at the same time, cannot both be made, although
// the rows would store the email in different forms (clear and blind
// index) that the unique constraint does not compare.
func TestOneEmailOneAccountConcurrently(t *testing.T) {
	for _, tc := range []struct{ name, url string }{{"sqlite", ""}, {"postgres", "postgres"}} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if url != "" {
				url = storetest.PostgresURL(t)
			}
			f := mustMsgFixtureOn(t, url)
			ctx := context.Background()
			adele := f.user(t, "adele", ward.RoleAdmin)
			for i := range 8 {
				email := fmt.Sprintf("twice%d@mail.example", i)
				var wg sync.WaitGroup
				errs := make([]error, 2)
				for j, role := range []ward.Role{ward.RoleClinician, ward.RolePatient} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, errs[j] = f.App.CreateUser(ctx, adele, app.NewUser{Email: email, Name: "Twice", Role: role,
							Password: "a passphrase long enough"})
					}()
				}
				wg.Wait()
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("%s: clinician %v, patient %v; want exactly one made", email, errs[0], errs[1])
				}
			}
		})
	}
}

// TestDirectoryAuditsGuestIdentity (issue 22): a guest's address is sealed
// like a patient's, so an admin's directory that shows it opened leaves a
// patient.read event naming the guest; the staff directory, which leaves
// guests out, leaves none.
func TestDirectoryAuditsGuestIdentity(t *testing.T) {
	f := mustMsgFixture(t)
	ctx := context.Background()
	adele, alice := f.user(t, "adele", ward.RoleAdmin), f.user(t, "alice", ward.RoleClinician)
	_, guestID, created, err := f.App.GuestThread(ctx, alice, "Dr.Who@Referrer.example")
	if err != nil || !created {
		t.Fatalf("guest thread: %v %v", created, err)
	}
	us, err := f.App.Directory(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range us {
		if u.ID == guestID {
			t.Fatalf("the staff directory shows the guest: %+v", u)
		}
	}
	if evs := f.auditEvents(t, audit.PatientRecordRead); len(evs) != 0 {
		t.Fatalf("the staff directory left %d patient.read events", len(evs))
	}
	if us, err = f.App.Directory(ctx, adele); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, u := range us {
		found = found || u.ID == guestID && u.Email == "dr.who@referrer.example" && u.Role == ward.RoleGuest
	}
	if !found {
		t.Fatalf("the admin directory lacks the guest's address: %+v", us)
	}
	evs := f.auditEvents(t, audit.PatientRecordRead)
	if len(evs) != 1 || evs[0]["patient_id"] != guestID || evs[0]["resource_id"] != guestID || evs[0]["actor_user_id"] != adele.User.ID {
		t.Fatalf("patient.read events: %v", evs)
	}
}
