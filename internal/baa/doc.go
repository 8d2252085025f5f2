// Package baa is the registry of business associate agreements (45 CFR
// 164.308(b), 164.314(a); docs/compliance.md): each vendor that touches
// the org's PHI (its name, the service, what PHI), the agreement's status
// (none, requested, signed, expired, terminated), its signed and expiry
// dates and the signed document, an uploaded file sealed like an
// attachment (chunked AEAD under the org's BAA data key, in the blob
// store). Admins, compliance officers and the owner manage it: it is not
// PHI, so vendors and dates are in the clear; every change and every
// download of a document is audited. RunReminders (a leader job) mails
// compliance officers 60, 30 and 7 days before an agreement expires, each
// once (internal/reminders); Dashboard is the card of agreements expiring
// within 60 days and vendors without a signed one.
package baa
