package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestConformanceWriteBatched: concurrent batched writes all commit, and a
// failing job rolls back alone, its audit rows with it.
func TestConformanceWriteBatched(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		const n = 100
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.WriteBatched(ctx, func(tx *store.Tx) error {
					o := ward.Org{ID: fmt.Sprintf("o%03d", i), Slug: fmt.Sprintf("org-%03d", i), Name: "Org"}
					if err := tx.CreateOrg(ctx, &o); err != nil {
						return err
					}
					row := store.AuditRow{At: tx.Now, OrgID: o.ID, Action: "org.created", ResourceType: "org", ResourceID: o.ID, Outcome: "success"}
					if err := tx.InsertAuditRows(ctx, []store.AuditRow{row}); err != nil {
						return err
					}
					if i%10 == 0 {
						return errors.New("job fails after its insert")
					}
					return nil
				})
			}()
		}
		wg.Wait()
		var orgs []ward.Org
		if err := s.Read(ctx, func(tx *store.Tx) error {
			var err error
			orgs, err = tx.ListOrgs(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for i, err := range errs {
			if (i%10 == 0) != (err != nil) {
				t.Errorf("job %d: %v", i, err)
			}
		}
		if len(orgs) != n-n/10 {
			t.Errorf("%d orgs stored, want %d (failed jobs roll back alone)", len(orgs), n-n/10)
		}
		// The jobs' audit rows, held back to the end of each batch, are
		// there for the jobs that committed, and only for them.
		var audited []string
		if err := s.Read(ctx, func(tx *store.Tx) error {
			rows, err := tx.UnsealedAuditRows(ctx, 2*n)
			for _, r := range rows {
				audited = append(audited, r.ResourceID)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		stored := map[string]bool{}
		for _, o := range orgs {
			stored[o.ID] = true
		}
		for _, id := range audited {
			if !stored[id] {
				t.Errorf("an audit row for %s, whose job rolled back", id)
			}
		}
		if len(audited) != len(orgs) {
			t.Errorf("%d audit rows, want one per stored org (%d)", len(audited), len(orgs))
		}
		// A job whose unique insert conflicts fails alone too.
		dup := ward.Org{ID: "o-dup", Slug: "org-001", Name: "Dup"}
		err := s.WriteBatched(ctx, func(tx *store.Tx) error { return tx.CreateOrg(ctx, &dup) })
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Errorf("duplicate slug in a batch: %v", err)
		}
	})
}
