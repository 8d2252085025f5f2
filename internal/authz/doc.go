// Package authz decides which role may do which action, from one table
// (table.go), deny by default: an action or role the table does not name is
// refused. It answers "may a clinician ever send a message?"; whether this
// clinician may send to this conversation (same org, a member of it) is
// checked by internal/app against the data, after Allowed says yes.
//
// Admins and owners run the org — people, devices, policy — but no action
// that shows message content is granted to them. Compliance reads content
// only through ComplianceReview, an audited path that requires a reason.
// Patients message within their own conversations and never see the staff
// directory.
package authz
