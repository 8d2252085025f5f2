package sealedtar

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// The last two entries of every sealed tar.
const (
	ManifestName  = "manifest.json"
	SignatureName = "manifest.sig"
)

// Kind says which sealed tar a file is.
type Kind struct {
	Noun     string // "backup", "archive": how messages name the file
	Format   string // the manifest's format
	Domain   string // what the signature covers before the manifest, separating it from anything else the key signs
	WrongKey error  // Read's answer when the key does not open the file
}

// signedMessage is what the signature covers: the domain, then the
// manifest's bytes exactly as stored.
func (k Kind) signedMessage(manifest []byte) []byte {
	return append([]byte(k.Domain), manifest...)
}

// Entry is one file of a sealed tar as stored: its name, size and SHA-256 (hex).
type Entry struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// PublicKey names the key that signed the manifest.
type PublicKey struct {
	KeyID     string `json:"key_id"`     // "ed25519:" and the first 16 bytes of SHA-256(key), in hex, as audit checkpoints name it
	PublicKey string `json:"public_key"` // standard base64 of the 32-byte key
}

// KeyID is the fingerprint of an Ed25519 public key, the same as the audit
// checkpoints' (audit.KeyID).
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return "ed25519:" + hex.EncodeToString(sum[:16])
}

// PublicKeyOf names pub as a manifest does.
func PublicKeyOf(pub ed25519.PublicKey) PublicKey {
	return PublicKey{KeyID: KeyID(pub), PublicKey: base64.StdEncoding.EncodeToString(pub)}
}

// Problem is what is wrong with a sealed tar, naming the entry when there is one.
type Problem struct {
	Entry string // the entry at fault, "" when the fault is the file's
	What  string
}

func (p *Problem) Error() string {
	if p.Entry == "" {
		return p.What
	}
	return "entry " + p.Entry + ": " + p.What
}
