package ward

import (
	"strings"
	"time"
)

// On-call limits.
const (
	MaxOnCallRoleNameLen = 100
	MaxRotationPeople    = 100
	MaxRotationDays      = 365
	MaxOverrides         = 500
	MaxSwaps             = 500
)

// RotationKind is how long each shift of a rotation lasts.
type RotationKind string

// The rotation kinds: a shift of one day, of seven, or of Days days.
const (
	RotationDaily  RotationKind = "daily"
	RotationWeekly RotationKind = "weekly"
	RotationCustom RotationKind = "custom"
)

// OnCallRole is a role people are addressed by ("Cardiology on call",
// "Rapid response team") and its schedule, which says who holds it at any
// time. Its name and schedule (user ids and times) are workforce data, not
// PHI, and are stored in the clear; names are unique per org, ignoring case.
type OnCallRole struct {
	ID        string
	OrgID     string
	Name      string
	Schedule  Schedule
	Chain     EscalationChain
	Version   int64 // grows with every change, so caches can tell a stale schedule
	CreatedAt time.Time
	UpdatedAt time.Time
}

// EscalationChain is where an unacknowledged urgent page to a role goes
// after the person on call (the primary): to the secondary, then to the
// lead, one step every urgent_escalate of the org's policy. Either may be
// "" (none): a chain without a secondary goes from the primary straight to
// the lead. The lead also takes an urgent page when no one is on call.
type EscalationChain struct {
	SecondaryID string
	LeadID      string
}

// Schedule is a rotation with its exceptions: overrides (one person covers
// a span of time) and swaps (two people exchange shifts).
type Schedule struct {
	Rotation  Rotation
	Overrides []Override
	Swaps     []Swap
}

// Rotation hands the role from one person of People to the next, in order
// and round again, every Days days at HandOver, local time in TimeZone.
// The first shift starts on the local date Start at HandOver; when End is
// set, the rotation stops at HandOver on that date.
type Rotation struct {
	Kind     RotationKind
	Days     int    // the shift length: 1 (daily), 7 (weekly), or 1 to 365 (custom)
	HandOver string // "HH:MM", 24-hour local time
	TimeZone string // IANA, e.g. "America/New_York"
	Start    string // "YYYY-MM-DD", a local date
	End      string // "" or "YYYY-MM-DD", after Start
	People   []string
}

// Override puts UserID on call from From until To, whatever the rotation
// says.
type Override struct {
	ID     string
	UserID string
	From   time.Time
	To     time.Time
}

// Swap exchanges two shifts of the rotation: the person of the shift that
// holds instant A works the shift that holds B, and the other way round.
type Swap struct {
	ID string
	A  time.Time
	B  time.Time
}

// OnCallRoleName trims a role's name and checks it.
func OnCallRoleName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := validText("role name", s, 1, MaxOnCallRoleNameLen); err != nil {
		return "", err
	}
	return s, nil
}

// OnCallRoleNameKey is the form of a role name that is unique in an org.
func OnCallRoleNameKey(name string) string { return strings.ToLower(name) }

// MayBeOnCall reports whether a user of role r may be in a rotation:
// clinicians and staff, as in care teams.
func (r Role) MayBeOnCall() bool { return r.MayJoinTeam() }

// OnCallShift is who holds a role over a span of time. UserID is "" when
// no one does.
type OnCallShift struct {
	UserID string
	From   time.Time // zero: since ever (before the schedule starts)
	Until  time.Time // zero: for ever (after a rotation that ends)
	Source string    // "rotation", "swap", "override", or "" when no one is on call
}
