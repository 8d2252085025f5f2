package prefs

import (
	"fmt"
	"time"
	_ "time/tzdata" // time zones even on a host without zoneinfo

	"github.com/wardhealth/ward"
)

// Presence is what a person shows their colleagues, set by hand.
type Presence string

// Presences.
const (
	Available Presence = "available"
	Busy      Presence = "busy"     // shown; notifications as usual
	OffDuty   Presence = "off_duty" // shown; normal notifications held as in quiet hours
)

// Valid reports whether p is one of the presences.
func (p Presence) Valid() bool { return p == Available || p == Busy || p == OffDuty }

// NewMessage says which new (not urgent) messages wake the user, by the
// kind of conversation they arrive in.
type NewMessage struct {
	Direct    bool `json:"direct"`
	Group     bool `json:"group"`
	TeamInbox bool `json:"team_inbox"`
}

// QuietHours is a daily window, From to To ("HH:MM", To may be earlier:
// 22:00 to 07:00 spans midnight), in the user's IANA time zone.
type QuietHours struct {
	From     string `json:"from"`
	To       string `json:"to"`
	TimeZone string `json:"time_zone"`
}

// Prefs are a user's notification preferences and presence.
type Prefs struct {
	NewMessage NewMessage  `json:"new_message"`
	QuietHours *QuietHours `json:"quiet_hours"` // nil: none
	DNDUntil   *time.Time  `json:"dnd_until"`   // nil (or past): no do-not-disturb
	Presence   Presence    `json:"presence"`
	UpdatedAt  time.Time   `json:"updated_at,omitzero"`
}

// Default is the preferences of a user who never set theirs: every new
// message wakes them, no quiet hours, available.
func Default() Prefs {
	return Prefs{NewMessage: NewMessage{Direct: true, Group: true, TeamInbox: true}, Presence: Available}
}

// MaxDND bounds how far ahead do-not-disturb may be set.
const MaxDND = 14 * 24 * time.Hour

// Validate reports whether p can be kept, at now: quiet hours with two
// different valid times and an IANA zone, do-not-disturb in the future and
// at most MaxDND ahead, a known presence.
func (p Prefs) Validate(now time.Time) error {
	if q := p.QuietHours; q != nil {
		from, ok1 := clock(q.From)
		to, ok2 := clock(q.To)
		switch {
		case !ok1 || !ok2:
			return ward.Errorf(ward.CodeInvalid, "quiet_hours from and to must be times of day, HH:MM (00:00 to 23:59)")
		case from == to:
			return ward.Errorf(ward.CodeInvalid, "quiet_hours from and to must differ")
		case q.TimeZone == "":
			return ward.Errorf(ward.CodeInvalid, "quiet_hours time_zone is required (an IANA name such as Europe/London)")
		}
		if _, err := time.LoadLocation(q.TimeZone); err != nil || q.TimeZone == "Local" || len(q.TimeZone) > 64 {
			return ward.Errorf(ward.CodeInvalid, "quiet_hours time_zone %q is not an IANA time zone", q.TimeZone)
		}
	}
	if d := p.DNDUntil; d != nil && (!d.After(now) || d.Sub(now) > MaxDND) {
		return ward.Errorf(ward.CodeInvalid, "dnd_until must be in the future and at most %d days ahead (null: off)", int(MaxDND/(24*time.Hour)))
	}
	if !p.Presence.Valid() {
		return ward.Errorf(ward.CodeInvalid, "presence must be available, busy or off_duty")
	}
	return nil
}

// clock parses "HH:MM" into minutes of the day.
func clock(s string) (int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, false
	}
	return h*60 + m, true
}

// Quiet reports whether normal notifications are held at t: within the
// quiet hours (in their zone), before dnd_until, or off duty.
func (p Prefs) Quiet(t time.Time) bool {
	if p.Presence == OffDuty || p.DNDUntil != nil && t.Before(*p.DNDUntil) {
		return true
	}
	q := p.QuietHours
	if q == nil {
		return false
	}
	loc, err := time.LoadLocation(q.TimeZone)
	from, ok1 := clock(q.From)
	to, ok2 := clock(q.To)
	if err != nil || !ok1 || !ok2 {
		return false
	}
	local := t.In(loc)
	now := local.Hour()*60 + local.Minute()
	if from < to {
		return now >= from && now < to
	}
	return now >= from || now < to // across midnight
}

// Conversation is where a message arrives, for NewMessage.
type Conversation int

// Conversations.
const (
	Direct Conversation = iota
	Group
	TeamInbox
)

// Wants reports whether a new message in a conversation of kind c wakes
// the user.
func (p Prefs) Wants(c Conversation) bool {
	switch c {
	case Direct:
		return p.NewMessage.Direct
	case TeamInbox:
		return p.NewMessage.TeamInbox
	}
	return p.NewMessage.Group
}

// Hold reports whether a notification is held back at t: never an urgent
// one (an urgent message, its re-notification, an escalation); a normal one
// when the user does not want its kind of conversation or it is quiet.
func (p Prefs) Hold(t time.Time, urgent bool, c Conversation) bool {
	if urgent {
		return false
	}
	return !p.Wants(c) || p.Quiet(t)
}
