// Package accounting is the accounting of disclosures (45 CFR 164.528,
// issue 25): for one patient and a period (by default the six years before
// the request), every access to and disclosure of their PHI that the audit
// trail holds (record views, reads of conversations about them, compliance
// reviews, break-glass, exports and archives, secure messages to outside
// addresses), with the date, who (name and role), what and why (the
// event's reason), as CSV or PDF.
//
// It reads the trail through the store's patient index (audit_events
// (patient_id, at)), so its cost follows the patient's events, not the
// trail's size. Every answer is itself audited (accounting.produced) and
// kept as a request with its 60-day deadline (table accounting_requests,
// migration 0040); a request may also be logged first and answered later.
//
// It is built beside internal/app from the store and access.Principal, and
// never imports app.
package accounting
