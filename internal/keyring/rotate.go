package keyring

import (
	"context"
	"crypto/cipher"
	"errors"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// RotateOptions says what Rotate does.
type RotateOptions struct {
	// Master rotates the master key (re-wrapping every KEK and secret under
	// a new master key version) instead of the org KEKs.
	Master bool
	// Org limits a KEK rotation to one org; empty means every org with keys.
	Org string
	// BatchSize is how many keys are re-wrapped per transaction; 0 means 500.
	BatchSize int
	// Progress, when set, is called after every committed batch. Returning
	// an error stops the rotation (what is committed stays committed; run
	// Rotate again to continue).
	Progress func(Progress) error
}

// Progress reports a rotation's advance.
type Progress struct {
	Phase   string // "kek" (data keys re-wrapped under an org's new KEK) or "master"
	Org     string // the org, for phase "kek"
	KeyID   string // the new KEK ("v3") or master key id ("mk-…")
	Resumed bool   // continuing a rotation an earlier run left unfinished
	Done    int
	Total   int
}

// Rotate rotates keys and re-wraps the keys below them, batch by batch,
// each batch its own transaction; data is never re-encrypted.
//
// KEK rotation (the default): for each org, a new KEK version becomes
// current and every data key is re-wrapped under it. If an earlier run
// stopped part-way (crash, error, interrupted), Rotate first finishes that
// rotation instead of starting another: every stored key records which key
// wraps it. Master rotation: the provider makes a new master key version
// (if it can; see MasterKeyAdder) and every KEK and master-wrapped secret is
// re-wrapped under it, again resuming an unfinished run.
func (k *Keyring) Rotate(ctx context.Context, opts RotateOptions) error {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	if opts.Progress == nil {
		opts.Progress = func(Progress) error { return nil }
	}
	if opts.Master {
		return k.rotateMaster(ctx, opts)
	}
	orgs := []string{opts.Org}
	if opts.Org == "" {
		var err error
		if orgs, err = k.orgsWithKeys(ctx); err != nil {
			return err
		}
	}
	for _, org := range orgs {
		if err := k.rotateOrg(ctx, org, opts); err != nil {
			return fmt.Errorf("rotate KEK of org %s: %w", org, err)
		}
	}
	return nil
}

func (k *Keyring) orgsWithKeys(ctx context.Context) ([]string, error) {
	var orgs []string
	err := k.st.Read(ctx, func(tx *store.Tx) error {
		keks, err := tx.ListKEKs(ctx)
		for _, r := range keks {
			if len(orgs) == 0 || orgs[len(orgs)-1] != r.OrgID {
				orgs = append(orgs, r.OrgID)
			}
		}
		return err
	})
	return orgs, err
}

func (k *Keyring) rotateOrg(ctx context.Context, org string, opts RotateOptions) error {
	var cur store.KEKRow
	var pending int
	err := k.st.Read(ctx, func(tx *store.Tx) (err error) {
		if cur, err = tx.CurrentKEK(ctx, org); err != nil {
			return err
		}
		pending, err = tx.CountDEKsNotUnderKEK(ctx, org, cur.Version)
		return err
	})
	if isNotFound(err) {
		return ward.Errorf(ward.CodeNotFound, "org %s has no keys", org)
	}
	if err != nil {
		return err
	}
	resumed := pending > 0
	if !resumed {
		if cur, err = k.insertKEK(ctx, org, cur.Version+1); err != nil {
			return err
		}
		if err := k.st.Read(ctx, func(tx *store.Tx) (err error) {
			pending, err = tx.CountDEKsNotUnderKEK(ctx, org, cur.Version)
			return err
		}); err != nil {
			return err
		}
	}
	newKEK, err := k.kek(ctx, cur)
	if err != nil {
		return err
	}
	p := Progress{Phase: "kek", Org: org, KeyID: fmt.Sprintf("v%d", cur.Version), Resumed: resumed, Total: pending}
	if err := opts.Progress(p); err != nil {
		return err
	}
	for {
		var n int
		err := k.st.Write(ctx, func(tx *store.Tx) error {
			rows, err := tx.DEKsNotUnderKEK(ctx, org, cur.Version, opts.BatchSize)
			if err != nil {
				return err
			}
			n = len(rows)
			for _, row := range rows {
				old, err := k.kekInTx(ctx, tx, org, row.KEKVersion)
				if err != nil {
					return err
				}
				ad := dekAD(org, row.Scope, row.ID)
				raw, err := unwrapKey(old, row.Wrapped, ad)
				if err != nil {
					return fmt.Errorf("unwrap data key %s: %w", row.ID, err)
				}
				wrapped, err := wrapKey(newKEK, raw, ad)
				clear(raw)
				if err != nil {
					return err
				}
				if _, err := tx.RewrapDEK(ctx, row.ID, row.KEKVersion, cur.Version, wrapped); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil || n == 0 {
			return err
		}
		p.Done += n
		p.Total = max(p.Total, p.Done)
		if err := opts.Progress(p); err != nil {
			return err
		}
	}
}

// kekInTx is kekVersion reading through an open transaction.
func (k *Keyring) kekInTx(ctx context.Context, tx *store.Tx, org string, version int) (cipher.AEAD, error) {
	k.kekMu.Lock()
	a, ok := k.keks[kekKey{org, version}]
	k.kekMu.Unlock()
	if ok {
		return a, nil
	}
	row, err := tx.KEK(ctx, org, version)
	if err != nil {
		return nil, fmt.Errorf("KEK v%d of org %s: %w", version, org, err)
	}
	return k.kek(ctx, row)
}

func (k *Keyring) rotateMaster(ctx context.Context, opts RotateOptions) error {
	cur, err := k.p.CurrentKeyID(ctx)
	if err != nil {
		return err
	}
	pending, err := k.countNotUnderMaster(ctx, cur)
	if err != nil {
		return err
	}
	resumed := pending > 0
	if !resumed {
		adder, ok := k.p.(MasterKeyAdder)
		if !ok {
			return ward.Errorf(ward.CodeInvalid,
				"every key is already wrapped by master key %s, and this provider cannot make a new one: "+
					"add a new key to the provider (for %s: the new key first, comma, the old one) and run again", cur, EnvVar)
		}
		if cur, err = adder.AddMasterKey(ctx); err != nil {
			return fmt.Errorf("add master key: %w", err)
		}
		if pending, err = k.countNotUnderMaster(ctx, cur); err != nil {
			return err
		}
	}
	p := Progress{Phase: "master", KeyID: cur, Resumed: resumed, Total: pending}
	if err := opts.Progress(p); err != nil {
		return err
	}
	for {
		n, err := k.rewrapMasterBatch(ctx, cur, opts.BatchSize)
		if err != nil || n == 0 {
			return err
		}
		p.Done += n
		p.Total = max(p.Total, p.Done)
		if err := opts.Progress(p); err != nil {
			return err
		}
	}
}

func (k *Keyring) countNotUnderMaster(ctx context.Context, master string) (int, error) {
	n := 0
	err := k.st.Read(ctx, func(tx *store.Tx) error {
		keks, err := tx.ListKEKs(ctx)
		if err != nil {
			return err
		}
		secrets, err := tx.ListSecrets(ctx)
		for _, r := range keks {
			if r.MasterKeyID != master {
				n++
			}
		}
		for _, s := range secrets {
			if s.MasterKeyID != master {
				n++
			}
		}
		return err
	})
	return n, err
}

// rewrapMasterBatch re-wraps up to limit KEKs, then secrets, under the
// current master key in one transaction. Unwrapping happens through the
// provider, inside the transaction: a KMS round trip per key, which is what
// bounds the batch size.
func (k *Keyring) rewrapMasterBatch(ctx context.Context, cur string, limit int) (int, error) {
	n := 0
	err := k.st.Write(ctx, func(tx *store.Tx) error {
		keks, err := tx.KEKsNotUnderMaster(ctx, cur, limit)
		if err != nil {
			return err
		}
		for _, r := range keks {
			ad := kekAD(r.OrgID, r.Version)
			wrapped, err := k.rewrapMaster(ctx, r.MasterKeyID, cur, r.Wrapped, ad)
			if err != nil {
				return fmt.Errorf("KEK v%d of org %s: %w", r.Version, r.OrgID, err)
			}
			if _, err := tx.RewrapKEK(ctx, r.OrgID, r.Version, r.MasterKeyID, cur, wrapped); err != nil {
				return err
			}
		}
		n = len(keks)
		if n >= limit {
			return nil
		}
		secrets, err := tx.SecretsNotUnderMaster(ctx, cur, limit-n)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			wrapped, err := k.rewrapMaster(ctx, s.MasterKeyID, cur, s.Wrapped, secretAD(s.Name))
			if err != nil {
				return fmt.Errorf("secret %s: %w", s.Name, err)
			}
			if _, err := tx.RewrapSecret(ctx, s.Name, s.MasterKeyID, cur, wrapped); err != nil {
				return err
			}
		}
		n += len(secrets)
		return nil
	})
	return n, err
}

func (k *Keyring) rewrapMaster(ctx context.Context, from, want string, wrapped, ad []byte) ([]byte, error) {
	raw, err := k.p.Unwrap(ctx, from, wrapped, ad)
	if err != nil {
		return nil, err
	}
	defer clear(raw)
	got, out, err := k.p.Wrap(ctx, raw, ad)
	if err != nil {
		return nil, err
	}
	if got != want {
		return nil, errors.New("the provider's current master key changed during the rotation; run it again")
	}
	return out, nil
}
