// Package invitations holds the invitations of patients (issue 22). Staff
// invite the patient of a record by email or by a link they hand over; the
// link names a random token of which only the SHA-256 is stored, works
// once, and expires (the org policy's invitation_ttl). Accepting it makes
// the patient user, with the name and email of the record (sealed), links
// it to the record, and signs in, all in one transaction. An invitation
// that came by email also needs a six-digit code mailed to the record's
// address. The public routes (token, code, accept) are throttled per
// address and per token. Tokens, codes and the throttle are the one-time
// primitives of internal/onetime (purpose "ward-invitation"), shared with
// internal/outside.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from the
// store, the audit trail and access.Principal, and never imports app.
// Making the user account and its first session is app's (password rules
// and hashing, sealed identity, device approval, sessions): invitations ask
// it through Accounts, which app satisfies; server wires the two. The
// record's name and email come from internal/patients (PatientContacts).
package invitations
