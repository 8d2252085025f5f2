package access

import (
	"time"

	"github.com/wardhealth/ward"
)

// LoginResult is a new session. Token is shown once and never stored.
type LoginResult struct {
	Token   string
	Session ward.Session
	User    ward.User
	Device  ward.Device
	// IdleTimeout is the org's automatic logoff, for the client's warning.
	IdleTimeout time.Duration
	// EnrollmentRequired lists the second factors the user must enrol before
	// the session can do anything else (org policy requires MFA).
	EnrollmentRequired []string
	// DeviceSecret is the secret of a device that signed in for the first
	// time: shown once, never stored (its hash is). The client keeps it and
	// sends it with every later sign-in from the device.
	DeviceSecret string
}
