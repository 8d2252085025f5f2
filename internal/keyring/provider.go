package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/wardhealth/ward"
)

// Provider holds the master key. It is shaped like a cloud KMS: key material
// goes in and comes out wrapped, and the master key itself never leaves the
// provider. The keyring uses it only to wrap org KEKs and master-level
// secrets, so it is called rarely (on first use of an org, and on rotation).
//
// An external KMS (AWS KMS, GCP KMS, Vault transit, an HSM) implements it by
// mapping Wrap to its Encrypt call with ad as the encryption context or
// additional authenticated data, Unwrap to Decrypt, and key ids to the KMS
// key version that produced each wrapping. Implementations must be safe for
// concurrent use.
type Provider interface {
	// CurrentKeyID names the master key version Wrap uses now.
	CurrentKeyID(ctx context.Context) (string, error)
	// Wrap encrypts and authenticates key material, binding ad, under the
	// current master key; it returns that key's id and the wrapped bytes.
	Wrap(ctx context.Context, plaintext, ad []byte) (keyID string, wrapped []byte, err error)
	// Unwrap reverses Wrap with the master key version keyID. A wrapping
	// that fails to authenticate (wrong key, altered bytes, other ad) is an
	// error with CodeIntegrity.
	Unwrap(ctx context.Context, keyID string, wrapped, ad []byte) ([]byte, error)
}

// MasterKeyAdder is a Provider that can make a new master key version and
// make it current (the key file can; a KMS rotates its keys itself).
type MasterKeyAdder interface {
	AddMasterKey(ctx context.Context) (keyID string, err error)
}

// MasterKeySize is the size of a master key: AES-256.
const MasterKeySize = 32

// masterKey is one master key version held in memory.
type masterKey struct {
	id   string
	aead cipher.AEAD
}

// localKeys is the in-memory master key set shared by the file and env
// providers: the last key is current.
type localKeys struct {
	mu   sync.RWMutex
	keys []masterKey
}

// MasterKeyID is the id of a raw master key: "mk-" and 16 hex digits of a
// SHA-256 over a label and the key. It is the same whichever provider holds
// the key, so a key can move from the key file to the environment.
func MasterKeyID(key []byte) string {
	h := sha256.New()
	h.Write([]byte("ward master key id v1\x00"))
	h.Write(key)
	return "mk-" + hex.EncodeToString(h.Sum(nil)[:8])
}

func newMasterKey(key []byte) (masterKey, error) {
	if len(key) != MasterKeySize {
		return masterKey{}, fmt.Errorf("a master key must be %d bytes, not %d", MasterKeySize, len(key))
	}
	aead, err := newGCM(key)
	if err != nil {
		return masterKey{}, err
	}
	return masterKey{id: MasterKeyID(key), aead: aead}, nil
}

func (l *localKeys) set(keys []masterKey) {
	l.mu.Lock()
	l.keys = keys
	l.mu.Unlock()
}

func (l *localKeys) current() (masterKey, error) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	if len(l.keys) == 0 {
		return masterKey{}, ward.Errorf(ward.CodeUnavailable, "no master key loaded")
	}
	return l.keys[len(l.keys)-1], nil
}

func (l *localKeys) byID(id string) (masterKey, bool) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, k := range l.keys {
		if k.id == id {
			return k, true
		}
	}
	return masterKey{}, false
}

func (l *localKeys) ids() []string {
	l.mu.RLock()
	defer l.mu.RUnlock()
	out := make([]string, len(l.keys))
	for i, k := range l.keys {
		out[i] = k.id
	}
	return out
}

func (l *localKeys) CurrentKeyID(context.Context) (string, error) {
	k, err := l.current()
	return k.id, err
}

func (l *localKeys) Wrap(_ context.Context, plaintext, ad []byte) (string, []byte, error) {
	k, err := l.current()
	if err != nil {
		return "", nil, err
	}
	w, err := wrapKey(k.aead, plaintext, ad)
	return k.id, w, err
}

// unwrap is Unwrap for a key set; reload, when not nil, is tried once when
// keyID is unknown (another process may have added a master key).
func (l *localKeys) unwrap(keyID string, wrapped, ad []byte, reload func() error) ([]byte, error) {
	k, ok := l.byID(keyID)
	if !ok && reload != nil {
		if err := reload(); err != nil {
			return nil, err
		}
		k, ok = l.byID(keyID)
	}
	if !ok {
		return nil, ward.Errorf(ward.CodeUnavailable, "master key %s is not available: is the right key file or WARD_MASTER_KEY in place?", keyID)
	}
	return unwrapKey(k.aead, wrapped, ad)
}

// newGCM returns AES-256-GCM for a 32-byte key.
func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	return cipher.NewGCM(block)
}

// wrapKey seals key material: nonce | AES-GCM(ciphertext+tag).
func wrapKey(aead cipher.AEAD, plaintext, ad []byte) ([]byte, error) {
	out := make([]byte, nonceSize, nonceSize+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("keyring: random nonce: %w", err)
	}
	return aead.Seal(out, out[:nonceSize], plaintext, ad), nil
}

// unwrapKey opens what wrapKey sealed.
func unwrapKey(aead cipher.AEAD, wrapped, ad []byte) ([]byte, error) {
	if len(wrapped) < nonceSize+aead.Overhead() {
		return nil, ward.Errorf(ward.CodeIntegrity, "a wrapped key is truncated")
	}
	pt, err := aead.Open(nil, wrapped[:nonceSize], wrapped[nonceSize:], ad)
	if err != nil {
		return nil, ward.Wrap(ward.CodeIntegrity, err, "a wrapped key failed its integrity check")
	}
	return pt, nil
}

// randomKey returns n random bytes.
func randomKey(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("keyring: random key: %w", err)
	}
	return b, nil
}
