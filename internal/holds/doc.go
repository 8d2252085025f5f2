// Package holds is legal hold and the retention overview (docs/retention.md).
// A compliance officer places a hold on a user, a patient, a conversation or
// a date range (or several at once: the scope is their conjunction) under a
// matter name; while it is active, the retention job (internal/retention), a
// recall and `ward audit purge` destroy nothing in its scope: the SQL that
// decides lives in internal/store (holds.go, retention.go). Placing, changing
// and releasing a hold are audited with the matter and the scope's ids.
// Overview shows each retention policy with what it would purge now and when
// the next item falls due, computed by SQL over ids and times, never PHI.
//
// It is built beside internal/app (DESIGN.md, "Growing the house") from the
// store, the audit trail and access.Principal, and never imports app.
package holds
