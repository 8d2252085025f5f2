package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/app"
	"github.com/wardhealth/ward/internal/apptest"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/keyring"
	"github.com/wardhealth/ward/internal/store"
)

// TestPatientIdentitiesSealedAtStart (issue 21, finding 21): a database
// from before migration 0018 holds patients' names and emails in the
// clear. After the migration, the start-up step seals them (and leaves
// staff rows as they are), a second run finds nothing to do, and the
// patients still sign in by email, with the org and without.
func TestPatientIdentitiesSealedAtStart(t *testing.T) {
	clock := fixedClock()
	eachAtVersion(t, clock, 17, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		hasher := apptest.FastHasher(t)
		const pw = "patient passphrase long enough"
		hash, err := hasher.Hash(ctx, pw)
		if err != nil {
			t.Fatal(err)
		}
		users := []ward.User{
			{ID: "p1", OrgID: "o1", Email: "pat.one@mail.example", Name: "Patricia One", Role: ward.RolePatient},
			{ID: "p2", OrgID: "o1", Email: "pat.two@mail.example", Name: "Peter Two", Role: ward.RolePatient},
			{ID: "c1", OrgID: "o1", Email: "cleo@clinic.example", Name: "Cleo Clinician", Role: ward.RoleClinician},
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "clinic", Name: "Clinic"}); err != nil {
				return err
			}
			for i := range users {
				if err := tx.CreateUser(ctx, &users[i]); err != nil {
					return err
				}
				if err := tx.SetPasswordHash(ctx, users[i].ID, hash); err != nil {
					return err
				}
			}
			return nil
		})
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		prov, err := keyring.FileProvider(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		kr, err := keyring.New(ctx, keyring.Config{Store: s, Provider: prov, Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		rec := audit.NewRecorder(s, audit.RecorderOptions{})
		defer rec.Close()
		a, err := app.New(app.Config{Store: s, Keyring: kr, Audit: rec, Now: clock, Hasher: hasher})
		if err != nil {
			t.Fatal(err)
		}
		if n, err := a.SealPatientIdentities(ctx); err != nil || n != 2 {
			t.Fatalf("sealed %d, %v; want the 2 patients", n, err)
		}
		if n, err := a.SealPatientIdentities(ctx); err != nil || n != 0 {
			t.Fatalf("a second run sealed %d, %v; want none", n, err)
		}
		err = s.Read(ctx, func(tx *store.Tx) error {
			for _, want := range users {
				got, err := tx.UserIdentity(ctx, "o1", want.ID)
				if err != nil {
					return err
				}
				if want.Role == ward.RolePatient {
					if !strings.HasPrefix(got.Email, "bi1:") || got.Name != "" || !got.Sealed() || len(got.NameSealed) == 0 {
						t.Errorf("patient %s after sealing: %q %q sealed %v", want.ID, got.Email, got.Name, got.Sealed())
					}
					for _, b := range [][]byte{got.EmailSealed, got.NameSealed} {
						if strings.Contains(string(b), want.Email) || strings.Contains(string(b), want.Name) {
							t.Errorf("patient %s: the sealed value holds the plaintext", want.ID)
						}
					}
				} else if got.Email != want.Email || got.Name != want.Name || got.Sealed() {
					t.Errorf("clinician after sealing: %+v", got)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		for i, org := range []string{"clinic", ""} {
			res, err := a.Login(ctx, app.LoginRequest{Org: org, Email: "Pat.One@mail.example ", Password: pw,
				DeviceID: "device-p1-" + string(rune('a'+i)), DeviceName: "phone", IP: "192.0.2.1"})
			if err != nil {
				t.Fatalf("sign-in after sealing (org %q): %v", org, err)
			}
			if res.User.ID != "p1" || res.User.Email != "pat.one@mail.example" || res.User.Name != "Patricia One" {
				t.Errorf("sign-in answer: %+v", res.User)
			}
		}
		if res, err := a.Login(ctx, app.LoginRequest{Email: "cleo@clinic.example", Password: pw, DeviceID: "device-c1",
			DeviceName: "desk", IP: "192.0.2.2"}); err != nil || res.User.Name != "Cleo Clinician" {
			t.Fatalf("a clinician's sign-in: %+v %v", res.User, err)
		}
	})
}
