package audit_test

import (
	"context"
	"github.com/wardhealth/ward/internal/clocktest"
	"testing"
	"time"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/audit"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

func TestPurgeKeepsVerifyWorking(t *testing.T) {
	clk := clocktest.New()
	storetest.Each(t, clk.Now, func(t *testing.T, st *store.Store) {
		clk.Set(t0)
		ctx := context.Background()
		s := mustChain(t, st, 10) // checkpoint 1 at seq 10, at t0
		mustAppend(t, st, 10, 5)
		s.Seal(ctx) // seq 11..15, not checkpointed
		clk.Advance(24 * time.Hour)
		mustAppend(t, st, 15, 5)
		s.Seal(ctx)
		if _, _, err := s.Checkpoint(ctx); err != nil { // checkpoint 2 at seq 20, t0+1d
			t.Fatal(err)
		}

		cutoff := t0.Add(time.Hour)
		if _, err := s.Purge(ctx, cutoff); ward.ErrorCode(err) != ward.CodeInvalid {
			t.Fatalf("Purge inside the retention period = %v", err)
		}
		clk.Advance(6*366*24*time.Hour + time.Hour)
		res, err := s.Purge(ctx, cutoff)
		if err != nil {
			t.Fatal(err)
		}
		// Seq 11..15 are older than the cutoff but no checkpoint ends there.
		if res.Deleted != 10 || res.Through != 10 {
			t.Fatalf("Purge = %+v, want 10 events through seq 10", res)
		}
		rep := mustVerify(t, st)
		if rep.FirstSeq != 11 || rep.LastSeq != 21 || rep.Events != 11 {
			t.Fatalf("after purge: %+v", rep)
		}
		if again, err := s.Purge(ctx, cutoff); err != nil || again.Deleted != 0 {
			t.Fatalf("second Purge = %+v, %v", again, err)
		}

		// Removing more old rows by hand is deletion, not retention.
		mustExec(t, st, "DELETE FROM audit_events WHERE seq = 11")
		wantProblem(t, st, 1, audit.Deleted)
	})
}

func TestPurgeBoundaryIsChecked(t *testing.T) {
	clk := clocktest.New()
	storetest.Each(t, clk.Now, func(t *testing.T, st *store.Store) {
		clk.Set(t0)
		ctx := context.Background()
		s := mustChain(t, st, 10)
		clk.Advance(7 * 366 * 24 * time.Hour)
		mustAppend(t, st, 10, 5)
		s.Seal(ctx)
		if _, err := s.Purge(ctx, audit.RetentionCutoff(clk.Now())); err != nil {
			t.Fatal(err)
		}
		mustVerify(t, st)
		mustExec(t, st, "UPDATE audit_events SET prev_hash = hash WHERE seq = 11")
		wantProblem(t, st, 11, audit.Edited)
	})
}

// TestPurgeStopsAtALegalHold: while a legal hold is active, audit purge
// keeps every event from the hold's start on (all of them when the hold
// has no start); once it is released, the purge proceeds.
func TestPurgeStopsAtALegalHold(t *testing.T) {
	clk := clocktest.New()
	storetest.Each(t, clk.Now, func(t *testing.T, st *store.Store) {
		clk.Set(t0)
		ctx := context.Background()
		s := mustChain(t, st, 10) // checkpoint 1 at seq 10, at t0
		clk.Advance(24 * time.Hour)
		mustAppend(t, st, 10, 10)
		s.Seal(ctx)
		if _, _, err := s.Checkpoint(ctx); err != nil { // checkpoint 2 at seq 20, t0+1d
			t.Fatal(err)
		}
		hold := ward.LegalHold{ID: "h1", OrgID: "o-hold", Matter: "Matter", ConversationID: "c1", PlacedBy: "u1"}
		if err := st.Write(ctx, func(tx *store.Tx) error {
			if err := tx.CreateOrg(ctx, &ward.Org{ID: "o-hold", Name: "Held"}); err != nil {
				return err
			}
			return tx.InsertHold(ctx, &hold)
		}); err != nil {
			t.Fatal(err)
		}
		clk.Advance(6*366*24*time.Hour + time.Hour)
		cutoff := t0.Add(48 * time.Hour)
		if res, err := s.Purge(ctx, cutoff); err != nil || res.Deleted != 0 {
			t.Fatalf("Purge under a hold with no start = %+v, %v", res, err)
		}
		hold.From = t0.Add(time.Hour) // holds from between the checkpoints
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.UpdateHold(ctx, &hold) }); err != nil {
			t.Fatal(err)
		}
		if res, err := s.Purge(ctx, cutoff); err != nil || res.Through != 10 {
			t.Fatalf("Purge under a hold from t0+1h = %+v, %v, want through seq 10", res, err)
		}
		if err := st.Write(ctx, func(tx *store.Tx) error { return tx.ReleaseHold(ctx, "o-hold", "h1", "u1") }); err != nil {
			t.Fatal(err)
		}
		if res, err := s.Purge(ctx, cutoff); err != nil || res.Through != 20 {
			t.Fatalf("Purge after release = %+v, %v, want through seq 20", res, err)
		}
		mustVerify(t, st)
	})
}

// TestInlineChainFollowsCheckpointAfterPurgeOfEveryRow: once retention
// removed every row, the head is the last checkpoint's, and rows chained
// as they are inserted (on PostgreSQL by the INSERT, chain_audit_rows)
// follow it: seqs go on after it and the chain verifies.
func TestInlineChainFollowsCheckpointAfterPurgeOfEveryRow(t *testing.T) {
	clk := clocktest.New()
	storetest.Each(t, clk.Now, func(t *testing.T, st *store.Store) {
		clk.Set(t0)
		ctx := context.Background()
		s := mustChain(t, st, 10) // checkpoint 1 at seq 10
		audit.SealOnInsert(st)
		clk.Advance(6*366*24*time.Hour + time.Hour)
		// The purge's own event is chained after the DELETE, as the chain
		// has no row left.
		if res, err := s.Purge(ctx, t0.Add(time.Hour)); err != nil || res.Deleted != 10 {
			t.Fatalf("Purge = %+v, %v; want every row gone", res, err)
		}
		mustAppend(t, st, 10, 3)
		rep := mustVerify(t, st)
		if rep.FirstSeq != 11 || rep.LastSeq != 14 || rep.Unsealed != 0 {
			t.Fatalf("after purge and inline appends: %+v, want seqs 11..14 (the purge's own event and 3)", rep)
		}
	})
}
