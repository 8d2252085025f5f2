package keyring

import (
	"bytes"
	"context"
	"testing"

	"github.com/wardhealth/ward/internal/store"
	"github.com/wardhealth/ward/internal/store/storetest"
)

// TestVAPIDKey: the VAPID key is made on first use, every keyring over the
// database (every node) derives the same one, and the database holds only
// its seed, wrapped: neither the scalar nor the seed in the clear.
func TestVAPIDKey(t *testing.T) {
	storetest.Each(t, nil, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := mustEnvKeys(t)
		k1, err := mustNew(t, s, p).VAPIDKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		k2, err := mustNew(t, s, p).VAPIDKey(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !k1.Equal(k2) {
			t.Fatal("two keyrings derived different VAPID keys")
		}
		var row store.SecretRow
		if err := s.Read(ctx, func(tx *store.Tx) (err error) { row, err = tx.Secret(ctx, VAPIDKeyName); return err }); err != nil {
			t.Fatal(err)
		}
		d, _ := k1.Bytes()
		if bytes.Contains(row.Wrapped, d) {
			t.Error("the VAPID scalar is stored in the clear")
		}
		seed, err := mustNew(t, s, p).secret(ctx, VAPIDKeyName, 32)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(row.Wrapped, seed) {
			t.Error("the VAPID seed is stored in the clear")
		}
	})
}
