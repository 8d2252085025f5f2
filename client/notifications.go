package client

import (
	"context"
	"net/http"
	"time"
)

// Notification preferences and presence (docs/notifications.md).

// NewMessagePrefs says which new (not urgent) messages wake the user.
type NewMessagePrefs struct {
	Direct    bool `json:"direct"`
	Group     bool `json:"group"`
	TeamInbox bool `json:"team_inbox"`
}

// QuietHours is a daily window ("HH:MM" to "HH:MM") in an IANA time zone.
type QuietHours struct {
	From     string `json:"from"`
	To       string `json:"to"`
	TimeZone string `json:"time_zone"`
}

// NotificationPrefs are the signed-in user's notification preferences.
type NotificationPrefs struct {
	NewMessage NewMessagePrefs `json:"new_message"`
	QuietHours *QuietHours     `json:"quiet_hours"`
	DNDUntil   *time.Time      `json:"dnd_until"`
	Presence   string          `json:"presence"` // available, busy, off_duty
	UpdatedAt  time.Time       `json:"updated_at,omitzero"`
}

// NotificationPrefs reads the signed-in user's preferences.
func (c *Client) NotificationPrefs(ctx context.Context) (*NotificationPrefs, error) {
	var out NotificationPrefs
	return &out, c.do(ctx, http.MethodGet, "/api/v1/me/notifications", nil, &out)
}

// SetNotificationPrefs replaces the signed-in user's preferences with p (a
// nil QuietHours or DNDUntil clears them; Presence "" keeps it).
func (c *Client) SetNotificationPrefs(ctx context.Context, p NotificationPrefs) (*NotificationPrefs, error) {
	in := struct {
		NewMessage NewMessagePrefs `json:"new_message"`
		QuietHours *QuietHours     `json:"quiet_hours"`
		DNDUntil   *time.Time      `json:"dnd_until"`
		Presence   string          `json:"presence,omitempty"`
	}{p.NewMessage, p.QuietHours, p.DNDUntil, p.Presence}
	var out NotificationPrefs
	return &out, c.do(ctx, http.MethodPut, "/api/v1/me/notifications", in, &out)
}

// SetPresence sets the signed-in user's presence: available, busy or
// off_duty (staff roles).
func (c *Client) SetPresence(ctx context.Context, presence string) error {
	return c.do(ctx, http.MethodPut, "/api/v1/me/presence", map[string]string{"presence": presence}, nil)
}

// Presence lists colleagues who are not available: user id -> busy or
// off_duty (staff roles).
func (c *Client) Presence(ctx context.Context) (map[string]string, error) {
	var out struct{ Users map[string]string }
	return out.Users, c.do(ctx, http.MethodGet, "/api/v1/presence", nil, &out)
}
