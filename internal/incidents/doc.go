// Package incidents is breach incident handling (45 CFR 164.402-414,
// docs/compliance.md): a compliance officer opens an incident by hand or
// from activity alerts, fills in the four-factor risk assessment of
// §164.402(2) and its outcome (a low probability that the PHI was
// compromised, or a breach), and works to the 60-day notification
// deadline counted from discovery, reminded by email at 30, 14, 7 and 1
// days (RunReminders, a leader job; each reminder once). The affected
// patients are computed from the audit trail (the records the users and
// devices involved read in the window) and edited by hand with reasons;
// the 500-residents rule says whether the media and HHS are notified now
// or HHS in the annual log. Letters per patient (PDF, §164.404(c)) and the
// HHS breach portal's fields are rendered from the incident.
//
// Free text may hold PHI: it is sealed under the org's compliance data key
// before it reaches the store; ids, dates, statuses and ratings are in the
// clear. Every change and every read of the sealed text is audited; a
// closed incident is read-only (incident_closed). It is built beside
// internal/app from the store, the keyring, the audit trail and
// access.Principal.
package incidents
