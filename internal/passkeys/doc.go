// Package passkeys holds WebAuthn passkeys as a second factor: a user
// enrols one (BeginRegistration, FinishRegistration: the session's
// enrol-only restriction is lifted and recovery codes are given when the
// user has none), lists and removes them (the last second factor cannot go
// where the org requires MFA), and signs in with a password and a passkey
// (internal/app's BeginPasskeyLogin checks the password and calls
// BeginLogin; its Login verifies the answer with Check, in the sign-in's
// transaction). Challenges are single-use and expire at ward's clock after
// five minutes; a signature counter that goes backwards is refused. A
// passkey registered for one relying party (Config: the public URL's
// domain) never signs in to another.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from
// the store, the audit trail and access.Principal, and never imports app.
// What only app can do for it (the recent-authentication check, clearing
// the session caches after an access change) it asks through Core, which
// app satisfies; app builds the Service (App.Passkeys).
package passkeys
