// Package audit owns ward's tamper-evident audit trail (HIPAA §164.312(b)
// and (c)): the event model and its closed list of actions, appending events
// inside the caller's transaction (Append) or durably through group commit
// (Recorder), the single Sealer that hash-chains events and signs Ed25519
// checkpoints, Verify, Export and audit retention (Purge).
//
// The SQL lives in internal/store (audit.go); this package decides what the
// rows mean. docs/audit.md describes the chain for operators and auditors.
package audit
