package audit_test

import (
	"context"
	"errors"
	"github.com/wardhealth/ward/internal/clocktest"
	"sync"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestAppendCommitsWithTheChange(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o1", Slug: "rolled", Name: "Rolled back"}); err != nil {
				return err
			}
			if err := audit.Append(ctx, tx, event(1)); err != nil {
				return err
			}
			return boom // a crash between the change and its record
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write = %v", err)
		}
		if n := countEvents(t, st); n != 0 {
			t.Fatalf("%d events after rollback, want 0", n)
		}
		err = st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o2", Slug: "kept", Name: "Kept"}); err != nil {
				return err
			}
			return audit.Append(ctx, tx, event(2))
		})
		if err != nil {
			t.Fatal(err)
		}
		if n := countEvents(t, st); n != 1 {
			t.Fatalf("%d events after commit, want 1", n)
		}
		st.Read(ctx, func(tx *store.Tx) error {
			if _, err := tx.OrgBySlug(ctx, "rolled"); ward.ErrorCode(err) != ward.CodeNotFound {
				t.Errorf("rolled-back org: %v", err)
			}
			if _, err := tx.OrgBySlug(ctx, "kept"); err != nil {
				t.Errorf("committed org: %v", err)
			}
			return nil
		})
	})
}

func TestAppendRejectsInvalidEvents(t *testing.T) {
	st := storetest.SQLite(t, nil)
	ctx := context.Background()
	bad := []audit.Event{
		{Action: "message.teleported", Outcome: audit.Success},
		{Action: audit.MessageRead, Outcome: "maybe"},
		{Action: audit.MessageRead, Outcome: audit.Success, Reason: string(make([]byte, audit.MaxReasonLen+1))},
	}
	for _, e := range bad {
		err := st.Write(ctx, func(tx *store.Tx) error { return audit.Append(ctx, tx, e) })
		if ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("Append(%+v) = %v, want invalid", e, err)
		}
	}
}

func TestRecorderBatchesConcurrentCallers(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := audit.NewRecorder(st, audit.RecorderOptions{})
		const callers, each = 32, 25
		var wg sync.WaitGroup
		errs := make(chan error, callers*each)
		for c := range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					errs <- r.Record(ctx, event(c*each+i))
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if n := countEvents(t, st); n != callers*each {
			t.Fatalf("%d events, want %d", n, callers*each)
		}
		if err := r.Record(ctx, audit.Event{Action: "nope", Outcome: audit.Success}); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Errorf("invalid event: %v", err)
		}
		r.Close()
		r.Close()
		if err := r.Record(ctx, event(1)); ward.ErrorCode(err) != ward.CodeUnavailable {
			t.Errorf("Record after Close = %v", err)
		}
	})
}

func TestRecorderReturnsWriteErrors(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		r := audit.NewRecorder(st, audit.RecorderOptions{})
		defer r.Close()
		if err := r.Record(ctx, event(1)); err != nil {
			t.Fatal(err)
		}
		mustExec(t, st, "ALTER TABLE audit_events RENAME TO audit_events_gone")
		if err := r.Record(ctx, event(2)); err == nil {
			t.Fatal("Record succeeded with no audit table; the read would go unaudited")
		}
		mustExec(t, st, "ALTER TABLE audit_events_gone RENAME TO audit_events")
		if err := r.Record(ctx, event(3)); err != nil {
			t.Fatalf("Record after repair: %v", err)
		}
	})
}

func TestRecorderHonoursContext(t *testing.T) {
	st := storetest.SQLite(t, nil)
	r := audit.NewRecorder(st, audit.RecorderOptions{})
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.Record(ctx, event(1)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Record with a cancelled context = %v", err)
	}
}

func TestRecorderCloseDrains(t *testing.T) {
	st := storetest.SQLite(t, nil)
	r := audit.NewRecorder(st, audit.RecorderOptions{})
	ctx := context.Background()
	var wg sync.WaitGroup
	var ok sync.Map
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r.Record(ctx, event(i)) == nil {
				ok.Store(i, true)
			}
		}()
	}
	wg.Wait()
	r.Close()
	n := 0
	ok.Range(func(any, any) bool { n++; return true })
	if got := countEvents(t, st); got != n || n != 50 {
		t.Fatalf("%d events stored, %d acknowledged", got, n)
	}
}
