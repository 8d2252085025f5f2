// Package teams holds care teams: named groups of clinicians and staff that
// patient records are assigned to (internal/patients keeps the
// assignments) and whose shared inbox patients write to (internal/inbox).
// The workforce lists teams; owners and admins make, rename and delete them
// and put members in and out. A team's name is workforce data, not PHI.
// Every change is audited in its own transaction (resource "team").
//
// A team's membership carries its inbox's: who joins a team joins the
// conversations of its inbox, who leaves it leaves them, and deleting a
// team closes its inbox threads (their members keep them). A role change
// away from clinician or staff ends the user's team memberships in the
// role change's own transaction (EndForRole, which internal/app calls).
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from the
// store, the audit trail and access.Principal, and never imports app.
package teams
