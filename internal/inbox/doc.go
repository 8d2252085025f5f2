// Package inbox holds the care team inbox (issue 22). A patient writes to a
// care team their record is assigned to; the conversation lands in the
// team's shared inbox, with the patient and the team's clinicians and staff
// as members (who joins or leaves the team later joins or leaves its
// inbox's conversations: internal/teams). Team members list the inbox,
// longest waiting first, claim or assign a thread and set it open, waiting
// (on the patient) or closed. A patient's message starts the wait and
// reopens the thread; a staff message ends the wait (internal/store keeps
// that state as the message is stored).
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from the
// store, the audit trail and access.Principal, and never imports app. What
// only app can do (make a conversation with its sealed scope, member cache
// and live event; send a message) it asks through Conversations, which app
// satisfies; server wires the two.
package inbox
