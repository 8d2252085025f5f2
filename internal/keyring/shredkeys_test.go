package keyring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestShredKeysPuncture(t *testing.T) {
	path := filepath.Join(t.TempDir(), ShredKeyFileName)
	s, err := OpenShredKeys(path, true)
	if err != nil {
		t.Fatal(err)
	}
	keys := map[int64][]byte{}
	for _, l := range []int64{1, 2, 3, 1000, MaxLeaf} {
		if keys[l], err = s.LeafKey(l); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Puncture(2, 1000); err != nil {
		t.Fatal(err)
	}
	// A second handle (another process) sees the same file.
	s2, err := OpenShredKeys(path, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []*ShredKeys{s, s2} {
		for l, want := range keys {
			got, err := h.LeafKey(l)
			if l == 2 || l == 1000 {
				if !errors.Is(err, errLeafShredded) {
					t.Fatalf("leaf %d after puncture: %v, want shredded", l, err)
				}
				continue
			}
			if err != nil || string(got) != string(want) {
				t.Fatalf("leaf %d changed after punctures: %v", l, err)
			}
		}
	}
	// No seed left derives a punctured leaf: none is an ancestor of it.
	for n := range s.nodes {
		for _, l := range []uint64{2, 1000} {
			if l>>(treeDepth-n.depth) == n.prefix {
				t.Fatalf("seed %+v still covers punctured leaf %d", n, l)
			}
		}
	}
	// Neighbours shredded together leave few seeds.
	var many []int64
	for l := int64(1); l <= 4096; l++ {
		many = append(many, l)
	}
	if err := s.Puncture(many...); err != nil {
		t.Fatal(err)
	}
	if n := s.Seeds(); n > 2*treeDepth {
		t.Fatalf("%d seeds after shredding leaves 1..4096, want at most %d", n, 2*treeDepth)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenShredKeys(path, false); ward.ErrorCode(err) != ward.CodeInvalid {
		t.Fatalf("a shred key file readable by others: %v, want invalid_input", err)
	}
}

// TestShredReachesOlderDatabase: a copy of the database taken before a
// shred (a backup) cannot open the shredded scope with the live shred key
// file, and opens every other scope.
func TestShredReachesOlderDatabase(t *testing.T) {
	ctx := context.Background()
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		sk, err := OpenShredKeys(filepath.Join(t.TempDir(), ShredKeyFileName), true)
		if err != nil {
			t.Fatal(err)
		}
		p := mustEnvKeys(t)
		k, err := New(ctx, Config{Store: s, Provider: p, ShredKeys: sk})
		if err != nil {
			t.Fatal(err)
		}
		gone, kept := Ref{Org: "o1", Scope: "patient:gone", Field: "f"}, Ref{Org: "o1", Scope: "patient:kept", Field: "f"}
		ctGone, ctKept := mustSeal(t, k, gone, "gone"), mustSeal(t, k, kept, "kept")
		if err := k.PrepareMany(ctx, "o1", []string{"conv:a", "conv:b"}); err != nil {
			t.Fatal(err)
		}
		ctA := mustSeal(t, k, Ref{Org: "o1", Scope: "conv:a", Field: "f"}, "a")
		var before store.DEKRow // the "backup": the wrapped key as it was
		if err := s.Read(ctx, func(tx *store.Tx) (err error) {
			before, err = tx.DEKByScope(ctx, "o1", "patient:gone")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if before.Leaf == 0 {
			t.Fatal("a new data key has no leaf")
		}
		if err := k.Shred(ctx, "o1", "patient:gone"); err != nil {
			t.Fatal(err)
		}
		// Put the old row back, as restoring the older backup would.
		if err := s.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.InsertDEK(ctx, &before)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		k2, err := New(ctx, Config{Store: s, Provider: p, ShredKeys: sk}) // a cold cache
		if err != nil {
			t.Fatal(err)
		}
		_, err = k2.Open(ctx, gone, ctGone)
		if !errors.Is(err, ErrKeyDestroyed) {
			t.Fatalf("restored shredded scope: %v, want key destroyed", err)
		}
		mustOpen(t, k2, kept, ctKept, "kept")
		mustOpen(t, k2, Ref{Org: "o1", Scope: "conv:a", Field: "f"}, ctA, "a")
		// Without the shred key file, a leaf-wrapped key says what it needs.
		k3 := mustNew(t, s, p)
		if _, err := k3.Open(ctx, kept, ctKept); ward.ErrorCode(err) != ward.CodeUnavailable {
			t.Fatalf("without the shred key file: %v, want unavailable", err)
		}
	})
}

// TestNewKeysSkipShreddedLeaves: a database that knows fewer leaves than
// the shred key file has used (one restored from an older backup) gives
// new keys leaves that were not shredded.
func TestNewKeysSkipShreddedLeaves(t *testing.T) {
	ctx := context.Background()
	sk, err := OpenShredKeys(filepath.Join(t.TempDir(), ShredKeyFileName), true)
	if err != nil {
		t.Fatal(err)
	}
	p := mustEnvKeys(t)
	live := storetest.SQLite(t, nil)
	k, err := New(ctx, Config{Store: live, Provider: p, ShredKeys: sk})
	if err != nil {
		t.Fatal(err)
	}
	mustSeal(t, k, Ref{Org: "o1", Scope: "conv:1", Field: "f"}, "one")
	mustSeal(t, k, Ref{Org: "o1", Scope: "conv:2", Field: "f"}, "two")
	if err := k.Shred(ctx, "o1", "conv:1"); err != nil { // leaf 1
		t.Fatal(err)
	}
	older := storetest.SQLite(t, nil) // knows no leaf at all
	k2, err := New(ctx, Config{Store: older, Provider: p, ShredKeys: sk})
	if err != nil {
		t.Fatal(err)
	}
	ref := Ref{Org: "o1", Scope: "conv:new", Field: "f"}
	ct := mustSeal(t, k2, ref, "new")
	k3, _ := New(ctx, Config{Store: older, Provider: p, ShredKeys: sk})
	mustOpen(t, k3, ref, ct, "new")
	var row store.DEKRow
	older.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.DEKByScope(ctx, "o1", "conv:new")
		return err
	})
	if row.Leaf != 2 {
		t.Fatalf("the new key took leaf %d, want 2 (leaf 1 was shredded)", row.Leaf)
	}
}
