package retention_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/invitations"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/patients"
	"github.com/wardhealth/ward/internal/store"
)

// TestPatientRetentionShreds (issue 22, show 4), on SQLite and PostgreSQL
// with a fake clock: a record with a linked patient account and a
// conversation about it is deactivated; before the policy's
// patient_retention nothing is shredded; past it, the job shreds the
// record's key and the account's identity key: the record reads erased,
// its sealed column no longer opens (ErrKeyDestroyed), the user's name
// and email are erased, their session is gone and sign-in is refused;
// the audit chain still verifies.
func TestPatientRetentionShreds(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testPatientRetention(t, apptest.New(t, false)) })
	t.Run("postgres", func(t *testing.T) { testPatientRetention(t, apptest.NewPostgres(t, false)) })
}

func testPatientRetention(t *testing.T, f *apptest.Fixture) {
	ctx := context.Background()
	owner, _ := f.MustLogin(t, "owner@stmary.example", f.OwnerPW, "owner-dev")
	nurseU, nursePW := f.AddUser(t, ward.RoleStaff, "nurse@stmary.example", "Nora Nurse")
	nurse, _ := f.MustLogin(t, nurseU.Email, nursePW, "nurse-dev")
	doc, _ := f.AddUser(t, ward.RoleClinician, "doc@stmary.example", "Dana Doctor")

	rec, err := f.Patients.Create(ctx, nurse, patients.Fields{MRN: "SHRED-1", GivenName: "Shredgiven",
		FamilyName: "Shredfamily", BirthDate: "1970-01-02", Email: "shred.patient@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	_, link, err := f.Invitations.Invite(ctx, nurse, rec.ID, "link", "https://ward.example")
	if err != nil {
		t.Fatal(err)
	}
	patientPW := "the patient's long passphrase"
	res, err := f.Invitations.Accept(ctx, invitations.AcceptRequest{Token: link[strings.LastIndex(link, "/")+1:],
		Password: patientPW, DeviceID: "patient-phone", DeviceName: "phone", IP: "10.0.0.9"})
	if err != nil {
		t.Fatal(err)
	}
	patientID := res.User.ID
	if _, _, err := f.App.CreateConversation(ctx, nurse, app.NewConversation{Kind: ward.Group, Title: "About them",
		Members: []string{doc.ID}, PatientID: rec.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.Patients.Deactivate(ctx, nurse, rec.ID); err != nil {
		t.Fatal(err)
	}
	pol, err := f.App.Policy(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	pol.PatientRetention = ward.Duration(30 * 24 * time.Hour)
	if _, err := f.App.UpdatePolicy(ctx, owner, pol); err != nil {
		t.Fatal(err)
	}

	// Before the retention: nothing.
	f.Clock.Advance(29 * 24 * time.Hour)
	if n, err := f.App.Retention().ShredRetiredPatients(ctx); err != nil || n != 0 {
		t.Fatalf("before retention: %d %v", n, err)
	}
	if got, err := f.Patients.Get(ctx, nurse, rec.ID); err != nil || got.Erased || got.Fields.MRN != "SHRED-1" {
		t.Fatalf("before retention: %+v %v", got, err)
	}

	// Past it: shredded, once.
	f.Clock.Advance(2 * 24 * time.Hour)
	if n, err := f.App.Retention().ShredRetiredPatients(ctx); err != nil || n != 1 {
		t.Fatalf("past retention: %d %v", n, err)
	}
	if n, err := f.App.Retention().ShredRetiredPatients(ctx); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
	got, err := f.Patients.Get(ctx, nurse, rec.ID)
	if err != nil || !got.Erased || got.Fields != (patients.Fields{}) {
		t.Fatalf("after: %+v %v", got, err)
	}
	var row store.PatientRow
	if err := f.Store.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.Patient(ctx, f.Org.ID, rec.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Keyring.Open(ctx, keyring.Ref{Org: f.Org.ID, Scope: "patient:" + rec.ID, Record: rec.ID, Field: "record"}, row.Sealed); !errors.Is(err, keyring.ErrKeyDestroyed) {
		t.Fatalf("the sealed record opens: %v", err)
	}
	if found, err := f.Patients.FindByMRN(ctx, nurse, "SHRED-1"); err != nil || len(found) != 0 {
		t.Errorf("the MRN still finds the shredded record: %d %v", len(found), err)
	}
	var ident store.StoredIdentity
	var urow ward.User
	if err := f.Store.Read(ctx, func(tx *store.Tx) (err error) {
		if urow, err = tx.UserByID(ctx, f.Org.ID, patientID); err != nil {
			return err
		}
		ident, err = tx.UserIdentity(ctx, f.Org.ID, patientID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if !urow.Disabled || !strings.HasPrefix(urow.Email, "bi1:erased:") {
		t.Errorf("the patient user row after the shred: disabled %v, email %q", urow.Disabled, urow.Email)
	}
	if _, err := f.Keyring.Open(ctx, keyring.Ref{Org: f.Org.ID, Scope: "user:" + patientID, Record: patientID, Field: "name"}, ident.NameSealed); !errors.Is(err, keyring.ErrKeyDestroyed) {
		t.Fatalf("the sealed name opens: %v", err)
	}
	dir, err := f.App.Directory(ctx, owner)
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(dir, func(u ward.User) bool { return u.ID == patientID }); i >= 0 &&
		(dir[i].Email != "" || strings.Contains(dir[i].Name, "Shred") || !dir[i].Disabled) {
		t.Errorf("the patient user after the shred: %+v", dir[i])
	}
	if _, err := f.App.Authenticate(ctx, res.Token, "10.0.0.9"); err == nil {
		t.Error("the patient's session still works")
	}
	if _, err := f.Login("shred.patient@example.org", patientPW, "patient-phone", "10.0.0.9"); err == nil {
		t.Error("the shredded patient signed in")
	}
	acts := f.AuditActions(t)
	for _, want := range []string{"keys.shredded", "user.disabled", "patient.shredded"} {
		if !slices.Contains(acts, want) {
			t.Errorf("no %s in the audit trail", want)
		}
	}

	sk, err := f.Keyring.AuditSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mac, err := f.Keyring.AuditMACKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.VerifyWith(ctx, f.Store, audit.VerifyOptions{Trusted: []ed25519.PublicKey{sk.Public().(ed25519.PublicKey)},
		MACKey: mac, MaxSkew: audit.DefaultMaxSkew, UnanchoredGrace: 100 * 365 * 24 * time.Hour})
	if err != nil || rep.Problem != nil {
		t.Fatalf("audit verify: %v %v", err, rep.Problem)
	}
}
