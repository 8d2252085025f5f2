package keyring

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// Getting, creating and unwrapping org KEKs and scope DEKs. Both are 256-bit
// AES keys; a KEK is wrapped by the master key (through the Provider), a
// DEK by its org's KEK, each with associated data naming what it is for.

const dataKeySize = 32

func kekAD(org string, version int) []byte {
	ad := append([]byte("ward kek v1\x00"), lp(org)...)
	return binary.BigEndian.AppendUint32(ad, uint32(version))
}

func dekAD(org, scope, id string) []byte {
	ad := append([]byte("ward dek v1\x00"), lp(org)...)
	ad = append(ad, lp(scope)...)
	return append(ad, lp(id)...)
}

func secretAD(name string) []byte {
	return append([]byte("ward secret v1\x00"), lp(name)...)
}

func lp(s string) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(s))), s...)
}

func isNotFound(err error) bool { return ward.ErrorCode(err) == ward.CodeNotFound }

// kek returns the unwrapped AEAD of a stored KEK, from the cache or through
// the provider.
func (k *Keyring) kek(ctx context.Context, row store.KEKRow) (cipher.AEAD, error) {
	key := kekKey{row.OrgID, row.Version}
	k.kekMu.Lock()
	a, ok := k.keks[key]
	k.kekMu.Unlock()
	if ok {
		return a, nil
	}
	raw, err := k.p.Unwrap(ctx, row.MasterKeyID, row.Wrapped, kekAD(row.OrgID, row.Version))
	if err != nil {
		return nil, fmt.Errorf("unwrap KEK v%d of org %s: %w", row.Version, row.OrgID, err)
	}
	defer clear(raw)
	if a, err = newGCM(raw); err != nil {
		return nil, err
	}
	k.kekMu.Lock()
	k.keks[key] = a
	k.kekMu.Unlock()
	return a, nil
}

// kekVersion returns the KEK of an org at a version.
func (k *Keyring) kekVersion(ctx context.Context, org string, version int) (cipher.AEAD, error) {
	k.kekMu.Lock()
	a, ok := k.keks[kekKey{org, version}]
	k.kekMu.Unlock()
	if ok {
		return a, nil
	}
	var row store.KEKRow
	err := k.st.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.KEK(ctx, org, version)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("KEK v%d of org %s: %w", version, org, err)
	}
	return k.kek(ctx, row)
}

// currentKEK returns the org's current KEK, creating version 1 on first use.
func (k *Keyring) currentKEK(ctx context.Context, org string) (store.KEKRow, cipher.AEAD, error) {
	var row store.KEKRow
	err := k.st.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.CurrentKEK(ctx, org)
		return err
	})
	if isNotFound(err) {
		row, err = k.insertKEK(ctx, org, 1)
	}
	if err != nil {
		return store.KEKRow{}, nil, err
	}
	a, err := k.kek(ctx, row)
	return row, a, err
}

// insertKEK makes and stores a new KEK version for org; if another process
// stored that version first, it returns the org's current KEK instead.
func (k *Keyring) insertKEK(ctx context.Context, org string, version int) (store.KEKRow, error) {
	raw, err := randomKey(dataKeySize)
	if err != nil {
		return store.KEKRow{}, err
	}
	defer clear(raw)
	mk, wrapped, err := k.p.Wrap(ctx, raw, kekAD(org, version))
	if err != nil {
		return store.KEKRow{}, fmt.Errorf("wrap new KEK: %w", err)
	}
	row := store.KEKRow{OrgID: org, Version: version, MasterKeyID: mk, Wrapped: wrapped}
	err = k.st.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.InsertKEK(ctx, &row)
		if err != nil || ok {
			return err
		}
		row, err = tx.CurrentKEK(ctx, org)
		return err
	})
	return row, err
}

// sealKey returns the data key to seal with in an org's scope, creating it
// on first use.
func (k *Keyring) sealKey(ctx context.Context, org, scope string) (*dekEntry, error) {
	if e := k.deks.getScope(org, scope); e != nil {
		return e, nil
	}
	var row store.DEKRow
	err := k.st.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.DEKByScope(ctx, org, scope)
		return err
	})
	if isNotFound(err) {
		return k.createDEK(ctx, org, scope)
	}
	if err != nil {
		return nil, err
	}
	return k.unwrapDEK(ctx, nil, row)
}

