package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
	"github.com/wardhealth/ward/internal/store/walvfs"
)

func createOrg(s *store.Store, id string) error {
	return s.WriteBatched(context.Background(), func(tx *store.Tx) error {
		return tx.CreateOrg(context.Background(), &ward.Org{ID: id, Slug: id, Name: "Org " + id})
	})
}

func listOrgs(s *store.Store) ([]ward.Org, error) {
	var orgs []ward.Org
	err := s.Read(context.Background(), func(tx *store.Tx) error {
		var err error
		orgs, err = tx.ListOrgs(context.Background())
		return err
	})
	return orgs, err
}

// within waits for ch for at most 10 s.
func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: nothing after 10 s", what)
		panic("unreachable")
	}
}

// notYet fails if ch has a value within 50 ms.
func notYet[T any](t *testing.T, ch <-chan T, what string) {
	t.Helper()
	select {
	case v := <-ch:
		t.Fatalf("%s returned (%v) before the WAL was synced", what, v)
	case <-time.After(50 * time.Millisecond):
	}
}

// TestWritesCountOnceOnDisk: a batched write returns, and a read that
// could see it returns, only after the WAL holding it was synced; the
// writer meanwhile commits the next batch instead of waiting for the disk.
func TestWritesCountOnceOnDisk(t *testing.T) {
	s := storetest.SQLite(t, nil)
	entered, gate := make(chan struct{}, 100), make(chan struct{})
	release := sync.OnceFunc(func() { close(gate) })
	t.Cleanup(release) // before the store closes, should the test fail
	defer store.SetSyncWALForTest(func(path string) error {
		entered <- struct{}{}
		<-gate
		return walvfs.SyncWAL(path)
	})()
	first := make(chan error, 1)
	go func() { first <- createOrg(s, "o1") }()
	within(t, entered, "the first batch's sync")
	notYet(t, first, "the first batch")

	read := make(chan []ward.Org, 1)
	go func() {
		orgs, err := listOrgs(s)
		if err != nil {
			t.Error(err)
		}
		read <- orgs
	}()
	notYet(t, read, "a read that can see the first batch")

	second := make(chan error, 1)
	go func() { second <- createOrg(s, "o2") }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		committed, synced := s.WALCommitsForTest()
		if committed >= synced+2 {
			break // both batches committed, neither on disk
		}
		if time.Now().After(deadline) {
			t.Fatalf("the second batch did not commit while the first one's sync was under way (committed %d, synced %d)", committed, synced)
		}
		time.Sleep(time.Millisecond)
	}
	notYet(t, second, "the second batch")

	release()
	if err := within(t, first, "the first batch"); err != nil {
		t.Fatal(err)
	}
	if err := within(t, second, "the second batch"); err != nil {
		t.Fatal(err)
	}
	if orgs := within(t, read, "the read"); len(orgs) == 0 || orgs[0].ID != "o1" {
		t.Fatalf("the read saw %v, want o1 first", orgs)
	}
	if committed, synced := s.WALCommitsForTest(); synced != committed {
		t.Fatalf("after the answers: %d commits, %d on disk", committed, synced)
	}
}

// TestFailedSyncIsSticky: when the WAL cannot be synced, the write that
// waited for it fails as unavailable, and so does every write, read and
// readiness check after it, even once syncs would work again.
func TestFailedSyncIsSticky(t *testing.T) {
	s := storetest.SQLite(t, nil)
	failing := true
	restore := store.SetSyncWALForTest(func(path string) error {
		if failing {
			return errors.New("EIO")
		}
		return walvfs.SyncWAL(path)
	})
	defer restore()
	if err := createOrg(s, "o1"); ward.ErrorCode(err) != ward.CodeUnavailable {
		t.Fatalf("write whose sync failed: %v, want unavailable", err)
	}
	failing = false
	for i, op := range []func() error{
		func() error { return createOrg(s, "o2") },
		func() error { _, err := listOrgs(s); return err },
		func() error { return s.Write(context.Background(), func(*store.Tx) error { return nil }) },
		func() error { return s.Ping(context.Background()) }, // what /readyz asks
	} {
		if err := op(); ward.ErrorCode(err) != ward.CodeUnavailable {
			t.Errorf("operation %d after the failed sync: %v, want unavailable", i, fmt.Sprint(err))
		}
	}
}
