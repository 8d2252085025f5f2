package keyring

import (
	"context"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestOpenIn: a keyring with a cold cache opens a ciphertext inside the
// caller's read or write transaction, reading the data key and the org key
// there, and keeps the key in its cache as Open does (it still opens after
// another node shredded it, until the cache's TTL). Without a transaction
// OpenIn is refused. On SQLite and PostgreSQL.
func TestOpenIn(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustEnvKeys(t)
		ref := Ref{Org: "o1", Scope: "patient:1", Record: "1", Field: "record"}
		ct := mustSeal(t, mustNew(t, s, p), ref, "Jane Doe, 1980-02-29")
		for _, c := range []struct {
			name string
			run  func(context.Context, func(*store.Tx) error) error
		}{{"read", s.Read}, {"write", s.Write}} {
			name, run := c.name, c.run
			k := mustNew(t, s, p)
			if err := run(ctx, func(tx *store.Tx) error {
				got, err := k.OpenIn(ctx, tx, ref, ct)
				if err == nil && string(got) != "Jane Doe, 1980-02-29" {
					t.Errorf("%s: OpenIn = %q", name, got)
				}
				return err
			}); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if name == "read" {
				if err := mustNew(t, s, p).Shred(ctx, "o1", "patient:1"); err != nil {
					t.Fatal(err)
				}
				mustOpen(t, k, ref, ct, "Jane Doe, 1980-02-29")                 // from the cache OpenIn filled
				ct = mustSeal(t, mustNew(t, s, p), ref, "Jane Doe, 1980-02-29") // under a new key, for the write run
			}
		}
		_, err := mustNew(t, s, p).OpenIn(ctx, nil, ref, ct)
		wantCode(t, err, ward.CodeInternal, "OpenIn without a transaction")
	})
}

// TestOpenInReadsInTheCallersSnapshot: on SQLite a read transaction sees
// one snapshot; a key shredded by another node after the snapshot began
// still opens through OpenIn in that transaction (the key was read in it),
// while Open, in a transaction of its own, sees it destroyed.
func TestOpenInReadsInTheCallersSnapshot(t *testing.T) {
	s := storetest.SQLite(t, clocktest.New().Now)
	ctx := context.Background()
	p := mustEnvKeys(t)
	ref := Ref{Org: "o1", Scope: "patient:2", Record: "2", Field: "record"}
	ct := mustSeal(t, mustNew(t, s, p), ref, "John Roe")
	err := s.Read(ctx, func(tx *store.Tx) error {
		if _, err := tx.CurrentKEK(ctx, "o1"); err != nil { // the snapshot begins
			return err
		}
		if err := mustNew(t, s, p).Shred(ctx, "o1", "patient:2"); err != nil {
			return err
		}
		_, err := mustNew(t, s, p).Open(ctx, ref, ct)
		wantCode(t, err, ward.CodeNotFound, "Open after the shred")
		got, err := mustNew(t, s, p).OpenIn(ctx, tx, ref, ct)
		if err != nil || string(got) != "John Roe" {
			t.Errorf("OpenIn in the snapshot: %q %v", got, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
