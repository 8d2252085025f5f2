package prefs

import (
	"context"
	"time"
)

// OnCall is the presence the on-call schedules give (never set by hand):
// shown as "on call", notified as available.
const OnCall Presence = "on_call"

// Schedule says who is on call for a role of an org at t
// (internal/oncall implements it; this package never imports oncall).
type Schedule interface {
	OnCallAt(ctx context.Context, orgID string, t time.Time) (map[string]bool, error)
}

// Scheduled applies the on-call schedule to p, for someone on call now
// (docs/notifications.md, "Presence"): a presence set by hand to busy or
// off duty is kept, else (available, the default) they show as on call;
// and their quiet hours do not hold normal notifications, the shift being
// their working time. Do-not-disturb and off duty, set by hand, still do.
// Someone not on call keeps p as it is.
func (p Prefs) Scheduled(onCall bool) Prefs {
	if !onCall {
		return p
	}
	if p.Presence == Available {
		p.Presence = OnCall
	}
	p.QuietHours = nil
	return p
}
