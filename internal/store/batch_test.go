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
// failing job rolls back alone.
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
		// A job whose unique insert conflicts fails alone too.
		dup := ward.Org{ID: "o-dup", Slug: "org-001", Name: "Dup"}
		err := s.WriteBatched(ctx, func(tx *store.Tx) error { return tx.CreateOrg(ctx, &dup) })
		if ward.ErrorCode(err) != ward.CodeConflict {
			t.Errorf("duplicate slug in a batch: %v", err)
		}
	})
}
