// Package auth holds the storage-free building blocks of person
// authentication (HIPAA §164.312(d)):
//
//   - passwords: argon2id hashes in PHC string form, a Hasher that bounds how
//     many hashes run at once, and the NIST SP 800-63B password policy with a
//     shipped list of common passwords (password.go, hasher.go, policy.go,
//     common.go);
//   - TOTP (RFC 6238) enrolment and validation with replay protection, and
//     one-time recovery codes (totp.go, recovery.go);
//   - opaque session tokens, stored hashed, and CSRF tokens bound to them
//     (session.go, csrf.go);
//   - an in-memory throttle of failed attempts per account and per address
//     (throttle.go), address keys that bucket IPv6 by /64, and a log that
//     folds refused attempts into at most one report per key and window
//     (throttle_keys.go).
//
// Nothing here touches a database, the network or the clock directly: callers
// in internal/app pass in what is stored and store what comes out. The policy
// behind these choices is written up in docs/security-auth.md.
package auth
