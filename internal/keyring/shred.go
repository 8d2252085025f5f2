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
// other nodes once their cached copy expires (Config.CacheTTL). With a shred
// key file (Config.ShredKeys) the key's leaf is punctured there too, so a
// backup taken before the shred cannot open the scope either
// (shredkeys.go, docs/keyring.md).
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
		if row.Leaf != 0 && k.shred != nil {
			// A failure here (a full disk) leaves the leaf in the file
			// until FinishShreds runs at the next start.
			k.shred.Puncture(row.Leaf) //nolint:errcheck
		}
	}, nil
}

// FinishShreds punctures, in the shred key file, the leaf of every data key
// the database says was destroyed: a shred whose process stopped between
// its commit and the file's update is finished here. ward serve runs it at
// start, and a restore drill should too (restoring an old backup brings no
// tombstone the live file lacks). It returns how many leaves it checked.
func (k *Keyring) FinishShreds(ctx context.Context) (int, error) {
	if k.shred == nil {
		return 0, nil
	}
	var leaves []int64
	err := k.st.Read(ctx, func(tx *store.Tx) (err error) {
		leaves, err = tx.ShreddedLeaves(ctx)
		return err
	})
	if err != nil || len(leaves) == 0 {
		return len(leaves), err
	}
	return len(leaves), k.shred.Puncture(leaves...)
}
