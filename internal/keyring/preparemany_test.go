package keyring

import (
	"context"
	"testing"

	"github.com/wardhealth/ward/internal/clocktest"
	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestPrepareMany: the scopes get their data keys in one go; what is sealed
// with them opens from a keyring with a cold cache (the keys are stored),
// and a scope that had a key keeps it (what it sealed before still opens).
func TestPrepareMany(t *testing.T) {
	storetest.Each(t, clocktest.New().Now, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustEnvKeys(t)
		k := mustNew(t, s, p)
		old := Ref{Org: "o1", Scope: "patient:0", Record: "0", Field: "record"}
		before := mustSeal(t, k, old, "sealed before")
		scopes := []string{"patient:0", "patient:1", "patient:2"}
		if err := k.PrepareMany(ctx, "o1", scopes); err != nil {
			t.Fatal(err)
		}
		var n int
		if err := s.Read(ctx, func(tx *store.Tx) error {
			for _, sc := range scopes {
				if _, err := tx.DEKByScope(ctx, "o1", sc); err != nil {
					return err
				}
				n++
			}
			return nil
		}); err != nil || n != 3 {
			t.Fatalf("stored keys: %d, %v", n, err)
		}
		cts := map[string][]byte{}
		for _, sc := range scopes {
			cts[sc] = mustSeal(t, k, Ref{Org: "o1", Scope: sc, Record: sc, Field: "record"}, "for "+sc)
		}
		cold := mustNew(t, s, p)
		mustOpen(t, cold, old, before, "sealed before")
		for _, sc := range scopes {
			mustOpen(t, cold, Ref{Org: "o1", Scope: sc, Record: sc, Field: "record"}, cts[sc], "for "+sc)
		}
		wantCode(t, k.PrepareMany(ctx, "o1", []string{"patient:3", ""}), "invalid_input", "an empty scope")
	})
}
