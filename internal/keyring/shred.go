package keyring

import (
	"context"

	"github.com/wardhealth/ward/internal/store"
)

// Shred destroys the data key of an org's scope (crypto-shredding): its
// wrapped row is overwritten and deleted, a tombstone records that it was
// destroyed, and this process's cache forgets it. From then on, Open and
// NewDecryptReader of anything sealed in the scope fail with CodeNotFound
// ("key destroyed", wrapping ErrKeyDestroyed) — on this node at once, on
// other nodes once their cached copy expires (Config.CacheTTL). Backups taken
// before the shred still hold the wrapped key; see docs/keyring.md.
//
// Shredding a scope that has no key is a no-op. A later Seal in the scope
// creates a new, unrelated key.
func (k *Keyring) Shred(ctx context.Context, org, scope string) error {
	var id string
	err := k.st.Write(ctx, func(tx *store.Tx) error {
		row, err := tx.DEKByScope(ctx, org, scope)
		if isNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		id = row.ID
		_, err = tx.DestroyDEK(ctx, row.ID)
		return err
	})
	if err != nil {
		return err
	}
	if kid, ok := parseKeyID(id); ok {
		k.deks.remove(kid)
	}
	return nil
}
