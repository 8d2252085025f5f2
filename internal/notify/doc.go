// Package notify tells people that something waits for them in ward, outside
// ward: email now (package notify/mail), Web Push and preferences later.
// What it sends is PHI-free by construction: a clinic's name and a link, never
// free text from a caller.
package notify
