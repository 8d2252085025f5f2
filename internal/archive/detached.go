package archive

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/wardhealth/ward/internal/sealedtar"
)

// DetachedFormat names the layout of a detached signature.
const DetachedFormat = "ward-detached-signature-v1"

// detachedDomain separates detached signatures from archive manifests and
// audit checkpoints, which the same audit signing key signs.
const detachedDomain = "ward detached signature v1\x00"

// Detached is a detached signature of one file (a conformance report): the
// file's name, size and SHA-256, who signed it and when, signed by the
// org's audit signing key as an archive's manifest is. It is JSON, kept
// beside the file (FILE.sig).
type Detached struct {
	Format     string    `json:"format"`
	File       string    `json:"file"` // the file's base name when signed (informative)
	Size       int64     `json:"size"`
	SHA256     string    `json:"sha256"`
	SignedAt   time.Time `json:"signed_at"`
	SigningKey PublicKey `json:"signing_key"`
	Signature  string    `json:"signature"` // base64 Ed25519 over the domain and the JSON of the fields above
}

// signed is what the signature covers: the domain, then the JSON of d
// without its signature.
func (d Detached) signed() ([]byte, error) {
	d.Signature = ""
	b, err := json.Marshal(d)
	return append([]byte(detachedDomain), b...), err
}

// SignDetached signs content (named name) with key at time at.
func SignDetached(key ed25519.PrivateKey, name string, content []byte, at time.Time) ([]byte, error) {
	sum := sha256.Sum256(content)
	d := Detached{Format: DetachedFormat, File: name, Size: int64(len(content)), SHA256: hex.EncodeToString(sum[:]),
		SignedAt: at.UTC(), SigningKey: sealedtar.PublicKeyOf(key.Public().(ed25519.PublicKey))}
	msg, err := d.signed()
	if err != nil {
		return nil, err
	}
	d.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, msg))
	out, err := json.MarshalIndent(d, "", "  ")
	return append(out, '\n'), err
}

// ErrDetachedMismatch is what VerifyDetached wraps when the file or its
// signature was changed.
var ErrDetachedMismatch = errors.New("detached signature does not match")

// VerifyDetached checks sig (SignDetached's output) against content: the
// size, the SHA-256 and the Ed25519 signature, by trusted when it is not
// nil (otherwise by the key the signature names, which the caller should
// compare with the org's). It returns the parsed signature.
func VerifyDetached(content, sig []byte, trusted ed25519.PublicKey) (Detached, error) {
	var d Detached
	if err := json.Unmarshal(sig, &d); err != nil || d.Format != DetachedFormat {
		return d, fmt.Errorf("%w: not a %s file", ErrDetachedMismatch, DetachedFormat)
	}
	pub, err := base64.StdEncoding.DecodeString(d.SigningKey.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize || KeyID(pub) != d.SigningKey.KeyID {
		return d, fmt.Errorf("%w: it names no valid Ed25519 key", ErrDetachedMismatch)
	}
	if trusted != nil && !ed25519.PublicKey(pub).Equal(trusted) {
		return d, fmt.Errorf("%w: signed by key %s, not by the trusted key %s", ErrDetachedMismatch, KeyID(pub), KeyID(trusted))
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(d.Signature))
	msg, merr := d.signed()
	if err != nil || merr != nil || !ed25519.Verify(pub, msg, raw) {
		return d, fmt.Errorf("%w: the signature does not verify with key %s (the signature file was changed)", ErrDetachedMismatch, KeyID(pub))
	}
	sum := sha256.Sum256(content)
	if int64(len(content)) != d.Size || hex.EncodeToString(sum[:]) != d.SHA256 {
		return d, fmt.Errorf("%w: the file has %d bytes and SHA-256 %s; it was signed with %d bytes and %s (the file was changed)",
			ErrDetachedMismatch, len(content), hex.EncodeToString(sum[:8]), d.Size, d.SHA256[:min(16, len(d.SHA256))])
	}
	return d, nil
}
