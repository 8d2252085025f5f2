package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// A session's auth_at: its creation, then each re-authentication; sessions
// from before migration 0017 count as authenticated when they were made.
func TestSessionAuthAt(t *testing.T) {
	clock := fixedClock()
	eachAtVersion(t, clock, 16, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		created := clock().Add(-time.Hour)
		mustWrite(t, s, func(tx *store.Tx) error {
			o := ward.Org{ID: "o1", Slug: "a", Name: "A"}
			u := ward.User{ID: "u1", OrgID: "o1", Email: "a@x.org", Name: "A", Role: ward.RoleClinician}
			d := ward.Device{ID: "d1", OrgID: "o1", UserID: "u1", ClientID: "client-1234", Name: "phone", Status: ward.DeviceActive}
			for _, err := range []error{tx.CreateOrg(ctx, &o), tx.CreateUser(ctx, &u), tx.CreateDevice(ctx, &d)} {
				if err != nil {
					return err
				}
			}
			return tx.ExecForTest(ctx, `INSERT INTO sessions (id, token_hash, org_id, user_id, device_id, created_at,
				last_seen_at, expires_at) VALUES ('old', 'hold', 'o1', 'u1', 'd1', $1, $1, $2)`,
				created.UnixMicro(), clock().Add(time.Hour).UnixMicro())
		})
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		mustWrite(t, s, func(tx *store.Tx) error {
			if at, err := tx.SessionAuthAt(ctx, "old"); err != nil || !at.Equal(created) {
				t.Errorf("auth_at of a session from before the migration: %v %v, want its creation %v", at, err, created)
			}
			sess := ward.Session{ID: "new", TokenHash: "hnew", OrgID: "o1", UserID: "u1", DeviceID: "d1", ExpiresAt: tx.Now.Add(time.Hour)}
			if err := tx.CreateSession(ctx, &sess); err != nil {
				return err
			}
			got, err := tx.SessionByTokenHash(ctx, "hnew")
			if err != nil || !got.AuthAt.Equal(tx.Now) {
				t.Errorf("new session AuthAt %v %v, want %v", got.AuthAt, err, tx.Now)
			}
			later := tx.Now.Add(10 * time.Minute)
			if err := tx.SetSessionAuthAt(ctx, "new", later); err != nil {
				return err
			}
			if o, err := tx.SessionOwnerByTokenHash(ctx, "hnew"); err != nil || !o.Session.AuthAt.Equal(later) {
				t.Errorf("after SetSessionAuthAt: %v %v, want %v", o.Session.AuthAt, err, later)
			}
			return nil
		})
	})
}
