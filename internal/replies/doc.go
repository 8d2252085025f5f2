// Package replies holds saved replies and after-hours auto-replies
// (DESIGN.md, "Growing the house"). A saved reply is a template owned by a
// care team (shared: its members and the org's owners and admins manage it)
// or by one user (personal: only they see and manage it). Templates use a
// closed set of placeholders ({patient.first_name}, {patient.last_name},
// {clinic.name}, {clinic.phone}, {staff.name}); one with an unknown
// placeholder is refused. Rendering for a patient reads the record through
// the patients service, which audits it as patient.read.
//
// A template should hold no PHI, but staff may type anything: the title and
// body are sealed under the org's replies data key (keyring scope
// "replies:<org>"), and the audit trail names replies by id only. A team's
// hours (weekly open times in an IANA time zone, holiday dates) are
// workforce data kept in the clear; its auto-reply text is sealed like a
// reply. AfterHours is the pure schedule check; Service.TeamAutoReply is the
// hook a team inbox calls when a patient writes.
package replies
