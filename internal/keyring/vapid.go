package keyring

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"strconv"

	"github.com/wardhealth/ward"
)

// VAPIDKeyName is the keyring_secrets row of the seed of the Web Push VAPID
// key (RFC 8292).
const VAPIDKeyName = "webpush-vapid-p256"

// VAPIDKey returns the P-256 key that signs this server's Web Push requests
// (RFC 8292), creating it on first use. Like the audit signing key, only a
// random seed is stored, wrapped by the master key; the key is derived from
// it (HKDF-SHA-256, the first candidate that is a valid P-256 scalar), so
// every node of a cluster signs with the one key whose public half the
// browsers' subscriptions are bound to.
func (k *Keyring) VAPIDKey(ctx context.Context) (*ecdsa.PrivateKey, error) {
	seed, err := k.secret(ctx, VAPIDKeyName, 32)
	if err != nil {
		return nil, fmt.Errorf("vapid key: %w", err)
	}
	defer clear(seed)
	for i := range 16 {
		d, err := hkdf.Key(sha256.New, seed, nil, "ward webpush vapid p256 v1 "+strconv.Itoa(i), 32)
		if err != nil {
			return nil, fmt.Errorf("vapid key: %w", err)
		}
		key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
		clear(d)
		if err == nil {
			return key, nil
		}
	}
	// A random 32 bytes is not a valid scalar with probability about 2^-32;
	// sixteen in a row do not happen.
	return nil, ward.Errorf(ward.CodeIntegrity, "vapid key: no valid P-256 scalar from the seed")
}
