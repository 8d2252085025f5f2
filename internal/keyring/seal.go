package keyring

import (
	"context"
	"crypto/rand"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// Seal encrypts plaintext for the place ref names, under the data key of
// ref's scope (created on first use). The result holds a header naming the
// key; it opens only with the same ref.
func (k *Keyring) Seal(ctx context.Context, ref Ref, plaintext []byte) ([]byte, error) {
	if err := ref.validate(); err != nil {
		return nil, err
	}
	e, err := k.sealKey(ctx, ref.Org, ref.Scope)
	if err != nil {
		return nil, err
	}
	out := make([]byte, fieldHdrSize, FieldOverhead+len(plaintext))
	out[0] = formatField
	copy(out[1:], e.id[:])
	nonce := out[1+keyIDSize : fieldHdrSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keyring: random nonce: %w", err)
	}
	ad := appendAD(append(make([]byte, 0, 1+keyIDSize+adLen(ref)), out[:1+keyIDSize]...), ref)
	return e.aead.Seal(out, nonce, plaintext, ad), nil
}

// Prepare makes sure a scope has its data key, creating it now if it has
// none, so that the scope's first Seal finds it: a new conversation's first
// message then costs what every other one does, instead of a transaction
// and an fsync of its own beside the send's group commit (ward bench at
// 10,000 new conversations: thousands of them in the first seconds of the
// load, the 99th percentile of a send's latency there over 100 ms).
func (k *Keyring) Prepare(ctx context.Context, org, scope string) error {
	if org == "" || scope == "" {
		return ward.Errorf(ward.CodeInvalid, "keyring: a scope needs an org and a name")
	}
	_, err := k.sealKey(ctx, org, scope)
	return err
}

// Open decrypts what Seal sealed for the same ref. A ciphertext that was
// altered, or sealed for another org, scope, record or field, fails with
// CodeIntegrity; one whose scope was shredded fails with CodeNotFound
// ("key destroyed", wrapping ErrKeyDestroyed).
func (k *Keyring) Open(ctx context.Context, ref Ref, ciphertext []byte) ([]byte, error) {
	return k.open(ctx, nil, ref, ciphertext)
}

// OpenIn is Open for a caller inside a transaction: a data key not in the
// cache (nor its org key) is read in tx rather than in a read transaction
// of its own, so a look-up reads its row and its key in one transaction.
// The key is cached as by Open; tx may be a read or a write transaction.
func (k *Keyring) OpenIn(ctx context.Context, tx *store.Tx, ref Ref, ciphertext []byte) ([]byte, error) {
	if tx == nil {
		return nil, ward.Errorf(ward.CodeInternal, "keyring: OpenIn needs a transaction")
	}
	return k.open(ctx, tx, ref, ciphertext)
}

func (k *Keyring) open(ctx context.Context, tx *store.Tx, ref Ref, ciphertext []byte) ([]byte, error) {
	if err := ref.validate(); err != nil {
		return nil, err
	}
	h, body, err := parseFieldHeader(ciphertext)
	if err != nil {
		return nil, err
	}
	e, err := k.openKey(ctx, tx, h.key, ref.Org, ref.Scope)
	if err != nil {
		return nil, err
	}
	ad := appendAD(append(make([]byte, 0, 1+keyIDSize+adLen(ref)), ciphertext[:1+keyIDSize]...), ref)
	pt, err := e.aead.Open(nil, h.nonce[:], body, ad)
	if err != nil {
		return nil, errCorrupt("authentication failed")
	}
	return pt, nil
}
