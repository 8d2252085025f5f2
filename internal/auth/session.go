package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
)

// Session tokens are opaque: SessionTokenPrefix followed by 32 random bytes
// (256 bits) in unpadded base64url, 50 characters in all. The prefix lets
// secret scanners and log scrubbers spot a leaked token. Only the hash of a
// token is stored, so a copy of the database does not let anyone sign in.
const (
	SessionTokenPrefix = "ward_s_"
	sessionTokenBytes  = 32
	// SessionTokenLen is the length of every token NewSessionToken makes.
	SessionTokenLen = len(SessionTokenPrefix) + 43
)

// NewSessionToken returns a new token, to give to the client once, and its
// hash, to store.
func NewSessionToken() (token, hash string) {
	b := make([]byte, sessionTokenBytes)
	rand.Read(b)
	token = SessionTokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashSessionToken(token)
}

// HashSessionToken returns the stored form of token: the hex SHA-256 of the
// whole token, prefix included. A fast hash is right here: the token has 256
// bits of entropy, and every authenticated request hashes one.
func HashSessionToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// ValidSessionTokenFormat reports whether token is shaped like one of ours,
// so that junk is refused before any lookup.
func ValidSessionTokenFormat(token string) bool {
	rest, ok := strings.CutPrefix(token, SessionTokenPrefix)
	if !ok || len(token) != SessionTokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil
}
