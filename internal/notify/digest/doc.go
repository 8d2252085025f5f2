// Package digest is email as the fallback for staff and patients who have
// no push subscription (no live one on any device): a PHI-free email ("You have 3
// unread messages in ward" and a link to the app, naming only the clinic)
// once a message has waited unread for the policy's email_unread_after,
// never more than one an hour per user; an unacknowledged urgent message
// is emailed at once (still PHI-free). The user's preferences apply
// (internal/notify/prefs): quiet hours, do-not-disturb and off duty hold a
// digest back; an urgent email breaks through them. A patient's address is
// sealed: the Patients interface (internal/app) opens it in memory to
// address the mail, and the mailing is audited (notify.patient_emailed).
//
// Run is one pass, scheduled by internal/server on the cluster's one
// leader. When a user was last mailed is kept in the store and claimed
// before the mail goes out (given back when it fails), so a restart or a
// second node does not mail again.
package digest