// createDEK makes a scope's data key. Two callers (or nodes) racing for the
// same scope both try to insert; the unique (org, scope) constraint keeps
// one, and the loser reads and uses the winner's key.
func (k *Keyring) createDEK(ctx context.Context, org, scope string) (*dekEntry, error) {
	kekRow, kek, err := k.currentKEK(ctx, org)
	if err != nil {
		return nil, err
	}
	var id keyID
	if _, err := rand.Read(id[:]); err != nil {
		return nil, fmt.Errorf("keyring: random key id: %w", err)
	}
	raw, err := randomKey(dataKeySize)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	row := store.DEKRow{ID: id.String(), OrgID: org, Scope: scope, KEKVersion: kekRow.Version}
	won := false
	for attempt := 0; ; attempt++ {
		err = k.st.Write(ctx, func(tx *store.Tx) error {
			mine := row
			if err := k.wrapDEK(ctx, tx, kek, raw, &mine); err != nil {
				return err
			}
			ok, err := tx.InsertDEK(ctx, &mine)
			if err != nil || ok {
				won, row = ok, mine
				return err
			}
			found, err := tx.DEKByScope(ctx, org, scope)
			if err == nil {
				row = found
			}
			return err
		})
		// Not found: the insert lost its leaf, not its scope, to another
		// node; take the next leaf.
		if !isNotFound(err) || k.shred == nil || attempt == 4 {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store data key: %w", err)
	}
	if !won {
		return k.unwrapDEK(ctx, nil, row)
	}
	return k.cacheDEK(id, org, scope, raw)
}

// unwrapDEK unwraps a stored data key and caches it; its KEK, if not
// cached, is read in tx (nil: in a read transaction of its own).
func (k *Keyring) unwrapDEK(ctx context.Context, tx *store.Tx, row store.DEKRow) (*dekEntry, error) {
	id, ok := parseKeyID(row.ID)
	if !ok {
		return nil, ward.Errorf(ward.CodeIntegrity, "stored data key id %q is malformed", row.ID)
	}
	var kek cipher.AEAD
	var err error
	if tx != nil {
		kek, err = k.kekInTx(ctx, tx, row.OrgID, row.KEKVersion)
	} else {
		kek, err = k.kekVersion(ctx, row.OrgID, row.KEKVersion)
	}
	if err != nil {
		return nil, err
	}
	raw, err := unwrapKey(kek, row.Wrapped, dekAD(row.OrgID, row.Scope, row.ID))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key %s: %w", row.ID, err)
	}
	if row.Leaf != 0 {
		if raw, err = k.unwrapLeaf(row, raw); err != nil {
			return nil, err
		}
	}
	defer clear(raw)
	return k.cacheDEK(id, row.OrgID, row.Scope, raw)
}

func (k *Keyring) cacheDEK(id keyID, org, scope string, raw []byte) (*dekEntry, error) {
	a, err := newGCM(raw)
	if err != nil {
		return nil, err
	}
	e := &dekEntry{id: id, org: org, scope: scope, aead: a, loaded: k.now()}
	k.deks.put(e)
	return e, nil
}

// openKey returns the data key a header names, checking that it belongs to
// the org and scope the caller expects. A key not in the cache is read in
// tx (nil: in a read transaction of its own), unwrapped and cached.
func (k *Keyring) openKey(ctx context.Context, tx *store.Tx, id keyID, org, scope string) (*dekEntry, error) {
	e := k.deks.getID(id)
	if e == nil {
		var row store.DEKRow
		destroyed := false
		read := func(tx *store.Tx) (err error) {
			row, err = tx.DEKByID(ctx, id.String())
			if isNotFound(err) {
				if _, serr := tx.ShreddedDEKByID(ctx, id.String()); serr == nil {
					destroyed = true
				} else if !isNotFound(serr) {
					return serr
				}
			}
			return err
		}
		var err error
		if tx != nil {
			err = read(tx)
		} else {
			err = k.st.Read(ctx, read)
		}
		switch {
		case destroyed:
			return nil, errDestroyed()
		case isNotFound(err):
			return nil, errCorrupt("the ciphertext names an unknown key")
		case err != nil:
			return nil, err
		}
		if e, err = k.unwrapDEK(ctx, tx, row); err != nil {
			return nil, err
		}
	}
	if e.org != org || e.scope != scope {
		return nil, errCorrupt("the ciphertext belongs to another scope")
	}
	return e, nil
}

