// Package app holds ward's core use cases: identity, sessions, devices,
// conversations and messages. Every operation passes through here: it
// authorizes the caller, validates input, seals PHI, appends audit events
// and runs one store transaction, then publishes realtime events after
// commit. internal/httpapi calls app; app calls store. Nothing below app
// decides policy.
//
// Capabilities of their own live beside app, not in it (DESIGN.md,
// "Growing the house"): patient records (internal/patients), care teams
// (internal/teams), the team inbox (internal/inbox), patient invitations
// (internal/invitations), saved replies and team hours (internal/replies),
// the audit of PHI pushed over WebSockets (internal/liveaudit), the
// retention job (internal/retention), passkeys (internal/passkeys), the
// files sent with messages (internal/attachments), their receipts
// (internal/receipts).
// They never import app. What only app can do for them it offers through
// the small interfaces they define, in services.go: starting a
// conversation and posting in it (inbox.Conversations), making a patient's
// account and first session (invitations.Accounts). The app builds the
// retention job, the passkeys, the attachments and the receipts itself
// and serves them what they ask (retention.Core in retentioncore.go,
// passkeys.Core in passkeys.go, attachments.Conversations in
// msgattachments.go, receipts.Core in receipts.go). A
// role change ends the user's team memberships through teams.EndForRole,
// in its transaction.
package app
