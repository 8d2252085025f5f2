package store_test

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func mustWrite(t testing.TB, s *store.Store, fn func(tx *store.Tx) error) {
	t.Helper()
	if err := s.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

func TestConformanceIdentity(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustWrite(t, s, func(tx *store.Tx) error {
			o := ward.Org{ID: "o1", Slug: "a", Name: "A"}
			u := ward.User{ID: "u1", OrgID: "o1", Email: "a@x.org", Name: "A", Role: ward.RoleClinician}
			if err := tx.CreateOrg(ctx, &o); err != nil {
				return err
			}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			if err := tx.SetPasswordHash(ctx, "u1", "$argon2id$x"); err != nil {
				return err
			}
			d := ward.Device{ID: "d1", OrgID: "o1", UserID: "u1", ClientID: "client-1234", Name: "phone", Status: ward.DeviceActive,
				SecretHash: "secret-hash-1"}
			if err := tx.CreateDevice(ctx, &d); err != nil {
				return err
			}
			// A second device may name the same client id (one without the first's secret).
			d2 := ward.Device{ID: "d2", OrgID: "o1", UserID: "u1", ClientID: "client-1234", Name: "impostor", Status: ward.DevicePending,
				SecretHash: "secret-hash-2"}
			if err := tx.CreateDevice(ctx, &d2); err != nil {
				return err
			}
			for _, id := range []string{"s1", "s2"} {
				sess := ward.Session{ID: id, TokenHash: "h" + id, OrgID: "o1", UserID: "u1", DeviceID: "d1", ExpiresAt: tx.Now.Add(time.Hour)}
				if err := tx.CreateSession(ctx, &sess); err != nil {
					return err
				}
			}
			if err := tx.PutMFA(ctx, store.MFA{UserID: "u1", TOTPSealed: []byte{1, 2}, RecoveryHashes: []string{"a", "b"}}); err != nil {
				return err
			}
			p := ward.DefaultPolicy()
			p.DeviceApproval = true
			return tx.PutPolicy(ctx, "o1", p)
		})
		err := s.Write(ctx, func(tx *store.Tx) error {
			if h, err := tx.PasswordHash(ctx, "u1"); err != nil || h != "$argon2id$x" {
				t.Errorf("PasswordHash %q %v", h, err)
			}
			if p, err := tx.Policy(ctx, "o1"); err != nil || !p.DeviceApproval || p.IdleTimeout != ward.DefaultPolicy().IdleTimeout {
				t.Errorf("Policy %+v %v", p, err)
			}
			if p, err := tx.Policy(ctx, "other"); err != nil || p != ward.DefaultPolicy() {
				t.Errorf("default Policy %+v %v", p, err)
			}
			m, err := tx.MFA(ctx, "u1")
			if err != nil || len(m.RecoveryHashes) != 2 || string(m.TOTPSealed) != "\x01\x02" {
				t.Errorf("MFA %+v %v", m, err)
			}
			if ok, err := tx.UseTOTPStep(ctx, "u1", 10); !ok || err != nil {
				t.Errorf("first use of step 10: %v %v", ok, err)
			}
			if ok, _ := tx.UseTOTPStep(ctx, "u1", 10); ok {
				t.Error("replayed step 10 accepted")
			}
			sess, err := tx.SessionByTokenHash(ctx, "hs1")
			if err != nil || sess.DeviceID != "d1" || !sess.RevokedAt.IsZero() {
				t.Errorf("SessionByTokenHash %+v %v", sess, err)
			}
			if live, _ := tx.ListSessions(ctx, "u1"); len(live) != 2 {
				t.Errorf("ListSessions: %d, want 2", len(live))
			}
			if ok, err := tx.RevokeUserSessions(ctx, "u1", "s1"); !ok || err != nil {
				t.Errorf("RevokeUserSessions: %v %v", ok, err)
			}
			if live, _ := tx.ListSessions(ctx, "u1"); len(live) != 1 || live[0].ID != "s1" {
				t.Errorf("after revoking all but s1: %+v", live)
			}
			if ok, _ := tx.RevokeDeviceSessions(ctx, "d1"); !ok {
				t.Error("RevokeDeviceSessions revoked nothing")
			}
			if err := tx.SetDeviceState(ctx, "o1", "d1", ward.DeviceWiped, ward.WipeRequested); err != nil {
				t.Error(err)
			}
			if d, err := tx.DeviceBySecret(ctx, "u1", "client-1234", "secret-hash-1"); err != nil || d.ID != "d1" || d.Wipe != ward.WipeRequested {
				t.Errorf("DeviceBySecret %+v %v", d, err)
			}
			if d, err := tx.DeviceBySecret(ctx, "u1", "client-1234", "secret-hash-2"); err != nil || d.ID != "d2" || d.SecretHash != "secret-hash-2" {
				t.Errorf("DeviceBySecret of the second device %+v %v", d, err)
			}
			for _, h := range []string{"", "secret-hash-3"} {
				if _, err := tx.DeviceBySecret(ctx, "u1", "client-1234", h); ward.ErrorCode(err) != ward.CodeNotFound {
					t.Errorf("DeviceBySecret with hash %q: %v, want not found", h, err)
				}
			}
			if err := tx.SetDeviceState(ctx, "other-org", "d1", ward.DeviceActive, ""); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("SetDeviceState across orgs: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// SessionOwnerByTokenHash reads in one statement what SessionByTokenHash,
// DeviceByID, UserByID and Policy read one by one, and agrees with them.
func TestConformanceSessionOwner(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		mustWrite(t, s, func(tx *store.Tx) error {
			for _, org := range []string{"o1", "o2"} {
				if err := tx.CreateOrg(ctx, &ward.Org{ID: org, Slug: org, Name: org}); err != nil {
					return err
				}
				u := ward.User{ID: "u-" + org, OrgID: org, Email: "a@" + org, Name: "A", Role: ward.RoleStaff, Disabled: org == "o2"}
				if err := tx.CreateUser(ctx, &u); err != nil {
					return err
				}
				d := ward.Device{ID: "d-" + org, OrgID: org, UserID: u.ID, ClientID: "client-" + org, Name: "phone", Status: ward.DeviceActive}
				if err := tx.CreateDevice(ctx, &d); err != nil {
					return err
				}
				sess := ward.Session{ID: "s-" + org, TokenHash: "h-" + org, OrgID: org, UserID: u.ID, DeviceID: d.ID,
					ExpiresAt: tx.Now.Add(time.Hour), IP: "10.0.0.1", UserAgent: "ua", MFAPending: org == "o2"}
				if err := tx.CreateSession(ctx, &sess); err != nil {
					return err
				}
			}
			p := ward.DefaultPolicy()
			p.DeviceApproval = true
			if err := tx.PutPolicy(ctx, "o1", p); err != nil { // o2 keeps the default
				return err
			}
			_, err := tx.RevokeSession(ctx, "u-o2", "s-o2")
			return err
		})
		err := s.Read(ctx, func(tx *store.Tx) error {
			for _, org := range []string{"o1", "o2"} {
				got, err := tx.SessionOwnerByTokenHash(ctx, "h-"+org)
				if err != nil {
					t.Fatalf("%s: %v", org, err)
				}
				sess, _ := tx.SessionByTokenHash(ctx, "h-"+org)
				dev, _ := tx.DeviceByID(ctx, org, "d-"+org)
				user, _ := tx.UserByID(ctx, org, "u-"+org)
				pol, _ := tx.Policy(ctx, org)
				want := store.SessionOwner{Session: sess, Device: dev, User: user, Policy: pol}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%s:\n got %+v\nwant %+v", org, got, want)
				}
			}
			if _, err := tx.SessionOwnerByTokenHash(ctx, "h-nobody"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("unknown token hash: %v", err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// The access counter moves only with a committed change: a rolled-back
// bump leaves it where it was.
func TestConformanceAccessEpoch(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		read := func() int64 {
			var n int64
			if err := s.Read(ctx, func(tx *store.Tx) error {
				var err error
				n, err = tx.AccessEpoch(ctx)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return n
		}
		start := read()
		mustWrite(t, s, func(tx *store.Tx) error { return tx.BumpAccessEpoch(ctx) })
		mustWrite(t, s, func(tx *store.Tx) error { return tx.BumpAccessEpoch(ctx) })
		failed := errors.New("rolled back")
		if err := s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.BumpAccessEpoch(ctx); err != nil {
				return err
			}
			return failed
		}); !errors.Is(err, failed) {
			t.Fatalf("write: %v", err)
		}
		if got := read(); got != start+2 {
			t.Errorf("access counter %d after two bumps from %d and one rolled back", got, start)
		}
	})
}
