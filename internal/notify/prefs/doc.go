// Package prefs owns each user's notification preferences and presence:
// which new messages wake them (direct conversations, groups, the team
// inbox; urgent messages always do), their quiet hours (a daily window in
// their IANA time zone), do-not-disturb until a time, and their presence
// (available, busy, off duty), which staff see next to names. The on-call
// schedules drive presence through the small Schedule interface
// (schedule.go; internal/oncall implements it): a presence set by hand
// wins, else someone on call shows as on call, and their quiet hours do
// not hold their notifications during the shift (Prefs.Scheduled).
//
// Prefs.Hold is the one decision: an urgent message or an escalation
// always goes through; a normal notification is held (not sent) during
// quiet hours, do-not-disturb and off duty, and when the user turned that
// kind of conversation off. Gate applies it to Web Push
// (internal/notify/push); internal/notify/digest applies it to email.
// Nothing here is PHI: times, a time zone and switches.
package prefs
