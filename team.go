package ward

import (
	"strings"
	"time"
)

// MaxTeamNameLen bounds a care team's name, in characters.
const MaxTeamNameLen = 100

// Team is a care team: a named group of staff ("Cardiology clinic",
// "Ward 7 nurses") that patients are assigned to. Its name is workforce
// data, not PHI, and is stored in the clear; names are unique per org,
// ignoring case.
type Team struct {
	ID        string
	OrgID     string
	Name      string
	Members   []TeamMember // by name
	CreatedAt time.Time
}

// TeamMember is a staff user in a team.
type TeamMember struct {
	UserID  string
	Name    string
	Role    Role
	AddedAt time.Time
}

// MayJoinTeam reports whether a user of role r may be a care team member:
// clinicians and staff, never owners, admins, compliance officers or
// patients.
func (r Role) MayJoinTeam() bool { return r == RoleClinician || r == RoleStaff }

// TeamName trims a team's name and checks it.
func TeamName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if err := validText("team name", s, 1, MaxTeamNameLen); err != nil {
		return "", err
	}
	return s, nil
}

// TeamNameKey is the form of a team name that is unique in an org.
func TeamNameKey(name string) string { return strings.ToLower(name) }
