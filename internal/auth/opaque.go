package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Opaque secrets (session tokens, device secrets) are a prefix followed by
// 32 random bytes (256 bits) in unpadded base64url. The prefix lets secret
// scanners and log scrubbers spot a leaked one. Only the hash is stored.
const opaqueBytes = 32

// opaqueLen is the length of an opaque secret with prefix.
func opaqueLen(prefix string) int { return len(prefix) + base64.RawURLEncoding.EncodedLen(opaqueBytes) }

// newOpaque returns a new secret with prefix, and its hash.
func newOpaque(prefix string) (secret, hash string) {
	b := make([]byte, opaqueBytes)
	rand.Read(b)
	secret = prefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, hashOpaque(secret)
}

// hashOpaque is the stored form of a secret: the hex SHA-256 of the whole
// secret, prefix included. A fast hash is right for 256 bits of entropy.
func hashOpaque(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// validOpaque reports whether s is shaped like a secret with prefix, so
// that junk is refused before any lookup.
func validOpaque(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(s) != opaqueLen(prefix) {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil
}
