package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// CSRF defence for the browser client, whose session token travels in a
// cookie (HttpOnly, Secure, SameSite=Strict, named SessionCookieName).
// SameSite=Strict already keeps the cookie off cross-site requests; on top of
// it, every state-changing request must carry the CSRF token in the
// CSRFHeader header. The token is HMAC-SHA256 keyed with the session token
// itself (OWASP's "signed token bound to the session", with the session's
// 256-bit secret as the key):
//
//   - it is stateless: nothing more to store, and it changes with the session;
//   - it is given to the client in the body of the sign-in answer, where
//     another site cannot read it, and the page keeps it in memory;
//   - it reveals nothing about the session token (HMAC is one-way), so a
//     token leaked from the page does not let anyone sign in;
//   - another site can neither read the cookie nor compute the token.
//
// Bearer-token API clients send no cookie and need no CSRF token.
const (
	SessionCookieName = "__Host-ward_session"
	CSRFHeader        = "X-CSRF-Token"
	csrfLabel         = "ward csrf v1"
)

// CSRFToken returns the CSRF token bound to a session token.
func CSRFToken(sessionToken string) string {
	m := hmac.New(sha256.New, []byte(sessionToken))
	m.Write([]byte(csrfLabel))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports, in constant time, whether got is the CSRF token of
// sessionToken. An empty sessionToken or got never passes.
func CheckCSRF(sessionToken, got string) bool {
	if sessionToken == "" || got == "" {
		return false
	}
	return hmac.Equal([]byte(CSRFToken(sessionToken)), []byte(got))
}
