// Package keyring owns encryption at rest: the key hierarchy (a master key
// from a Provider wraps one key-encryption key per org, which wraps one data
// key per scope such as a conversation or a patient record), sealing and
// opening PHI fields and attachment streams, key rotation, crypto-shredding,
// and the audit checkpoint signing key.
//
// Every ciphertext is AES-256-GCM under a scope's data key, with a versioned
// header naming the key and associated data binding org, scope, record and
// field, so a ciphertext moved to another row or field fails to open.
// Rotation re-wraps keys and never re-encrypts data. The store only ever
// sees wrapped keys; the master key never reaches the database. The shred
// key file (shredkeys.go) wraps each data key once more under a leaf key
// that shredding punctures, so that shredding reaches backups.
//
// See docs/keyring.md for the operator's view.
package keyring
