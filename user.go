package ward

import (
	"net/mail"
	"strings"
	"time"
)

// Role is what a user is in an org. What each role may do is decided by
// internal/authz, never here.
type Role string

// The roles.
const (
	RoleOwner      Role = "owner"
	RoleAdmin      Role = "admin"
	RoleCompliance Role = "compliance"
	RoleClinician  Role = "clinician"
	RoleStaff      Role = "staff"
	RolePatient    Role = "patient"
	// RoleGuest is someone outside the org a staff member wrote to by email
	// (internal/outside): they read and answer their own threads, for the
	// time the org's policy allows, and nothing else.
	RoleGuest Role = "guest"
)

// Roles lists every role, most privileged first.
var Roles = []Role{RoleOwner, RoleAdmin, RoleCompliance, RoleClinician, RoleStaff, RolePatient, RoleGuest}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	for _, x := range Roles {
		if r == x {
			return true
		}
	}
	return false
}

// External reports whether r is a role of people outside the workforce
// (patients and guests): no staff directory, no second factor required.
func (r Role) External() bool { return r == RolePatient || r == RoleGuest }

// User is one person's account in one org. Emails are unique per org.
type User struct {
	ID        string
	OrgID     string
	Email     string // normalised: trimmed, lower case
	Name      string
	Role      Role
	Disabled  bool
	CreatedAt time.Time
}

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate reports whether u can be stored.
func (u User) Validate() error {
	if u.OrgID == "" {
		return Errorf(CodeInvalid, "user needs an org")
	}
	if err := validText("email", u.Email, 3, 254); err != nil {
		return err
	}
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || a.Name != "" {
		return Errorf(CodeInvalid, "email is not a valid address")
	}
	if err := validText("name", u.Name, 1, 200); err != nil {
		return err
	}
	if !u.Role.Valid() {
		return Errorf(CodeInvalid, "role must be one of owner, admin, compliance, clinician, staff, patient, guest")
	}
	return nil
}
