// Package patients holds patient records: create, read, look up by MRN or by
// date of birth and family name, edit and deactivate. It is the first
// capability built beside internal/app (DESIGN.md, "Growing the house"): it
// uses the same store, keyring, audit recorder and access.Principal, and
// never imports app.
//
// Every field of a record is PHI. The fields are sealed together by the
// keyring under the patient's own data key (scope "patient:<id>"), so
// shredding that key erases the record. Exact look-ups go through blind
// indexes, HMAC-SHA-256 under the org's patient index key
// (keyring.PatientIndexKey) over the normalised MRN and over the date of
// birth with the normalised family name; the database holds no plaintext of
// a record. Every record shown is audited as patient.read, durably, before
// the answer; creation, edits (field names only) and deactivation are
// audited in the transaction that makes them. docs/patients.md describes it.
package patients
