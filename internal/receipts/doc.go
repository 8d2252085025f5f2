// Package receipts holds the marks of messages: delivered and read marks
// up to a sequence number of a conversation (Mark, by POST or over the
// socket; a read mark is audited as message.read in its own transaction
// and keeps the session alive, a delivered mark does neither), and the
// acknowledgement of an urgent message (Acknowledge: the first one stops
// its re-notifications and escalation, audited). Each sender, or for an
// acknowledgement every member, is told live after the commit.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from
// the store, the audit trail and access.Principal, and never imports app.
// Membership, the session's keep-alive and publishing it asks through
// Core, which app satisfies; app builds the Service (App.Receipts).
package receipts
