// Package reminders sends the compliance deadline reminders of breach
// incidents (internal/incidents) and business associate agreements
// (internal/baa): it says which step of a schedule (days before a date) is
// due, claims it in the store so each reminder goes out once whichever
// node leads, and mails the org's active compliance officers a PHI-free
// mail.DeadlineReminder, audited.
package reminders
