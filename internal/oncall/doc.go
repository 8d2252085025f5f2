// Package oncall holds on-call roles ("Cardiology on call", "Rapid response
// team") and their schedules: a rotation over an ordered list of clinicians
// and staff, handed over at a local time of day in an IANA time zone, with
// overrides and swaps. Plan (plan.go) is the pure part: it checks a
// schedule (gaps, overlaps, people outside the rotation) and says who is
// on call at any instant, daylight-saving changes included. Service keeps
// the roles in the store, audits every change (resource "oncall_role";
// names and user ids only, never PHI), and resolves a role to the person on
// call when a message is addressed to it, from a per-role cache of compiled
// plans that a version number keeps true across nodes.
//
// Urgent pages travel their role's escalation chain (chain.go): primary,
// then the role's secondary, then its lead, one step every urgent_escalate
// of the org's policy, until acknowledged; at a hand-over an
// unacknowledged page is re-routed to the incoming person. RunPages does
// both on the leader; the messaging core hands the message on through the
// small Hands interface (internal/app implements it). page.go records
// pages, says where one is, and computes the dashboard's figures.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from the
// store, the audit trail and access.Principal, and never imports app.
package oncall
