// Package app holds ward's use cases. Every operation passes through here:
// it authorizes the caller, validates input, seals PHI, appends audit events
// and runs one store transaction, then publishes realtime events after commit.
// internal/httpapi calls app; app calls store. Nothing below app decides policy.
package app
