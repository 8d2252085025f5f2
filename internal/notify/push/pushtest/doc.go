// Package pushtest is a real Web Push service for tests, served over TLS on
// loopback in the test process. It receives the push requests a server
// makes (RFC 8030), checks their VAPID JWT (RFC 8292: ES256 over the claims
// with the public key it is told to expect, aud the endpoint's origin, exp
// within 24 hours, sub set) and decrypts their aes128gcm payload (RFC 8291)
// with the subscription's private key, so a test sees what a phone would.
package pushtest
