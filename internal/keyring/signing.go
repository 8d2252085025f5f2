package keyring

import (
	"context"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"

	"github.com/wardhealth/ward"
	"github.com/wardhealth/ward/internal/store"
)

// AuditSigningKeyName is the keyring_secrets row of the audit checkpoint
// signing key.
const AuditSigningKeyName = "audit-checkpoint-ed25519"

// AuditSigningKey returns the Ed25519 key that signs audit checkpoints,
// creating it on first use. Its seed is stored wrapped by the master key
// (and re-wrapped by a master key rotation); it is never written in the
// clear. Concurrent first calls, on one node or several, yield one key.
func (k *Keyring) AuditSigningKey(ctx context.Context) (ed25519.PrivateKey, error) {
	seed, err := k.secret(ctx, AuditSigningKeyName, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("audit signing key: %w", err)
	}
	defer clear(seed)
	return ed25519.NewKeyFromSeed(seed), nil
}

// auditMACInfo is the HKDF info that separates the audit MAC key from the
// signing key it is derived from.
const auditMACInfo = "ward audit event mac v1"

// AuditMACKey returns the 32-byte HMAC-SHA-256 key that authenticates each
// audit event when it is appended: HKDF-SHA-256 of the audit signing key's
// seed (info "ward audit event mac v1"). The database holds the seed only
// wrapped by the master key, so someone who can write the database but
// not read the master key cannot compute a valid MAC. Like the signing key,
// it is created on first use.
func (k *Keyring) AuditMACKey(ctx context.Context) ([]byte, error) {
	seed, err := k.secret(ctx, AuditSigningKeyName, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("audit MAC key: %w", err)
	}
	defer clear(seed)
	key, err := hkdf.Key(sha256.New, seed, nil, auditMACInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("audit MAC key: %w", err)
	}
	return key, nil
}

// secret returns a master-wrapped secret of size bytes, creating a random
// one on first use.
func (k *Keyring) secret(ctx context.Context, name string, size int) ([]byte, error) {
	var row store.SecretRow
	err := k.st.Read(ctx, func(tx *store.Tx) (err error) {
		row, err = tx.Secret(ctx, name)
		return err
	})
	if isNotFound(err) {
		row, err = k.createSecret(ctx, name, size)
	}
	if err != nil {
		return nil, err
	}
	raw, err := k.p.Unwrap(ctx, row.MasterKeyID, row.Wrapped, secretAD(name))
	if err != nil {
		return nil, err
	}
	if len(raw) != size {
		return nil, ward.Errorf(ward.CodeIntegrity, "secret %s has the wrong size", name)
	}
	return raw, nil
}

func (k *Keyring) createSecret(ctx context.Context, name string, size int) (store.SecretRow, error) {
	raw, err := randomKey(size)
	if err != nil {
		return store.SecretRow{}, err
	}
	defer clear(raw)
	mk, wrapped, err := k.p.Wrap(ctx, raw, secretAD(name))
	if err != nil {
		return store.SecretRow{}, err
	}
	row := store.SecretRow{Name: name, MasterKeyID: mk, Wrapped: wrapped}
	err = k.st.Write(ctx, func(tx *store.Tx) error {
		ok, err := tx.InsertSecret(ctx, &row)
		if err != nil || ok {
			return err
		}
		row, err = tx.Secret(ctx, name)
		return err
	})
	return row, err
}

// LoginEmailKeyName is the keyring_secrets row of the key that names the
// emails of failed sign-ins for unknown accounts in the audit trail.
const LoginEmailKeyName = "login-email-hmac"

// LoginEmailKey returns the HMAC key under which the audit trail names an
// email that matched no account, creating it on first use. Like the audit
// signing key it is stored wrapped by the master key, so the database
// alone does not turn those names back into emails.
func (k *Keyring) LoginEmailKey(ctx context.Context) ([]byte, error) {
	key, err := k.secret(ctx, LoginEmailKeyName, 32)
	if err != nil {
		return nil, fmt.Errorf("login email key: %w", err)
	}
	return key, nil
}

// PatientEmailIndexKeyName is the keyring_secrets row of the key of the
// blind index of patients' emails.
const PatientEmailIndexKeyName = "patient-email-index"

// PatientEmailIndexKey returns the HMAC-SHA-256 key of the blind index that
// stands in the users table for a patient's email (so that sign-in and the
// unique constraint work on an email stored only sealed), creating it on
// first use. It is stored wrapped by the master key, like LoginEmailKey,
// but is a key of its own: the audit trail's names of unknown emails (kept
// for years, exported, read without the keys) must not be joinable to the
// users table.
func (k *Keyring) PatientEmailIndexKey(ctx context.Context) ([]byte, error) {
	key, err := k.secret(ctx, PatientEmailIndexKeyName, 32)
	if err != nil {
		return nil, fmt.Errorf("patient email index key: %w", err)
	}
	return key, nil
}

// PatientIndexSecretName is the keyring_secrets row of the secret the
// per-org keys of the blind indexes of patient records derive from.
const PatientIndexSecretName = "patient-record-index"

// patientIndexInfo starts the HKDF info of an org's patient index key; the
// org id follows it.
const patientIndexInfo = "ward patient record index v1\x00"

// PatientIndexKey returns org's 32-byte HMAC-SHA-256 key of the blind
// indexes of patient records (MRN, date of birth with family name):
// HKDF-SHA-256 of the master-wrapped secret "patient-record-index" (made on
// first use), with the org id in the info. Each org has its own key, so an
// index of one org says nothing about another's records; the database
// holds the secret only wrapped by the master key.
func (k *Keyring) PatientIndexKey(ctx context.Context, org string) ([]byte, error) {
	secret, err := k.secret(ctx, PatientIndexSecretName, 32)
	if err != nil {
		return nil, fmt.Errorf("patient index key: %w", err)
	}
	defer clear(secret)
	key, err := hkdf.Key(sha256.New, secret, nil, patientIndexInfo+org, 32)
	if err != nil {
		return nil, fmt.Errorf("patient index key: %w", err)
	}
	return key, nil
}

// ThrottleKeyName is the keyring_secrets row of the key that names the
// keys of the shared sign-in throttle (internal/cluster).
const ThrottleKeyName = "signin-throttle-hmac"

// ThrottleKey returns the HMAC key under which the shared sign-in throttle
// names accounts, emails and addresses in the database, creating it on
// first use. It is stored wrapped by the master key, like LoginEmailKey,
// and is a key of its own, so its names join nothing else.
func (k *Keyring) ThrottleKey(ctx context.Context) ([]byte, error) {
	key, err := k.secret(ctx, ThrottleKeyName, 32)
	if err != nil {
		return nil, fmt.Errorf("sign-in throttle key: %w", err)
	}
	return key, nil
}

// ClusterWireKeyName is the keyring_secrets row of the key that seals what
// the nodes of a cluster tell each other over NATS (internal/realtime).
const ClusterWireKeyName = "cluster-wire-xchacha20poly1305"

// ClusterWireKey returns the 32-byte key under which the nodes of a cluster
// seal their NATS traffic, creating it on first use. Every node reads the
// same row of the shared database and unwraps it with the master key, so
// the nodes agree on it and the NATS server never learns it.
func (k *Keyring) ClusterWireKey(ctx context.Context) ([]byte, error) {
	key, err := k.secret(ctx, ClusterWireKeyName, 32)
	if err != nil {
		return nil, fmt.Errorf("cluster wire key: %w", err)
	}
	return key, nil
}
