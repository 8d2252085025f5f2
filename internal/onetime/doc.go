// Package onetime holds the primitives of ward's one-time links and email
// codes: a random link token of which only a hash is stored, a six-digit
// code mailed to prove an address, also stored as a hash, with an expiry
// and a limit on tries, and a gate that throttles the public routes that
// take them per source address and per token.
//
// A Purpose separates the hashes of one use from another's, so a token
// made for one kind of link never opens another kind. Purpose
// "ward-invitation" hashes exactly as patient invitations did before
// this package existed, so links already mailed keep working:
// internal/invitations uses it, internal/outside uses "ward-outside".
package onetime
