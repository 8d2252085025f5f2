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
	var forget func()
	err := k.st.Write(ctx, func(tx *store.Tx) (err error) {
		forget, err = k.ShredIn(ctx, tx, org, scope)
		return err
	})
	if err != nil {
		return err
	}
	forget()
	return nil
}

// ShredIn is Shred inside the caller's write transaction tx, so that the
// shred and its audit event commit together. It reports whether the scope
// had a key; call forget once tx has committed, so this process's cache
// drops the key (until then a rolled-back shred leaves it usable).
func (k *Keyring) ShredIn(ctx context.Context, tx *store.Tx, org, scope string) (forget func(), err error) {
	row, err := tx.DEKByScope(ctx, org, scope)
	if isNotFound(err) {
		return func() {}, nil
	}
	if err != nil {
		return nil, err
	}
	if _, err := tx.DestroyDEK(ctx, row.ID); err != nil {
		return nil, err
	}
	return func() {
		if kid, ok := parseKeyID(row.ID); ok {
			k.deks.remove(kid)
		}
	}, nil
}
