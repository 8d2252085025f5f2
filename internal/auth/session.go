package auth

// Session tokens are opaque (opaque.go): SessionTokenPrefix followed by 32
// random bytes in unpadded base64url, 50 characters in all. Only the hash of
// a token is stored, so a copy of the database does not let anyone sign in.
const SessionTokenPrefix = "ward_s_"

// SessionTokenLen is the length of every token NewSessionToken makes.
const SessionTokenLen = len(SessionTokenPrefix) + 43 // 32 bytes in unpadded base64url

// NewSessionToken returns a new token, to give to the client once, and its
// hash, to store.
func NewSessionToken() (token, hash string) { return newOpaque(SessionTokenPrefix) }

// HashSessionToken returns the stored form of token (the hex SHA-256 of the
// whole token): every authenticated request hashes one.
func HashSessionToken(token string) string { return hashOpaque(token) }

// ValidSessionTokenFormat reports whether token is shaped like one of ours,
// so that junk is refused before any lookup.
func ValidSessionTokenFormat(token string) bool { return validOpaque(SessionTokenPrefix, token) }