// PrepareMany is Prepare for many scopes of an org at once: the data keys
// the scopes lack are made in one transaction (one commit instead of one
// per key), for a bulk import of records each with a scope of its own. A
// scope that has a key keeps it. The keys made are cached once committed,
// as far as the cache holds them.
func (k *Keyring) PrepareMany(ctx context.Context, org string, scopes []string) error {
	if org == "" {
		return ward.Errorf(ward.CodeInvalid, "keyring: a scope needs an org and a name")
	}
	kekRow, kek, err := k.currentKEK(ctx, org)
	if err != nil {
		return err
	}
	type made struct {
		id    keyID
		scope string
		raw   []byte
		row   store.DEKRow
	}
	keys := make([]made, 0, len(scopes))
	defer func() {
		for _, m := range keys {
			clear(m.raw)
		}
	}()
	for _, scope := range scopes {
		if scope == "" {
			return ward.Errorf(ward.CodeInvalid, "keyring: a scope needs an org and a name")
		}
		if k.deks.getScope(org, scope) != nil {
			continue
		}
		m := made{scope: scope}
		if _, err := rand.Read(m.id[:]); err != nil {
			return fmt.Errorf("keyring: random key id: %w", err)
		}
		if m.raw, err = randomKey(dataKeySize); err != nil {
			return err
		}
		m.row = store.DEKRow{ID: m.id.String(), OrgID: org, Scope: scope, KEKVersion: kekRow.Version}
		keys = append(keys, m)
	}
	won := make([]bool, len(keys))
	err = k.st.Write(ctx, func(tx *store.Tx) error {
		for i := range keys {
			if err := k.wrapDEK(ctx, tx, kek, keys[i].raw, &keys[i].row); err != nil {
				return err
			}
			var err error
			if won[i], err = tx.InsertDEK(ctx, &keys[i].row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store data keys: %w", err)
	}
	for i, m := range keys {
		if won[i] { // a scope that had a key already keeps it; Seal finds it
			if _, err := k.cacheDEK(m.id, org, m.scope, m.raw); err != nil {
				return err
			}
		}
	}
	return nil
}

// wrapDEK sets row.Wrapped to raw wrapped for the row's scope: by a new
// leaf key of the shred key file (row.Leaf), then by the org key kek; by
// kek alone without a shred key file.
func (k *Keyring) wrapDEK(ctx context.Context, tx *store.Tx, kek cipher.AEAD, raw []byte, row *store.DEKRow) error {
	ad := dekAD(row.OrgID, row.Scope, row.ID)
	inner := raw
	if k.shred != nil {
		leaf, err := tx.NextKeyLeaf(ctx)
		if err != nil {
			return err
		}
		// A database restored from an older backup knows fewer leaves than
		// the live file has used: skip those shredded since.
		var lk []byte
		for {
			if leaf > MaxLeaf {
				return ward.Errorf(ward.CodeUnavailable, "the shred key file has no free leaf left")
			}
			lk, err = k.shred.LeafKey(leaf)
			if !errors.Is(err, errLeafShredded) {
				break
			}
			leaf++
		}
		if err != nil {
			return fmt.Errorf("leaf key %d: %w", leaf, err)
		}
		defer clear(lk)
		a, err := newGCM(lk)
		if err != nil {
			return err
		}
		if inner, err = wrapKey(a, raw, ad); err != nil {
			return err
		}
		row.Leaf = leaf
	}
	w, err := wrapKey(kek, inner, ad)
	row.Wrapped = w
	return err
}

// unwrapLeaf opens the inner wrapping of a data key with its leaf key; a
// leaf shredded from the file (a key shredded after the backup this
// database came from) reads as destroyed.
func (k *Keyring) unwrapLeaf(row store.DEKRow, inner []byte) ([]byte, error) {
	if k.shred == nil {
		return nil, ward.Errorf(ward.CodeUnavailable, "data key %s needs the shred key file (%s), which is not loaded", row.ID, ShredKeyFileName)
	}
	lk, err := k.shred.LeafKey(row.Leaf)
	if errors.Is(err, errLeafShredded) {
		return nil, errDestroyed()
	}
	if err != nil {
		return nil, err
	}
	defer clear(lk)
	a, err := newGCM(lk)
	if err != nil {
		return nil, err
	}
	raw, err := unwrapKey(a, inner, dekAD(row.OrgID, row.Scope, row.ID))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key %s with its leaf key: %w", row.ID, err)
	}
	return raw, nil
}
