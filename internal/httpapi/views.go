package httpapi

import (
	"time"

	"github.com/wardhealth/ward"
)

// The JSON shapes of the API. Times are RFC 3339 in UTC.

type userView struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"org_id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	Role      ward.Role `json:"role"`
	Disabled  bool      `json:"disabled"`
	CreatedAt time.Time `json:"created_at"`
}

func viewUser(u ward.User) userView {
	return userView{ID: u.ID, OrgID: u.OrgID, Email: u.Email, Name: u.Name, Role: u.Role, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

func viewUsers(us []ward.User) []userView {
	out := make([]userView, len(us))
	for i, u := range us {
		out[i] = viewUser(u)
	}
	return out
}

type deviceView struct {
	ID         string            `json:"id"`
	UserID     string            `json:"user_id"`
	ClientID   string            `json:"client_id"`
	Name       string            `json:"name"`
	Status     ward.DeviceStatus `json:"status"`
	Wipe       ward.WipeState    `json:"wipe,omitempty"`
	CreatedAt  time.Time         `json:"created_at"`
	LastSeenAt time.Time         `json:"last_seen_at"`
	LastIP     string            `json:"last_ip"`
}

func viewDevice(d ward.Device) deviceView {
	return deviceView{ID: d.ID, UserID: d.UserID, ClientID: d.ClientID, Name: d.Name, Status: d.Status, Wipe: d.Wipe,
		CreatedAt: d.CreatedAt, LastSeenAt: d.LastSeenAt, LastIP: d.LastIP}
}

func viewDevices(ds []ward.Device) []deviceView {
	out := make([]deviceView, len(ds))
	for i, d := range ds {
		out[i] = viewDevice(d)
	}
	return out
}

type sessionView struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	Current    bool      `json:"current"`
}

func viewSession(s ward.Session, currentID string) sessionView {
	return sessionView{ID: s.ID, DeviceID: s.DeviceID, CreatedAt: s.CreatedAt, LastSeenAt: s.LastSeenAt,
		ExpiresAt: s.ExpiresAt, IP: s.IP, UserAgent: s.UserAgent, Current: s.ID == currentID}
}
