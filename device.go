package ward

import "time"

// DeviceStatus is where a device stands with its org.
type DeviceStatus string

// Device statuses.
const (
	DevicePending DeviceStatus = "pending" // waits for an admin's approval (when policy asks for it)
	DeviceActive  DeviceStatus = "active"
	DeviceLocked  DeviceStatus = "locked" // its sessions are revoked and it cannot sign in
	DeviceWiped   DeviceStatus = "wiped"  // told to erase what it holds; cannot sign in
)

// WipeState tracks a remote wipe: requested by an admin, delivered to the
// device, confirmed by the device after it erased its data.
type WipeState string

// Wipe states.
const (
	WipeNone      WipeState = ""
	WipeRequested WipeState = "requested"
	WipeDelivered WipeState = "delivered"
	WipeConfirmed WipeState = "confirmed"
)

// Device is one browser or phone a user signs in from. The client supplies
// its own id (ClientID, kept in its storage) and a name; the server issues
// it a secret at its first sign-in (kept by the client too), of which it
// stores the hash (SecretHash): a later sign-in is this device only with
// the secret, so a client id copied from another device gets nothing.
type Device struct {
	ID         string
	OrgID      string
	UserID     string
	ClientID   string
	Name       string
	Status     DeviceStatus
	Wipe       WipeState
	CreatedAt  time.Time
	LastSeenAt time.Time
	LastIP     string
	SecretHash string // SHA-256 hex of the device secret; "" for devices from before secrets
}

// Validate checks the client-supplied parts of d.
func (d Device) Validate() error {
	if err := validText("device id", d.ClientID, 8, 128); err != nil {
		return err
	}
	return validText("device name", d.Name, 1, 100)
}

// Session is one signed-in device of one user. The token itself is never
// stored: TokenHash is its SHA-256.
type Session struct {
	ID         string
	OrgID      string
	UserID     string
	DeviceID   string
	TokenHash  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute lifetime
	RevokedAt  time.Time // zero while valid
	IP         string
	UserAgent  string
	MFAPending bool      // the session may only enrol a second factor
	AuthAt     time.Time // when the user last proved who they are: sign-in or re-authentication
}
