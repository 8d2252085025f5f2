package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// fixedClock is a clock tests can read.
func fixedClock() func() time.Time {
	t := time.Date(2026, 11, 24, 8, 0, 0, 123456000, time.UTC)
	return func() time.Time { return t }
}

func TestConformanceMigrations(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		ms, err := s.Migrations()
		if err != nil {
			t.Fatal(err)
		}
		v, err := s.SchemaVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if v != len(ms) || v == 0 {
			t.Fatalf("schema version %d, want %d", v, len(ms))
		}
		again, err := s.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second Migrate applied %v, err %v; want nothing", again, err)
		}
	})
}

func TestConformanceOrgsAndUsers(t *testing.T) {
	storetest.Each(t, fixedClock(), func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org := ward.Org{ID: "o1", Slug: "st-mary", Name: "St Mary"}
		u := ward.User{ID: "u1", OrgID: "o1", Email: "a@example.org", Name: "Ada", Role: ward.RoleClinician}
		err := s.Write(ctx, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &org); err != nil {
				return err
			}
			return tx.CreateUser(ctx, &u)
		})
		if err != nil {
			t.Fatal(err)
		}
		var gotOrg ward.Org
		var gotUser ward.User
		var list []ward.User
		err = s.Read(ctx, func(tx *store.Tx) error {
			var err error
			if gotOrg, err = tx.OrgBySlug(ctx, "st-mary"); err != nil {
				return err
			}
			if gotUser, err = tx.UserByEmail(ctx, "o1", "a@example.org"); err != nil {
				return err
			}
			list, err = tx.ListUsers(ctx, "o1")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(org, gotOrg); diff != "" {
			t.Errorf("org (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(u, gotUser); diff != "" {
			t.Errorf("user (-want +got):\n%s", diff)
		}
		if !gotUser.CreatedAt.Equal(fixedClock()()) {
			t.Errorf("CreatedAt %v, want the transaction clock", gotUser.CreatedAt)
		}
		if len(list) != 1 {
			t.Errorf("ListUsers: %d users, want 1", len(list))
		}
	})
}

func TestConformanceErrors(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		org := ward.Org{ID: "o1", Slug: "a", Name: "A"}
		if err := s.Write(ctx, func(tx *store.Tx) error { return tx.CreateOrg(ctx, &org) }); err != nil {
			t.Fatal(err)
		}
		dup := ward.Org{ID: "o2", Slug: "a", Name: "A again"}
		err := s.Write(ctx, func(tx *store.Tx) error { return tx.CreateOrg(ctx, &dup) })
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Errorf("duplicate slug: %v, want conflict", err)
		}
		err = s.Read(ctx, func(tx *store.Tx) error { _, err := tx.OrgBySlug(ctx, "nope"); return err })
		if ward.ErrorCode(err) != ward.CodeNotFound {
			t.Errorf("missing org: %v, want not_found", err)
		}
		err = s.Read(ctx, func(tx *store.Tx) error { _, err := tx.UserByID(ctx, "o1", "nope"); return err })
		if ward.ErrorCode(err) != ward.CodeNotFound {
			t.Errorf("missing user: %v, want not_found", err)
		}
	})
}

func TestConformanceRollback(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.Write(ctx, func(tx *store.Tx) error {
			o := ward.Org{ID: "o1", Slug: "a", Name: "A"}
			if err := tx.CreateOrg(ctx, &o); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write returned %v, want boom", err)
		}
		err = s.Read(ctx, func(tx *store.Tx) error { _, err := tx.OrgByID(ctx, "o1"); return err })
		if ward.ErrorCode(err) != ward.CodeNotFound {
			t.Errorf("after rollback: %v, want not_found", err)
		}
	})
}

func TestOpenRejectsBadURL(t *testing.T) {
	for _, u := range []string{"mysql://x", "postgres://%zz", "sqlite:foo"} {
		if _, err := store.Open(context.Background(), store.Options{URL: u}); err == nil {
			t.Errorf("Open(%q) succeeded", u)
		}
	}
}

// eachAtVersion runs fn against SQLite and PostgreSQL (when
// WARD_TEST_POSTGRES names it) with a store migrated up to version v only:
// for tests of a migration over data that the schema before it wrote.
func eachAtVersion(t *testing.T, now func() time.Time, v int, fn func(t *testing.T, s *store.Store)) {
	for _, tc := range []struct {
		name string
		opts func(t *testing.T) store.Options
	}{
		{"sqlite", func(t *testing.T) store.Options { return store.Options{DataDir: t.TempDir()} }},
		{"postgres", func(t *testing.T) store.Options { return store.Options{URL: storetest.PostgresURL(t)} }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts(t)
			opts.Now = now
			s, err := store.Open(context.Background(), opts)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			if _, err := s.MigrateUpTo(context.Background(), v); err != nil {
				t.Fatal(err)
			}
			fn(t, s)
		})
	}
}
