// Package access holds the Principal, an authenticated caller, and its
// checks: whether it may do an authz action, and how the audit trail names
// it; and LoginResult, the answer of a sign-in, which internal/app and
// internal/invitations (accepting an invitation signs the patient in) both
// give. It is the one piece the capability packages (internal/app,
// internal/patients, internal/inbox, …) share so that none of them imports
// another to know who is asking (DESIGN.md, "Growing the house").
package access
